"""``manage.py load_demo``: idempotent, a demo clinician who can sign in, and patients that show every rule family."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpRequest
from django.test import Client
from django.utils import timezone

from patients import demo, roles
from patients.models import (
    AntidepressantTrial,
    Augmentation,
    Clinic,
    ClinicMembership,
    DosePeriod,
    Intake,
    LabReport,
    LabResult,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    PsychotherapyCourse,
    ScaleScore,
)
from screening.rules import Category, Level, ScreeningResult, evaluate
from screening.snapshots import build_snapshot, with_snapshot_data
from tests import factories

pytestmark = pytest.mark.django_db

CHOSEN_PASSWORD = "Velvet-Harbour-Lantern-93"
MODELS = (
    Clinic,
    ClinicMembership,
    Patient,
    Intake,
    Medicine,
    Measurement,
    LabReport,
    LabResult,
    AntidepressantTrial,
    DosePeriod,
    Augmentation,
    OtherTreatment,
    PsychotherapyCourse,
    ScaleScore,
)

# The findings each scenario is built to show (a subset of what fires); see the table in patients/demo.py.
SCENARIO_FINDINGS = {
    "DEMO-0001": {"TRD-01", "TRD-03", "META-01a", "META-02a", "META-03", "META-06", "INFL-01b", "INFL-02"},
    "DEMO-0002": {"TRD-02"},
    "DEMO-0003": {"HORM-05"},
    "DEMO-0004": set(),
    "DEMO-0005": {"HORM-04b"},
    "DEMO-0006": {"HORM-01"},
    "DEMO-0007": {"THY-01a", "TRD-01"},
    "DEMO-0008": {"NUTR-01a"},
    "DEMO-0009": {"MED-02", "THY-03c", "THY-05"},
    "DEMO-0010": {"META-08", "DATA-04"},
    "DEMO-0011": {"HORM-06", "NUTR-03a", "NUTR-05b"},
    "DEMO-0012": {"DATA-01", "DATA-02", "DATA-03", "TRD-04"},
}


@pytest.fixture(autouse=True)
def _no_chosen_password(monkeypatch):
    monkeypatch.delenv(demo.DEMO_PASSWORD_ENV, raising=False)
    monkeypatch.delenv("HOST", raising=False)
    monkeypatch.delenv("PORT", raising=False)


def load(*args: str) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def printed_password(output: str) -> str | None:
    match = re.search(r"^\s*Password:\s+(\S+)", output, flags=re.M)
    return None if match is None or match.group(1) == "unchanged" else match.group(1)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def can_log_in(password: str) -> bool:
    # The login lockout (django-axes) needs the request that the login view would pass.
    return Client().login(request=HttpRequest(), username=demo.DEMO_USERNAME, password=password)


def screen_demo_clinic(as_of: dt.date) -> dict[str, ScreeningResult]:
    patients = with_snapshot_data(Patient.objects.filter(clinic__name=demo.DEMO_CLINIC_NAME))
    return {patient.mrn: evaluate(build_snapshot(patient), as_of=as_of) for patient in patients}


@pytest.fixture
def results() -> dict[str, ScreeningResult]:
    load()
    return screen_demo_clinic(timezone.localdate())


# ---------------------------------------------------------------------------------------------------------
# The command


def test_creates_the_clinic_a_clinician_and_twelve_patients():
    output = load()

    clinic = Clinic.objects.get(name=demo.DEMO_CLINIC_NAME)
    mrns = sorted(clinic.patients.values_list("mrn", flat=True))
    assert mrns == [f"DEMO-{n:04d}" for n in range(1, 13)]
    membership = ClinicMembership.objects.get(user__username=demo.DEMO_USERNAME, clinic=clinic)
    assert membership.user.groups.filter(name=roles.CLINICIAN).exists()
    assert "http://127.0.0.1:8000/" in output
    assert "Username:  demo" in output


def test_prints_the_address_run_sh_serves_on(monkeypatch):
    monkeypatch.setenv("PORT", "8100")

    output = load()

    assert "Open http://127.0.0.1:8100/ and sign in with:" in output
    assert ":8000" not in output


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        (None, None, "http://127.0.0.1:8000/"),
        ("", "", "http://127.0.0.1:8000/"),
        ("192.168.1.20", "8100", "http://192.168.1.20:8100/"),
        ("0.0.0.0", "9000", "http://localhost:9000/"),  # noqa: S104 - an environment value, not a binding
        ("::", None, "http://localhost:8000/"),
        ("::1", "8100", "http://[::1]:8100/"),
    ],
)
def test_site_url_follows_host_and_port_like_run_sh(monkeypatch, host, port, url):
    from patients.management.commands.load_demo import site_url

    for name, value in (("HOST", host), ("PORT", port)):
        if value is not None:
            monkeypatch.setenv(name, value)
    assert site_url() == url


def test_run_sh_serves_on_the_defaults_the_command_prints():
    from pathlib import Path

    from patients.management.commands.load_demo import DEFAULT_HOST, DEFAULT_PORT

    script = (Path(__file__).parent.parent / "scripts" / "run.sh").read_text()
    assert f'runserver "${{HOST:-{DEFAULT_HOST}}}:${{PORT:-{DEFAULT_PORT}}}"' in script


def test_generated_password_is_printed_and_logs_in():
    password = printed_password(load())

    assert password is not None
    assert len(password) >= 16
    assert can_log_in(password)


def test_password_comes_from_the_environment_when_set(monkeypatch):
    monkeypatch.setenv(demo.DEMO_PASSWORD_ENV, CHOSEN_PASSWORD)

    output = load()

    assert printed_password(output) == CHOSEN_PASSWORD
    assert can_log_in(CHOSEN_PASSWORD)


def test_weak_environment_password_is_refused(monkeypatch):
    monkeypatch.setenv(demo.DEMO_PASSWORD_ENV, "demo")

    with pytest.raises(CommandError, match="DEMO_PASSWORD"):
        load()

    assert not get_user_model().objects.filter(username=demo.DEMO_USERNAME).exists()


def test_second_run_creates_nothing_and_keeps_the_password():
    password = printed_password(load())
    before = row_counts()

    output = load()

    assert row_counts() == before
    assert printed_password(output) is None
    assert "--reset-password" in output
    assert "0 created, 12 already present" in output
    assert can_log_in(password)


def test_reset_password_sets_a_new_password():
    old = printed_password(load())

    new = printed_password(load("--reset-password"))

    assert new is not None
    assert new != old
    assert can_log_in(new)
    assert not can_log_in(old)


def test_existing_patient_is_skipped_entirely():
    clinic, _ = demo.get_or_create_clinic()
    existing = factories.make_patient(clinic=clinic, mrn="DEMO-0003", given_name="Kept", family_name="AsIs")

    output = load()

    assert "11 created, 1 already present" in output
    existing.refresh_from_db()
    assert existing.given_name == "Kept"
    assert not existing.trials.exists()
    assert not existing.lab_results.exists()
    assert not existing.scale_scores.exists()


def test_lab_results_are_stored_as_demo_data_with_si_units_and_a_censored_value():
    load()

    results = LabResult.objects.filter(patient__clinic__name=demo.DEMO_CLINIC_NAME)
    assert set(results.values_list("source", flat=True)) == {"demo"}
    reported = set(results.values_list("analyte", "unit"))
    assert {("glucose", "mmol/L"), ("b12", "pmol/L"), ("vitamin_d", "nmol/L")} <= reported
    assert results.filter(analyte="hscrp", comparator="<").exists()


# ---------------------------------------------------------------------------------------------------------
# What the rules find


def test_findings_cover_every_category(results):
    categories = {finding.category for result in results.values() for finding in result.findings}

    assert set(Category) <= categories


def test_trd_patient_meets_the_definition_with_a_moderate_msm(results):
    trd = results["DEMO-0001"].trd

    assert trd.meets_trd_definition
    assert trd.msm is not None
    assert trd.msm.band == "moderate"


def test_pseudo_resistance_patient_has_inadequate_trials_and_no_trd(results):
    rule_ids = results["DEMO-0002"].rule_ids

    assert "TRD-02" in rule_ids
    assert "TRD-01" not in rule_ids


def test_only_the_safety_patient_endorses_self_harm(results):
    with_self_harm = {mrn for mrn, result in results.items() if "HORM-05" in result.rule_ids}

    assert with_self_harm == {"DEMO-0003"}


def test_in_range_patient_has_nothing_to_consider(results):
    raised = [f.rule_id for f in results["DEMO-0004"].findings if f.severity in (Level.CONSIDER, Level.IMPORTANT)]

    assert raised == []


def test_only_the_data_gap_patient_lacks_a_recent_score(results):
    stale = {mrn for mrn, result in results.items() if "TRD-04" in result.rule_ids}

    assert stale == {"DEMO-0012"}


def missing_findings(results: dict[str, ScreeningResult]) -> dict[str, list[str]]:
    """Scenario findings that did not fire, by MRN (empty when every scenario shows what it is built for)."""
    missing = {mrn: sorted(expected - results[mrn].rule_ids) for mrn, expected in SCENARIO_FINDINGS.items()}
    return {mrn: rule_ids for mrn, rule_ids in missing.items() if rule_ids}


def test_each_scenario_shows_its_findings(results):
    assert missing_findings(results) == {}


@pytest.mark.parametrize("today", [dt.date(2027, 1, 1), dt.date(2028, 2, 29), dt.date(2031, 12, 31)])
def test_scenarios_hold_whatever_day_the_demo_is_loaded(today):
    clinic, _ = demo.get_or_create_clinic()
    user = factories.make_user(clinic=clinic)
    demo.load_demo_patients(clinic=clinic, user=user, today=today)

    results = screen_demo_clinic(today)

    assert missing_findings(results) == {}
    assert results["DEMO-0001"].trd.msm.band == "moderate"
    assert [f.rule_id for f in results["DEMO-0004"].findings if f.severity != Level.INFO] == []
