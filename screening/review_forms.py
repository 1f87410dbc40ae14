"""The clinician's decision on one finding of a recorded screening."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from patients.fields import CleanTextMixin

from .models import DismissalReason, ReviewState, ScreeningFinding


class ReviewForm(CleanTextMixin, forms.Form):
    state = forms.ChoiceField(
        label="Decision",
        choices=[
            (ReviewState.ACKNOWLEDGED, "Acknowledge"),
            (ReviewState.FOLLOW_UP, "Follow-up ordered"),
            (ReviewState.DISMISSED, "Dismiss"),
            (ReviewState.OPEN, "Re-open"),
        ],
        widget=forms.RadioSelect,
    )
    follow_up = forms.CharField(label="Follow-up ordered", required=False, max_length=500)
    dismissal_reason = forms.ChoiceField(
        label="Reason for dismissing", required=False, choices=[("", "—"), *DismissalReason.choices]
    )
    note = forms.CharField(label="Note", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, finding: ScreeningFinding, **kwargs):
        kwargs.setdefault("prefix", f"f{finding.pk}")
        super().__init__(*args, **kwargs)
        self.finding = finding
        if finding.is_safety:
            self.fields["note"].help_text = "A safety finding can be dismissed only with a note."

    def clean(self):
        cleaned = super().clean()
        state = cleaned.get("state")
        reason = cleaned.get("dismissal_reason")
        note = (cleaned.get("note") or "").strip()
        if state == ReviewState.DISMISSED and not reason:
            self.add_error(
                "dismissal_reason", ValidationError("Choose why the finding is dismissed.", code="reason_required")
            )
        if state == ReviewState.DISMISSED and reason == DismissalReason.OTHER and not note:
            self.add_error("note", ValidationError("Describe the reason in the note.", code="note_required"))
        if state == ReviewState.DISMISSED and self.finding.is_safety and not note:
            self.add_error(
                "note",
                ValidationError(
                    "A safety finding can be dismissed only with a note explaining why.", code="safety_note_required"
                ),
            )
        if state == ReviewState.FOLLOW_UP and not (cleaned.get("follow_up") or "").strip():
            self.add_error("follow_up", ValidationError("Say what follow-up was ordered.", code="follow_up_required"))
        return cleaned
