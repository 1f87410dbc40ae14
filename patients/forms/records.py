"""Medicines and supplements, body measurements and psychotherapy courses.

Measurements pass the same entry gates as the importers (:func:`screening.rules.analytes.check_measurement`
and :func:`~screening.rules.analytes.check_blood_pressure`): implausible values are refused, and values
typical of another unit (a waist of 45, perhaps inches) are held until the clinician ticks the confirm box
that appears beside the field, as on the lab panel.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError

from screening.rules import analytes, drugs

from ..fields import CleanTextMixin, StrictDecimalField
from ..models import Medicine, Patient, PsychotherapyCourse
from .common import DateInput
from .trials import (
    CourseDatesMixin,
    CourseMixin,
    WholeNumberField,
    check_order,
    dose_field,
    past_date,
)

OTHER_NAME = "other"
BIOTIN = "biotin"

# Display groups for the medicine list, in order; a drug goes in the first group one of its classes matches.
MEDICINE_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("Lithium and liothyronine", frozenset({"lithium"})),
    ("Antipsychotics", frozenset({"antipsychotic"})),
    ("Glucose-lowering", frozenset({"glucose_lowering"})),
    ("Lipid-lowering", frozenset({"lipid_lowering"})),
    ("Blood pressure and diuretics", frozenset({"antihypertensive", "diuretic"})),
    ("Acid suppression", frozenset({"ppi", "h2_blocker"})),
    ("Thyroid", frozenset({"thyroid_hormone", "thyroid_interfering"})),
    ("Glucocorticoids", frozenset({"glucocorticoid"})),
    ("Opioids", frozenset({"opioid"})),
    ("Hormonal contraception and HRT", frozenset({"hormonal_contraception", "oral_estrogen", "hrt"})),
    ("Anticonvulsants and methotrexate", frozenset({"folate_antagonist"})),
)


def medicine_choices() -> list:
    """Catalogue medicines grouped by what they are for, then supplements, then free text."""
    groups: dict[str, list[tuple[str, str]]] = {label: [] for label, _ in MEDICINE_GROUPS}
    groups["Other medicines"] = []
    for name, info in drugs.MEDICINES.items():
        label = next((label for label, classes in MEDICINE_GROUPS if info.classes & classes), "Other medicines")
        # Liothyronine is a thyroid hormone but belongs beside lithium as the classic augmentation pair.
        if name == "liothyronine":
            label = "Lithium and liothyronine"
        groups[label].append((name, info.display))
    medicines = [(label, sorted(items, key=lambda item: item[1])) for label, items in groups.items() if items]
    supplements = ("Supplements", list(drugs.SUPPLEMENTS.items()))
    return [("", "Choose a medicine or supplement"), *medicines, supplements, (OTHER_NAME, "Other (type the name)")]


class MedicineForm(CourseMixin, CleanTextMixin, forms.Form):
    kind = forms.ChoiceField(label="Kind", choices=Medicine.Kind.choices, initial=Medicine.Kind.MEDICINE)
    name = forms.ChoiceField(label="Name", choices=medicine_choices)
    name_other = forms.CharField(label="Other name", required=False, max_length=100)
    daily_dose_mg = dose_field(label="Daily dose (mg)", required=False, max_digits=10, decimal_places=3)
    dose_text = forms.CharField(
        label="Dose as written", required=False, max_length=100, help_text="For example “1000 IU daily”."
    )
    start = forms.DateField(label="Start date", required=False, widget=DateInput())
    end = forms.DateField(label="End date", required=False, widget=DateInput(), help_text="Leave blank if ongoing.")
    last_taken = forms.DateField(
        label="Last taken",
        required=False,
        widget=DateInput(),
        help_text="Required for biotin, which interferes with many immunoassays (thyroid tests among them).",
    )
    notes = forms.CharField(label="Notes", required=False, max_length=300)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(
                Div("kind", css_class="col-md-3"),
                Div("name", css_class="col-md-5"),
                Div("name_other", css_class="col-md-4"),
                css_class="row",
            ),
            Div(Div("daily_dose_mg", css_class="col-md-4"), Div("dose_text", css_class="col-md-8"), css_class="row"),
            Div(
                Div("start", css_class="col-md-4"),
                Div("end", css_class="col-md-4"),
                Div("last_taken", css_class="col-md-4"),
                css_class="row",
            ),
            "notes",
            Submit("save", "Save"),
        )

    def clean_last_taken(self):
        return past_date(self.cleaned_data.get("last_taken"), self.patient, what="The date last taken")

    def clean(self):
        cleaned = super().clean()
        kind, name = cleaned.get("kind"), cleaned.get("name")
        if kind and name:
            self._clean_name(cleaned, kind, name)
        if (
            kind == Medicine.Kind.SUPPLEMENT
            and name == BIOTIN
            and not cleaned.get("last_taken")
            and ("last_taken" not in self.errors)
        ):
            self.add_error(
                "last_taken",
                ValidationError(
                    "Enter the date biotin was last taken: it can distort thyroid and other immunoassay results.",
                    code="biotin_last_taken_required",
                ),
            )
        check_order(self, cleaned)
        last_taken, end = cleaned.get("last_taken"), cleaned.get("end")
        if last_taken and end and last_taken > end:
            self.add_error(
                "last_taken", ValidationError("The date last taken is after the end date.", code="last_taken_after_end")
            )
        return cleaned

    def _clean_name(self, cleaned: dict, kind: str, name: str) -> None:
        if name == OTHER_NAME:
            typed = cleaned.get("name_other", "").strip()
            if not typed:
                self.add_error(
                    "name_other", ValidationError("Type the name of the medicine.", code="other_name_required")
                )
            elif drugs.molecule(typed) in drugs.ANTIDEPRESSANTS:
                self.add_error(
                    "name_other",
                    ValidationError(
                        "Record %(drug)s as an antidepressant trial so that its doses count.",
                        code="antidepressant_is_a_trial",
                        params={"drug": drugs.drug_display(typed)},
                    ),
                )
            return
        cleaned["name_other"] = ""
        if kind == Medicine.Kind.SUPPLEMENT and name not in drugs.SUPPLEMENTS:
            self.add_error(
                "kind",
                ValidationError(
                    "%(name)s is a medicine: choose Medicine as the kind.",
                    code="kind_mismatch",
                    params={"name": drugs.drug_display(name)},
                ),
            )
        elif kind == Medicine.Kind.MEDICINE and name in drugs.SUPPLEMENTS:
            self.add_error(
                "kind",
                ValidationError(
                    "%(name)s is a supplement: choose Supplement as the kind.",
                    code="kind_mismatch",
                    params={"name": drugs.drug_display(name)},
                ),
            )


class MedicineEndForm(CleanTextMixin, forms.Form):
    end = forms.DateField(label="End date", widget=DateInput())

    def __init__(self, *args, patient: Patient, medicine: Medicine, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.medicine = medicine
        self.helper = FormHelper()
        self.helper.layout = Layout(Div(Div("end", css_class="col-md-4"), css_class="row"), Submit("save", "Save"))

    def clean_end(self):
        day = past_date(self.cleaned_data.get("end"), self.patient, what="The end date")
        start = self.medicine.start
        if day and start and day < start:
            raise ValidationError(
                "The end date cannot be before the start date (%(start)s).",
                code="end_before_start",
                params={"start": f"{start:%Y-%m-%d}"},
            )
        return day


MEASUREMENT_FIELDS = ("height_cm", "weight_kg", "waist_cm", "systolic", "diastolic")
STORED_DECIMALS = {"height_cm": 1, "weight_kg": 1, "waist_cm": 1}  # as the Measurement columns


class MeasurementForm(CleanTextMixin, forms.Form):
    measured_on = forms.DateField(label="Date measured", widget=DateInput())
    # Parsed with more decimals than are stored, so that a height typed in metres (1.75) reaches the unit
    # mix-up check and gets its suggestion; the stored precision is enforced after the checks.
    height_cm = StrictDecimalField(label="Height (cm)", required=False, max_digits=6, decimal_places=3)
    weight_kg = StrictDecimalField(label="Weight (kg)", required=False, max_digits=6, decimal_places=3)
    waist_cm = StrictDecimalField(label="Waist circumference (cm)", required=False, max_digits=6, decimal_places=3)
    systolic = WholeNumberField(label="Systolic blood pressure (mmHg)", required=False, max_digits=3)
    diastolic = WholeNumberField(label="Diastolic blood pressure (mmHg)", required=False, max_digits=3)

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        for field in MEASUREMENT_FIELDS:
            label = self.fields[field].label
            self.fields[f"{field}_confirm"] = forms.BooleanField(
                label=f"I have checked the unit: {label[:1].lower()}{label[1:]}", required=False
            )

    @property
    def helper(self) -> FormHelper:
        """Built when the form is rendered, after validation, so that held values show their confirm box."""
        helper = FormHelper()
        helper.layout = Layout(
            Div(Div("measured_on", css_class="col-md-4"), css_class="row"),
            Fieldset(
                "Body measurements",
                Div(
                    Div("height_cm", *self._confirm("height_cm"), css_class="col-md-4"),
                    Div("weight_kg", *self._confirm("weight_kg"), css_class="col-md-4"),
                    Div("waist_cm", *self._confirm("waist_cm"), css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Fieldset(
                "Blood pressure",
                Div(
                    Div("systolic", *self._confirm("systolic"), css_class="col-md-4"),
                    Div("diastolic", *self._confirm("diastolic"), css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            Submit("save", "Save measurements"),
        )
        return helper

    def _confirm(self, field: str) -> list[str]:
        return [f"{field}_confirm"] if self.needs_confirmation(field) else []

    def needs_confirmation(self, field: str) -> bool:
        """Show the confirm box once a value has been held for its unit (or when it was already ticked)."""
        if not self.is_bound:
            return False
        held = any(error.code == "confirm_unit" for error in self.errors.as_data().get(field, []))
        return held or bool(self[f"{field}_confirm"].value())

    def clean_measured_on(self):
        return past_date(self.cleaned_data.get("measured_on"), self.patient, what="The measurement date")

    def clean(self):
        cleaned = super().clean()
        for field in MEASUREMENT_FIELDS:
            value = cleaned.get(field)
            if value is None:
                continue
            confirmed = bool(cleaned.get(f"{field}_confirm"))
            problems = analytes.check_measurement(field, float(value), unit_confirmed=confirmed)
            for problem in problems:
                self.add_error(field, ValidationError(problem.message, code=str(problem.code)))
            if not problems and field in STORED_DECIMALS and value != round(value, STORED_DECIMALS[field]):
                self.add_error(
                    field,
                    ValidationError(
                        "Use at most %(places)s decimal place.",
                        code="too_many_decimals",
                        params={"places": STORED_DECIMALS[field]},
                    ),
                )
        self._clean_blood_pressure(cleaned)
        self._clean_bmi(cleaned)
        has_value = any(cleaned.get(field) is not None for field in MEASUREMENT_FIELDS)
        if not has_value and not any(field in self.errors for field in MEASUREMENT_FIELDS):
            raise ValidationError("Enter at least one measurement.", code="empty_measurement")
        return cleaned

    def _clean_blood_pressure(self, cleaned: dict) -> None:
        systolic, diastolic = cleaned.get("systolic"), cleaned.get("diastolic")
        if "systolic" in self.errors or "diastolic" in self.errors:
            return
        if (systolic is None) != (diastolic is None):
            missing = "diastolic" if diastolic is None else "systolic"
            self.add_error(
                missing,
                ValidationError(
                    "Enter both the systolic and the diastolic pressure.", code="blood_pressure_incomplete"
                ),
            )
        elif systolic is not None:
            for problem in analytes.check_blood_pressure(systolic, diastolic):
                self.add_error("diastolic", ValidationError(problem.message, code=str(problem.code)))

    def _clean_bmi(self, cleaned: dict) -> None:
        """A weight that gives an impossible BMI with the height is probably in pounds (or the height wrong)."""
        height, weight = cleaned.get("height_cm"), cleaned.get("weight_kg")
        if height is None or weight is None or "height_cm" in self.errors or "weight_kg" in self.errors:
            return
        bmi = body_mass_index(height, weight)
        for problem in analytes.check_measurement("bmi", float(bmi)):
            self.add_error("weight_kg", ValidationError(problem.message, code=str(problem.code)))

    def measurement_values(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in MEASUREMENT_FIELDS}


def body_mass_index(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    """Weight (kg) / height (m) squared, rounded half up to one decimal as the rules round it."""
    metres = Decimal(height_cm) / 100
    return (Decimal(weight_kg) / (metres * metres)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


class PsychotherapyForm(CourseDatesMixin, CleanTextMixin, forms.Form):
    modality = forms.ChoiceField(
        label="Modality", choices=[("", "Choose a modality"), *PsychotherapyCourse.Modality.choices]
    )
    modality_other = forms.CharField(label="Other modality", required=False, max_length=100)
    approximate_sessions = WholeNumberField(
        label="Approximate number of sessions", required=False, min_value=1, max_value=1000
    )
    start = forms.DateField(label="Start date", required=False, widget=DateInput())
    end = forms.DateField(label="End date", required=False, widget=DateInput(), help_text="Leave blank if ongoing.")
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, patient: Patient, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Div(Div("modality", css_class="col-md-6"), Div("modality_other", css_class="col-md-6"), css_class="row"),
            Div(
                Div("approximate_sessions", css_class="col-md-4"),
                Div("start", css_class="col-md-4"),
                Div("end", css_class="col-md-4"),
                css_class="row",
            ),
            "notes",
            Submit("save", "Save course"),
        )

    def clean(self):
        cleaned = super().clean()
        modality = cleaned.get("modality")
        if modality == PsychotherapyCourse.Modality.OTHER and not cleaned.get("modality_other", "").strip():
            self.add_error(
                "modality_other", ValidationError("Type the name of the therapy.", code="other_modality_required")
            )
        elif modality and modality != PsychotherapyCourse.Modality.OTHER:
            cleaned["modality_other"] = ""
        check_order(self, cleaned)
        return cleaned
