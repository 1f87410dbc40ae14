"""Every view of a patient page, recorded screening, print view and PDF leaves an access entry."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import RequestFactory
from django.urls import reverse

from audit.models import AuditEntry
from audit.services import log_access, log_access_many
from patients.models import Patient
from screening.models import Screening
from tests import factories
from tests.audit.conftest import ADDRESS

pytestmark = pytest.mark.django_db

ACCESS = AuditEntry.Action.ACCESS


def accesses(**filters):
    return AuditEntry.objects.filter(action=ACCESS, **filters).order_by("pk")


def test_patient_page_view_is_logged(client_for, clinician, patient, clinic):
    assert client_for(clinician).get(patient.get_absolute_url(), REMOTE_ADDR=ADDRESS).status_code == 200
    (entry,) = accesses()
    assert (entry.actor, entry.remote_addr, entry.what) == (clinician, ADDRESS, "patient page")
    assert (entry.patient_id, entry.clinic_id) == (patient.pk, clinic.pk)
    assert entry.content_type == ContentType.objects.get_for_model(Patient)
    assert entry.changes is None


@pytest.mark.parametrize(
    ("name", "what"),
    [("screening:detail", "recorded screening"), ("screening:print", "print view"), ("screening:pdf", "PDF download")],
)
def test_screening_pages_are_logged_for_the_patient(client_for, clinician, screened, patient, name, what):
    response = client_for(clinician).get(reverse(name, args=[screened.code]), REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200
    (entry,) = accesses()
    assert (entry.actor, entry.remote_addr, entry.what, entry.patient_id) == (clinician, ADDRESS, what, patient.pk)
    assert entry.content_type == ContentType.objects.get_for_model(Screening)
    assert entry.object_id == screened.pk


def test_refused_requests_log_no_access(client_for, stranger, screened, patient):
    client = client_for(stranger)
    assert client.get(patient.get_absolute_url()).status_code == 404
    assert client.get(reverse("screening:pdf", args=[screened.code])).status_code == 404
    assert not accesses().exists()


def test_forwarded_for_header_is_ignored_without_a_trusted_proxy(client_for, clinician, patient):
    client_for(clinician).get(patient.get_absolute_url(), REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert accesses().get().remote_addr == ADDRESS


def test_behind_a_trusted_proxy_the_address_it_appended_is_recorded(client_for, clinician, patient, settings):
    settings.AUDIT_TRUSTED_PROXIES = 1
    client_for(clinician).get(
        patient.get_absolute_url(), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66, 192.0.2.44"
    )
    assert accesses().get().remote_addr == "192.0.2.44"  # the client may forge the first entry, not the last


def test_an_address_that_is_not_an_ip_is_stored_as_unknown(clinician, patient, settings):
    settings.AUDIT_TRUSTED_PROXIES = 1
    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="not-an-address", REMOTE_ADDR="10.0.0.2")
    request.user = clinician
    assert log_access(request, patient, what="patient page").remote_addr is None


def test_export_of_many_patients_logs_one_entry_each_in_one_insert(clinician, clinic, django_assert_num_queries):
    patients = [factories.make_patient(clinic=clinic) for _ in range(5)]
    ContentType.objects.get_for_model(Patient)  # warm the content type cache, as any running server has it
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS)
    request.user = clinician
    with django_assert_num_queries(factories.insert_statements()):
        log_access_many(request, patients, what="worklist CSV export")
    entries = accesses()
    assert sorted(entries.values_list("patient_id", flat=True)) == sorted(p.pk for p in patients)
    assert {entry.what for entry in entries} == {"worklist CSV export"}
    assert set(entries.values_list("actor", "remote_addr", "clinic")) == {(clinician.pk, ADDRESS, clinic.pk)}


def test_what_must_be_a_short_label(clinician, patient):
    request = RequestFactory().get("/")
    request.user = clinician
    with pytest.raises(ValueError, match="what"):
        log_access(request, patient, what=" ")
    with pytest.raises(ValueError, match="what"):
        log_access(request, patient, what="x" * 101)
