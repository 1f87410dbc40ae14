"""Loading recorded screenings and findings only through the user's clinics (404 otherwise)."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Screening, ScreeningFinding


def get_screening_for_user(user, code) -> Screening:
    if not user.is_authenticated:
        raise Http404
    screenings = Screening.objects.select_related("patient__clinic", "recorded_by")
    return get_object_or_404(screenings.filter(patient__clinic__memberships__user=user), code=code)


def get_finding_for_user(user, screening_code, finding_id) -> ScreeningFinding:
    screening = get_screening_for_user(user, screening_code)
    return get_object_or_404(screening.findings.select_related("screening__patient"), pk=finding_id)
