"""Audit entries shaped for the trail page: who, when, from where, what, and each change as before -> after.

Everything here is plain text; the templates escape it. Nothing queries the database: field labels and
choice labels come from the models, and the entries arrive with actor, patient and record type joined.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models

from patients.models import Patient

from .models import AuditEntry

ACTION_LABELS = {
    AuditEntry.Action.CREATE: "Created",
    AuditEntry.Action.UPDATE: "Changed",
    AuditEntry.Action.DELETE: "Deleted",
    AuditEntry.Action.ACCESS: "Viewed",
}

EMPTY = "(empty)"
_MAX_VALUE = 300


@dataclass(frozen=True)
class ChangeLine:
    label: str
    before: str
    after: str


@dataclass
class EntryRow:
    entry: AuditEntry
    action: str
    record: str
    user: str
    what: str = ""
    changes: list[ChangeLine] = field(default_factory=list)


def user_label(entry: AuditEntry) -> str:
    if entry.actor is not None:
        return entry.actor.get_full_name() or entry.actor.get_username()
    return entry.actor_email or "system"


def entry_rows(entries) -> list[EntryRow]:
    return [
        EntryRow(
            entry=entry,
            action=ACTION_LABELS.get(entry.action, str(entry.action)),
            record=entry.object_repr,
            user=user_label(entry),
            what=entry.what,
            changes=change_lines(entry),
        )
        for entry in entries
    ]


def change_lines(entry: AuditEntry) -> list[ChangeLine]:
    """``field: before -> after`` for each changed field; a create lists only what was filled in, a delete
    only what was there."""
    if not isinstance(entry.changes, dict):
        return []
    model = entry.content_type.model_class()
    lines = []
    for name, values in sorted(entry.changes.items(), key=lambda item: _field_order(model, item[0])):
        if not isinstance(values, list | tuple) or len(values) != 2:
            continue  # auditlog's many-to-many form; none of the audited models has one
        model_field = _field(model, name)
        if model_field is not None and (model_field.primary_key or model_field.related_model is Patient):
            continue  # the record and patient columns say these
        before, after = (_show(value, model_field) for value in values)
        if entry.action == AuditEntry.Action.CREATE and after == EMPTY:
            continue
        if entry.action == AuditEntry.Action.DELETE and before == EMPTY:
            continue
        label = str(model_field.verbose_name) if model_field is not None else name
        lines.append(ChangeLine(label=label, before=before, after=after))
    return lines


def _field(model, name: str) -> models.Field | None:
    if model is None:
        return None
    try:
        model_field = model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return model_field if model_field.concrete else None


def _field_order(model, name: str) -> int:
    if model is None:
        return 0
    names = [f.name for f in model._meta.concrete_fields]
    return names.index(name) if name in names else len(names)


def _show(value, model_field: models.Field | None) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return EMPTY
    if model_field is not None and model_field.is_relation:
        return f"#{value}"  # the id of the related row (a trial, a user, ...)
    if model_field is not None and model_field.choices and not isinstance(value, list | dict):
        value = dict(model_field.flatchoices).get(value, value)
    if isinstance(value, bool):
        text = "yes" if value else "no"
    elif isinstance(value, list):
        text = ", ".join(str(item) for item in value)
    elif isinstance(value, dict):
        text = json.dumps(value, sort_keys=True)
    else:
        text = str(value)
    return text if len(text) <= _MAX_VALUE else text[: _MAX_VALUE - 1] + "…"
