"""The models whose creates, changes and deletes django-auditlog records (from ``post_save``/``pre_save``/
``post_delete`` signals, with the actor and address set by :class:`audit.middleware.AuditMiddleware`).

Signals do not fire for ``QuerySet.update()``, ``QuerySet.delete()`` or ``bulk_create()``: code that writes
audited rows that way logs them itself with :func:`audit.services.log_bulk_create`.
"""

from __future__ import annotations

from auditlog.registry import auditlog

from .scope import CLINIC_PATHS, PATIENT_PATHS

#: Bookkeeping columns that change on every save and say nothing the entry's own timestamp does not.
_NOISE = ["created_at", "updated_at", "version"]

#: Large columns not copied into every entry. A screening's snapshot and result are immutable and stay in
#: its own row; its create entry keeps the digest of both (``content_hash``) and ``finding_count``.
_EXCLUDED: dict[str, list[str]] = {
    "Screening": ["snapshot", "result", "options"],
}


def register_models() -> None:
    for model in [*PATIENT_PATHS, *CLINIC_PATHS]:
        if not auditlog.contains(model):
            auditlog.register(model, exclude_fields=[*_NOISE, *_EXCLUDED.get(model.__name__, []), *_reverse(model)])


def _reverse(model) -> list[str]:
    """Reverse relations (a patient's lab results, ...): auditlog would otherwise put a line for each into every
    create entry; the related rows have entries of their own."""
    return [field.name for field in model._meta.get_fields() if field.auto_created and not field.concrete]
