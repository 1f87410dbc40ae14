from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from patients.access import clinics_for
from patients.models import ClinicMembership

from .forms import ClinicOptionsForm
from .presenters import rule_catalogue_groups
from .rules import RULESET_VERSION
from .services import clinic_options


@require_GET
def rule_catalogue(request):
    return render(
        request,
        "screening/catalogue.html",
        {"groups": rule_catalogue_groups(), "ruleset_version": RULESET_VERSION},
    )


@require_http_methods(["GET", "POST"])
def clinic_settings(request, clinic_code):
    clinic = get_object_or_404(clinics_for(request.user), code=clinic_code)
    editable = (
        request.user.is_superuser
        or clinic.memberships.filter(user=request.user, role=ClinicMembership.Role.ADMINISTRATOR).exists()
    )
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only clinic administrators can change the screening conventions.")
    form = ClinicOptionsForm(request.POST or None, options=clinic_options(clinic), editable=editable)
    if request.method == "POST" and form.is_valid():
        clinic.screening_options = form.to_options()
        clinic.save(update_fields=["screening_options"])
        messages.success(request, "Screening conventions saved. They apply to every screening from now on.")
        return redirect("screening:clinic_settings", clinic_code=clinic.code)
    return render(request, "screening/clinic_settings.html", {"form": form, "clinic": clinic, "editable": editable})
