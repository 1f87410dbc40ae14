"""``manage.py generate_population``: reproducible, plausible, correlated synthetic data; refuses to overwrite.

Also ``/healthz``, the endpoint load balancers probe. Speed is measured by ``make bench``, never here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import statistics
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from patients import population
from patients.models import (
    AntidepressantTrial,
    Clinic,
    ClinicMembership,
    DosePeriod,
    Intake,
    LabReport,
    LabResult,
    Measurement,
    Medicine,
    Patient,
    ScaleScore,
)
from patients.services import canonical_value
from screening import services as screening_services
from screening.rules import analytes
from screening.rules import drugs as drug_catalogue
from tests import factories

AS_OF = dt.date(2026, 11, 1)


def generate(clinic: str, patients: int, *, seed: int = 7, replace: bool = False, **options) -> str:
    out = StringIO()
    call_command(
        "generate_population",
        patients=patients,
        seed=seed,
        clinic=clinic,
        as_of=AS_OF,
        replace=replace,
        stdout=out,
        **options,
    )
    return out.getvalue()


def clinical_data(clinic_name: str) -> dict[str, list[tuple]]:
    """Everything generated for a clinic, without ids, codes or timestamps, in a stable order."""
    patients = Patient.objects.filter(clinic__name=clinic_name)
    by_patient = {"patient__clinic__name": clinic_name}
    return {
        "patients": list(
            patients.order_by("mrn").values_list(
                "mrn", "given_name", "family_name", "birth_date", "sex", "ancestry", "pregnancy_status",
                "delivery_date", "menstrual_status", "notes",
            )
        ),
        "intakes": list(
            Intake.objects.filter(**by_patient)
            .order_by("patient__mrn")
            .values_list("patient__mrn", "episode_onset", "episode_severity", "conditions", "sleep_hours", "smoking")
        ),
        "labs": list(
            LabResult.objects.filter(**by_patient)
            .order_by("patient__mrn", "collected_on", "report__collected_at", "analyte", "value")
            .values_list(
                "patient__mrn", "analyte", "loinc", "comparator", "value", "unit", "value_canonical",
                "canonical_unit", "collected_on", "collected_at", "fasting", "reference_low", "reference_high",
                "laboratory",
            )
        ),
        "reports": list(
            LabReport.objects.filter(**by_patient)
            .order_by("patient__mrn", "collected_on", "collected_at")
            .values_list("patient__mrn", "collected_on", "collected_at", "fasting", "laboratory")
        ),
        "measurements": list(
            Measurement.objects.filter(**by_patient)
            .order_by("patient__mrn", "measured_on")
            .values_list("patient__mrn", "measured_on", "height_cm", "weight_kg", "waist_cm", "systolic", "diastolic")
        ),
        "medicines": list(
            Medicine.objects.filter(**by_patient)
            .order_by("patient__mrn", "name", "start")
            .values_list("patient__mrn", "kind", "name", "daily_dose_mg", "dose_text", "start", "end", "last_taken")
        ),
        "trials": list(
            DosePeriod.objects.filter(trial__patient__clinic__name=clinic_name)
            .order_by("trial__patient__mrn", "start")
            .values_list(
                "trial__patient__mrn", "trial__drug", "trial__adherence", "trial__outcome", "trial__improvement_pct",
                "daily_dose_mg", "start", "end",
            )
        ),
        "scores": list(
            ScaleScore.objects.filter(**by_patient)
            .order_by("patient__mrn", "administered_on", "instrument")
            .values_list("patient__mrn", "instrument", "administered_on", "items", "total", "difficulty")
        ),
    }  # fmt: skip


# ---------------------------------------------------------------------------------------------------------
# Reproducibility and size


@pytest.mark.django_db
def test_same_seed_gives_identical_clinical_data_in_two_clinics():
    generate("Population A", 40)
    generate("Population B", 40)

    first, second = clinical_data("Population A"), clinical_data("Population B")
    assert first == second
    assert len(first["labs"]) > 400  # the comparison covered real data
    codes_a = set(Patient.objects.filter(clinic__name="Population A").values_list("code", flat=True))
    codes_b = set(Patient.objects.filter(clinic__name="Population B").values_list("code", flat=True))
    assert not codes_a & codes_b  # codes stay unique across the database


@pytest.mark.django_db
def test_replace_regenerates_the_same_patients_with_the_same_codes():
    generate("Population", 15)
    before = clinical_data("Population")
    codes = sorted(Patient.objects.filter(clinic__name="Population").values_list("mrn", "code"))

    output = generate("Population", 15, replace=True)

    assert "Deleted 15 generated patients" in output
    assert clinical_data("Population") == before
    assert sorted(Patient.objects.filter(clinic__name="Population").values_list("mrn", "code")) == codes


@pytest.mark.django_db
def test_another_seed_gives_other_data():
    generate("Seed 7", 10, seed=7)
    generate("Seed 8", 10, seed=8)

    assert clinical_data("Seed 7")["labs"] != clinical_data("Seed 8")["labs"]


def test_a_patient_is_the_same_whatever_the_population_size_or_batch():
    assert population.plan_patient(3, 41, AS_OF) == population.plan_patient(3, 41, AS_OF)
    assert population.patient_code(3, "X", 41) == population.patient_code(3, "X", 41)
    assert population.patient_code(3, "X", 41) != population.patient_code(3, "Y", 41)


@pytest.mark.django_db
def test_creates_the_requested_patients_with_about_twenty_labs_each():
    output = generate("Population clinic", 60)

    patients = Patient.objects.filter(clinic__name="Population clinic")
    assert patients.count() == 60
    assert "Created 60 patients" in output
    labs_per_patient = LabResult.objects.filter(patient__in=patients).count() / 60
    assert 15 <= labs_per_patient <= 30
    assert Intake.objects.filter(patient__in=patients).count() == 60
    assert set(AntidepressantTrial.objects.filter(patient__in=patients).values_list("patient", flat=True)) == set(
        patients.values_list("pk", flat=True)
    )
    phq9_per_patient = ScaleScore.objects.filter(patient__in=patients, instrument="phq9").count() / 60
    assert phq9_per_patient >= 3
    ages = [p.age_on(AS_OF) for p in patients]
    assert min(ages) >= 18 and max(ages) <= 85
    assert {"female", "male"} == set(patients.values_list("sex", flat=True))


@pytest.mark.django_db
def test_writes_in_bulk_never_one_insert_per_row():
    clinic = Clinic.objects.create(name="Bulk")
    with CaptureQueriesContext(connection) as captured:
        counts = population.generate_population(clinic=clinic, patients=60, seed=5, as_of=AS_OF, batch_size=30)

    inserts = [query["sql"] for query in captured if query["sql"].startswith("INSERT")]
    lab_inserts = [sql for sql in inserts if 'INTO "patients_labresult"' in sql]
    assert counts.patients == 60 and counts.lab_results > 900
    assert len(inserts) <= sum(vars(counts).values()) / 20
    assert len(lab_inserts) <= counts.lab_results / 20
    # The check that the clinic was empty, then one read of the clinic per batch: no per-row reads.
    reads = [query["sql"] for query in captured if query["sql"].startswith("SELECT")]
    assert len(reads) == 1 + 2


# ---------------------------------------------------------------------------------------------------------
# Plausibility


@pytest.fixture(scope="module")
def plans() -> list[population.PatientPlan]:
    """A few hundred planned patients (no database), for the distribution checks."""
    return [population.plan_patient(11, index, AS_OF) for index in range(600)]


@pytest.mark.django_db
def test_every_generated_lab_value_passes_the_entry_gates():
    generate("Population clinic", 120, seed=3)

    results = list(LabResult.objects.select_related("patient"))
    assert len(results) > 2000
    problems = [
        (result.analyte, result.comparator, result.value, result.unit, found[0].code)
        for result in results
        if (
            found := analytes.check_lab_value(
                result.analyte,
                float(result.value),
                result.unit,
                sex=result.patient.sex,
                comparator=result.comparator or None,
            )
        )
    ]
    assert problems == []
    assert all(r.value_canonical == canonical_value(r.analyte, r.value, r.unit) for r in results)
    assert all(r.canonical_unit == analytes.ANALYTES[r.analyte].canonical_unit for r in results)
    assert all(r.collected_on <= AS_OF for r in results)


@pytest.mark.django_db
def test_generated_rows_pass_model_validation_and_the_measurement_and_dose_gates():
    generate("Population clinic", 25, seed=4)

    for model in (Patient, Intake, Medicine, Measurement, LabReport, LabResult, AntidepressantTrial, DosePeriod):
        for row in model.objects.all()[:60]:
            row.full_clean()
    for measurement in Measurement.objects.all():
        for name in ("height_cm", "weight_kg", "waist_cm", "systolic", "diastolic"):
            value = getattr(measurement, name)
            if value is not None:
                assert analytes.check_measurement(name, float(value)) == [], (name, value)
        assert analytes.check_blood_pressure(measurement.systolic, measurement.diastolic) == []
    for period in DosePeriod.objects.select_related("trial"):
        assert Decimal(str(drug_catalogue.max_plausible_dose_mg(period.trial.drug))) >= period.daily_dose_mg
    for trial in AntidepressantTrial.objects.prefetch_related("dose_periods"):
        periods = list(trial.dose_periods.all())
        for earlier, later in itertools.pairwise(periods):
            assert earlier.end is not None and earlier.end < later.start


def test_the_data_mix_is_realistic(plans):
    rows = [row for plan in plans for panel in plan.panels for row in panel.results]
    units = {row.unit for row in rows}
    assert {"mmol/L", "mg/dL", "mmol/mol", "%", "pmol/L", "pg/mL"} <= units  # SI and conventional units
    censored = [row for row in rows if row.comparator]
    assert 0.002 < len(censored) / len(rows) < 0.1
    assert {"<", ">"} == {row.comparator for row in censored}
    periods = [
        (trial.drug, dose) for plan in plans for trial in plan.trials for dose, _ in trial.doses[-1:]
    ]  # the dose each trial ended on
    under_dosed = [d for d, dose in periods if float(dose) < drug_catalogue.ANTIDEPRESSANTS[d].min_adequate_mg]
    assert 0.1 < len(under_dosed) / len(periods) < 0.35
    assert sum(1 for plan in plans if plan.augmentations) > 30
    ancestries = {plan.patient["ancestry"] for plan in plans}
    assert len(ancestries) >= 6


# ---------------------------------------------------------------------------------------------------------
# Correlations


def _canonical(row: population.LabRow) -> float:
    return analytes.to_canonical(row.analyte, float(row.value), row.unit)


def _tertile_means(pairs: list[tuple[float, float]]) -> tuple[float, float]:
    """Mean of the second value in the lowest and the highest tertile of the first."""
    ordered = sorted(pairs)
    third = len(ordered) // 3
    return statistics.mean(y for _, y in ordered[:third]), statistics.mean(y for _, y in ordered[-third:])


@pytest.mark.django_db
def test_homa_ir_and_tg_hdl_ratio_rise_with_bmi():
    generate("Population clinic", 300, seed=9)

    homa, ratio = [], []
    for patient in Patient.objects.filter(clinic__name="Population clinic").prefetch_related(
        "measurements", "lab_reports__results"
    ):
        measurements = sorted(patient.measurements.all(), key=lambda m: m.measured_on)
        height = next(m.height_cm for m in measurements if m.height_cm)
        bmi = float(measurements[-1].weight_kg) / (float(height) / 100) ** 2
        for report in patient.lab_reports.all():
            values = {r.analyte: float(r.value_canonical) for r in report.results.all() if not r.comparator}
            if report.fasting == "yes" and {"glucose", "insulin"} <= values.keys():
                homa.append((bmi, values["glucose"] * values["insulin"] / 405))
            if {"triglycerides", "hdl"} <= values.keys():
                ratio.append((bmi, values["triglycerides"] / values["hdl"]))

    assert len(homa) > 100 and len(ratio) > 200
    lowest, highest = _tertile_means(homa)
    assert highest > 1.5 * lowest
    lowest, highest = _tertile_means(ratio)
    assert highest > 1.3 * lowest


def test_hba1c_rises_with_age_and_hscrp_with_bmi(plans):
    hba1c, crp = [], []
    for plan in plans:
        age = (AS_OF - plan.patient["birth_date"]).days / 365.25
        diabetic = "type2_diabetes" in plan.intake["conditions"]
        first = plan.measurements[0]
        bmi = float(first.get("weight_kg")) / (float(first["height_cm"]) / 100) ** 2
        for panel in plan.panels:
            for row in panel.results:
                if row.analyte == "hba1c" and not diabetic:
                    hba1c.append((age, _canonical(row)))
                if row.analyte == "hscrp" and not row.comparator:
                    crp.append((bmi, _canonical(row)))
    lowest, highest = _tertile_means(hba1c)
    assert highest > lowest + 0.2
    lowest, highest = _tertile_means(crp)
    assert highest > 1.5 * lowest


def test_lithium_raises_tsh_and_metformin_lowers_b12(plans):
    tsh_on, tsh_off, b12_on, b12_off = [], [], [], []
    for plan in plans:
        lithium = [(a["start"], a["end"]) for a in plan.augmentations if a["drug"] == "lithium"]
        metformin = [m["start"] for m in plan.medicines if m["name"] == "metformin"]
        hypothyroid = "thyroid_disease" in plan.intake["conditions"]
        for panel in plan.panels:
            day = panel.collected_on
            on_lithium = any(
                start + dt.timedelta(days=90) <= day and (end is None or day <= end) for start, end in lithium
            )
            on_metformin = any(start + dt.timedelta(days=730) <= day for start in metformin)
            for row in panel.results:
                if row.analyte == "tsh" and not hypothyroid:
                    (tsh_on if on_lithium else tsh_off).append(_canonical(row))
                if row.analyte == "b12" and not row.comparator:
                    (b12_on if on_metformin else b12_off).append(_canonical(row))
    assert len(tsh_on) >= 5 and len(b12_on) >= 10
    assert statistics.median(tsh_on) > 1.3 * statistics.median(tsh_off)
    assert statistics.median(b12_on) < 0.9 * statistics.median(b12_off)


# ---------------------------------------------------------------------------------------------------------
# Refusals


@pytest.mark.django_db
def test_refuses_a_second_run_into_the_same_clinic():
    generate("Population clinic", 5)

    with pytest.raises(CommandError, match=r"already has 5 patients\. Use --replace"):
        generate("Population clinic", 5)
    assert Patient.objects.filter(clinic__name="Population clinic").count() == 5


@pytest.mark.django_db
def test_replace_refuses_when_a_patient_has_a_recorded_screening():
    generate("Population clinic", 5)
    user = factories.make_user(clinic=Clinic.objects.get(name="Population clinic"))
    screening_services.record_screening(patient=Patient.objects.first(), recorded_by=user, as_of=AS_OF)

    with pytest.raises(CommandError, match="recorded screenings are never deleted"):
        generate("Population clinic", 5, replace=True)
    assert Patient.objects.filter(clinic__name="Population clinic").count() == 5


@pytest.mark.django_db
def test_replace_refuses_a_clinic_with_patients_it_did_not_generate(clinic):
    factories.make_patient(clinic=clinic)

    with pytest.raises(CommandError, match="not generated; refusing to delete anything"):
        generate(clinic.name, 5, replace=True)
    assert Patient.objects.filter(clinic=clinic).count() == 1


@pytest.mark.django_db
def test_member_option_gives_an_existing_user_access(clinician):
    generate("Population clinic", 3, member=[clinician.username])

    assert ClinicMembership.objects.filter(user=clinician, clinic__name="Population clinic").exists()


@pytest.mark.django_db
def test_rejects_an_unknown_member_before_writing_anything():
    with pytest.raises(CommandError, match="no user 'nobody'"):
        generate("Population clinic", 3, member=["nobody"])
    assert not Patient.objects.exists()


# ---------------------------------------------------------------------------------------------------------
# /healthz


@pytest.mark.django_db
def test_healthz_answers_ok_without_login_or_database(client, django_assert_num_queries, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production: the balancer probes over plain HTTP all the same

    with django_assert_num_queries(0):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"].startswith("text/plain")
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_healthz_answers_head_and_refuses_post(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405
