"""Augmentation strategies and other treatment courses (ECT, rTMS, esketamine, ketamine).

Without JavaScript the drug list cannot narrow as the strategy changes, so it is grouped by strategy and the
server refuses a drug that does not belong to the chosen strategy.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError

from screening.rules import drugs

from ..fields import CleanTextMixin
from ..models import Augmentation, OtherTreatment, Patient
from .common import DateInput
from .trials import (
    BLANK_OUTCOME,
    CourseDatesMixin,
    CourseMixin,
    WholeNumberField,
    check_order,
    check_plausible_dose,
    dose_field,
)

Strategy = Augmentation.Strategy
OTHER_DRUG = "other"


def _antipsychotics() -> list[str]:
    return [name for name, info in drugs.AUGMENTATION_AGENTS.items() if "antipsychotic" in info.classes]


def strategy_drugs() -> dict[str, frozenset[str]]:
    """The catalogue drugs each strategy accepts; "other" is free text only."""
    return {
        Strategy.LITHIUM: frozenset({"lithium"}),
        Strategy.LIOTHYRONINE: frozenset({"liothyronine"}),
        Strategy.ANTIPSYCHOTIC: frozenset(_antipsychotics()),
        Strategy.ANTIDEPRESSANT: frozenset(drugs.ANTIDEPRESSANTS),
        Strategy.OTHER: frozenset(),
    }


# Strategies whose catalogue drug is not a single fixed drug, so "other" with a typed name makes sense.
FREE_TEXT_STRATEGIES = frozenset({Strategy.ANTIPSYCHOTIC, Strategy.ANTIDEPRESSANT, Strategy.OTHER})


def augmentation_drug_choices() -> list:
    return [
        ("", "Choose a drug (lithium and T3 are filled in from the strategy)"),
        ("Lithium and liothyronine", [(name, drugs.drug_display(name)) for name in ("lithium", "liothyronine")]),
        ("Atypical antipsychotics", [(name, drugs.drug_display(name)) for name in _antipsychotics()]),
        ("Antidepressants (combination)", [(row.name, row.display) for row in drugs.ANTIDEPRESSANTS.values()]),
        (OTHER_DRUG, "Other (type the name)"),
    ]


class AugmentationForm(CourseMixin, CleanTextMixin, forms.Form):
    strategy = forms.ChoiceField(label="Strategy", choices=[("", "Choose a strategy"), *Strategy.choices])
    drug = forms.ChoiceField(label="Drug", choices=augmentation_drug_choices, required=False)
    drug_other = forms.CharField(label="Other drug", required=False, max_length=100)
    daily_dose_mg = dose_field(label="Daily dose (mg)", required=False, decimal_places=3)
    start = forms.DateField(label="Start date", widget=DateInput())
    end = forms.DateField(label="End date", required=False, widget=DateInput(), help_text="Leave blank if ongoing.")
    outcome = forms.ChoiceField(label="Outcome", choices=BLANK_OUTCOME, required=False)
    notes = forms.CharField(label="Notes", required=False, max_length=300)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Strategy and drug",
                Div(
                    Div("strategy", css_class="col-md-4"),
                    Div("drug", css_class="col-md-4"),
                    Div("drug_other", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Course",
                Div(
                    Div("daily_dose_mg", css_class="col-md-3"),
                    Div("start", css_class="col-md-3"),
                    Div("end", css_class="col-md-3"),
                    Div("outcome", css_class="col-md-3"),
                    css_class="row",
                ),
                "notes",
            ),
            Submit("save", "Save augmentation"),
        )

    def clean(self):
        cleaned = super().clean()
        strategy, drug = cleaned.get("strategy"), cleaned.get("drug")
        if strategy:
            self._clean_drug(cleaned, strategy, drug)
        if cleaned.get("drug") and cleaned.get("daily_dose_mg") is not None:
            try:
                check_plausible_dose(cleaned["drug"], cleaned["daily_dose_mg"])
            except ValidationError as error:
                self.add_error("daily_dose_mg", error)
        check_order(self, cleaned)
        return cleaned

    def _clean_drug(self, cleaned: dict, strategy: str, drug: str) -> None:
        accepted = strategy_drugs()[strategy]
        if not drug and len(accepted) == 1:
            drug = cleaned["drug"] = next(iter(accepted))  # lithium and T3 name their own drug
        if not drug:
            self.add_error("drug", ValidationError("Choose the drug.", code="required"))
        elif drug == OTHER_DRUG:
            if strategy not in FREE_TEXT_STRATEGIES:
                self.add_error(
                    "drug",
                    ValidationError(
                        "This strategy has one drug; choose it from the list.", code="drug_strategy_mismatch"
                    ),
                )
            elif not cleaned.get("drug_other", "").strip():
                self.add_error(
                    "drug_other", ValidationError("Type the name of the drug.", code="other_drug_name_required")
                )
        elif drug not in accepted:
            self.add_error(
                "drug",
                ValidationError(
                    "%(drug)s does not belong to the strategy “%(strategy)s”. Choose the matching strategy or "
                    "another drug.",
                    code="drug_strategy_mismatch",
                    params={"drug": drugs.drug_display(drug), "strategy": Strategy(strategy).label},
                ),
            )
        if drug and drug != OTHER_DRUG:
            cleaned["drug_other"] = ""


class OtherTreatmentForm(CourseDatesMixin, CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(label="Treatment", choices=[("", "Choose a treatment"), *OtherTreatment.Kind.choices])
    laterality = forms.ChoiceField(
        label="ECT laterality",
        choices=[("", "Not applicable"), *OtherTreatment.Laterality.choices],
        required=False,
        help_text="Required for ECT; leave as not applicable for the other treatments.",
    )
    start = forms.DateField(label="Start date", widget=DateInput())
    end = forms.DateField(label="End date", required=False, widget=DateInput(), help_text="Leave blank if ongoing.")
    sessions = WholeNumberField(label="Number of sessions", required=False, min_value=1, max_value=500)
    outcome = forms.ChoiceField(label="Outcome", choices=BLANK_OUTCOME, required=False)
    notes = forms.CharField(label="Notes", required=False, max_length=300)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(Div("kind", css_class="col-md-6"), Div("laterality", css_class="col-md-6"), css_class="row"),
            Div(
                Div("start", css_class="col-md-3"),
                Div("end", css_class="col-md-3"),
                Div("sessions", css_class="col-md-3"),
                Div("outcome", css_class="col-md-3"),
                css_class="row",
            ),
            "notes",
            Submit("save", "Save treatment"),
        )

    def clean(self):
        cleaned = super().clean()
        kind, laterality = cleaned.get("kind"), cleaned.get("laterality")
        if kind == OtherTreatment.Kind.ECT and not laterality:
            self.add_error("laterality", ValidationError("Choose the ECT laterality.", code="laterality_required"))
        elif kind and kind != OtherTreatment.Kind.ECT and laterality:
            self.add_error(
                "laterality",
                ValidationError(
                    "Laterality applies to ECT only; choose not applicable.", code="laterality_not_applicable"
                ),
            )
        check_order(self, cleaned)
        return cleaned
