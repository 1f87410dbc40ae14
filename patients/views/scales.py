"""PHQ-9 and EPDS entry. The total is computed by the service from the item answers."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .. import presenters, services
from ..access import get_patient_for_user
from ..forms import ScaleForm
from ..models import ScaleScore


@require_http_methods(["GET", "POST"])
@permission_required("patients.add_scalescore", raise_exception=True)
def scale_create(request, code, instrument):
    patient = get_patient_for_user(request.user, code)
    if instrument not in ScaleScore.Instrument.values:
        raise Http404("unknown instrument")
    form = ScaleForm(request.POST or None, patient=patient, instrument=instrument)
    if request.method == "POST" and form.is_valid():
        score = services.record_scale_score(
            patient=patient,
            instrument=instrument,
            administered_on=form.cleaned_data["administered_on"],
            items=form.items(),
            difficulty=form.cleaned_data.get("difficulty"),
            entered_by=request.user,
        )
        # A positive self-harm item is a warning, not a routine confirmation; the text says so in words.
        level = messages.WARNING if score.self_harm_item else messages.SUCCESS
        messages.add_message(request, level, presenters.scale_saved_message(score))
        return redirect(patient)
    title = f"Enter {form.instrument.name}"
    return render(request, "patients/form.html", {"form": form, "patient": patient, "title": title})
