"""Writing audit entries that model signals cannot: reads, and rows saved in bulk.

Creates, changes and deletes of the models in :mod:`audit.registry` are recorded automatically. Two things
are not, and are the caller's job:

**Reads.** Every view that shows or hands out patient data calls :func:`log_access` once the access check
has passed (after ``get_patient_for_user``/``get_screening_for_user``) and before returning::

    from audit.services import log_access, log_access_many

    log_access(request, patient, what="patient page")
    log_access(request, screening, what="PDF download")
    log_access_many(request, patients, what="worklist CSV export")   # one entry per patient, one query

``obj`` is a patient or any record of one (screening, lab report, ...); the entry is attached to its patient
and clinic (:mod:`audit.scope`) and shows on the patient page under "who viewed this record". ``what`` is a
short label of the page or file, never clinical content; use the constants below where one fits.

**Bulk writes.** ``bulk_create`` sends no signals: pass the saved rows to :func:`log_bulk_create` in the same
transaction.

Entries record the actor and client address of the current request (:class:`audit.middleware.AuditMiddleware`);
outside a request (management commands) pass ``actor`` explicitly. A failure to write the entry fails the
request: a read or write that cannot be audited does not happen silently.
"""

from __future__ import annotations

from collections.abc import Iterable

from auditlog.cid import get_cid
from auditlog.diff import model_instance_diff
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.http import HttpRequest
from django.utils import timezone
from django.utils.encoding import smart_str

from config.bulk import insert_new

from .middleware import client_address, current_request
from .models import AuditEntry
from .scope import scope_of

PATIENT_PAGE = "patient page"
RECORDED_SCREENING = "recorded screening"
PRINT_VIEW = "print view"
PDF_DOWNLOAD = "PDF download"

_MAX_WHAT = 100


def _actor(request: HttpRequest | None):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _email(actor) -> str | None:
    return (getattr(actor, "email", "") or None) if actor is not None else None


def _check_what(what: str) -> str:
    what = what.strip()
    if not what or len(what) > _MAX_WHAT:
        raise ValueError(f"'what' must be a label of 1 to {_MAX_WHAT} characters.")
    return what


def log_access(request: HttpRequest, obj: models.Model, *, what: str) -> AuditEntry:
    """Record that the request's user viewed or downloaded ``obj`` (see the module docstring)."""
    actor = _actor(request)
    return AuditEntry.objects.log_create(
        obj,
        force_log=True,
        action=AuditEntry.Action.ACCESS,
        changes=None,
        actor=actor,
        actor_email=_email(actor),
        remote_addr=client_address(request),
        additional_data={"what": _check_what(what)},
    )


def log_access_many(request: HttpRequest, objects: Iterable[models.Model], *, what: str) -> list[AuditEntry]:
    """One access entry per object (an export of several patients), written in one query."""
    what = _check_what(what)
    actor, address = _actor(request), client_address(request)
    return insert_new(
        _entry(obj, AuditEntry.Action.ACCESS, actor=actor, address=address, additional_data={"what": what})
        for obj in objects
    )


def log_bulk_create(objects: Iterable[models.Model], *, actor=None) -> list[AuditEntry]:
    """Create entries for rows saved with ``bulk_create`` (which sends no signals), written in one query.

    ``objects`` must have their primary keys (``bulk_create`` sets them on PostgreSQL and SQLite). The actor
    and address are those of the current request unless ``actor`` is given.
    """
    request = current_request()
    actor = actor or _actor(request)
    address = client_address(request) if request is not None else None
    use_json = settings.AUDITLOG_STORE_JSON_CHANGES
    return insert_new(
        _entry(
            obj,
            AuditEntry.Action.CREATE,
            actor=actor,
            address=address,
            changes=model_instance_diff(None, obj, use_json_for_changes=use_json),
        )
        for obj in objects
    )


def _entry(obj: models.Model, action: int, *, actor, address, changes=None, additional_data=None) -> AuditEntry:
    """An unsaved entry filled as auditlog's ``LogEntryManager.log_create`` fills one."""
    patient_id, clinic_id = scope_of(obj)
    pk = obj.pk
    return AuditEntry(
        content_type=ContentType.objects.get_for_model(obj),
        object_pk=smart_str(pk),
        object_id=pk if isinstance(pk, int) else None,
        object_repr=smart_str(obj),
        action=action,
        changes=changes,
        actor=actor,
        actor_email=_email(actor),
        remote_addr=address,
        timestamp=timezone.now(),
        additional_data=additional_data,
        cid=get_cid(),
        patient_id=patient_id,
        clinic_id=clinic_id,
    )
