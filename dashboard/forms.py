"""Filter forms of the worklists (GET forms: every field optional, invalid values are refused with 400)."""

from __future__ import annotations

from django import forms

from screening.presenters import CATEGORY_LABELS
from screening.rules import RULES
from screening.rules.result import CATEGORY_ORDER, Category, Level

from .queries import WorklistFilters

SEVERITY_LABELS = {Level.IMPORTANT: "Important", Level.CONSIDER: "Consider", Level.INFO: "Info"}
SORT_LABELS = {
    "severity": "Highest severity first",
    "-severity": "Lowest severity first",
    "open": "Most open findings first",
    "-open": "Fewest open findings first",
    "screened": "Newest screening first",
    "-screened": "Oldest screening first",
    "name": "Name (A to Z)",
    "-name": "Name (Z to A)",
}


def _select() -> forms.Select:
    return forms.Select(attrs={"class": "form-select form-select-sm"})


class WorklistForm(forms.Form):
    category = forms.ChoiceField(
        required=False,
        choices=[("", "All categories"), *((c.value, CATEGORY_LABELS[c]) for c in CATEGORY_ORDER)],
        widget=_select(),
    )
    severity = forms.ChoiceField(
        required=False,
        choices=[("", "All severities"), *((k.value, v) for k, v in SEVERITY_LABELS.items())],
        widget=_select(),
    )
    clinician = forms.TypedChoiceField(
        required=False, coerce=int, empty_value=None, label="Recorded by", widget=_select()
    )
    new_data = forms.BooleanField(
        required=False,
        label="Only patients with data newer than their latest screening",
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    # The default sort comes first, so that the unfiltered page shows the order it is in.
    sort = forms.ChoiceField(required=False, choices=list(SORT_LABELS.items()), widget=_select())

    def __init__(self, *args, clinicians, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clinician"].choices = [
            ("", "Anyone"),
            *((user.pk, user.get_full_name() or user.get_username()) for user in clinicians),
        ]

    def filters(self) -> WorklistFilters:
        data = self.cleaned_data
        return WorklistFilters(
            category=data["category"],
            severity=data["severity"],
            clinician=data["clinician"],
            new_data_only=data["new_data"],
            sort=data["sort"] or "severity",
        )


class LabsForm(forms.Form):
    rule = forms.ChoiceField(required=False, label="Missing or overdue", choices=[], widget=_select())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule"].choices = [
            ("", "All"),
            *((rule.id, f"{rule.id}: {rule.follow_up}") for rule in RULES if rule.category == Category.DATA_GAP),
        ]
