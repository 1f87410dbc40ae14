"""Antidepressant trials: start one, change its dose, end it, edit its non-dose details.

The dose history is never edited in place: a dose change closes the current period the day before the new
dose starts (:func:`patients.services.change_trial_dose`), so the adequacy rules see every dose and its dates.

This module also holds the small entry helpers the other treatment and record forms share (whole numbers,
dose checks, drug lists); they would move to :mod:`patients.fields` if a third app needed them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError

from screening.rules import drugs

from ..concurrency import VersionedFormMixin
from ..fields import CleanTextMixin, StrictDecimalField
from ..models import Adherence, AntidepressantTrial, DosePeriod, Outcome, Patient
from .common import DateInput, not_before_birth, not_in_future

BLANK_OUTCOME = [("", "Not recorded"), *Outcome.choices]

# ---------------------------------------------------------------------------------------------------------
# Shared entry helpers


class WholeNumberField(StrictDecimalField):
    """A whole number typed as text, parsed as strictly as a decimal ("12"; not "12.5", "1e1" or "twelve")."""

    def __init__(self, *, max_digits: int = 6, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=0, **kwargs)
        if not self.allow_negative:
            self.widget.attrs["inputmode"] = "numeric"

    def clean(self, value):
        number = super().clean(value)
        return None if number is None else int(number)

    def check_bounds(self, number: Decimal) -> Decimal:
        if number != number.to_integral_value():
            raise ValidationError("Enter a whole number.", code="not_whole_number")
        return super().check_bounds(number.to_integral_value())


class ImprovementField(WholeNumberField):
    """Percentage fall in a rating-scale score over the trial: 100 is full recovery, negative is worse."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "Improvement on a rating scale (%)")
        kwargs.setdefault(
            "help_text",
            "Fall in score from the start of the trial, if measured (25 = a quarter lower; negative = worse).",
        )
        super().__init__(required=False, allow_negative=True, **kwargs)

    def check_bounds(self, number: Decimal) -> Decimal:
        number = super().check_bounds(number)
        if not -100 <= number <= 100:
            raise ValidationError(
                "Enter a percentage from -100 to 100 (a negative value means the score rose).",
                code="improvement_out_of_range",
            )
        return number


def dose_field(
    *,
    label: str = "Daily dose (mg)",
    required: bool = True,
    max_digits: int = 8,
    decimal_places: int = 2,
    **kwargs,
) -> StrictDecimalField:
    """A daily dose in mg (digits as the model column). Negative values are parsed so that
    :func:`check_positive_dose` can name them."""
    return StrictDecimalField(
        label=label,
        required=required,
        max_digits=max_digits,
        decimal_places=decimal_places,
        allow_negative=True,
        **kwargs,
    )


def check_positive_dose(dose: Decimal | None) -> Decimal | None:
    if dose is not None and dose <= 0:
        raise ValidationError("Enter a daily dose above 0 mg.", code="negative_or_zero_dose")
    return dose


def _mg(value: float | Decimal) -> str:
    """50.0 -> "50", 37.5 -> "37.5", Decimal("100.00") -> "100" (never "1E+2")."""
    return format(Decimal(str(value)).normalize(), "f")


def check_plausible_dose(drug: str, dose: Decimal) -> None:
    """Refuse a dose above the catalogue's entry limit (twice the usual maximum): a probable typing error."""
    limit = drugs.max_plausible_dose_mg(drug)
    if limit is None or dose <= Decimal(str(limit)):
        return
    row = drugs.ANTIDEPRESSANTS.get(drug)
    usual_max = row.usual_max_mg if row else limit / drugs.PLAUSIBLE_DOSE_FACTOR
    raise ValidationError(
        "%(dose)s mg/day is more than twice the usual maximum for %(drug)s (%(usual)s mg/day). "
        "Check for an extra zero or micrograms entered as milligrams.",
        code="dose_too_high",
        params={"dose": _mg(dose), "drug": drugs.drug_display(drug), "usual": _mg(usual_max)},
    )


def past_date(day: dt.date | None, patient: Patient, *, what: str) -> dt.date | None:
    """A clinical date: not in the future and not before the patient was born."""
    return not_before_birth(not_in_future(day, what=what), patient.birth_date, what=what)


class CourseDatesMixin:
    """Start and end dates of a course: clinical dates (not in the future, not before birth)."""

    def clean_start(self):
        return past_date(self.cleaned_data.get("start"), self.patient, what="The start date")

    def clean_end(self):
        return past_date(self.cleaned_data.get("end"), self.patient, what="The end date")


class CourseMixin(CourseDatesMixin):
    """A course of a drug: clinical dates and a daily dose above zero."""

    def clean_daily_dose_mg(self):
        return check_positive_dose(self.cleaned_data.get("daily_dose_mg"))


def check_order(form: forms.Form, cleaned: dict, *, start: str = "start", end: str = "end") -> None:
    """Add an ``end_before_start`` error to the end field when both dates are valid and out of order."""
    first, last = cleaned.get(start), cleaned.get(end)
    if first and last and last < first:
        form.add_error(end, ValidationError("The end date cannot be before the start date.", code="end_before_start"))


def antidepressant_choices(*, blank: str = "Choose a drug") -> list:
    """Table 1.3 grouped by class, each with its minimum adequate dose, then the free-text option."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for row in drugs.ANTIDEPRESSANTS.values():
        label = f"{row.display} (adequate from {_mg(row.min_adequate_mg)} mg/day)"
        groups.setdefault(row.drug_class, []).append((row.name, label))
    return [("", blank), *groups.items(), (drugs.OTHER_ANTIDEPRESSANT, "Other (type the name)")]


def dose_help(drug: str) -> str:
    row = drugs.ANTIDEPRESSANTS.get(drug)
    if row is None:
        return "Daily dose in mg. No minimum adequate dose is known for a drug outside the catalogue."
    return (
        f"Minimum adequate dose for {row.display}: {_mg(row.min_adequate_mg)} mg/day "
        f"(usual maximum {_mg(row.usual_max_mg)} mg/day)."
    )


# ---------------------------------------------------------------------------------------------------------
# Trial forms


class TrialForm(CourseMixin, CleanTextMixin, forms.Form):
    """A new antidepressant trial with its first dose. Later doses are added with :class:`TrialDoseForm`."""

    drug = forms.ChoiceField(label="Antidepressant", choices=antidepressant_choices)
    drug_other = forms.CharField(
        label="Other antidepressant",
        required=False,
        max_length=100,
        help_text="Only when the drug is not in the list. Its dose adequacy cannot be assessed.",
    )
    daily_dose_mg = dose_field(
        label="First daily dose (mg)",
        help_text="The minimum adequate daily dose of each drug is shown beside its name in the list.",
    )
    start = forms.DateField(label="Start date", widget=DateInput())
    end = forms.DateField(label="End date", required=False, widget=DateInput(), help_text="Leave blank if ongoing.")
    adherence = forms.ChoiceField(label="Adherence", choices=Adherence.choices, initial=Adherence.UNKNOWN)
    outcome = forms.ChoiceField(label="Outcome", choices=BLANK_OUTCOME, required=False)
    improvement_pct = ImprovementField()
    reason_stopped = forms.CharField(label="Reason stopped", required=False, max_length=300)
    side_effects = forms.CharField(label="Side effects", required=False, max_length=300)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        chosen = self.data.get("drug") if self.is_bound else None
        if chosen in drugs.ANTIDEPRESSANTS:
            self.fields["daily_dose_mg"].help_text = dose_help(chosen)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Drug and dose",
                Div(Div("drug", css_class="col-md-6"), Div("drug_other", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("daily_dose_mg", css_class="col-md-4"),
                    Div("start", css_class="col-md-4"),
                    Div("end", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Course",
                Div(
                    Div("adherence", css_class="col-md-4"),
                    Div("outcome", css_class="col-md-4"),
                    Div("improvement_pct", css_class="col-md-4"),
                    css_class="row",
                ),
                "reason_stopped",
                "side_effects",
            ),
            Submit("save", "Save trial"),
        )

    def clean(self):
        cleaned = super().clean()
        drug = cleaned.get("drug")
        if drug == drugs.OTHER_ANTIDEPRESSANT and not cleaned.get("drug_other", "").strip():
            self.add_error(
                "drug_other",
                ValidationError("Type the name of the antidepressant.", code="other_drug_name_required"),
            )
        elif drug and drug != drugs.OTHER_ANTIDEPRESSANT:
            cleaned["drug_other"] = ""  # a catalogue drug needs no free-text name
        if drug and cleaned.get("daily_dose_mg") is not None:
            try:
                check_plausible_dose(drug, cleaned["daily_dose_mg"])
            except ValidationError as error:
                self.add_error("daily_dose_mg", error)
        check_order(self, cleaned)
        return cleaned


def current_period(trial: AntidepressantTrial) -> DosePeriod | None:
    """The latest dose period of a trial (open while the trial is ongoing)."""
    return trial.dose_periods.order_by("-start", "-pk").first()


class TrialDoseForm(CleanTextMixin, forms.Form):
    """A new daily dose from a date; the current dose period closes the day before."""

    daily_dose_mg = dose_field(label="New daily dose (mg)")
    start = forms.DateField(label="New dose from", widget=DateInput())

    def __init__(self, *args, patient: Patient, trial: AntidepressantTrial, current: DosePeriod, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.trial = trial
        self.current = current
        self.fields["daily_dose_mg"].help_text = dose_help(trial.drug)
        self.fields["start"].help_text = (
            f"The current dose ({_mg(current.daily_dose_mg)} mg/day since {current.start:%Y-%m-%d}) "
            "will end the day before."
        )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(Div("daily_dose_mg", css_class="col-md-4"), Div("start", css_class="col-md-4"), css_class="row"),
            Submit("save", "Change dose"),
        )

    def clean_daily_dose_mg(self):
        dose = check_positive_dose(self.cleaned_data.get("daily_dose_mg"))
        if dose is not None:
            check_plausible_dose(self.trial.drug, dose)
            if dose == self.current.daily_dose_mg:
                raise ValidationError("This is the current dose; enter the new daily dose.", code="same_dose")
        return dose

    def clean_start(self):
        day = past_date(self.cleaned_data.get("start"), self.patient, what="The date of the dose change")
        if day is not None and day <= self.current.start:
            raise ValidationError(
                "The new dose must start after the current dose started (%(current)s).",
                code="dose_change_order",
                params={"current": f"{self.current.start:%Y-%m-%d}"},
            )
        return day


class TrialEndForm(CleanTextMixin, forms.Form):
    """The end of an ongoing trial: closes the current dose period and records how the trial went."""

    end = forms.DateField(label="End date", widget=DateInput())
    outcome = forms.ChoiceField(label="Outcome", choices=[("", "Choose an outcome"), *Outcome.choices])
    adherence = forms.ChoiceField(label="Adherence", choices=Adherence.choices)
    improvement_pct = ImprovementField()
    reason_stopped = forms.CharField(label="Reason stopped", required=False, max_length=300)
    side_effects = forms.CharField(label="Side effects", required=False, max_length=300)

    def __init__(self, *args, patient: Patient, trial: AntidepressantTrial, current: DosePeriod, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "outcome": trial.outcome,
                "adherence": trial.adherence,
                "improvement_pct": trial.improvement_pct,
                "reason_stopped": trial.reason_stopped,
                "side_effects": trial.side_effects,
            },
        )
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.trial = trial
        self.current = current
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("end", css_class="col-md-4"),
                Div("outcome", css_class="col-md-4"),
                Div("adherence", css_class="col-md-4"),
                css_class="row",
            ),
            Div(Div("improvement_pct", css_class="col-md-4"), css_class="row"),
            "reason_stopped",
            "side_effects",
            Submit("save", "End trial"),
        )

    def clean_end(self):
        day = past_date(self.cleaned_data.get("end"), self.patient, what="The end date")
        if day is not None and day < self.current.start:
            raise ValidationError(
                "The end date cannot be before the current dose started (%(current)s).",
                code="end_before_start",
                params={"current": f"{self.current.start:%Y-%m-%d}"},
            )
        return day


class TrialDetailsForm(VersionedFormMixin, CleanTextMixin, forms.ModelForm):
    """Adherence, outcome and notes of a trial. Drug, doses and dates change only through the dose forms."""

    improvement_pct = ImprovementField()

    class Meta:
        model = AntidepressantTrial
        fields = ["adherence", "outcome", "improvement_pct", "reason_stopped", "side_effects"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = BLANK_OUTCOME
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("adherence", css_class="col-md-4"),
                Div("outcome", css_class="col-md-4"),
                Div("improvement_pct", css_class="col-md-4"),
                css_class="row",
            ),
            "reason_stopped",
            "side_effects",
            Submit("save", "Save details"),
        )
        self.helper.render_hidden_fields = True
