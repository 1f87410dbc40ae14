"""Optimistic locking for records two clinicians may edit at once (patient, intake, trial).

The form carries the record's version and a signed copy of the values the user started from. Saving checks
the version under a row lock; if someone else saved in between, the save is refused, the form shows what
they changed, and the user's typed input is kept (resubmitting then is a deliberate decision to overwrite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from django import forms
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.forms.models import model_to_dict

_SALT = "patients.concurrency.original"


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


class StaleEditError(Exception):
    """The record changed since the form was shown."""

    def __init__(self, current, changes: list[FieldChange]):
        super().__init__("the record was changed by someone else")
        self.current = current
        self.changes = changes


class VersionedFormMixin:
    """For ModelForms of models with a ``version`` column. Save through :func:`save_versioned`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            return  # a new record has nothing to conflict with
        self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
        self.fields["original"] = forms.CharField(widget=forms.HiddenInput, required=False)
        if not self.is_bound:
            self._stamp(self.instance)

    def _values(self, instance) -> dict:
        data = model_to_dict(instance, fields=list(self._meta.fields))
        return json.loads(json.dumps(data, cls=DjangoJSONEncoder))

    def _stamp(self, instance) -> None:
        self.initial["version"] = instance.version
        self.initial["original"] = signing.dumps(self._values(instance), salt=_SALT, compress=True)

    def changes_since_opened(self, current) -> list[FieldChange]:
        try:
            original = signing.loads(self.cleaned_data.get("original") or "", salt=_SALT)
        except signing.BadSignature:
            original = None
        now = self._values(current)
        changes = []
        for name in self._meta.fields:
            before = None if original is None else original.get(name)
            if original is not None and before == now.get(name):
                continue
            label = str(self.fields[name].label or name) if name in self.fields else name
            changes.append(FieldChange(label, _show(before) if original is not None else "?", _show(now.get(name))))
        return changes

    def show_conflict(self, error: StaleEditError) -> None:
        """Explain the conflict and let a resubmission knowingly replace the other person's version."""
        self.data = self.data.copy()
        self.data[self.add_prefix("version")] = str(error.current.version)
        self.data[self.add_prefix("original")] = signing.dumps(self._values(error.current), salt=_SALT, compress=True)
        listed = "; ".join(f"{c.label}: {c.before} → {c.after}" for c in error.changes) or "no visible field"
        self.add_error(
            None,
            ValidationError(
                "Someone else saved this record after you opened it, so your changes were not saved. "
                "Their changes: %(changes)s. Your entries are kept below: check them and save again to "
                "replace their version.",
                code="stale_edit",
                params={"changes": listed},
            ),
        )


def _show(value) -> str:
    if value in (None, "", []):
        return "(empty)"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def save_versioned(form: VersionedFormMixin):
    """Save a versioned ModelForm if nobody else saved the record meanwhile; else raise StaleEditError."""
    instance = form.instance
    model = type(instance)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=instance.pk)
        if current.version != form.cleaned_data["version"]:
            raise StaleEditError(current, form.changes_since_opened(current))
        obj = form.save(commit=False)
        obj.version = current.version + 1
        obj.full_clean()
        obj.save()
        form.save_m2m()
    return obj
