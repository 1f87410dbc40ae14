"""Lab panel entry: one form for a whole report, one row per analyte, blank rows ignored.

Every value passes the same entry gates as the command line and the importers
(:func:`screening.rules.analytes.check_lab_value`): plausibility limits (G-01) and unit mix-up zones
(G-02). A panel with one bad row saves nothing and shows every row's error at once.
"""

from __future__ import annotations

from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError

from screening.rules import analytes
from screening.rules.units import unit_label

from ..fields import CensoredDecimalField, CleanTextMixin, StrictDecimalField
from ..models import Fasting, LabResult, Patient
from ..services import LabEntry
from .common import DateInput, TimeInput, not_before_birth, not_in_future


@dataclass(frozen=True)
class PanelRow:
    """The bound fields of one analyte row, for the template."""

    analyte: analytes.Analyte
    value: forms.BoundField
    unit: forms.BoundField
    reference_low: forms.BoundField
    reference_high: forms.BoundField
    confirm: forms.BoundField

    @property
    def errors(self) -> list[str]:
        return [*self.value.errors, *self.unit.errors, *self.reference_low.errors, *self.reference_high.errors]

    @property
    def error_id(self) -> str:
        return f"{self.analyte.key}-errors"

    def _widget(self, field: forms.BoundField, css: str):
        attrs = {"class": css + (" is-invalid" if field.errors else "")}
        if field.errors:
            attrs["aria-describedby"] = self.error_id
            attrs["aria-invalid"] = "true"
        return field.as_widget(attrs=attrs)

    def value_widget(self):
        return self._widget(self.value, "form-control form-control-sm value-input")

    def unit_widget(self):
        return self._widget(self.unit, "form-select form-select-sm")

    def reference_low_widget(self):
        return self._widget(self.reference_low, "form-control form-control-sm")

    def reference_high_widget(self):
        return self._widget(self.reference_high, "form-control form-control-sm")

    @property
    def needs_confirmation(self) -> bool:
        errors = self.value.form.errors.as_data().get(self.value.name, [])
        return any(error.code == "confirm_unit" for error in errors) or bool(self.confirm.value())


class LabPanelForm(CleanTextMixin, forms.Form):
    collected_on = forms.DateField(label="Collection date", widget=DateInput())
    collected_at = forms.TimeField(
        label="Collection time",
        required=False,
        widget=TimeInput(),
        help_text="Needed for morning testosterone and cortisol (06:00-10:00).",
    )
    fasting = forms.ChoiceField(label="Fasting sample", choices=Fasting.choices, initial=Fasting.UNKNOWN)
    laboratory = forms.CharField(label="Laboratory", required=False, max_length=200)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        for key, analyte in analytes.ANALYTES.items():
            name = analyte.name
            self.fields[f"{key}-value"] = CensoredDecimalField(
                label=f"{name} value",
                required=False,
                max_digits=14,
                decimal_places=4,
                help_text="A number; prefix < or > for results reported as below or above a limit.",
            )
            self.fields[f"{key}-unit"] = forms.ChoiceField(
                label=f"{name} unit",
                choices=[(unit, analytes.unit_label(unit)) for unit in analyte.units],
                required=False,
                initial=analyte.canonical_unit,
            )
            self.fields[f"{key}-reference_low"] = StrictDecimalField(
                label=f"{name} lower reference limit", required=False, max_digits=14, decimal_places=4
            )
            self.fields[f"{key}-reference_high"] = StrictDecimalField(
                label=f"{name} upper reference limit", required=False, max_digits=14, decimal_places=4
            )
            self.fields[f"{key}-confirm"] = forms.BooleanField(label=f"I have checked the {name} unit", required=False)

    def report_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("collected_on", "collected_at", "fasting", "laboratory")]

    def rows(self) -> list[PanelRow]:
        return [
            PanelRow(
                analyte=analyte,
                value=self[f"{key}-value"],
                unit=self[f"{key}-unit"],
                reference_low=self[f"{key}-reference_low"],
                reference_high=self[f"{key}-reference_high"],
                confirm=self[f"{key}-confirm"],
            )
            for key, analyte in analytes.ANALYTES.items()
        ]

    def grouped_rows(self) -> list[tuple[str, list[PanelRow]]]:
        groups: dict[str, list[PanelRow]] = {}
        for row in self.rows():
            groups.setdefault(row.analyte.group, []).append(row)
        return list(groups.items())

    def clean_collected_on(self):
        day = not_in_future(self.cleaned_data["collected_on"], what="The collection date")
        return not_before_birth(day, self.patient.birth_date, what="The collection date")

    def clean(self):
        cleaned = super().clean()
        self.entries: list[LabEntry] = []
        for key, analyte in analytes.ANALYTES.items():
            entry = self._clean_row(key, analyte, cleaned)
            if entry is not None:
                self.entries.append(entry)
        if not self.entries and not self.errors:
            raise ValidationError("Enter at least one result.", code="empty_panel")
        if self.entries and cleaned.get("collected_on"):
            self._refuse_recorded_again(cleaned["collected_on"])
        return cleaned

    def _refuse_recorded_again(self, collected_on) -> None:
        """A result already recorded for the patient on that collection date with the same value and unit (a report
        entered twice, or saved again after going back) is refused: stored twice, it would count twice in trends."""
        recorded = set(
            LabResult.objects.filter(
                patient=self.patient, collected_on=collected_on, analyte__in=[entry.analyte for entry in self.entries]
            ).values_list("analyte", "comparator", "value", "unit")
        )
        for entry in self.entries:
            if (entry.analyte, entry.comparator, entry.value, entry.unit) in recorded:
                shown = f"{entry.comparator}{entry.value.normalize():f} {unit_label(entry.unit)}"
                self.add_error(
                    f"{entry.analyte}-value",
                    ValidationError(
                        f"Already recorded for {collected_on.isoformat()}: {shown}. Clear this row if the report "
                        "was entered before.",
                        code="already_recorded",
                    ),
                )

    def _clean_row(self, key: str, analyte: analytes.Analyte, cleaned: dict) -> LabEntry | None:
        value_field = f"{key}-value"
        reported = cleaned.get(value_field)
        if reported is None:
            # Limits typed without a value would otherwise vanish unsaved. A value that failed to parse has
            # its own error already.
            limits = [cleaned.get(f"{key}-reference_low"), cleaned.get(f"{key}-reference_high")]
            if any(limit is not None for limit in limits) and value_field not in self.errors:
                self.add_error(
                    value_field, ValidationError("Enter the value, or clear the limits.", code="limits_without_value")
                )
            return None
        comparator, value = reported
        unit = cleaned.get(f"{key}-unit") or analyte.canonical_unit
        low = cleaned.get(f"{key}-reference_low")
        high = cleaned.get(f"{key}-reference_high")
        problems = analytes.check_lab_value(
            key,
            float(value),
            unit,
            sex=self.patient.sex,
            unit_confirmed=bool(cleaned.get(f"{key}-confirm")),
            comparator=comparator or None,
        )
        for problem in problems:
            target = f"{key}-unit" if problem.code == "unit_not_accepted" else value_field
            self.add_error(target, ValidationError(problem.message, code=problem.code))
        if low is not None and high is not None and low > high:
            self.add_error(
                f"{key}-reference_high",
                ValidationError("The upper reference limit is below the lower one.", code="reference_order"),
            )
        if problems:
            return None
        return LabEntry(
            analyte=key,
            value=value,
            unit=unit,
            comparator=comparator,
            reference_low=low,
            reference_high=high,
        )
