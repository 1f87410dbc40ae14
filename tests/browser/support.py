"""Helpers for the browser tests: logging in, and axe-core accessibility checks."""

from __future__ import annotations

import json
from pathlib import Path

from playwright.sync_api import expect

AXE_JS = Path(__file__).parent / "vendor" / "axe.min.js"
# The WCAG 2.0, 2.1 and 2.2 A and AA rules of axe-core 4, and its best practices for page structure.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
BLOCKING_IMPACTS = {"serious", "critical"}
# Page structure, failed at any impact (axe rates them "moderate"): headings in order without skipped
# levels, one h1, one main landmark, every piece of content inside a landmark, landmarks told apart.
STRUCTURE_RULES = {
    "heading-order",
    "page-has-heading-one",
    "landmark-one-main",
    "landmark-no-duplicate-main",
    "landmark-unique",
    "region",
    "bypass",
}


def log_in(page, username: str, password: str | None = None) -> None:
    """Log in through the login form, as a user does."""
    from tests import factories

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password or factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def sign_in(page, user, server: str) -> None:
    """Give the page's context a signed-in session without the login form (for tests about other pages)."""
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server}])


def run_axe(page) -> list[dict]:
    """Run axe-core on the page as it is now; returns the serious and critical violations and any violation
    of page structure."""
    page.wait_for_load_state()  # colours and layout are only right once the stylesheets have loaded
    page.add_script_tag(path=str(AXE_JS))
    results = page.evaluate(
        """async (tags) => {
            const options = {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']};
            const results = await axe.run(document, options);
            return results.violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                nodes: v.nodes.map(n => ({target: n.target, html: n.html, summary: n.failureSummary})),
            }));
        }""",
        AXE_TAGS,
    )
    return [v for v in results if v["impact"] in BLOCKING_IMPACTS or v["id"] in STRUCTURE_RULES]


def describe_violations(label: str, violations: list[dict]) -> str:
    lines = [f"{label}: {len(violations)} accessibility violation(s)"]
    for violation in violations:
        lines.append(f"- [{violation['impact']}] {violation['id']}: {violation['help']} ({violation['helpUrl']})")
        for node in violation["nodes"][:8]:
            lines.append(f"    {json.dumps(node['target'])}: {node['html'][:200]}")
            lines.append("      " + (node["summary"] or "").replace("\n", "\n      "))
        if len(violation["nodes"]) > 8:
            lines.append(f"    ... and {len(violation['nodes']) - 8} more")
    return "\n".join(lines)


def assert_accessible(page, label: str) -> None:
    violations = run_axe(page)
    assert not violations, describe_violations(label, violations)


def demo_patient(mrn: str, *, clinic, user):
    """One patient of the demo data (``patients/demo.py``), dated relative to today, in ``clinic``."""
    from django.utils import timezone

    from patients import demo

    spec = next(spec for spec in demo.demo_patients(timezone.localdate()) if spec.mrn == mrn)
    return demo.create_demo_patient(spec, clinic=clinic, user=user)


def submit_without_browser_checks(page, button_name: str) -> None:
    """Submit the main form with the browser's own required-field checks off, so that the server's error
    messages (the ones every user gets, whatever their browser) are shown."""
    page.evaluate("document.querySelectorAll('main form').forEach(form => { form.noValidate = true; })")
    page.get_by_role("main").get_by_role("button", name=button_name).click()
    expect(page.locator("main [aria-invalid='true']").first).to_be_attached()


INVALID_FIELDS_JS = """() => [...document.querySelectorAll('main .is-invalid, main [aria-invalid="true"]')]
    .filter(el => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName))
    .map(el => {
        // A radio or checkbox group carries its description on its fieldset.
        const described = el.hasAttribute('aria-describedby') ? el : el.closest('fieldset[aria-describedby]') || el;
        const ids = (described.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
        const text = ids.map(id => (document.getElementById(id) || {}).textContent || '').join(' ').trim();
        return {name: el.name, invalid: el.getAttribute('aria-invalid'), description: text};
    })"""


def invalid_fields(page) -> list[dict]:
    """Every field shown as invalid, with its ``aria-invalid`` and the text its ``aria-describedby`` points to."""
    return page.evaluate(INVALID_FIELDS_JS)
