"""The audit entry: django-auditlog's log entry plus the patient and clinic it concerns.

``AUDITLOG_LOGENTRY_MODEL`` points auditlog at :class:`AuditEntry`, so every entry auditlog writes (create,
update, delete from model signals; access from :func:`audit.services.log_access`) lands here. auditlog's
``additional_data`` is a JSON column: it can be queried with JSON lookups on SQLite and PostgreSQL alike, but
not indexed portably, and the trail is filtered by clinic on every page view. Patient and clinic are therefore
real, indexed columns, filled when the entry is written (:meth:`AuditEntryManager.log_create`).
"""

from __future__ import annotations

from auditlog.models import AbstractLogEntry, LogEntryManager
from django.conf import settings
from django.db import models


class ImmutableAuditEntryError(Exception):
    """Raised on any attempt to change or delete an audit entry."""


class AuditEntryManager(LogEntryManager):
    def log_create(self, instance, force_log: bool = False, **kwargs):
        """auditlog's entry writer, with the patient and clinic of ``instance`` attached."""
        from .scope import scope_of

        patient_id, clinic_id = scope_of(instance)
        kwargs.setdefault("patient_id", patient_id)
        kwargs.setdefault("clinic_id", clinic_id)
        return super().log_create(instance, force_log=force_log, **kwargs)


class AuditEntry(AbstractLogEntry):
    """One create, update, delete or access of a record (``action``), by ``actor`` from ``remote_addr``.

    ``changes`` holds ``{field: [before, after]}`` for creates, updates and deletes; ``additional_data`` holds
    ``{"what": ...}`` for accesses ("patient page", "PDF download", ...). ``object_repr`` is the record's
    ``__str__``, which never reveals identity.
    """

    # Overridden from auditlog: an entry must outlive neither its actor nor its record type silently. Users
    # who acted are deactivated, not deleted (auditlog's default would blank the actor or drop the entries).
    content_type = models.ForeignKey(
        "contenttypes.ContentType", on_delete=models.PROTECT, related_name="+", verbose_name="record type"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # No database constraint and DO_NOTHING: the entry must survive the deletion of its patient or clinic
    # (the delete itself is one of the entries). The ids stay, the join then finds nothing.
    patient = models.ForeignKey(
        "patients.Patient",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )
    clinic = models.ForeignKey(
        "patients.Clinic",
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = AuditEntryManager()

    class Meta(AbstractLogEntry.Meta):
        verbose_name = "audit entry"
        verbose_name_plural = "audit entries"
        indexes = [
            models.Index(fields=["clinic", "-timestamp"], name="audit_clinic_time"),
            models.Index(fields=["patient", "action", "-timestamp"], name="audit_patient_action_time"),
        ]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableAuditEntryError("Audit entries are never changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableAuditEntryError("Audit entries are never deleted.")

    @property
    def what(self) -> str:
        """What was viewed, for access entries ("patient page", "PDF download", ...)."""
        return (self.additional_data or {}).get("what", "")
