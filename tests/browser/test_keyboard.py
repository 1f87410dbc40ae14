"""The main journey without a mouse: Tab, Shift+Tab, Enter, Space, arrow keys and typing only.

Log in, register a patient and fill the intake, enter a lab panel (correcting a unit mix-up), record a
screening and acknowledge a finding. Every Tab stop on the way must show where the focus is (the app's focus
outline), and the first Tab stop of a page is a visible skip link that moves the focus to the main content.
The test reads the page (which element has the focus) but acts only through ``page.keyboard``.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories

pytestmark = pytest.mark.browser

FOCUSED_JS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const text = node => (node ? node.textContent : '').replace(/\\s+/g, ' ').trim();
    let name = el.getAttribute('aria-label') || '';
    if (!name && el.labels && el.labels.length) name = text(el.labels[0]);
    if (!name && ['submit', 'button'].includes(el.type) && el.tagName === 'INPUT') name = el.value;
    if (!name) name = text(el);
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    return {
        tag: el.tagName.toLowerCase(),
        type: el.getAttribute('type') || '',
        id: el.id,
        name: name,
        // The app's focus ring: an outline at least 2px wide in a colour that is not transparent.
        ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2
            && !/rgba\\(.*,\\s*0\\)$/.test(style.outlineColor),
        // A date field's calendar button is a Tab stop inside the browser's own part of the field: the field
        // itself is not :focus then, and the browser draws the button's focus ring, which a page cannot style.
        picker: ['date', 'time', 'datetime-local'].includes(el.type) && !el.matches(':focus'),
        on_screen: box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth,
    };
}"""

MAX_TAB_STOPS = 250


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED_JS)


def tab_to(page, name: str | re.Pattern, *, tag: str | None = None, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the element named ``name`` has the focus; every stop on the way must
    show its focus."""
    key = "Shift+Tab" if backwards else "Tab"
    page.wait_for_load_state()  # the focus ring is the app's stylesheet's: wait until it has loaded
    for _ in range(MAX_TAB_STOPS):
        page.keyboard.press(key)
        element = focused(page)
        if element is None:
            continue
        assert element["ring"] or element["picker"], f"no visible focus on {element}"
        matches = re.search(name, element["name"]) if isinstance(name, re.Pattern) else element["name"] == name
        if matches and (tag is None or element["tag"] == tag):
            return element
    raise AssertionError(f"{name!r} was not reached with {MAX_TAB_STOPS} presses of {key}")


_DATE_ORDER: dict[int, str] = {}


def date_order(page) -> str:
    """The order in which this Chromium's date fields take their parts ("mdy", "dmy" or "ymd"), which
    follows the browser's language: found once by typing into a scratch date field."""
    key = id(page.context.browser)
    if key not in _DATE_ORDER:
        probe = page.context.new_page()
        probe.set_content('<input type="date" aria-label="probe">')
        probe.keyboard.press("Tab")
        probe.keyboard.type("01022003")  # 01, 02, 2003 in whatever order the field takes them
        value = probe.evaluate("document.activeElement.value")
        probe.close()
        _DATE_ORDER[key] = {"2003-01-02": "mdy", "2003-02-01": "dmy"}.get(value, "ymd")
    return _DATE_ORDER[key]


def type_date(page, day: dt.date) -> None:
    """Type a date into the focused date field, part by part (the field moves on by itself)."""
    parts = {"d": f"{day.day:02d}", "m": f"{day.month:02d}", "y": f"{day.year:04d}"}
    page.keyboard.type("".join(parts[letter] for letter in date_order(page)))


def test_main_journey_with_the_keyboard_only(page, clinician):
    today = timezone.localdate()
    date_order(page)  # probe once, before any field has the focus
    page.goto("/accounts/login/")

    # Log in: the username field has the focus when the page opens.
    assert focused(page)["name"] == "Username"
    page.keyboard.type("clinician")
    tab_to(page, "Password")
    page.keyboard.type(factories.PASSWORD)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Patients")).to_be_visible()

    # The first Tab stop is the skip link, visible while focused, and it moves the focus to the main content.
    page.wait_for_load_state()
    page.keyboard.press("Tab")
    skip = focused(page)
    assert skip["name"] == "Skip to main content"
    assert skip["on_screen"] and skip["ring"]
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "main"

    # Register a patient.
    tab_to(page, "New patient", tag="a")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("New patient — Northside Mood Clinic")
    tab_to(page, "Medical record number*")
    page.keyboard.type("KB-0007")
    tab_to(page, "Given name*")
    page.keyboard.type("Sam")
    tab_to(page, "Family name*")
    page.keyboard.type("Keys")
    tab_to(page, "Birth date*")
    type_date(page, dt.date(1984, 7, 9))
    tab_to(page, "Sex at birth*")
    page.keyboard.type("Female")  # type-ahead picks the option
    tab_to(page, "Save patient")
    page.keyboard.press("Enter")

    # The intake: a date, a choice, and a checkbox ticked with Space.
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake")
    tab_to(page, re.compile(r"^Current episode onset"))
    type_date(page, today - dt.timedelta(days=120))
    tab_to(page, re.compile(r"^Severity at baseline"))
    page.keyboard.type("Moderate")
    tab_to(page, "Anxiety disorder")
    page.keyboard.press("Space")
    tab_to(page, "Save intake")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sam Keys")
    expect(page.get_by_role("region", name="Intake")).to_contain_text("Anxiety disorder")

    # A lab panel with HbA1c 48 left in %, corrected from the error summary.
    tab_to(page, "Enter lab report")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a lab report")
    tab_to(page, re.compile(r"^Collection date"))
    type_date(page, today - dt.timedelta(days=2))
    tab_to(page, "HbA1c")
    page.keyboard.type("48")
    page.keyboard.press("Enter")  # submits the form from a text field
    expect(page.get_by_role("alert").filter(has_text="The report was not saved")).to_contain_text(
        "Did you mean mmol/mol?"
    )
    tab_to(page, "HbA1c", tag="a")  # the error summary's link to the field
    page.keyboard.press("Enter")
    assert focused(page)["name"] == "HbA1c"
    page.keyboard.press("Tab")
    assert focused(page)["name"] == "HbA1c unit"
    page.keyboard.press("ArrowDown")  # % -> mmol/mol
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main").get_by_role("status").first).to_have_text("Lab report saved (1 result).")

    # Record a screening, then acknowledge its first finding: the decision is a radio group with nothing chosen
    # for an open finding; Tab enters it on its first choice, "Acknowledge", and Space chooses it.
    tab_to(page, "Record screening")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Recorded screening of "))
    tab_to(page, "Acknowledge", tag="input")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked")
    save = tab_to(page, re.compile(r"^Save review of "))
    rule_id = save["name"].removeprefix("Save review of ")
    page.keyboard.press("Enter")
    expect(page.get_by_role("main").get_by_role("status").first).to_have_text(f"{rule_id}: review saved.")
    finding = page.get_by_role("article").filter(has_text=f"{rule_id} v")
    expect(finding).to_contain_text("Review: Acknowledged by")
