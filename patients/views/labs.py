from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import services
from ..access import get_patient_for_user
from ..forms import LabPanelForm


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_labresult", raise_exception=True)
def lab_panel_create(request, code):
    patient = get_patient_for_user(request.user, code)
    form = LabPanelForm(request.POST or None, patient=patient)
    if request.method == "POST" and form.is_valid():
        report = services.record_lab_panel(
            patient=patient,
            entered_by=request.user,
            collected_on=form.cleaned_data["collected_on"],
            collected_at=form.cleaned_data["collected_at"],
            fasting=form.cleaned_data["fasting"],
            laboratory=form.cleaned_data["laboratory"],
            entries=form.entries,
        )
        count = report.results.count()
        messages.success(request, f"Lab report saved ({count} result{'s' if count != 1 else ''}).")
        return redirect(patient)
    return render(request, "patients/lab_panel.html", {"form": form, "patient": patient})
