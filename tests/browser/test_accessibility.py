"""axe-core on every main page, each form with and without its errors.

axe runs the WCAG 2.0, 2.1 and 2.2 A and AA rules and its best practices (``support.run_axe``). No serious or
critical violation is allowed, nor any violation of page structure (headings in order, one main landmark,
all content in landmarks). Where a form shows errors, each invalid field must also carry ``aria-invalid`` and
an ``aria-describedby`` that leads to its error text, so that a screen reader reads the error with the field.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse
from playwright.sync_api import expect

from tests import factories

from .support import AXE_JS, assert_accessible, demo_patient, invalid_fields, sign_in, submit_without_browser_checks

pytestmark = pytest.mark.browser


class World:
    """The data of one test, created on first use: each page builds only what it shows."""

    def __init__(self) -> None:
        from patients import roles

        self.clinic = factories.make_clinic("Northside Mood Clinic")
        self.clinician = factories.make_user(
            clinic=self.clinic, username="clinician", first_name="Casey", last_name="Doctor"
        )
        self.administrator = factories.make_user(clinic=self.clinic, username="administrator", role=roles.ADMINISTRATOR)

    @cached_property
    def patient(self):
        """A plain patient with an ongoing trial and medicine, for the forms."""
        patient = factories.make_patient(clinic=self.clinic, created_by=self.clinician)
        factories.make_trial(patient, start=dt.date.today() - dt.timedelta(days=30))
        factories.make_medicine(patient)
        return patient

    @cached_property
    def trd_patient(self):
        """DEMO-0001: meets the TRD definition, MSM moderate, findings in several categories."""
        return demo_patient("DEMO-0001", clinic=self.clinic, user=self.clinician)

    @cached_property
    def safety_patient(self):
        """DEMO-0003: PHQ-9 item 9 endorsed, so the safety banner shows."""
        return demo_patient("DEMO-0003", clinic=self.clinic, user=self.clinician)

    @cached_property
    def screening(self):
        from screening.services import record_screening

        return record_screening(patient=self.trd_patient, recorded_by=self.clinician)

    @property
    def trial(self):
        return self.patient.trials.get()

    @property
    def medicine(self):
        return self.patient.medicines.get()


@pytest.fixture
def world(db) -> World:
    return World()


def _submit(button: str) -> Callable:
    return lambda page: submit_without_browser_checks(page, button)


def _wrong_password(page) -> None:
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()


def _hba1c_in_wrong_unit(page) -> None:
    page.get_by_label("Collection date").fill(dt.date.today().isoformat())
    page.get_by_label("HbA1c", exact=True).fill("48")
    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_role("alert").filter(has_text="The report was not saved")).to_be_visible()


def _sleep_not_a_number(page) -> None:
    page.get_by_label("Sleep (hours per night)").fill("eight")
    page.get_by_role("button", name="Save intake").click()
    expect(page.get_by_label("Sleep (hours per night)")).to_have_attribute("aria-invalid", "true")


def _dismiss_without_reason(page) -> None:
    review = page.get_by_role("group", name="Review").first
    review.get_by_label("Dismiss", exact=True).check()
    review.get_by_role("button").click()
    expect(page.locator("main [aria-invalid='true']").first).to_be_attached()


@dataclass(frozen=True)
class AxePage:
    id: str
    url: Callable[[World], str]
    user: str | None = "clinician"  # "clinician", "administrator" or None (anonymous)
    make_errors: Callable | None = None


def _url(name: str, **kwargs: Callable[[World], Any]) -> Callable[[World], str]:
    """A URL by name whose arguments are read from the world when the test runs."""
    return lambda w: reverse(name, kwargs={key: get(w) for key, get in kwargs.items()})


def _for_patient(name: str, **extra: Any) -> Callable[[World], str]:
    return lambda w: reverse(f"patients:{name}", kwargs={"code": w.patient.code, **extra})


def _for_trial(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"patients:{name}", kwargs={"code": w.patient.code, "trial_id": w.trial.pk})


CLINIC = {"clinic_code": lambda w: w.clinic.code}
SCREENING = {"code": lambda w: w.screening.code}

# A page with ``make_errors`` is checked as it opens, then again showing its errors.
PAGES = [
    AxePage("login", _url("login"), user=None, make_errors=_wrong_password),
    AxePage("patient-list", _url("patients:list")),
    AxePage("patient-trd", lambda w: w.trd_patient.get_absolute_url()),
    AxePage("patient-safety", lambda w: w.safety_patient.get_absolute_url()),
    AxePage("patient-form", _url("patients:create", **CLINIC), make_errors=_submit("Save patient")),
    AxePage("intake", _for_patient("intake"), make_errors=_sleep_not_a_number),
    AxePage("lab-panel", _for_patient("lab_panel"), make_errors=_hba1c_in_wrong_unit),
    AxePage("trial", _for_patient("trial_create"), make_errors=_submit("Save trial")),
    AxePage("trial-dose", _for_trial("trial_dose"), make_errors=_submit("Change dose")),
    AxePage("trial-end", _for_trial("trial_end"), make_errors=_submit("End trial")),
    AxePage("augmentation", _for_patient("augmentation_create"), make_errors=_submit("Save augmentation")),
    AxePage("treatment", _for_patient("treatment_create"), make_errors=_submit("Save treatment")),
    AxePage("psychotherapy", _for_patient("psychotherapy_create"), make_errors=_submit("Save course")),
    AxePage("phq9", _for_patient("scale_create", instrument="phq9"), make_errors=_submit("Save PHQ-9")),
    AxePage("epds", _for_patient("scale_create", instrument="epds"), make_errors=_submit("Save EPDS")),
    AxePage("medicine", _for_patient("medicine_create"), make_errors=_submit("Save")),
    AxePage(
        "medicine-end",
        lambda w: reverse("patients:medicine_end", kwargs={"code": w.patient.code, "medicine_id": w.medicine.pk}),
        make_errors=_submit("Save"),
    ),
    AxePage("measurement", _for_patient("measurement_create"), make_errors=_submit("Save measurements")),
    AxePage("recorded-screening", _url("screening:detail", **SCREENING), make_errors=_dismiss_without_reason),
    AxePage("print-view", _url("screening:print", **SCREENING)),
    AxePage("rule-catalogue", _url("screening:catalogue")),
    AxePage("clinic-settings", _url("screening:clinic_settings", **CLINIC), user="administrator"),
    AxePage("clinic-settings-read-only", _url("screening:clinic_settings", **CLINIC)),
    AxePage("dashboard", _url("dashboard:overview")),
    AxePage("dashboard-worklist", _url("dashboard:worklist")),
    AxePage("dashboard-labs", _url("dashboard:labs")),
    AxePage("dashboard-governance", _url("dashboard:governance")),
    AxePage("csv-import", _url("interop:csv_import", **CLINIC)),
    AxePage("fhir-import", _url("interop:fhir_import_clinic", **CLINIC)),
    AxePage("audit-trail", _url("audit:trail"), user="administrator"),
    AxePage("account-security", _url("accounts:security")),
    AxePage("not-found", lambda w: "/patients/00000000-0000-0000-0000-000000000000/"),
    AxePage("forbidden", _url("patients:create", **CLINIC), user="administrator"),  # administrators add no patients
]


@pytest.mark.parametrize("target", PAGES, ids=[p.id for p in PAGES])
def test_page_has_no_serious_accessibility_violations(target: AxePage, world: World, axe_page, server):
    page = axe_page
    try:
        url = target.url(world)
    except NoReverseMatch as missing:
        pytest.skip(f"{target.id}: the page does not exist yet ({missing})")
    if target.user is not None:
        sign_in(page, getattr(world, target.user), server)
    page.goto(url)
    assert_accessible(page, target.id)
    if target.make_errors is None:
        return
    target.make_errors(page)
    fields = invalid_fields(page)
    if target.id != "login":  # the login error is about the pair of fields, shown above the form
        assert fields, f"{target.id}: no field is marked invalid"
    for field in fields:
        assert field["invalid"] == "true", f"{target.id}: {field['name']} lacks aria-invalid"
        assert field["description"], f"{target.id}: {field['name']} has no error text in aria-describedby"
    assert_accessible(page, f"{target.id} with errors")


def test_vendored_axe_core_is_the_published_file():
    """The integrity recorded in vendor/README.md is the one axe-core publishes for this version."""
    digest = base64.b64encode(hashlib.sha256(AXE_JS.read_bytes()).digest()).decode()
    assert f"sha256-{digest}" in (AXE_JS.parent / "README.md").read_text()
