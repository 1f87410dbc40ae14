"""Test-data builders. They go through the same services and validation as users do."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from patients import services
from patients.models import Clinic, ClinicMembership, Patient
from patients.services import LabEntry

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery-staple-42"


def make_clinic(name: str | None = None) -> Clinic:
    return Clinic.objects.create(name=name or f"Clinic {next(_counter)}")


def make_user(*, clinic: Clinic | None = None, role: str = ClinicMembership.Role.CLINICIAN, **fields: Any):
    username = fields.pop("username", f"user{next(_counter)}")
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    if clinic is not None:
        ClinicMembership.objects.create(user=user, clinic=clinic, role=role)
    return user


def make_patient(*, clinic: Clinic, created_by=None, **overrides: Any) -> Patient:
    fields: dict[str, Any] = {
        "mrn": f"MRN{next(_counter):05d}",
        "given_name": "Alex",
        "family_name": "Example",
        "birth_date": dt.date(1980, 5, 2),
        "sex": "female",
    }
    fields.update(overrides)
    return services.register_patient(clinic=clinic, created_by=created_by, **fields)


def add_labs(patient: Patient, *rows: tuple, collected_on: dt.date, fasting: str = "unknown", **kwargs: Any):
    """``rows`` are ``(analyte, value, unit)`` or ``(analyte, value, unit, comparator)`` tuples."""
    entries = []
    for row in rows:
        analyte, value, unit, *rest = row
        entries.append(LabEntry(analyte=analyte, value=Decimal(str(value)), unit=unit, comparator=rest[0] if rest else ""))
    return services.record_lab_panel(
        patient=patient, entered_by=None, collected_on=collected_on, fasting=fasting, entries=entries, **kwargs
    )
