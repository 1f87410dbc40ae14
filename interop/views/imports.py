"""FHIR and CSV imports: upload, preview, confirm. The upload is staged server-side (:class:`ImportBatch`);
the commit re-reads it and goes ahead only if the plan is still the one the user previewed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from patients.access import clinics_for, get_patient_for_user
from patients.models import Condition
from screening.rules import analytes

from .. import csv_labs, presenters, services
from ..access import get_batch_for_user
from ..fhir.reader import BundleError
from ..forms import CommitForm, CsvUploadForm, FhirUploadForm
from ..models import ImportBatch


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_labresult", raise_exception=True)
def fhir_import_patient(request, code):
    patient = get_patient_for_user(request.user, code)
    form = FhirUploadForm(request.POST or None, request.FILES or None, clinic=patient.clinic, patient=patient)
    if request.method == "POST" and form.is_valid():
        batch = services.stage_upload(
            kind=ImportBatch.Kind.FHIR,
            clinic=patient.clinic,
            patient=patient,
            user=request.user,
            content=form.content,
            filename=form.cleaned_data["bundle"].name,
        )
        return redirect("interop:preview", code=batch.code)
    status = 400 if form.errors else 200
    context = {"form": form, "patient": patient, "clinic": patient.clinic}
    return render(request, "interop/fhir_upload.html", context, status=status)


@require_http_methods(["GET", "POST"])
@permission_required(["patients.add_labresult", "patients.add_patient"], raise_exception=True)
def fhir_import_clinic(request, clinic_code):
    clinic = get_object_or_404(clinics_for(request.user), code=clinic_code)
    form = FhirUploadForm(request.POST or None, request.FILES or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        batch = services.stage_upload(
            kind=ImportBatch.Kind.FHIR,
            clinic=clinic,
            user=request.user,
            content=form.content,
            filename=form.cleaned_data["bundle"].name,
        )
        return redirect("interop:preview", code=batch.code)
    status = 400 if form.errors else 200
    return render(request, "interop/fhir_upload.html", {"form": form, "clinic": clinic}, status=status)


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_labresult", raise_exception=True)
def csv_import(request, clinic_code):
    clinic = get_object_or_404(clinics_for(request.user), code=clinic_code)
    form = CsvUploadForm(request.POST or None, request.FILES or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        batch = services.stage_upload(
            kind=ImportBatch.Kind.CSV,
            clinic=clinic,
            user=request.user,
            content=form.content,
            filename=form.cleaned_data["file"].name,
        )
        return redirect("interop:preview", code=batch.code)
    context = {"form": form, "clinic": clinic, "analytes": _analyte_rows(), "columns": csv_labs.COLUMNS}
    return render(request, "interop/csv_upload.html", context, status=400 if form.errors else 200)


@require_GET
@permission_required("patients.add_labresult", raise_exception=True)
def csv_template(request):
    response = HttpResponse(csv_labs.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="lab-results-template.csv"'
    return response


@require_GET
@permission_required("patients.add_labresult", raise_exception=True)
def import_preview(request, code):
    batch = get_batch_for_user(request.user, code)
    if batch.is_committed:
        messages.info(request, "This upload has already been imported.")
        return redirect(batch.result_patient or "patients:list")
    try:
        plan = _plan(batch)
    except (BundleError, csv_labs.CsvFileError) as error:
        return render(request, "interop/preview.html", {"batch": batch, "file_errors": error.problems}, status=400)
    return render(request, "interop/preview.html", _preview_context(batch, plan))


@require_POST
@permission_required("patients.add_labresult", raise_exception=True)
def import_commit(request, code):
    batch = get_batch_for_user(request.user, code)
    if batch.is_committed:
        messages.info(request, "This upload has already been imported.")
        return redirect(batch.result_patient or "patients:list")
    form = CommitForm(request.POST)
    try:
        plan = _plan(batch)
    except (BundleError, csv_labs.CsvFileError):
        return redirect("interop:preview", code=batch.code)
    if not form.is_valid() or form.cleaned_data["plan_digest"] != plan.digest or not plan.can_commit:
        messages.warning(request, "The data changed since the preview. Check the preview again before importing.")
        return redirect("interop:preview", code=batch.code)
    if (
        batch.kind == ImportBatch.Kind.FHIR
        and plan.new_patient is not None
        and not request.user.has_perm("patients.add_patient")
    ):
        messages.error(request, "Registering a patient needs the permission to add patients.")
        return redirect("interop:preview", code=batch.code)
    try:
        with services.committing(batch) as batch:
            if batch.kind == ImportBatch.Kind.FHIR:
                patient = services.commit_fhir_import(plan=plan, user=request.user)
                summary = services.fhir_summary(plan)
            else:
                count = csv_labs.commit_csv_import(plan=plan, user=request.user)
                patient, summary = None, {"labs": count, "patients": len(plan.patients())}
            services.finish_batch(batch=batch, patient=patient, summary=summary)
    except services.AlreadyImported as done:
        messages.info(request, "This upload has already been imported.")
        return redirect(done.batch.result_patient or "patients:list")
    except (services.ImportConflict, ValidationError, IntegrityError):
        messages.error(request, "Nothing was imported: the records changed meanwhile. Check the preview again.")
        return redirect("interop:preview", code=batch.code)
    if patient is not None:
        written = summary["labs"] + summary["trials"] + summary["scores"] + summary["conditions"]
        messages.success(request, f"FHIR import saved: {written} record{pluralize(written)}.")
        return redirect(patient)
    messages.success(
        request,
        f"CSV import saved: {summary['labs']} result{pluralize(summary['labs'])} for "
        f"{summary['patients']} patient{pluralize(summary['patients'])}.",
    )
    return redirect("patients:list")


def _plan(batch: ImportBatch):
    if batch.kind == ImportBatch.Kind.FHIR:
        return services.plan_fhir_import(clinic=batch.clinic, patient=batch.patient, content=batch.content)
    return csv_labs.plan_csv_import(clinic=batch.clinic, content=batch.content)


def _preview_context(batch: ImportBatch, plan) -> dict:
    context = {"batch": batch, "plan": plan, "commit_form": CommitForm(initial={"plan_digest": plan.digest})}
    if batch.kind == ImportBatch.Kind.FHIR:
        context.update(
            {
                "labs": [presenters.lab_row(item) for item in plan.labs],
                "trials": [(item, presenters.trial_text(item)) for item in plan.trials],
                "condition_labels": _condition_labels(plan.conditions),
                "patient": plan.patient,
            }
        )
    else:
        patients = {p.pk: p for p in batch.clinic.patients.filter(pk__in=plan.patients())}
        context["csv_rows"] = [
            (row, patients.get(row.patient_id), presenters.lab_row(row, f"row {row.row}")) for row in plan.rows
        ]
    return context


def _condition_labels(codes: list[str]) -> list[str]:
    labels = dict(Condition.choices)
    return [labels.get(code, code) for code in codes]


def _analyte_rows() -> list[tuple]:
    return [
        (
            analyte.name,
            ", ".join(analyte.loinc) or "—",
            ", ".join(analyte.aliases),
            ", ".join(analytes.unit_label(unit) for unit in analyte.units),
        )
        for analyte in analytes.ANALYTES.values()
    ]
