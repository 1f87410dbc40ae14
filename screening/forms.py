"""The clinic's choices where guidelines disagree (clinical reference section 13)."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError

from patients.fields import CleanTextMixin, parse_decimal

from .rules import ScreeningOptions
from .rules.drugs import ANTIDEPRESSANTS, drug_display, max_plausible_dose_mg
from .rules.options import (
    B12Convention,
    FailureDefinition,
    FerritinConvention,
    TgHdlCutoff,
    VitaminDConvention,
    WaistStandard,
)

CHOICES: dict[str, list[tuple[str, str]]] = {
    "adequate_trial_weeks": [
        ("6", "6 weeks at an adequate dose (MGH-ATRQ; default)"),
        ("4", "4 weeks at an adequate dose (EU-PEARL / ATHF)"),
    ],
    "failure_definition": [
        (FailureDefinition.IMPROVEMENT_BELOW_25, "Failure = improvement below 25 % (EU-PEARL; default)"),
        (FailureDefinition.IMPROVEMENT_BELOW_50, "Failure = improvement below 50 % (classic non-response)"),
    ],
    "homa_ir_cutoff": [
        ("2.5", "HOMA-IR ≥ 2.5 (default)"),
        ("2.0", "HOMA-IR ≥ 2.0"),
        ("2.9", "HOMA-IR ≥ 2.9"),
        ("3.0", "HOMA-IR ≥ 3.0"),
    ],
    "tyg_cutoff": [
        ("8.5", "TyG (full-log scale) ≥ 8.5 (default)"),
        ("8.67", "TyG ≥ 8.67 (Guerrero-Romero 4.68 on the half-log scale)"),
        ("9.04", "TyG ≥ 9.04 (Araújo 2022)"),
    ],
    "tg_hdl": [
        (TgHdlCutoff.OVERALL_3_0, "TG/HDL ≥ 3.0 for everyone (McLaughlin 2003; default)"),
        (TgHdlCutoff.SEX_SPECIFIC, "TG/HDL > 3.5 men, > 2.5 women (Murguía-Romero 2013)"),
    ],
    "waist": [
        (WaistStandard.ETHNICITY_IDF, "Ethnicity-specific waist cut-offs, IDF Europid when unknown (default)"),
        (WaistStandard.AHA_NHLBI, "AHA/NHLBI 102/88 cm for Europid and unknown ancestry"),
    ],
    "b12": [
        (B12Convention.DEFAULT, "B12 < 200 pg/mL important, 200-299 consider (default)"),
        (B12Convention.GREY_ZONE_180_350, "B12 < 180 pg/mL important, 180-349 consider"),
    ],
    "ferritin": [
        (FerritinConvention.DEFAULT, "Ferritin with inflammation: < 70 ng/mL (WHO 2020; default)"),
        (FerritinConvention.AAFP, "Ferritin with inflammation: < 50 ng/mL (AAFP)"),
        (FerritinConvention.BSG, "Ferritin with inflammation: < 100 ng/mL (BSG)"),
    ],
    "vitamin_d": [
        (VitaminDConvention.DEFAULT, "25(OH)D < 12 important, 12-19 consider, 20-29 info (default)"),
        (
            VitaminDConvention.ENDOCRINE_SOCIETY_2011,
            "Bands and severities as the default; the finding names the Endocrine Society 2011 classification",
        ),
        (VitaminDConvention.IOM_2011, "IOM 2011: nothing flagged at 20 ng/mL or above"),
    ],
    "testosterone_cutoff_ng_dl": [
        ("300", "Testosterone < 300 ng/dL (AUA 2018; default)"),
        ("264", "Testosterone < 264 ng/dL (Endocrine Society 2018)"),
        ("350", "Testosterone < 350 ng/dL (EAU/BSSM, ≈ 12 nmol/L)"),
    ],
    "tsh_upper_limit": [
        ("4.5", "TSH upper limit 4.5 mIU/L when the laboratory gives none (default)"),
        ("4.0", "TSH upper limit 4.0 mIU/L when the laboratory gives none"),
    ],
    "epds_probable_cutoff": [
        ("13", "EPDS ≥ 13 probable depression, 10-12 possible (default)"),
        ("10", "EPDS ≥ 10 probable depression"),
    ],
}

LABELS = {
    "adequate_trial_weeks": "Adequate trial duration",
    "failure_definition": "Trial failure",
    "homa_ir_cutoff": "HOMA-IR cut-off",
    "tyg_cutoff": "Triglyceride-glucose index cut-off",
    "tg_hdl": "TG/HDL ratio",
    "waist": "Waist circumference",
    "b12": "Vitamin B12",
    "ferritin": "Ferritin in inflammation",
    "vitamin_d": "Vitamin D",
    "testosterone_cutoff_ng_dl": "Testosterone",
    "tsh_upper_limit": "TSH upper limit",
    "epds_probable_cutoff": "EPDS",
}


class ClinicOptionsForm(CleanTextMixin, forms.Form):
    min_dose_overrides = forms.CharField(
        label="Minimum adequate doses that differ from table 1.3",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line, generic name = mg/day, e.g. “venlafaxine = 150”. Leave empty to use the table.",
    )

    def __init__(self, *args, options: ScreeningOptions, editable: bool, **kwargs):
        super().__init__(*args, **kwargs)
        current = options.as_dict()
        for name, choices in CHOICES.items():
            self.fields[name] = forms.ChoiceField(
                label=LABELS[name], choices=choices, initial=_choice_value(current[name]), disabled=not editable
            )
        self.fields["min_dose_overrides"].initial = "\n".join(
            f"{drug} = {dose:g}" for drug, dose in sorted(current["min_dose_overrides"].items())
        )
        self.fields["min_dose_overrides"].disabled = not editable
        self.order_fields([*CHOICES, "min_dose_overrides"])
        self.helper = FormHelper()
        parts = [Fieldset("Conventions", *CHOICES, "min_dose_overrides")]
        if editable:
            parts.append(Submit("save", "Save clinic settings"))
        self.helper.layout = Layout(*parts)

    def clean_min_dose_overrides(self) -> dict[str, float]:
        overrides: dict[str, float] = {}
        first_line: dict[str, int] = {}
        for number, line in enumerate(self.cleaned_data["min_dose_overrides"].splitlines(), start=1):
            if not line.strip():
                continue
            name, _, dose_text = line.partition("=")
            name = name.strip().lower()
            if name not in ANTIDEPRESSANTS:
                raise ValidationError(
                    "Line %(line)s: “%(name)s” is not an antidepressant in the catalogue.",
                    code="unknown_drug",
                    params={"line": number, "name": name},
                )
            try:
                dose = parse_decimal(dose_text)
            except ValidationError as error:
                raise ValidationError(
                    "Line %(line)s: the dose must be a number of mg/day.", code="invalid_dose", params={"line": number}
                ) from error
            if dose <= 0:
                raise ValidationError(
                    "Line %(line)s: the dose must be above 0 mg/day.", code="invalid_dose", params={"line": number}
                )
            # Above the entry limit no recorded trial dose could reach the minimum: no trial would be adequate.
            limit = Decimal(str(max_plausible_dose_mg(name)))
            if dose > limit:
                raise ValidationError(
                    "Line %(line)s: %(dose)s mg/day is above the highest daily dose that can be recorded for "
                    "%(drug)s (%(limit)s mg/day), so no trial could ever count as adequate.",
                    code="dose_too_high",
                    params={"line": number, "dose": _mg(dose), "drug": drug_display(name), "limit": _mg(limit)},
                )
            if name in first_line:
                raise ValidationError(
                    "Line %(line)s: %(drug)s is already given on line %(first)s; give each drug once.",
                    code="duplicate_drug",
                    params={"line": number, "drug": drug_display(name), "first": first_line[name]},
                )
            first_line[name] = number
            overrides[name] = float(dose)
        return overrides

    def to_options(self) -> dict:
        data = {name: self.cleaned_data[name] for name in CHOICES}
        data["min_dose_overrides"] = self.cleaned_data["min_dose_overrides"]
        return ScreeningOptions.from_dict(data).as_dict()


def _mg(value: Decimal) -> str:
    """Decimal("150.00") -> "150", never "1.5E+2"."""
    return format(value.normalize(), "f")


def choice_label(name: str, value) -> str:
    """The settings form's label for a stored option value; the value itself if no choice matches (an option
    value no longer offered)."""
    text = _choice_value(value)
    return next((label for choice, label in CHOICES[name] if choice == text), text)


def _choice_value(value) -> str:
    if isinstance(value, float) and value == int(value) and value >= 10:
        return str(int(value))
    return str(value)
