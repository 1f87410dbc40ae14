"""Augmentations and other treatment courses (ECT, rTMS, esketamine, ketamine)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import get_patient_for_user
from ..forms import AugmentationForm, OtherTreatmentForm


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_augmentation", raise_exception=True)
def augmentation_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = AugmentationForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        augmentation = services.add_augmentation(patient=patient, **form.cleaned_data)
        messages.success(request, f"Augmentation with {augmentation.drug_display} saved.")
        return redirect(patient)
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": "Add an augmentation"})


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_othertreatment", raise_exception=True)
def treatment_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = OtherTreatmentForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        treatment = services.add_other_treatment(patient=patient, **form.cleaned_data)
        messages.success(request, f"{treatment.get_kind_display()} course saved.")
        return redirect(patient)
    return render(
        request, "patients/form.html", {"form": form, "patient": patient, "title": "Add ECT or another treatment"}
    )
