from __future__ import annotations

from django.shortcuts import get_object_or_404

from patients.access import clinics_for

from .models import ImportBatch


def get_batch_for_user(user, code) -> ImportBatch:
    """An upload staged by this user in one of their clinics, else 404 (uploads are private to their author)."""
    batches = ImportBatch.objects.filter(created_by=user, clinic__in=clinics_for(user))
    return get_object_or_404(batches.select_related("clinic", "patient", "result_patient"), code=code)
