"""Recorded screenings and the clinician review of each finding.

A recorded screening is immutable: who, when, the rule-set version, the clinic's conventions, the exact input
snapshot and the complete result, as JSON, plus one row per finding for querying. It renders from what was
stored, so old records look the same after the rules change. Reviews are append-only: a change of state is a
new row, so the history is visible.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse

from patients.models import Patient

from .rules.result import Category, Level


class ImmutableRecordError(Exception):
    """Raised on any attempt to change or delete a recorded screening or review."""


class AppendOnlyModel(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} rows are never changed; record a new one.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{type(self).__name__} rows are never deleted.")


class Screening(AppendOnlyModel):
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    as_of = models.DateField()
    ruleset_version = models.CharField(max_length=40)
    options = models.JSONField()
    snapshot = models.JSONField(help_text="The exact input of the rules engine.")
    result = models.JSONField(help_text="The complete result as the engine returned it.")
    data_fingerprint = models.CharField(max_length=64, help_text="Digest of the input data (not the date).")
    content_hash = models.CharField(max_length=64, help_text="Digest printed on the summary.")
    finding_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["patient", "-recorded_at"])]

    def __str__(self) -> str:
        return f"screening {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("screening:detail", kwargs={"code": self.code})


class LatestScreening(models.Model):
    """Each patient's latest recorded screening: a pointer, so that lists and counts over every patient's
    current screening (the dashboard) read one row per patient instead of searching every screening ever
    recorded, which grows with each re-screening.

    Not clinical data and not a record: :func:`screening.services.record_screenings` moves it to the new
    screening in the transaction that records it, under the patient's lock. The one row of this app that
    is ever updated.
    """

    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, primary_key=True, related_name="latest_screening")
    screening = models.OneToOneField(Screening, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"latest screening of patient {self.patient_id}"


class ScreeningFinding(AppendOnlyModel):
    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="findings")
    position = models.PositiveSmallIntegerField()
    rule_id = models.CharField(max_length=20)
    rule_version = models.PositiveSmallIntegerField()
    category = models.CharField(max_length=20, choices=[(c.value, c.value) for c in Category])
    severity = models.CharField(max_length=20, choices=[(level.value, level.value) for level in Level])
    title = models.CharField(max_length=500)
    inputs_key = models.CharField(max_length=64)
    follow_up = models.TextField(blank=True, help_text="The suggested follow-up, as in the stored finding.")

    class Meta:
        ordering = ["screening", "position"]
        constraints = [
            models.UniqueConstraint(fields=["screening", "position"], name="unique_finding_position"),
        ]
        indexes = [
            models.Index(fields=["rule_id", "rule_version", "inputs_key"]),
            models.Index(fields=["category", "severity"]),
            # Everything the dashboard counts and filters by, so that it reads the findings of the latest
            # screenings from this index alone.
            models.Index(fields=["screening", "rule_id", "category", "severity", "id"], name="finding_summary_idx"),
        ]

    def __str__(self) -> str:
        return f"finding {self.pk} ({self.rule_id})"

    @property
    def data(self) -> dict:
        """The finding as stored in its screening's result. The row holds only what lists filter, sort and
        show; reading this loads the screening unless it came with the finding (``screening.findings`` and
        ``select_related("screening")`` bring it)."""
        return self.screening.result["findings"][self.position]

    @property
    def rule_ref(self) -> str:
        return f"{self.rule_id}@{self.rule_version}"

    @property
    def is_safety(self) -> bool:
        return self.category == Category.SAFETY


class ReviewState(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    FOLLOW_UP = "follow_up", "Follow-up ordered"
    DISMISSED = "dismissed", "Dismissed"


class DismissalReason(models.TextChoices):
    NOT_RELEVANT = "not_relevant", "Not clinically relevant"
    ALREADY_ADDRESSED = "already_addressed", "Already addressed"
    ERRONEOUS = "erroneous", "Result believed erroneous"
    PATIENT_DECLINED = "patient_declined", "Patient declined"
    OTHER = "other", "Other"


class FindingReview(AppendOnlyModel):
    """One review decision. The newest row of a finding is its current state; older rows are its history."""

    finding = models.ForeignKey(ScreeningFinding, on_delete=models.PROTECT, related_name="reviews")
    state = models.CharField(max_length=20, choices=ReviewState.choices)
    dismissal_reason = models.CharField(max_length=20, choices=DismissalReason.choices, blank=True)
    follow_up = models.CharField("follow-up ordered", max_length=500, blank=True)
    note = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField()
    carried_over_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The review of the same unchanged finding in an earlier screening.",
    )

    class Meta:
        ordering = ["finding", "reviewed_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="dismissed") | ~Q(dismissal_reason=""), name="dismissal_needs_reason"
            ),
            models.CheckConstraint(
                condition=Q(state="dismissed") | Q(dismissal_reason=""), name="reason_only_when_dismissed"
            ),
            models.CheckConstraint(condition=~Q(state="follow_up") | ~Q(follow_up=""), name="follow_up_needs_text"),
            models.CheckConstraint(
                condition=~Q(dismissal_reason="other") | ~Q(note=""), name="other_reason_needs_note"
            ),
        ]
        indexes = [models.Index(fields=["finding", "-reviewed_at"])]

    def __str__(self) -> str:
        return f"review {self.pk}"


class SummaryAccess(AppendOnlyModel):
    """A print or PDF download of a recorded screening (who, when)."""

    class Kind(models.TextChoices):
        PRINT = "print", "Print view"
        PDF = "pdf", "PDF download"

    screening = models.ForeignKey(Screening, on_delete=models.PROTECT, related_name="summary_accesses")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"summary access {self.pk}"
