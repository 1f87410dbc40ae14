"""Two clinicians editing the same record: the second save is refused with what changed, input kept."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from patients.models import AntidepressantTrial, Intake, Patient
from tests import factories

pytestmark = pytest.mark.django_db


def hidden_fields(page: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="(version|original)" value="([^"]*)"', page))


def two_clinicians(clinic):
    first, second = Client(), Client()
    first.force_login(factories.make_user(clinic=clinic, first_name="Ada", last_name="First"))
    second.force_login(factories.make_user(clinic=clinic, first_name="Bo", last_name="Second"))
    return first, second


def patient_data(patient, **changes):
    data = {
        "mrn": patient.mrn,
        "given_name": patient.given_name,
        "family_name": patient.family_name,
        "birth_date": patient.birth_date.isoformat(),
        "sex": patient.sex,
        "ancestry": patient.ancestry,
        "pregnancy_status": patient.pregnancy_status,
        "notes": "",
    }
    data.update(changes)
    return data


def test_second_patient_edit_is_refused_showing_the_other_change_and_keeping_input(clinic):
    patient = factories.make_patient(clinic=clinic, given_name="Alex")
    first, second = two_clinicians(clinic)
    url = reverse("patients:edit", args=[patient.code])
    first_form = hidden_fields(first.get(url).text)
    second_form = hidden_fields(second.get(url).text)
    assert first_form["version"] == second_form["version"] == "1"

    saved = first.post(url, patient_data(patient, given_name="Alexandra", **first_form))
    assert saved.status_code == 302

    refused = second.post(url, patient_data(patient, notes="Prefers morning visits", **second_form))
    assert refused.status_code == 200
    assert refused.context["form"].has_error("__all__", "stale_edit")
    assert "Alex → Alexandra" in refused.text
    assert "Prefers morning visits" in refused.text
    patient.refresh_from_db()
    assert (patient.given_name, patient.notes, patient.version) == ("Alexandra", "", 2)

    # The refused form now carries the current version: saving again is a deliberate decision.
    again = second.post(
        url,
        patient_data(patient, given_name="Alexandra", notes="Prefers morning visits", **hidden_fields(refused.text)),
    )
    assert again.status_code == 302
    patient.refresh_from_db()
    assert (patient.notes, patient.version) == ("Prefers morning visits", 3)


def test_second_intake_edit_is_refused(clinic):
    patient = factories.make_patient(clinic=clinic)
    first, second = two_clinicians(clinic)
    url = reverse("patients:intake", args=[patient.code])
    first_form = hidden_fields(first.get(url).text)
    second_form = hidden_fields(second.get(url).text)
    assert first.post(url, {"episode_severity": "moderate", **first_form}).status_code == 302
    refused = second.post(url, {"episode_severity": "severe", **second_form})
    assert refused.context["form"].has_error("__all__", "stale_edit")
    assert Intake.objects.get(patient=patient).episode_severity == "moderate"


def test_second_trial_edit_is_refused(clinic):
    patient = factories.make_patient(clinic=clinic)
    trial = factories.make_trial(patient)
    first, second = two_clinicians(clinic)
    url = reverse("patients:trial_edit", args=[patient.code, trial.pk])
    first_form = hidden_fields(first.get(url).text)
    second_form = hidden_fields(second.get(url).text)
    assert first.post(url, {"adherence": "good", **first_form}).status_code == 302
    refused = second.post(url, {"adherence": "poor", **second_form})
    assert refused.context["form"].has_error("__all__", "stale_edit")
    assert AntidepressantTrial.objects.get(pk=trial.pk).adherence == "good"


def test_tampered_version_is_refused(clinic):
    patient = factories.make_patient(clinic=clinic, given_name="Alex")
    first, _ = two_clinicians(clinic)
    url = reverse("patients:edit", args=[patient.code])
    fields = hidden_fields(first.get(url).text)
    fields["version"] = "7"
    response = first.post(url, patient_data(patient, given_name="Changed", **fields))
    assert response.context["form"].has_error("__all__", "stale_edit")
    assert Patient.objects.get(pk=patient.pk).given_name == "Alex"
