"""The clinician's journeys in a real browser: log in, register, intake, labs, trials, screening, review,
print and PDF, log out; and the two ways in that must stay shut (another clinic, an idle session)."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests import factories

from .support import log_in

pytestmark = pytest.mark.browser


def days_ago(days: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=days)


def set_intake(patient, **fields) -> None:
    """The intake row, saved as its form saves it (one row: ``full_clean()`` then ``save()``)."""
    intake = patient.intake
    for name, value in fields.items():
        setattr(intake, name, value)
    intake.full_clean()
    intake.save()


@pytest.fixture
def episode_patient(clinic, clinician):
    """A patient in a severe episode that began 400 days ago, with no trials or results yet."""
    patient = factories.make_patient(clinic=clinic, created_by=clinician, given_name="Robin", family_name="Fieldfare")
    set_intake(patient, episode_onset=days_ago(400), episode_severity="severe")
    return patient


@pytest.fixture
def screened_patient(episode_patient):
    """The episode patient with results that give a metabolic and an inflammatory finding."""
    factories.add_labs(episode_patient, ("hba1c", "6.1", "%"), ("hscrp", "5", "mg/L"), collected_on=days_ago(10))
    return episode_patient


def status_message(page):
    return page.get_by_role("main").get_by_role("status").first


def open_patient(page, patient) -> None:
    page.get_by_role("link", name="Patients", exact=True).click()
    page.get_by_role("link", name=f"{patient.family_name}, {patient.given_name}").click()
    expect(page.get_by_role("heading", level=1, name=patient.full_name)).to_be_visible()


def test_clinician_logs_in_and_out(page, clinician):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()

    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("alert")).to_be_visible()

    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Patients")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Casey Doctor")
    # The live server serves the static files: the app's stylesheet is applied over Bootstrap's.
    page.wait_for_load_state()  # stylesheets included
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(246, 247, 249)"

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    page.goto("/patients/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/patients/"))


def test_clinician_registers_a_patient_and_fills_the_intake(page, clinician):
    log_in(page, "clinician")
    page.get_by_role("link", name="New patient").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New patient — Northside Mood Clinic")

    page.get_by_label("Medical record number").fill("NS-2041")
    page.get_by_label("Given name").fill("Morgan")
    page.get_by_label("Family name").fill("Ashdown")
    page.get_by_label("Birth date").fill("1979-03-14")
    page.get_by_label("Sex at birth").select_option(label="Female")
    page.get_by_role("button", name="Save patient").click()

    expect(status_message(page)).to_have_text("Patient registered. Record the intake next.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake")
    page.get_by_label("Current episode onset").fill(days_ago(200).isoformat())
    page.get_by_label("Severity at baseline").select_option(label="Moderate")
    page.get_by_label("Anxiety disorder").check()
    page.get_by_label("Sleep (hours per night)").fill("5.5")
    page.get_by_label("Exercise (minutes per week)").fill("60")
    page.get_by_role("button", name="Save intake").click()

    expect(status_message(page)).to_have_text("Intake saved.")
    expect(page.get_by_role("heading", level=1)).to_have_text("Morgan Ashdown")
    intake = page.get_by_role("region", name="Intake")
    expect(intake).to_contain_text(f"since {days_ago(200).isoformat()} · Moderate")
    expect(intake).to_contain_text("Anxiety disorder")
    expect(intake).to_contain_text("sleep 5.5 h/night")


def test_lab_panel_catches_a_unit_mix_up_and_saves_once_corrected(page, clinician, episode_patient):
    log_in(page, "clinician")
    open_patient(page, episode_patient)
    page.get_by_role("link", name="Enter lab report").click()

    page.get_by_label("Collection date").fill(days_ago(3).isoformat())
    hba1c = page.get_by_label("HbA1c", exact=True)
    hba1c.fill("48")
    expect(page.get_by_label("HbA1c unit")).to_have_value("%")
    page.get_by_role("button", name="Save report").click()

    summary = page.get_by_role("alert").filter(has_text="The report was not saved")
    expect(summary).to_contain_text("Did you mean mmol/mol?")
    expect(hba1c).to_have_value("48")  # what was typed is kept
    expect(hba1c).to_have_attribute("aria-invalid", "true")
    mix_up = re.compile(r"^48 is not a plausible HbA1c in %.*Did you mean mmol/mol\?")
    expect(hba1c).to_have_accessible_description(mix_up)
    # The summary links straight to the field.
    summary.get_by_role("link", name="HbA1c").click()
    expect(hba1c).to_be_focused()

    page.get_by_label("HbA1c unit").select_option("mmol/mol")
    page.get_by_role("button", name="Save report").click()

    expect(status_message(page)).to_have_text("Lab report saved (1 result).")
    labs = page.get_by_role("region", name="Laboratory results")
    row = labs.get_by_role("row").filter(has=page.get_by_role("rowheader", name="HbA1c", exact=True))
    expect(row).to_contain_text("48 mmol/mol")
    expect(row).to_contain_text("= 6.5")


def add_trial(page, *, drug: str, dose: int, start: dt.date, weeks: int, improvement: int | None = None) -> None:
    page.get_by_role("link", name="Add trial").click()
    page.get_by_role("combobox", name=re.compile(r"^Antidepressant")).select_option(drug)
    page.get_by_label("First daily dose (mg)").fill(str(dose))
    page.get_by_label("Start date").fill(start.isoformat())
    page.get_by_label("End date").fill((start + dt.timedelta(weeks=weeks)).isoformat())
    page.get_by_label("Adherence").select_option(label="Good")
    page.get_by_label("Outcome").select_option(label="No response")
    if improvement is not None:
        page.get_by_label("Improvement on a rating scale (%)").fill(str(improvement))
    page.get_by_role("button", name="Save trial").click()
    expect(status_message(page)).to_have_text(re.compile(rf"^Trial of {drug}\b.* saved\.$", re.IGNORECASE))


def test_trials_give_the_trd_status_msm_score_and_findings(page, clinician, episode_patient):
    log_in(page, "clinician")
    open_patient(page, episode_patient)
    add_trial(page, drug="sertraline", dose=100, start=days_ago(300), weeks=8, improvement=10)
    add_trial(page, drug="venlafaxine", dose=150, start=days_ago(200), weeks=8)
    add_trial(page, drug="citalopram", dose=10, start=days_ago(100), weeks=6)

    trd = page.get_by_role("region", name="Treatment resistance")
    expect(trd).to_contain_text("Meets the two-failed-trial definition of TRD")
    expect(trd).to_contain_text(re.compile(r"7\s*/ 15 · moderate"))
    adequacy = trd.get_by_role("table")
    expect(adequacy.get_by_role("row").filter(has_text="Sertraline")).to_contain_text("✓ Adequate")
    expect(adequacy.get_by_role("row").filter(has_text="Venlafaxine")).to_contain_text("✓ Adequate")
    expect(adequacy.get_by_role("row").filter(has_text="Citalopram")).to_contain_text("✗ Not adequate")
    expect(adequacy.get_by_role("row").filter(has_text="Citalopram")).to_contain_text("10 mg/day (below 20 mg/day)")

    findings = page.get_by_role("region", name=re.compile(r"^Screening findings"))
    for rule_id, words in [
        ("TRD-01", "failed adequate trials"),
        ("TRD-02", "does not meet adequacy criteria"),
        ("TRD-03", "Maudsley Staging Method score is 7 (moderate)"),
    ]:
        finding = findings.get_by_role("article").filter(has_text=f"{rule_id} v")
        expect(finding).to_contain_text(words)


def review(page, rule_id: str, decision: str, *, reason: str | None = None) -> None:
    group = page.get_by_role("group", name=f"Review {rule_id}")
    group.get_by_label(decision, exact=True).check()
    if reason is not None:
        group.get_by_label("Reason for dismissing").select_option(label=reason)
    group.get_by_role("button", name=f"Save review of {rule_id}").click()


def test_clinician_records_a_screening_and_reviews_its_findings(page, clinician, screened_patient):
    log_in(page, "clinician")
    open_patient(page, screened_patient)
    page.get_by_role("button", name="Record screening").click()

    expect(status_message(page)).to_contain_text("Screening recorded with")
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Recorded screening of \d{4}-\d\d-\d\d$"))

    review(page, "META-01a", "Acknowledge")
    expect(status_message(page)).to_have_text("META-01a: review saved.")
    expect(page).to_have_url(re.compile(r"#finding-META-01a$"))
    meta = page.get_by_role("article").filter(has_text="META-01a v")
    expect(meta).to_contain_text("Review: Acknowledged by")

    # Dismissing needs a reason: the error is tied to the reason field.
    review(page, "INFL-01b", "Dismiss")
    reason = page.get_by_role("group", name="Review INFL-01b").get_by_label("Reason for dismissing")
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(reason).to_have_accessible_description("Choose why the finding is dismissed.")
    review(page, "INFL-01b", "Dismiss", reason="Already addressed")
    expect(status_message(page)).to_have_text("INFL-01b: review saved.")
    infl = page.get_by_role("article").filter(has_text="INFL-01b v")
    expect(infl).to_contain_text("Review: Dismissed by")
    expect(infl).to_contain_text("reason: Already addressed")


def test_print_view_and_pdf_download(page, clinician, screened_patient):
    from screening.services import record_screening, review_finding

    screening = record_screening(patient=screened_patient, recorded_by=clinician)
    finding = screening.findings.get(rule_id="META-01a")
    review_finding(finding=finding, reviewed_by=clinician, state="acknowledged")
    log_in(page, "clinician")
    page.goto(screening.get_absolute_url())

    page.get_by_role("link", name="Print view").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text("Metabolic, inflammatory, hormonal and nutrient screening summary")
    expect(page.get_by_text("These are screening prompts for clinician review, not diagnoses.")).to_be_visible()
    expect(page.get_by_role("heading", name="Findings")).to_be_visible()
    expect(page.get_by_text("META-01a v")).to_be_visible()
    # The print stylesheet is served and applied (the disclaimer's box comes from it).
    page.wait_for_load_state()  # stylesheets included
    assert page.evaluate("getComputedStyle(document.querySelector('.disclaimer')).borderTopStyle") == "solid"

    # Readable in grayscale: when printed, no text, border or background carries a colour (every colour is a
    # grey), so nothing depends on hue; severities are words, with border styles.
    page.emulate_media(media="print")
    coloured = page.evaluate(
        """() => {
            const grey = c => { const m = c.match(/[\\d.]+/g); return !m || (m[0] === m[1] && m[1] === m[2]); };
            const found = [];
            for (const el of document.querySelectorAll('body *')) {
                const s = getComputedStyle(el);
                for (const c of [s.color, s.backgroundColor, s.borderTopColor]) {
                    if (!grey(c)) found.push(el.tagName + ' ' + c);
                }
            }
            return found.slice(0, 10);
        }"""
    )
    assert coloured == []
    page.emulate_media(media="screen")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_clinician_of_another_clinic_gets_page_not_found(page, clinician, stranger, screened_patient):
    from screening.services import record_screening

    screening = record_screening(patient=screened_patient, recorded_by=clinician)
    log_in(page, "stranger")
    for url in (screened_patient.get_absolute_url(), screening.get_absolute_url()):
        response = page.goto(url)
        assert response.status == 404
        expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
        expect(page.get_by_role("main")).not_to_contain_text(screened_patient.family_name)


def test_idle_session_ends_and_the_next_action_returns_to_login(page, clinician, episode_patient, settings):
    log_in(page, "clinician")
    open_patient(page, episode_patient)
    settings.SESSION_COOKIE_AGE = 1  # every request renews the session for this long: here, one second
    page.reload()
    time.sleep(1.5)  # idle for longer than that

    page.get_by_role("link", name="Enter lab report").click()
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/patients/[0-9a-f-]+/labs/new/"))

    settings.SESSION_COOKIE_AGE = 15 * 60
    page.get_by_label("Username").fill("clinician")
    page.get_by_label("Password").fill(factories.PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter a lab report")
