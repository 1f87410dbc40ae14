"""Staged imports, imported-trial links, and the CDS Hooks clients, cards and feedback.

An uploaded FHIR bundle or CSV file is kept in an :class:`ImportBatch` between the preview and the commit, so
the client never sends the data back: the commit re-reads the stored upload, re-validates it against the
database as it is then, and compares the result with the plan the user saw (``plan_digest``). The upload is
cleared once committed; only its digest and counts remain.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from patients.models import AntidepressantTrial, Clinic, Patient


class ImportBatch(models.Model):
    class Kind(models.TextChoices):
        FHIR = "fhir", "FHIR bundle"
        CSV = "csv", "CSV lab results"

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey(
        Patient,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="The patient the upload was made for (patient-level FHIR import); empty for clinic-level imports.",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.TextField(blank=True, help_text="The upload as received; cleared after the commit.")
    content_digest = models.CharField(max_length=64, help_text="SHA-256 of the upload.")
    committed_at = models.DateTimeField(null=True, blank=True)
    result_patient = models.ForeignKey(
        Patient, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", help_text="Patient written to."
    )
    summary = models.JSONField(default=dict, blank=True, help_text="Counts written at commit (no clinical values).")

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="fhir") | Q(patient__isnull=True), name="csv_import_not_per_patient"
            )
        ]

    def __str__(self) -> str:
        return f"import {self.code}"

    @property
    def is_committed(self) -> bool:
        return self.committed_at is not None


class ImportedTrial(models.Model):
    """Which FHIR resource an antidepressant trial came from, so that a re-import does not duplicate it.

    (Lab results and scale scores carry ``source``/``source_identifier`` themselves; trials do not.)
    """

    trial = models.OneToOneField(AntidepressantTrial, on_delete=models.CASCADE, related_name="import_source")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    source_identifier = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "source_identifier"], name="unique_imported_trial"),
        ]

    def __str__(self) -> str:
        return f"imported trial {self.pk}"


class CdsClient(models.Model):
    """An EHR allowed to call the CDS Hooks service. Only a hash of its bearer token is stored."""

    name = models.CharField(max_length=100, unique=True)
    clinic = models.ForeignKey(
        Clinic,
        on_delete=models.PROTECT,
        related_name="cds_clients",
        help_text="Whose screening conventions apply to this client's requests.",
    )
    token_prefix = models.CharField(max_length=16, unique=True, help_text="The token's first characters, to find it.")
    token_hash = models.CharField(max_length=64, help_text="SHA-256 of the whole token.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "CDS Hooks client"

    def __str__(self) -> str:
        return self.name


class CdsCard(models.Model):
    """A card returned to a client: which rule it showed, so that feedback can be tied to the rule.

    Holds no patient identifier and no clinical value.
    """

    uuid = models.UUIDField(unique=True)
    client = models.ForeignKey(CdsClient, on_delete=models.CASCADE, related_name="cards")
    service_id = models.CharField(max_length=64)
    rule_id = models.CharField(max_length=20, blank=True)
    rule_version = models.PositiveSmallIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField()

    class Meta:
        ordering = ["-issued_at", "-pk"]
        indexes = [models.Index(fields=["rule_id", "rule_version"])]

    def __str__(self) -> str:
        return f"card {self.uuid}"


class CdsFeedback(models.Model):
    """One feedback item posted by a client for a card (CDS Hooks feedback: accepted or overridden)."""

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        OVERRIDDEN = "overridden", "Overridden"

    card = models.ForeignKey(CdsCard, on_delete=models.CASCADE, related_name="feedback")
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    override_reason = models.CharField(max_length=64, blank=True, help_text="The override reason code chosen.")
    user_comment = models.TextField(blank=True)
    accepted_suggestions = models.JSONField(default=list, blank=True)
    outcome_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name_plural = "CDS feedback"

    def __str__(self) -> str:
        return f"feedback {self.pk}"
