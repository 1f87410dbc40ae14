"""The one place that decides which patients a user may see.

Every view that touches a patient loads it through :func:`get_patient_for_user`; a patient of another
clinic is a 404, never a 403 that would confirm the record exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import Clinic, Patient


def clinics_for(user) -> QuerySet[Clinic]:
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user)


def patients_for(user) -> QuerySet[Patient]:
    if not user.is_authenticated:
        return Patient.objects.none()
    return Patient.objects.filter(clinic__memberships__user=user)


def get_patient_for_user(user, code) -> Patient:
    return get_object_or_404(patients_for(user).select_related("clinic"), code=code)
