"""Database expressions over recorded screenings, for lists and counts that must run a fixed number of queries.

- the latest recorded screening of each patient (the pointer kept when screenings are recorded);
- the current review state of a finding: its newest review row, or open when it has none;
- whether a patient has clinical data saved after a screening was recorded.

Each is one SQL expression, so a caller can filter, count and group by it in the database whatever the
number of patients.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from patients.models import (
    AntidepressantTrial,
    Augmentation,
    DosePeriod,
    Intake,
    LabResult,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    ScaleScore,
)

from .models import FindingReview, LatestScreening, ReviewState, Screening, ScreeningFinding


def latest_screenings(patients: QuerySet[Patient]) -> QuerySet[Screening]:
    """The latest recorded screening of each of ``patients`` (patients never screened have none).

    Read from :class:`screening.models.LatestScreening`, the pointer kept when a screening is recorded: one
    row per patient, however many screenings each has had.
    """
    return Screening.objects.filter(pk__in=LatestScreening.objects.filter(patient__in=patients).values("screening_id"))


def current_review_state(finding_ref: str = "pk") -> Coalesce:
    """A finding's review state: the state of its newest review row, or ``open`` when it has none."""
    newest = FindingReview.objects.filter(finding=OuterRef(finding_ref)).order_by("-reviewed_at", "-pk")
    return Coalesce(Subquery(newest.values("state")[:1]), Value(ReviewState.OPEN.value))


def newest_reviews() -> QuerySet[FindingReview]:
    """Review rows that are the newest of their finding: each finding's current state."""
    newer = FindingReview.objects.filter(finding_id=OuterRef("finding_id")).filter(
        Q(reviewed_at__gt=OuterRef("reviewed_at")) | Q(reviewed_at=OuterRef("reviewed_at"), pk__gt=OuterRef("pk"))
    )
    return FindingReview.objects.filter(~Exists(newer))


def is_open(finding_ref: str = "pk") -> Q:
    """True for a finding whose current state is open: it has no review, or its newest review is "open".

    Written as "no newest review closes it" so that the database can answer it for many findings with one
    anti-join rather than one lookup per finding.
    """
    closing = newest_reviews().filter(finding_id=OuterRef(finding_ref)).exclude(state=ReviewState.OPEN)
    return ~Exists(closing)


def open_findings(screenings: QuerySet[Screening]) -> QuerySet[ScreeningFinding]:
    """Findings of ``screenings`` whose current review state is open (no review, or newest review open)."""
    return ScreeningFinding.objects.filter(screening__in=screenings).filter(is_open())


def data_saved_since(*, patient: OuterRef, since: OuterRef) -> Q:
    """True when any row the screening snapshot reads was created or saved after ``since``.

    Lab results and scale scores are never edited (``created_at``); the other rows carry ``updated_at``.
    Caveat: rows changed without ``save()`` (a queryset ``update()``, a data fix in the shell) and deleted rows
    leave no timestamp (the app's services always save ``updated_at``); the exact test is the data fingerprint
    (see ``screening.services.needs_screening``).
    """
    return (
        Exists(LabResult.objects.filter(patient=patient, created_at__gt=since))
        | Exists(ScaleScore.objects.filter(patient=patient, created_at__gt=since))
        | Exists(AntidepressantTrial.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(DosePeriod.objects.filter(trial__patient=patient, updated_at__gt=since))
        | Exists(Medicine.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(Measurement.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(Augmentation.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(OtherTreatment.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(Intake.objects.filter(patient=patient, updated_at__gt=since))
        | Exists(Patient.objects.filter(pk=patient, updated_at__gt=since))
    )


def with_data_since_latest_screening(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Those of ``patients`` who have a recorded screening and data saved after the latest one.

    Checked per patient (not per screening), so the cost follows the number of patients, not the history.
    """
    return patients.filter(latest_screening__isnull=False).filter(
        data_saved_since(patient=OuterRef("pk"), since=OuterRef("latest_screening__screening__recorded_at"))
    )


def with_new_data_flag(screenings: QuerySet[Screening]) -> QuerySet[Screening]:
    """Annotate each screening with ``new_data``: the patient has data saved after it was recorded."""
    return screenings.annotate(new_data=data_saved_since(patient=OuterRef("patient_id"), since=OuterRef("recorded_at")))
