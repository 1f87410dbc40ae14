"""FHIR export of a patient's record, or of a recorded screening with its findings as DetectedIssue."""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from audit.services import log_access
from patients.access import get_patient_for_user
from patients.models import Patient
from screening.access import get_screening_for_user
from screening.snapshots import with_snapshot_data

from ..fhir import writer

CONTENT_TYPE = "application/fhir+json; charset=utf-8"


def _response(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(writer.dumps(data), content_type=CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@permission_required("patients.view_patient", raise_exception=True)
def patient_export(request, code):
    patient = get_patient_for_user(request.user, code, queryset=with_snapshot_data(Patient.objects.all()))
    log_access(request, patient, what="FHIR export")
    return _response(writer.export_bundle(patient), f"patient-{patient.code}.fhir.json")


@require_GET
@permission_required(["patients.view_patient", "screening.view_screening"], raise_exception=True)
def screening_export(request, code):
    screening = get_screening_for_user(request.user, code)
    patient = with_snapshot_data(Patient.objects.filter(pk=screening.patient_id)).get()
    data = writer.export_bundle(patient, screening=screening)
    log_access(request, screening, what="FHIR screening export")
    return _response(data, f"screening-{screening.as_of}-{screening.code}.fhir.json")
