"""Antidepressant trials. A trial is loaded only through its patient, so another clinic's trial is a 404."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import get_patient_for_user
from ..concurrency import StaleEditError, save_versioned
from ..forms import TrialDetailsForm, TrialDoseForm, TrialEndForm, TrialForm
from ..forms.trials import current_period
from ..models import AntidepressantTrial, Patient


def _trial(patient: Patient, trial_id: int) -> AntidepressantTrial:
    return get_object_or_404(patient.trials, pk=trial_id)


def _page(request, form, patient: Patient, title: str):
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_antidepressanttrial", raise_exception=True)
def trial_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = TrialForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        trial = services.start_trial(patient=patient, **form.cleaned_data)
        messages.success(request, f"Trial of {trial.drug_display} saved.")
        return redirect(patient)
    return _page(request, form, patient, "Add an antidepressant trial")


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_antidepressanttrial", raise_exception=True)
def trial_dose(request, code, trial_id):
    patient = get_patient_for_user(request.user, code)
    trial = _trial(patient, trial_id)
    current = current_period(trial)
    if current is None or current.end is not None:
        messages.error(request, f"The trial of {trial.drug_display} has ended; its dose can no longer change.")
        return redirect(patient)
    form = TrialDoseForm(request.POST or None, patient=patient, trial=trial, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            period = services.change_trial_dose(trial=trial, **form.cleaned_data)
        except services.TrialStateError as error:  # a request at the same moment changed the trial first
            messages.warning(request, f"{trial.drug_display}: {error}")
            return redirect(patient)
        messages.success(
            request, f"{trial.drug_display}: new dose from {period.start:%Y-%m-%d}; the earlier dose is kept."
        )
        return redirect(patient)
    return _page(request, form, patient, f"Change dose — {trial.drug_display}")


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_antidepressanttrial", raise_exception=True)
def trial_end(request, code, trial_id):
    patient = get_patient_for_user(request.user, code)
    trial = _trial(patient, trial_id)
    current = current_period(trial)
    if current is None or current.end is not None:
        messages.error(request, f"The trial of {trial.drug_display} has already ended.")
        return redirect(patient)
    form = TrialEndForm(request.POST or None, patient=patient, trial=trial, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            services.end_trial(trial=trial, **form.cleaned_data)
        except services.TrialStateError as error:  # a request at the same moment ended the trial first
            messages.warning(request, f"{trial.drug_display}: {error}")
            return redirect(patient)
        messages.success(request, f"Trial of {trial.drug_display} ended.")
        return redirect(patient)
    return _page(request, form, patient, f"End trial — {trial.drug_display}")


@require_http_methods(["GET", "POST"])
@permission_required("patients.change_antidepressanttrial", raise_exception=True)
def trial_edit(request, code, trial_id):
    patient = get_patient_for_user(request.user, code)
    trial = _trial(patient, trial_id)
    form = TrialDetailsForm(request.POST or None, instance=trial)
    if request.method == "POST" and form.is_valid():
        try:
            save_versioned(form)
        except StaleEditError as conflict:
            form.show_conflict(conflict)
        else:
            messages.success(request, f"Details of the {trial.drug_display} trial saved.")
            return redirect(patient)
    return _page(request, form, patient, f"Edit trial — {trial.drug_display}")
