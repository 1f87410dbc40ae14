"""Application logs carry ids, never names, birth dates or lab values."""

import datetime as dt
import logging

import pytest
from django.urls import reverse
from django.utils import timezone

from screening import services
from tests import factories

pytestmark = pytest.mark.django_db

GIVEN, FAMILY = "Zebedee", "Quixotic-Marlowe"
BIRTH = dt.date(1971, 3, 14)
LAB_VALUE = "7.83"


def forbidden() -> list[str]:
    return [
        GIVEN,
        FAMILY,
        BIRTH.isoformat(),
        BIRTH.strftime("%d/%m/%Y"),
        BIRTH.strftime("%m/%d/%Y"),
        BIRTH.strftime("%d %B %Y"),
        BIRTH.strftime("%B %d, %Y"),
        LAB_VALUE,
    ]


def logged_text(caplog) -> str:
    parts = []
    for record in caplog.records:
        parts.append(record.getMessage())
        if record.exc_text:
            parts.append(record.exc_text)
    return "\n".join(parts)


def test_page_view_lab_panel_and_pdf_log_no_clinical_content(client_for, clinician, clinic, caplog):
    patient = factories.make_patient(clinic=clinic, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH)
    client = client_for(clinician)
    caplog.set_level(logging.DEBUG)

    assert client.get(patient.get_absolute_url()).status_code == 200
    today = timezone.localdate()
    panel = {"collected_on": today.isoformat(), "fasting": "yes", "hba1c-value": LAB_VALUE, "hba1c-unit": "%"}
    assert client.post(reverse("patients:lab_panel", args=[patient.code]), panel).status_code == 302
    screening = services.record_screening(patient=patient, recorded_by=clinician)
    response = client.get(reverse("screening:pdf", args=[screening.code]))
    assert response.status_code == 200

    text = logged_text(caplog)
    for value in forbidden():
        assert value not in text, value


def test_refused_and_failing_requests_log_no_clinical_content(client_for, clinician, stranger, clinic, caplog):
    patient = factories.make_patient(clinic=clinic, given_name=GIVEN, family_name=FAMILY, birth_date=BIRTH)
    caplog.set_level(logging.DEBUG)
    assert client_for(stranger).get(patient.get_absolute_url()).status_code == 404
    bad_panel = {"collected_on": "2026-10-20", "hba1c-value": LAB_VALUE, "hba1c-unit": "furlongs"}
    response = client_for(clinician).post(reverse("patients:lab_panel", args=[patient.code]), bad_panel)
    assert response.status_code == 200
    text = logged_text(caplog)
    for value in forbidden():
        assert value not in text, value
