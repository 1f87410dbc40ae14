from __future__ import annotations

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Div, Fieldset, Layout, Submit
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min

from ..concurrency import VersionedFormMixin
from ..fields import CleanTextMixin, StrictDecimalField
from ..models import (
    Augmentation,
    Condition,
    DosePeriod,
    Intake,
    LabResult,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    PregnancyStatus,
    PsychotherapyCourse,
    ScaleScore,
    Sex,
)
from ..services import DUPLICATE_MRN_MESSAGE
from .common import DateInput, not_before_birth, not_in_future, today


def earliest_clinical_date(patient: Patient) -> tuple[dt.date, str] | None:
    """The earliest date of the patient's recorded clinical data and what it is ("a lab result collected"),
    or None when nothing dated is recorded. One small aggregate query per kind of row."""
    kinds = [
        ("a lab result collected", LabResult.objects.filter(patient=patient), "collected_on"),
        ("a rating scale administered", ScaleScore.objects.filter(patient=patient), "administered_on"),
        ("an antidepressant trial dose started", DosePeriod.objects.filter(trial__patient=patient), "start"),
        ("a medicine or supplement started", Medicine.objects.filter(patient=patient), "start"),
        ("an augmentation started", Augmentation.objects.filter(patient=patient), "start"),
        (
            "a treatment (ECT, rTMS, esketamine or ketamine) started",
            OtherTreatment.objects.filter(patient=patient),
            "start",
        ),
        ("a psychotherapy course started", PsychotherapyCourse.objects.filter(patient=patient), "start"),
        ("a measurement taken", Measurement.objects.filter(patient=patient), "measured_on"),
        ("the current episode's onset", Intake.objects.filter(patient=patient), "episode_onset"),
    ]
    earliest: tuple[dt.date, str] | None = None
    for what, rows, field in kinds:
        day = rows.aggregate(earliest=Min(field))["earliest"]
        if day is not None and (earliest is None or day < earliest[0]):
            earliest = (day, what)
    return earliest


class PatientSearchForm(forms.Form):
    q = forms.CharField(
        label="Search by name or MRN",
        required=False,
        max_length=100,
        error_messages={"max_length": "Search for at most 100 characters (a name or an MRN); no patients are listed."},
    )


class PatientForm(VersionedFormMixin, CleanTextMixin, forms.ModelForm):
    """Demographics. The clinic is never a form field: the view decides it."""

    class Meta:
        model = Patient
        fields = [
            "mrn",
            "given_name",
            "family_name",
            "birth_date",
            "sex",
            "gender_identity",
            "ancestry",
            "pregnancy_status",
            "delivery_date",
            "menstrual_status",
            "notes",
        ]
        widgets = {
            "birth_date": DateInput(),
            "delivery_date": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, clinic, **kwargs):
        super().__init__(*args, **kwargs)
        self.clinic = clinic
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Identity",
                Div(Div("mrn", css_class="col-md-4"), css_class="row"),
                Div(Div("given_name", css_class="col-md-6"), Div("family_name", css_class="col-md-6"), css_class="row"),
                Div(
                    Div("birth_date", css_class="col-md-4"),
                    Div("sex", css_class="col-md-4"),
                    Div("gender_identity", css_class="col-md-4"),
                    css_class="row",
                ),
                "ancestry",
            ),
            Fieldset(
                "Reproductive status",
                Div(
                    Div("pregnancy_status", css_class="col-md-4"),
                    Div("delivery_date", css_class="col-md-4"),
                    Div("menstrual_status", css_class="col-md-4"),
                    css_class="row",
                ),
            ),
            "notes",
            Submit("save", "Save patient"),
        )
        self.helper.render_hidden_fields = True

    def clean_birth_date(self):
        birth_date = not_in_future(self.cleaned_data["birth_date"], what="Date of birth")
        if birth_date and birth_date.year < today().year - 120:
            raise ValidationError("Check the date of birth: the patient would be over 120.", code="implausible_age")
        if birth_date and self.instance.pk is not None:
            earliest = earliest_clinical_date(self.instance)
            if earliest is not None and birth_date > earliest[0]:
                raise ValidationError(
                    "The earliest recorded data is %(what)s on %(day)s; the birth date must be on or before it.",
                    code="after_clinical_data",
                    params={"what": earliest[1], "day": earliest[0].isoformat()},
                )
        return birth_date

    def clean_delivery_date(self):
        return not_in_future(self.cleaned_data.get("delivery_date"), what="Delivery date")

    def clean_mrn(self):
        mrn = self.cleaned_data["mrn"].strip()
        taken = Patient.objects.filter(clinic=self.clinic, mrn=mrn).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError(DUPLICATE_MRN_MESSAGE, code="duplicate_mrn")
        return mrn

    def clean(self):
        cleaned = super().clean()
        sex = cleaned.get("sex")
        birth_date = cleaned.get("birth_date")
        delivery = cleaned.get("delivery_date")
        if sex == Sex.MALE:
            if cleaned.get("pregnancy_status") == PregnancyStatus.PREGNANT:
                self.add_error(
                    "pregnancy_status",
                    ValidationError("Pregnancy is recorded only for female sex at birth.", code="sex_mismatch"),
                )
            if delivery:
                self.add_error(
                    "delivery_date",
                    ValidationError("A delivery date is recorded only for female sex at birth.", code="sex_mismatch"),
                )
            if cleaned.get("menstrual_status"):
                self.add_error(
                    "menstrual_status",
                    ValidationError("Menstrual status is recorded only for female sex at birth.", code="sex_mismatch"),
                )
        if delivery and birth_date:
            try:
                not_before_birth(delivery, birth_date, what="Delivery date")
            except ValidationError as error:
                self.add_error("delivery_date", error)
            else:
                if delivery.year - birth_date.year < 9:
                    self.add_error(
                        "delivery_date",
                        ValidationError(
                            "Check the delivery date against the date of birth.", code="implausible_delivery"
                        ),
                    )
        return cleaned

    def _post_clean(self):
        self.instance.clinic = self.clinic
        super()._post_clean()


class IntakeForm(VersionedFormMixin, CleanTextMixin, forms.ModelForm):
    conditions = forms.MultipleChoiceField(
        label="Co-occurring conditions", choices=Condition.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    sleep_hours = StrictDecimalField(
        label="Sleep (hours per night)", required=False, max_digits=3, decimal_places=1, min_value=0, max_value=24
    )
    alcohol_units_per_week = StrictDecimalField(
        label="Alcohol (units per week)", required=False, max_digits=5, decimal_places=1, min_value=0, max_value=500
    )

    class Meta:
        model = Intake
        fields = [
            "episode_onset",
            "episode_severity",
            "conditions",
            "other_conditions",
            "sleep_hours",
            "exercise_minutes_per_week",
            "alcohol_units_per_week",
            "smoking",
            "diet_notes",
            "gastrointestinal_symptoms",
        ]
        widgets = {
            "episode_onset": DateInput(),
            "diet_notes": forms.Textarea(attrs={"rows": 2}),
            "gastrointestinal_symptoms": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["exercise_minutes_per_week"].label = "Exercise (minutes per week)"
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(
                "Current episode",
                Div(
                    Div("episode_onset", css_class="col-md-4"),
                    Div("episode_severity", css_class="col-md-8"),
                    css_class="row",
                ),
            ),
            Fieldset("Co-occurring conditions", "conditions", "other_conditions"),
            Fieldset(
                "Lifestyle",
                Div(
                    Div("sleep_hours", css_class="col-md-3"),
                    Div("exercise_minutes_per_week", css_class="col-md-3"),
                    Div("alcohol_units_per_week", css_class="col-md-3"),
                    Div("smoking", css_class="col-md-3"),
                    css_class="row",
                ),
                "diet_notes",
            ),
            "gastrointestinal_symptoms",
            Submit("save", "Save intake"),
        )
        self.helper.render_hidden_fields = True

    def clean_episode_onset(self):
        onset = not_in_future(self.cleaned_data.get("episode_onset"), what="Episode onset")
        patient = self.instance.patient
        if onset:
            not_before_birth(onset, patient.birth_date, what="Episode onset")
        return onset
