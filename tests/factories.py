"""Test-data builders. They go through the same services and validation as users do."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import connection

from patients import roles, services
from patients.models import Clinic, ClinicMembership, Patient
from patients.services import LabEntry

_counter = itertools.count(1)

PASSWORD = "correct-horse-battery-staple-42"


def make_clinic(name: str | None = None) -> Clinic:
    return Clinic.objects.create(name=name or f"Clinic {next(_counter)}")


def make_user(*, clinic: Clinic | None = None, role: str = roles.CLINICIAN, **fields: Any):
    """A user in ``clinic`` with one of the role groups of :mod:`patients.roles` (``role=None``: no group)."""
    username = fields.pop("username", f"user{next(_counter)}")
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **fields)
    if role is not None:
        if not Group.objects.filter(name=role).exists():
            roles.sync_role_groups()  # flushed by a transactional test
        user.groups.add(Group.objects.get(name=role))
    if clinic is not None:
        ClinicMembership.objects.create(user=user, clinic=clinic)
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
        entries.append(
            LabEntry(analyte=analyte, value=Decimal(str(value)), unit=unit, comparator=rest[0] if rest else "")
        )
    return services.record_lab_panel(
        patient=patient, entered_by=None, collected_on=collected_on, fasting=fasting, entries=entries, **kwargs
    )


def make_trial(patient: Patient, **overrides: Any):
    """An ongoing sertraline trial from 2025-01-10 at 50 mg unless overridden (through ``start_trial``)."""
    fields: dict[str, Any] = {"drug": "sertraline", "daily_dose_mg": Decimal("50"), "start": dt.date(2025, 1, 10)}
    fields.update(overrides)
    return services.start_trial(patient=patient, **fields)


def make_scale_score(patient: Patient, *, instrument: str = "phq9", **overrides: Any):
    """A PHQ-9 (or EPDS) with every item answered 1 unless ``items`` or a bare ``total`` is given."""
    fields: dict[str, Any] = {"administered_on": dt.date(2025, 3, 1)}
    fields.update(overrides)
    if "items" not in fields and "total" not in fields:
        fields["items"] = [1] * (9 if instrument == "phq9" else 10)
    return services.record_scale_score(patient=patient, instrument=instrument, **fields)


def make_augmentation(patient: Patient, **overrides: Any):
    fields: dict[str, Any] = {"strategy": "lithium", "drug": "lithium", "start": dt.date(2025, 2, 1)}
    fields.update(overrides)
    return services.add_augmentation(patient=patient, **fields)


def make_other_treatment(patient: Patient, **overrides: Any):
    fields: dict[str, Any] = {"kind": "ect", "laterality": "unilateral", "start": dt.date(2025, 4, 1)}
    fields.update(overrides)
    return services.add_other_treatment(patient=patient, **fields)


def make_medicine(patient: Patient, **overrides: Any):
    fields: dict[str, Any] = {"kind": "medicine", "name": "metformin", "start": dt.date(2024, 6, 1)}
    fields.update(overrides)
    return services.add_medicine(patient=patient, **fields)


def make_measurement(patient: Patient, **overrides: Any):
    fields: dict[str, Any] = {"measured_on": dt.date(2025, 3, 1), "weight_kg": Decimal("70.0")}
    fields.update(overrides)
    return services.record_measurement(patient=patient, **fields)


def make_psychotherapy(patient: Patient, **overrides: Any):
    fields: dict[str, Any] = {"modality": "cbt", "approximate_sessions": 12, "start": dt.date(2023, 1, 1)}
    fields.update(overrides)
    return services.add_psychotherapy_course(patient=patient, **fields)


def insert_statements() -> int:
    """Statements that :func:`config.bulk.insert_new` sends for a few hundred rows: the sequence values and
    the ``COPY`` on PostgreSQL, one ``INSERT`` elsewhere."""
    return 2 if connection.vendor == "postgresql" else 1
