"""Creates, changes and deletes of patient data leave an entry: who, when, from where, before and after."""

import datetime as dt

import pytest
from auditlog.context import set_actor
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from audit.models import AuditEntry
from patients.models import (
    AntidepressantTrial,
    ClinicMembership,
    DosePeriod,
    LabReport,
    LabResult,
    Patient,
)
from screening.models import FindingReview, Screening, ScreeningFinding
from tests import factories
from tests.audit.conftest import ADDRESS

pytestmark = pytest.mark.django_db

CREATE, UPDATE, DELETE = AuditEntry.Action.CREATE, AuditEntry.Action.UPDATE, AuditEntry.Action.DELETE


def entries(model, action, **filters):
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model), action=action, **filters
    ).order_by("pk")


def test_patient_edit_records_actor_address_and_before_after(client_for, clinician, patient, clinic):
    data = {
        "mrn": patient.mrn,
        "given_name": "Robin",
        "family_name": patient.family_name,
        "birth_date": "1980-05-02",
        "sex": "female",
        "ancestry": "south_asian",
        "pregnancy_status": "not_pregnant",
        "version": patient.version,
    }
    response = client_for(clinician).post(reverse("patients:edit", args=[patient.code]), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    (entry,) = entries(Patient, UPDATE, object_id=patient.pk)
    assert (entry.actor, entry.remote_addr) == (clinician, ADDRESS)
    assert (entry.patient_id, entry.clinic_id) == (patient.pk, clinic.pk)
    assert entry.changes["given_name"] == ["Alex", "Robin"]
    assert entry.changes["ancestry"] == ["unknown", "south_asian"]
    assert "version" not in entry.changes and "updated_at" not in entry.changes
    assert entry.object_repr == f"patient {patient.code}"  # never the name


def test_registering_a_patient_records_a_create_entry(clinic, clinician):
    patient = factories.make_patient(clinic=clinic, created_by=clinician, given_name="Noor")
    (entry,) = entries(Patient, CREATE, object_id=patient.pk)
    assert entry.changes["given_name"] == [None, "Noor"]
    assert (entry.patient_id, entry.clinic_id) == (patient.pk, clinic.pk)


def test_lab_panel_records_each_result_with_its_value(client_for, clinician, patient, clinic):
    data = {"collected_on": "2026-10-20", "fasting": "yes", "laboratory": "City Lab"}
    data.update({"hba1c-value": "48", "hba1c-unit": "mmol/mol", "tsh-value": "2.1"})
    response = client_for(clinician).post(reverse("patients:lab_panel", args=[patient.code]), data, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    report = LabReport.objects.get(patient=patient)
    assert entries(LabReport, CREATE, object_id=report.pk).get().actor == clinician
    results = entries(LabResult, CREATE, patient=patient)
    assert results.count() == 2
    by_analyte = {entry.changes["analyte"][1]: entry for entry in results}
    hba1c = by_analyte["hba1c"]
    assert hba1c.changes["value"] == [None, "48"]
    assert hba1c.changes["unit"] == [None, "mmol/mol"]
    assert (hba1c.actor, hba1c.remote_addr, hba1c.clinic_id) == (clinician, ADDRESS, clinic.pk)


def test_trial_dose_change_records_the_closed_and_the_new_period(client_for, clinician, patient):
    trial = factories.make_trial(patient)
    url = reverse("patients:trial_dose", args=[patient.code, trial.pk])
    response = client_for(clinician).post(url, {"daily_dose_mg": "100", "start": "2025-02-07"}, REMOTE_ADDR=ADDRESS)
    assert response.status_code == 302
    first, second = trial.dose_periods.order_by("start")
    (closed,) = entries(DosePeriod, UPDATE, object_id=first.pk)
    assert closed.changes == {"end": [None, "2025-02-06"]}
    (opened,) = entries(DosePeriod, CREATE, object_id=second.pk)
    assert opened.changes["daily_dose_mg"] == [None, "100"]
    for entry in (closed, opened):
        assert (entry.actor, entry.remote_addr, entry.patient_id) == (clinician, ADDRESS, patient.pk)


def test_review_records_its_state_and_reviewer(client_for, clinician, screened, patient):
    row = screened.findings.get(rule_id="META-01a")
    url = reverse("screening:review", args=[screened.code, row.pk])
    data = {f"f{row.pk}-state": "dismissed", f"f{row.pk}-dismissal_reason": "not_relevant"}
    assert client_for(clinician).post(url, data, REMOTE_ADDR=ADDRESS).status_code == 302
    review = FindingReview.objects.get(finding=row)
    (entry,) = entries(FindingReview, CREATE, object_id=review.pk)
    assert entry.changes["state"] == [None, "dismissed"]
    assert entry.changes["dismissal_reason"] == [None, "not_relevant"]
    assert (entry.actor, entry.remote_addr, entry.patient_id) == (clinician, ADDRESS, patient.pk)


def test_recording_a_screening_logs_the_screening_though_it_is_bulk_created(client_for, clinician, patient):
    factories.add_labs(patient, ("hba1c", "6.1", "%"), collected_on=dt.date.today() - dt.timedelta(days=5))
    client_for(clinician).post(reverse("screening:record", args=[patient.code]), REMOTE_ADDR=ADDRESS)
    screening = Screening.objects.get(patient=patient)
    (entry,) = entries(Screening, CREATE, object_id=screening.pk)
    assert (entry.actor, entry.remote_addr, entry.patient_id) == (clinician, ADDRESS, patient.pk)
    assert entry.changes["content_hash"] == [None, screening.content_hash]
    assert entry.changes["finding_count"] == [None, screening.finding_count]
    assert not {"snapshot", "result", "options"} & set(entry.changes)  # kept in the immutable row itself
    # Findings are covered by the screening's entry (finding_count and content_hash), not logged one by one.
    assert screening.finding_count > 0
    assert not entries(ScreeningFinding, CREATE).exists()


def test_reviews_carried_over_to_a_new_screening_are_logged(clinician, screened, patient):
    from screening import services

    row = screened.findings.get(rule_id="META-01a")
    services.review_finding(finding=row, reviewed_by=clinician, state="acknowledged")
    second = services.record_screening(patient=patient, recorded_by=clinician)
    carried = FindingReview.objects.get(finding__screening=second, finding__rule_id="META-01a")
    (entry,) = entries(FindingReview, CREATE, object_id=carried.pk)
    assert entry.actor == clinician
    assert entry.changes["state"] == [None, "acknowledged"]
    assert entry.changes["carried_over_from"][1] == row.reviews.get().pk
    assert entry.patient_id == patient.pk


def test_deleting_a_patient_keeps_the_before_values_findable_by_patient(clinic, clinician):
    patient = factories.make_patient(clinic=clinic, given_name="Temporary")
    patient_id = patient.pk
    with set_actor(clinician, remote_addr=ADDRESS):
        patient.delete()
    (entry,) = entries(Patient, DELETE, patient_id=patient_id)
    assert entry.changes["given_name"] == ["Temporary", None]
    assert (entry.actor, entry.remote_addr, entry.clinic_id) == (clinician, ADDRESS, clinic.pk)
    assert AuditEntry.objects.filter(patient_id=patient_id).count() >= 2  # its create entry is kept too


def test_membership_changes_are_logged_for_the_clinic(clinic, administrator, clinician):
    user = factories.make_user(role=None)
    with set_actor(administrator, remote_addr=ADDRESS):
        membership = ClinicMembership.objects.create(user=user, clinic=clinic)
        membership_id = membership.pk
        membership.delete()
    created = entries(ClinicMembership, CREATE, object_id=membership_id).get()
    deleted = entries(ClinicMembership, DELETE, object_id=membership_id).get()
    for entry in (created, deleted):
        assert (entry.actor, entry.remote_addr, entry.clinic_id, entry.patient_id) == (
            administrator,
            ADDRESS,
            clinic.pk,
            None,
        )
    assert deleted.changes["user"] == [user.pk, None]


def test_clinic_conventions_change_is_logged_for_the_clinic(administrator, clinic):
    from patients.models import Clinic

    with set_actor(administrator, remote_addr=ADDRESS):
        clinic.screening_options = {"marker": "changed"}
        clinic.save(update_fields=["screening_options"])
    (entry,) = entries(Clinic, UPDATE, object_id=clinic.pk)
    assert entry.changes["screening_options"] == [{}, {"marker": "changed"}]
    assert (entry.actor, entry.clinic_id, entry.patient_id) == (administrator, clinic.pk, None)


def test_trial_details_edit_records_before_and_after(client_for, clinician, patient):
    trial = factories.make_trial(patient)
    with set_actor(clinician, remote_addr=ADDRESS):
        trial.side_effects = "nausea"
        trial.save()
    (entry,) = entries(AntidepressantTrial, UPDATE, object_id=trial.pk)
    assert entry.changes == {"side_effects": ["", "nausea"]}
