"""Medicines and supplements, body measurements and psychotherapy courses."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import get_patient_for_user
from ..forms import MeasurementForm, MedicineEndForm, MedicineForm, PsychotherapyForm


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_medicine", raise_exception=True)
def medicine_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = MedicineForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        medicine = services.add_medicine(patient=patient, **form.cleaned_data)
        messages.success(request, f"{medicine.get_kind_display()} {medicine.display_name} saved.")
        return redirect(patient)
    title = "Add a medicine or supplement"
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_medicine", raise_exception=True)
def medicine_end(request, code, medicine_id):
    patient = get_patient_for_user(request.user, code)
    medicine = get_object_or_404(patient.medicines, pk=medicine_id)
    if medicine.end is not None:
        messages.error(request, f"{medicine.display_name} already has an end date.")
        return redirect(patient)
    form = MedicineEndForm(request.POST or None, patient=patient, medicine=medicine)
    if request.method == "POST" and form.is_valid():
        services.end_medicine(medicine=medicine, end=form.cleaned_data["end"])
        messages.success(request, f"{medicine.display_name} stopped on {medicine.end:%Y-%m-%d}.")
        return redirect(patient)
    title = f"Stop {medicine.display_name}"
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_measurement", raise_exception=True)
def measurement_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = MeasurementForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        services.record_measurement(
            patient=patient, measured_on=form.cleaned_data["measured_on"], **form.measurement_values()
        )
        messages.success(request, "Measurements saved.")
        return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": "Add measurements"})


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_psychotherapycourse", raise_exception=True)
def psychotherapy_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = PsychotherapyForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        course = services.add_psychotherapy_course(patient=patient, **form.cleaned_data)
        messages.success(request, f"{course.get_modality_display()} course saved.")
        return redirect(patient)
    title = "Add a psychotherapy course"
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})
