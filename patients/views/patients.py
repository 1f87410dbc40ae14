from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from audit.queries import recent_views
from audit.services import PATIENT_PAGE, log_access
from screening.presenters import compare_with_last, screening_context, treatment_timeline, with_last_reviews
from screening.services import live_screening
from screening.snapshots import with_snapshot_data

from .. import presenters, services
from ..access import clinics_for, get_patient_for_user, patients_for
from ..concurrency import StaleEditError, save_versioned
from ..forms import IntakeForm, PatientForm, PatientSearchForm
from ..models import Patient
from ..search import any_contains

PAGE_SIZE = 25


@require_GET
@permission_required("patients.view_patient", raise_exception=True)
def patient_list(request):
    form = PatientSearchForm(request.GET or None)
    patients = patients_for(request.user).select_related("clinic")
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if form.is_bound and not form.is_valid():
        patients = patients.none()  # an unusable search lists no one, never everyone
    for term in query.split():
        patients = patients.filter(any_contains(term, "given_name", "family_name", "mrn"))
    page = Paginator(patients.order_by("family_name", "given_name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/list.html",
        {"form": form, "page": page, "query": query},
    )


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_patient", raise_exception=True)
def patient_create(request, clinic_code):
    clinic = get_object_or_404(clinics_for(request.user), code=clinic_code)
    form = PatientForm(request.POST or None, clinic=clinic)
    if request.method == "POST" and form.is_valid():
        try:
            patient = services.register_patient(clinic=clinic, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:  # the MRN was taken by a registration at the same moment
            form.add_error(None, error)
        else:
            messages.success(request, "Patient registered. Record the intake next.")
            return redirect("patients:intake", code=patient.code)
    return render(request, "patients/form.html", {"form": form, "title": f"New patient — {clinic.name}"})


@require_GET
@permission_required("patients.view_patient", raise_exception=True)
def patient_detail(request, code):
    patients = with_snapshot_data(Patient.objects.all()).prefetch_related("psychotherapy")
    patient = get_patient_for_user(request.user, code, queryset=patients)
    log_access(request, patient, what=PATIENT_PAGE)
    context = presenters.patient_page(patient)
    live = live_screening(patient)
    result = live.result.to_dict()
    screenings = list(patient.screenings.select_related("recorded_by").order_by("-recorded_at", "-pk")[:10])
    context.update(screening_context(with_last_reviews(result, screenings[0] if screenings else None)))
    context["histories"] = presenters.with_screening_flags(context["histories"], result)
    context["timeline_svg"] = treatment_timeline(live.snapshot_json, result)
    context["screenings"] = screenings
    context["recent_views"] = recent_views(patient)
    context["comparison"] = compare_with_last(
        screenings[0] if screenings else None, live_result=result, live_fingerprint=live.data_fingerprint
    )
    return render(request, "patients/detail.html", context)


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_patient", raise_exception=True)
def patient_edit(request, code):
    patient = get_patient_for_user(request.user, code)
    form = PatientForm(request.POST or None, instance=patient, clinic=patient.clinic)
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form)
        except StaleEditError as conflict:
            form.show_conflict(conflict)
        else:
            messages.success(request, "Patient details saved.")
            return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": "Edit patient"})


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_intake", raise_exception=True)
def intake_edit(request, code):
    patient = get_patient_for_user(request.user, code)
    form = IntakeForm(request.POST or None, instance=patient.intake)
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form)
        except StaleEditError as conflict:
            form.show_conflict(conflict)
        else:
            messages.success(request, "Intake saved.")
            return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": "Intake"})
