"""The rules engine as the web app runs it: snapshot built from the database, findings on the patient page,
clinic conventions applied and recorded."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from patients import demo, roles, services
from patients.models import Clinic, Intake, Patient
from screening.rules import evaluate
from screening.services import screen_patient
from screening.snapshots import build_snapshot, load_snapshots, with_snapshot_data
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 1)


def loaded(patient):
    return with_snapshot_data(Patient.objects.filter(pk=patient.pk)).get()


def test_snapshot_carries_canonical_and_reported_values(patient):
    factories.add_labs(patient, ("glucose", "5.6", "mmol/L"), collected_on=dt.date(2026, 10, 1), fasting="yes")
    snapshot = build_snapshot(loaded(patient))
    (lab,) = snapshot.labs
    assert lab.analyte == "glucose"
    assert lab.value == pytest.approx(5.6 * 18.016)
    assert (lab.entered_value, lab.entered_unit, lab.fasting) == (5.6, "mmol/L", True)


def test_snapshot_converts_laboratory_reference_limits_to_canonical(patient):
    services.record_lab_panel(
        patient=patient,
        entered_by=None,
        collected_on=dt.date(2026, 10, 1),
        entries=[
            services.LabEntry(
                analyte="ft4",
                value=Decimal("9"),
                unit="pmol/L",
                reference_low=Decimal("12"),
                reference_high=Decimal("22"),
            )
        ],
    )
    (lab,) = build_snapshot(loaded(patient)).labs
    assert lab.reference_low == pytest.approx(12 / 12.87, abs=1e-6)
    assert lab.reference_high == pytest.approx(22 / 12.87, abs=1e-6)


def test_snapshot_keeps_dose_periods_in_order(patient):
    trial = factories.make_trial(patient, drug="sertraline", daily_dose_mg=Decimal("50"), start=dt.date(2025, 1, 1))
    services.change_trial_dose(trial=trial, daily_dose_mg=Decimal("100"), start=dt.date(2025, 2, 1))
    (snapshot_trial,) = build_snapshot(loaded(patient)).trials
    assert [p.daily_dose_mg for p in snapshot_trial.dose_periods] == [50, 100]
    assert snapshot_trial.dose_periods[0].end == dt.date(2025, 1, 31)


def test_screening_the_stored_patient_matches_the_engine(patient):
    factories.add_labs(
        patient, ("hba1c", "43", "mmol/mol"), ("tsh", "12", "m[IU]/L"), collected_on=dt.date(2026, 10, 1)
    )
    result = screen_patient(loaded(patient), as_of=TODAY)
    assert {"META-01a", "THY-01b"} <= result.rule_ids
    assert result == evaluate(build_snapshot(loaded(patient)), as_of=TODAY)


def test_snapshot_building_runs_a_fixed_number_of_queries(clinic, django_assert_num_queries):
    for index in range(3):
        patient = factories.make_patient(clinic=clinic, mrn=f"Q{index}")
        factories.add_labs(patient, ("tsh", "2", "m[IU]/L"), collected_on=dt.date(2026, 1, 1))
        factories.make_trial(patient, start=dt.date(2025, 1, 1))
    with django_assert_num_queries(9):
        patients = list(with_snapshot_data(Patient.objects.filter(clinic=clinic)))
        snapshots = [build_snapshot(p) for p in patients]
    assert len(snapshots) == 3


class TestPatientPageFindings:
    def test_shows_findings_safety_first_with_values_threshold_and_source(self, client_for, clinician, patient):
        today = timezone.localdate()
        factories.add_labs(patient, ("hba1c", "6.1", "%"), collected_on=today - dt.timedelta(days=5))
        services.record_scale_score(
            patient=patient, instrument="phq9", administered_on=today, items=[2, 2, 2, 1, 1, 1, 1, 1, 1]
        )
        page = client_for(clinician).get(reverse("patients:detail", args=[patient.code])).text
        assert "META-01a" in page
        assert "HbA1c 6.1 %" in page
        assert "ADA Standards of Care 2025" in page
        assert page.index("HORM-05") < page.index("META-01a")
        assert "review now per local protocol" in page
        assert "Not evaluated" in page

    def test_shows_trd_status_and_trial_adequacy(self, client_for, clinician, patient):
        factories.make_trial(
            patient, drug="citalopram", daily_dose_mg=Decimal("10"), start=dt.date(2025, 1, 1), end=dt.date(2025, 4, 1)
        )
        page = client_for(clinician).get(reverse("patients:detail", args=[patient.code])).text
        assert "Maudsley Staging Method" in page
        assert "Thase-Rush" in page
        assert "Not adequate" in page


class TestClinicSettings:
    def url(self, clinic):
        return reverse("screening:clinic_settings", args=[clinic.code])

    def test_anonymous_is_redirected_to_login(self, client, clinic):
        response = client.get(self.url(clinic))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_other_clinic_gets_404(self, client_for, stranger, clinic):
        assert client_for(stranger).get(self.url(clinic)).status_code == 404

    def test_wrong_method_gets_405(self, client_for, clinician, clinic):
        assert client_for(clinician).put(self.url(clinic)).status_code == 405

    def test_clinician_sees_but_cannot_change(self, client_for, clinician, clinic):
        client = client_for(clinician)
        assert client.get(self.url(clinic)).status_code == 200
        assert client.post(self.url(clinic), {"adequate_trial_weeks": "4"}).status_code == 403
        clinic.refresh_from_db()
        assert clinic.screening_options == {}

    def test_administrator_changes_conventions_and_results_record_them(self, client_for, clinic, patient):
        admin = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR)
        data = {
            **self.defaults(),
            "adequate_trial_weeks": "4",
            "homa_ir_cutoff": "3.0",
            "min_dose_overrides": "venlafaxine = 150",
        }
        response = client_for(admin).post(self.url(clinic), data)
        assert response.status_code == 302
        clinic = Clinic.objects.get(pk=clinic.pk)
        assert clinic.screening_options["adequate_trial_weeks"] == 4
        assert clinic.screening_options["min_dose_overrides"] == {"venlafaxine": 150.0}
        result = screen_patient(loaded(patient), as_of=TODAY)
        assert result.options["adequate_trial_weeks"] == 4
        assert result.options["homa_ir_cutoff"] == 3.0

    def test_refuses_unknown_drug_in_dose_overrides(self, client_for, clinic):
        admin = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR)
        response = client_for(admin).post(self.url(clinic), {"min_dose_overrides": "sertralin = 50"})
        assert response.status_code == 200
        assert response.context["form"].has_error("min_dose_overrides", "unknown_drug")

    @pytest.mark.parametrize(
        ("overrides", "code", "message"),
        [
            ("sertraline = 0", "invalid_dose", "Line 1: the dose must be above 0 mg/day."),
            (
                "sertraline = 1500",
                "dose_too_high",
                "Line 1: 1500 mg/day is above the highest daily dose that can "
                "be recorded for Sertraline (400 mg/day), so no trial could ever count as adequate.",
            ),
            ("venlafaxine = 150\nsertraline = 401", "dose_too_high", "(400 mg/day)"),
            (
                "sertraline = 100\n\nSertraline = 150",
                "duplicate_drug",
                "Line 3: Sertraline is already given on line 1; give each drug once.",
            ),
        ],
        ids=["zero", "above-entry-limit", "just-above-entry-limit", "duplicate"],
    )
    def test_refuses_implausible_or_duplicate_dose_overrides(self, client_for, clinic, overrides, code, message):
        admin = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR)
        before = Clinic.objects.get(pk=clinic.pk).screening_options
        response = client_for(admin).post(self.url(clinic), {**self.defaults(), "min_dose_overrides": overrides})
        assert response.status_code == 200
        form = response.context["form"]
        assert form.has_error("min_dose_overrides", code)
        assert any(message in error for error in form.errors["min_dose_overrides"])
        assert Clinic.objects.get(pk=clinic.pk).screening_options == before

    @pytest.mark.parametrize(
        "overrides", ["sertraline = 400", "sertraline = 0.001", "sertraline = 100\nvenlafaxine = 150"]
    )
    def test_accepts_dose_overrides_up_to_the_entry_limit(self, client_for, clinic, overrides):
        admin = factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR)
        response = client_for(admin).post(self.url(clinic), {**self.defaults(), "min_dose_overrides": overrides})
        assert response.status_code == 302
        saved = Clinic.objects.get(pk=clinic.pk).screening_options["min_dose_overrides"]
        assert len(saved) == overrides.count("=")

    @staticmethod
    def defaults():
        return {
            "adequate_trial_weeks": "6",
            "failure_definition": "lt25",
            "homa_ir_cutoff": "2.5",
            "tyg_cutoff": "8.5",
            "tg_hdl": "overall_3.0",
            "waist": "ethnicity_idf",
            "b12": "default",
            "ferritin": "default",
            "vitamin_d": "default",
            "testosterone_cutoff_ng_dl": "300",
            "tsh_upper_limit": "4.5",
            "epds_probable_cutoff": "13",
        }


def test_rule_catalogue_lists_every_rule(client_for, clinician):
    page = client_for(clinician).get(reverse("screening:catalogue")).text
    for rule_id in ("META-01a", "THY-03c", "NUTR-05b", "HORM-05", "TRD-03", "DATA-04"):
        assert f"rule-{rule_id}" in page


def test_bulk_loading_builds_the_same_snapshots(clinic, clinician, django_assert_num_queries):
    """``load_snapshots`` (plain rows, for recording in bulk) and ``build_snapshot`` (prefetched instances,
    for pages) give equal snapshots: the demo patients hold every kind of row, one patient has no intake."""
    demo.load_demo_patients(clinic=clinic, user=clinician, today=TODAY)
    bare = factories.make_patient(clinic=clinic, mrn="BARE")
    Intake.objects.filter(patient=bare).delete()
    patients = list(with_snapshot_data(Patient.objects.filter(clinic=clinic)).order_by("pk"))
    with django_assert_num_queries(10):
        loaded_in_bulk = load_snapshots([p.pk for p in patients])
    assert set(loaded_in_bulk) == {p.pk for p in patients}
    for patient in patients:
        assert loaded_in_bulk[patient.pk] == build_snapshot(patient), patient.mrn
    snapshots = loaded_in_bulk.values()
    for table in ("medicines", "supplements", "measurements", "labs", "trials", "augmentations", "ect", "phq9", "epds"):
        assert any(getattr(snapshot, table) for snapshot in snapshots), f"no demo patient has {table}"
    assert any(len(t.dose_periods) > 1 for snapshot in snapshots for t in snapshot.trials)
