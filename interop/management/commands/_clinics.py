from __future__ import annotations

import uuid

from django.core.management.base import CommandError

from patients.models import Clinic


def find_clinic(text: str) -> Clinic:
    """A clinic by its code (UUID) or exact name."""
    try:
        return Clinic.objects.get(code=uuid.UUID(text))
    except (ValueError, Clinic.DoesNotExist):
        pass
    try:
        return Clinic.objects.get(name=text)
    except Clinic.DoesNotExist:
        raise CommandError(f"no clinic named or coded {text!r}") from None
