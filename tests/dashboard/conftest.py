"""A small caseload with known findings and reviews, for the dashboard tests.

- Able: HbA1c 6.1 %, vitamin D 15 ng/mL, PHQ-9 item 9 answered: HORM-05 (safety, important), META-01a
  (acknowledged), NUTR-05b, DATA-02, DATA-03; screened by the clinician.
- Baker: no data at all: DATA-01, DATA-02, DATA-03 (dismissed as not relevant), TRD-04; screened by the
  clinician.
- Carter: never screened.
- Dunn: two adequate failed trials, so meets the TRD definition; screened by a second clinician.
- Elsewhere: a patient of another clinic, screened there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from patients import services as patient_services
from patients.models import Clinic, Patient
from screening import services
from screening.models import Screening
from tests import factories


def today() -> dt.date:
    return timezone.localdate()


def screen_with_findings(patient: Patient, recorder) -> Screening:
    """Labs and a PHQ-9 that give safety, metabolic, nutrient and data-gap findings, recorded."""
    factories.add_labs(
        patient, ("hba1c", "6.1", "%"), ("vitamin_d", "15", "ng/mL"), collected_on=today() - dt.timedelta(days=10)
    )
    patient_services.record_scale_score(
        patient=patient, instrument="phq9", administered_on=today(), items=[2, 2, 2, 1, 1, 1, 1, 1, 1]
    )
    return services.record_screening(patient=patient, recorded_by=recorder)


def add_failed_trials(patient: Patient) -> None:
    """Two adequate (dose and duration), failed antidepressant trials: meets the TRD definition."""
    for drug, dose, start in (("sertraline", "100", dt.date(2025, 1, 10)), ("escitalopram", "20", dt.date(2025, 6, 1))):
        factories.make_trial(
            patient,
            drug=drug,
            daily_dose_mg=Decimal(dose),
            start=start,
            end=start + dt.timedelta(weeks=12),
            adherence="good",
            outcome="no_response",
            improvement_pct=5,
        )
    patient_services.record_scale_score(
        patient=patient, instrument="phq9", administered_on=today(), items=[2] * 8 + [0]
    )


@dataclass
class Caseload:
    clinic: Clinic
    able: Patient
    baker: Patient
    carter: Patient
    dunn: Patient
    elsewhere: Patient
    able_screening: Screening
    baker_screening: Screening
    dunn_screening: Screening
    second_clinician: object


@pytest.fixture
def caseload(clinic, clinician, other_clinic, stranger) -> Caseload:
    able = factories.make_patient(clinic=clinic, family_name="Able", given_name="Ann")
    baker = factories.make_patient(clinic=clinic, family_name="Baker", given_name="Bo")
    carter = factories.make_patient(clinic=clinic, family_name="Carter", given_name="Cy")
    dunn = factories.make_patient(clinic=clinic, family_name="Dunn", given_name="Di")
    elsewhere = factories.make_patient(clinic=other_clinic, family_name="Elsewhere", given_name="Ed")
    second = factories.make_user(clinic=clinic, username="second", first_name="Sam", last_name="Second")

    able_screening = screen_with_findings(able, clinician)
    services.review_finding(
        finding=able_screening.findings.get(rule_id="META-01a"), reviewed_by=clinician, state="acknowledged"
    )
    baker_screening = services.record_screening(patient=baker, recorded_by=clinician)
    services.review_finding(
        finding=baker_screening.findings.get(rule_id="DATA-03"),
        reviewed_by=clinician,
        state="dismissed",
        dismissal_reason="not_relevant",
    )
    add_failed_trials(dunn)
    dunn_screening = services.record_screening(patient=dunn, recorded_by=second)
    screen_with_findings(elsewhere, stranger)
    return Caseload(
        clinic=clinic,
        able=able,
        baker=baker,
        carter=carter,
        dunn=dunn,
        elsewhere=elsewhere,
        able_screening=able_screening,
        baker_screening=baker_screening,
        dunn_screening=dunn_screening,
        second_clinician=second,
    )


def open_rule_ids(screening: Screening) -> set[str]:
    from screening.queries import open_findings

    return set(open_findings(Screening.objects.filter(pk=screening.pk)).values_list("rule_id", flat=True))


def add_screened_patients(clinic, clinician, count: int) -> None:
    for _ in range(count):
        patient = factories.make_patient(clinic=clinic)
        services.record_screening(patient=patient, recorded_by=clinician)


def queries_of(client, url, params, assert_max=None, limit: int = 0) -> int:
    """The queries of a request (after a first one: the first request of a session does extra work)."""
    client.get(url, params)
    with assert_max(limit) if assert_max else CaptureQueriesContext(connection) as queries:
        assert client.get(url, params).status_code == 200
    return len(queries.captured_queries)
