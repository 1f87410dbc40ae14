"""The one place that decides which patients a user may see.

Every view that touches a patient loads it through :func:`get_patient_for_user`; a patient of another
clinic is a 404, never a 403 that would confirm the record exists.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from .models import Clinic, ClinicMembership, Patient


def clinics_for(user) -> QuerySet[Clinic]:
    if not user.is_authenticated:
        return Clinic.objects.none()
    return Clinic.objects.filter(memberships__user=user)


def patients_for(user) -> QuerySet[Patient]:
    """The patients of the user's clinics. Reads the user's clinic ids first (one query): filtering by the
    ids themselves, not by a join to the memberships, lets PostgreSQL read a clinic's patients in name order
    from its (clinic, family name, given name) index, so a page of the list costs the same at 100 or 100,000
    patients instead of sorting the whole caseload each time."""
    if not user.is_authenticated:
        return Patient.objects.none()
    clinic_ids = list(ClinicMembership.objects.filter(user=user).values_list("clinic_id", flat=True))
    return Patient.objects.filter(clinic_id__in=clinic_ids)


def get_patient_for_user(user, code, *, queryset: QuerySet[Patient] | None = None) -> Patient:
    """The patient with this code if the user works in its clinic, else 404.

    ``queryset`` may add select_related/prefetch_related; it is always narrowed to the user's clinics.
    """
    if not user.is_authenticated:
        raise Http404
    # One membership per (user, clinic) is a database constraint, so this join never duplicates rows.
    patients = (queryset if queryset is not None else Patient.objects.all()).filter(clinic__memberships__user=user)
    return get_object_or_404(patients.select_related("clinic"), code=code)
