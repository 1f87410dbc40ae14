"""Reading the audit trail, always scoped to the user's clinics."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from patients.access import clinics_for
from patients.models import Patient
from patients.search import any_contains

from .models import AuditEntry

RECENT_VIEWS = 10
_MAX_PAGE = 100_000  # keeps the offset a number every database accepts; narrow the filters to go further


def entries_for(user) -> QuerySet[AuditEntry]:
    """The entries of the user's clinics. Entries without a clinic (none for patient data) never show."""
    return (
        AuditEntry.objects.filter(clinic__in=clinics_for(user))
        .select_related("actor", "patient", "content_type")
        .order_by("-timestamp", "-pk")
    )


def filter_entries(
    entries: QuerySet[AuditEntry],
    *,
    patient: Patient | None = None,
    q: str = "",
    user: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    action: int | None = None,
) -> QuerySet[AuditEntry]:
    """Narrow the trail: one patient, patients matching every word of ``q`` (MRN or name), actors matching
    every word of ``user``, days ``start`` to ``end`` inclusive (in the site's time zone), one action."""
    if patient is not None:
        entries = entries.filter(patient=patient)
    for term in q.split():
        entries = entries.filter(any_contains(term, "patient__mrn", "patient__given_name", "patient__family_name"))
    for term in user.split():
        entries = entries.filter(any_contains(term, "actor__username", "actor__first_name", "actor__last_name"))
    # Bounds as instants rather than a __date lookup, so the timestamp index serves the range.
    if start is not None:
        entries = entries.filter(timestamp__gte=_start_of(start))
    if end is not None:
        entries = entries.filter(timestamp__lt=_start_of(end + dt.timedelta(days=1)))
    if action is not None:
        entries = entries.filter(action=action)
    return entries


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def recent_views(patient: Patient, *, limit: int = RECENT_VIEWS) -> list[AuditEntry]:
    """The latest access entries of a patient (one query), for "who viewed this record"."""
    return list(
        AuditEntry.objects.filter(patient=patient, action=AuditEntry.Action.ACCESS)
        .select_related("actor")
        .order_by("-timestamp", "-pk")[:limit]
    )


@dataclass(frozen=True)
class TrailPage:
    """One page of entries, newest first, without a total: counting a clinic's whole trail costs more than
    the page itself once it holds hundreds of thousands of entries (see docs/benchmarks.md)."""

    object_list: list[AuditEntry]
    number: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_previous or self.has_next

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_of(entries: QuerySet[AuditEntry], number, *, size: int) -> TrailPage:
    """Page ``number`` (1 if missing or not a positive number) in one query: one row more than the page
    tells whether another follows. A page past the end is empty."""
    try:
        number = min(max(1, int(number)), _MAX_PAGE)
    except (TypeError, ValueError):
        number = 1
    start = (number - 1) * size
    rows = list(entries[start : start + size + 1])
    return TrailPage(object_list=rows[:size], number=number, has_next=len(rows) > size)
