"""Each role sees exactly the action buttons whose pages it may open (no button that leads to a 403)."""

import pytest
from django.urls import reverse

from patients import roles
from tests import factories

pytestmark = pytest.mark.django_db

ROLES = [roles.CLINICIAN, roles.ADMINISTRATOR, roles.REVIEWER]
WRITE_LABELS = ("Record screening", "Enter lab report", "Add trial", "Edit details", "Edit intake", "Enter PHQ-9")


def patient_actions(patient, trial, medicine):
    """(label, url, method) of every action the patient page can offer."""
    code = patient.code
    return [
        ("Record screening", reverse("screening:record", args=[code]), "post"),
        ("Edit details", reverse("patients:edit", args=[code]), "get"),
        ("Edit intake", reverse("patients:intake", args=[code]), "get"),
        ("Enter lab report", reverse("patients:lab_panel", args=[code]), "get"),
        ("Import FHIR bundle", reverse("interop:fhir_import_patient", args=[code]), "get"),
        ("Add trial", reverse("patients:trial_create", args=[code]), "get"),
        ("Change dose", reverse("patients:trial_dose", args=[code, trial.pk]), "get"),
        ("End trial", reverse("patients:trial_end", args=[code, trial.pk]), "get"),
        ("Edit trial", reverse("patients:trial_edit", args=[code, trial.pk]), "get"),
        ("Add augmentation", reverse("patients:augmentation_create", args=[code]), "get"),
        ("Add ECT or other treatment", reverse("patients:treatment_create", args=[code]), "get"),
        ("Enter PHQ-9", reverse("patients:scale_create", args=[code, "phq9"]), "get"),
        ("Enter EPDS", reverse("patients:scale_create", args=[code, "epds"]), "get"),
        ("Add medicine", reverse("patients:medicine_create", args=[code]), "get"),
        ("Stop medicine", reverse("patients:medicine_end", args=[code, medicine.pk]), "get"),
        ("Add measurements", reverse("patients:measurement_create", args=[code]), "get"),
        ("Add psychotherapy course", reverse("patients:psychotherapy_create", args=[code]), "get"),
    ]


def list_actions(clinic):
    return [
        ("New patient", reverse("patients:create", args=[clinic.code]), "get"),
        ("Import FHIR bundle", reverse("interop:fhir_import_clinic", args=[clinic.code]), "get"),
        ("Import lab CSV", reverse("interop:csv_import", args=[clinic.code]), "get"),
    ]


def offered(html: str, url: str) -> bool:
    return f'href="{url}"' in html or f'action="{url}"' in html


def shown_and_allowed(client, page_url, actions):
    html = client.get(page_url).text
    result = {}
    for label, url, method in actions:
        status = getattr(client, method)(url).status_code
        assert status in (200, 302, 403), (label, status)
        result[label] = (offered(html, url), status != 403)
    return result


@pytest.mark.parametrize("role", ROLES)
def test_patient_page_shows_exactly_the_actions_the_role_may_open(client_for, clinic, role):
    patient = factories.make_patient(clinic=clinic)
    trial = factories.make_trial(patient)
    medicine = factories.make_medicine(patient)
    client = client_for(factories.make_user(clinic=clinic, role=role))

    result = shown_and_allowed(client, patient.get_absolute_url(), patient_actions(patient, trial, medicine))

    assert {label: shown for label, (shown, allowed) in result.items()} == {
        label: allowed for label, (shown, allowed) in result.items()
    }
    expected_any = role == roles.CLINICIAN
    assert all(shown == expected_any for shown, _ in result.values()), result


@pytest.mark.parametrize("role", ROLES)
def test_patient_list_shows_exactly_the_actions_the_role_may_open(client_for, clinic, role):
    client = client_for(factories.make_user(clinic=clinic, role=role))

    result = shown_and_allowed(client, reverse("patients:list"), list_actions(clinic))

    assert {label: shown for label, (shown, allowed) in result.items()} == {
        label: allowed for label, (shown, allowed) in result.items()
    }
    assert result["New patient"][0] is (role == roles.CLINICIAN)


def test_reviewer_and_administrator_see_no_write_button_labels(client_for, clinic):
    patient = factories.make_patient(clinic=clinic)
    factories.make_trial(patient)
    factories.make_medicine(patient)
    for role in (roles.ADMINISTRATOR, roles.REVIEWER):
        client = client_for(factories.make_user(clinic=clinic, role=role))
        html = client.get(patient.get_absolute_url()).text
        for label in WRITE_LABELS:
            assert label not in html, (role, label)
        assert "New patient" not in client.get(reverse("patients:list")).text, role
