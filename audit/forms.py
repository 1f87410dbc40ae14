from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from .models import AuditEntry

ACTION_CHOICES = [
    ("", "Any"),
    (AuditEntry.Action.ACCESS, "Viewed"),
    (AuditEntry.Action.CREATE, "Created"),
    (AuditEntry.Action.UPDATE, "Changed"),
    (AuditEntry.Action.DELETE, "Deleted"),
]


class TrailFilterForm(forms.Form):
    """Filters of the audit trail page. ``patient`` (a patient code) comes from the link on a patient page."""

    q = forms.CharField(label="Patient (MRN or name)", max_length=100, required=False)
    user = forms.CharField(label="User", max_length=150, required=False)
    start = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    action = forms.TypedChoiceField(
        label="Action", choices=ACTION_CHOICES, coerce=int, empty_value=None, required=False
    )
    patient = forms.UUIDField(required=False, widget=forms.HiddenInput)

    def clean_q(self) -> str:
        return self.cleaned_data["q"].strip()

    def clean_user(self) -> str:
        return self.cleaned_data["user"].strip()

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise ValidationError("The end date is before the start date.", code="end_before_start")
        return cleaned
