"""PHQ-9 and EPDS entry, one radio group per item. The total is never typed: the service sums the items.

Item texts and answer labels are those of the published scales:
- PHQ-9: Kroenke K, Spitzer RL, Williams JB. The PHQ-9: validity of a brief depression severity measure.
  J Gen Intern Med 2001;16:606-13 (free to use; developed by Drs Spitzer, Williams, Kroenke and colleagues).
- EPDS: Cox JL, Holden JM, Sagovsky R. Detection of postnatal depression: development of the 10-item
  Edinburgh Postnatal Depression Scale. Br J Psychiatry 1987;150:782-6 (reproduced with this citation, as
  the authors permit). Items 3 and 5-10 are reverse-scored: their answers are listed as printed, each with
  its score, so the clinician can copy a paper form without re-scoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils.html import format_html

from ..fields import CleanTextMixin
from ..models import Patient, ScaleScore
from .common import DateInput
from .trials import past_date


@dataclass(frozen=True)
class Item:
    text: str
    answers: tuple[tuple[int, str], ...]  # (score, label) in the order printed on the form


@dataclass(frozen=True)
class Instrument:
    key: str
    name: str
    stem: str
    items: tuple[Item, ...]
    scoring_note: str
    citation: str
    self_harm_item: int  # 1-based


_PHQ9_ANSWERS = ((0, "Not at all"), (1, "Several days"), (2, "More than half the days"), (3, "Nearly every day"))


def _phq9(text: str) -> Item:
    return Item(text, _PHQ9_ANSWERS)


PHQ9 = Instrument(
    key=ScaleScore.Instrument.PHQ9,
    name="PHQ-9",
    stem="Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    items=(
        _phq9("Little interest or pleasure in doing things"),
        _phq9("Feeling down, depressed, or hopeless"),
        _phq9("Trouble falling or staying asleep, or sleeping too much"),
        _phq9("Feeling tired or having little energy"),
        _phq9("Poor appetite or overeating"),
        _phq9("Feeling bad about yourself — or that you are a failure or have let yourself or your family down"),
        _phq9("Trouble concentrating on things, such as reading the newspaper or watching television"),
        _phq9(
            "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so "
            "fidgety or restless that you have been moving around a lot more than usual"
        ),
        _phq9("Thoughts that you would be better off dead or of hurting yourself in some way"),
    ),
    scoring_note="Each item scores 0-3; the total (0-27) is calculated when you save.",
    citation="PHQ-9: Kroenke, Spitzer & Williams, J Gen Intern Med 2001;16:606-13.",
    self_harm_item=9,
)

PHQ9_DIFFICULTY_QUESTION = (
    "If you checked off any problems, how difficult have these problems made it for you to do your work, "
    "take care of things at home, or get along with other people?"
)
PHQ9_DIFFICULTY_ANSWERS = (
    (0, "Not difficult at all"),
    (1, "Somewhat difficult"),
    (2, "Very difficult"),
    (3, "Extremely difficult"),
)

_YES_MOST = "Yes, most of the time"

EPDS = Instrument(
    key=ScaleScore.Instrument.EPDS,
    name="EPDS",
    stem="In the past 7 days:",
    items=(
        Item(
            "I have been able to laugh and see the funny side of things",
            (
                (0, "As much as I always could"),
                (1, "Not quite so much now"),
                (2, "Definitely not so much now"),
                (3, "Not at all"),
            ),
        ),
        Item(
            "I have looked forward with enjoyment to things",
            (
                (0, "As much as I ever did"),
                (1, "Rather less than I used to"),
                (2, "Definitely less than I used to"),
                (3, "Hardly at all"),
            ),
        ),
        Item(
            "I have blamed myself unnecessarily when things went wrong",
            ((3, _YES_MOST), (2, "Yes, some of the time"), (1, "Not very often"), (0, "No, never")),
        ),
        Item(
            "I have been anxious or worried for no good reason",
            ((0, "No, not at all"), (1, "Hardly ever"), (2, "Yes, sometimes"), (3, "Yes, very often")),
        ),
        Item(
            "I have felt scared or panicky for no very good reason",
            ((3, "Yes, quite a lot"), (2, "Yes, sometimes"), (1, "No, not much"), (0, "No, not at all")),
        ),
        Item(
            "Things have been getting on top of me",
            (
                (3, "Yes, most of the time I haven't been able to cope at all"),
                (2, "Yes, sometimes I haven't been coping as well as usual"),
                (1, "No, most of the time I have coped quite well"),
                (0, "No, I have been coping as well as ever"),
            ),
        ),
        Item(
            "I have been so unhappy that I have had difficulty sleeping",
            ((3, _YES_MOST), (2, "Yes, sometimes"), (1, "Not very often"), (0, "No, not at all")),
        ),
        Item(
            "I have felt sad or miserable",
            ((3, _YES_MOST), (2, "Yes, quite often"), (1, "Not very often"), (0, "No, not at all")),
        ),
        Item(
            "I have been so unhappy that I have been crying",
            ((3, _YES_MOST), (2, "Yes, quite often"), (1, "Only occasionally"), (0, "No, never")),
        ),
        Item(
            "The thought of harming myself has occurred to me",
            ((3, "Yes, quite often"), (2, "Sometimes"), (1, "Hardly ever"), (0, "Never")),
        ),
    ),
    scoring_note=(
        "Each item scores 0-3 as shown beside the answer (items 3 and 5-10 are reverse-scored on the paper "
        "form); the total (0-30) is calculated when you save."
    ),
    citation=(
        "EPDS: Cox, Holden & Sagovsky, Detection of postnatal depression: development of the 10-item Edinburgh "
        "Postnatal Depression Scale, Br J Psychiatry 1987;150:782-6."
    ),
    self_harm_item=10,
)

INSTRUMENTS: dict[str, Instrument] = {PHQ9.key: PHQ9, EPDS.key: EPDS}


class ScaleForm(CleanTextMixin, forms.Form):
    """Every item must be answered; the PHQ-9 difficulty question is optional, as on the paper form."""

    administered_on = forms.DateField(label="Date completed", widget=DateInput())

    def __init__(self, *args, patient: Patient, instrument: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.patient = patient
        self.instrument = INSTRUMENTS[instrument]
        for number, item in enumerate(self.instrument.items, start=1):
            self.fields[f"item_{number}"] = forms.TypedChoiceField(
                label=f"{number}. {item.text}",
                choices=[(score, f"{label} ({score})") for score, label in item.answers],
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose an answer for item {number}."},
            )
        if self.instrument is PHQ9:
            self.fields["difficulty"] = forms.TypedChoiceField(
                label=PHQ9_DIFFICULTY_QUESTION,
                choices=[("", "Not answered"), *PHQ9_DIFFICULTY_ANSWERS],
                coerce=int,
                empty_value=None,
                required=False,
                widget=forms.RadioSelect,
            )
        self.helper = FormHelper()
        self.helper.layout = Layout(
            "administered_on",
            HTML(format_html('<p class="fw-semibold">{}</p>', self.instrument.stem)),
            Fieldset(
                f"{self.instrument.name} items",
                *[f"item_{number}" for number in range(1, len(self.instrument.items) + 1)],
            ),
            *(["difficulty"] if "difficulty" in self.fields else []),
            HTML(
                format_html(
                    '<p class="small text-body-secondary">{}<br>{}</p>',
                    self.instrument.scoring_note,
                    self.instrument.citation,
                )
            ),
            Submit("save", f"Save {self.instrument.name}"),
        )

    def clean_administered_on(self):
        return past_date(self.cleaned_data.get("administered_on"), self.patient, what="The date completed")

    def clean(self):
        cleaned = super().clean()
        day = cleaned.get("administered_on")
        if day is not None and not self.errors:
            answers = self.items()
            recorded = ScaleScore.objects.filter(
                patient=self.patient, instrument=self.instrument.key, administered_on=day, total_only=False
            ).values_list("items", flat=True)
            # The same form entered twice (or saved again after going back) would count twice in trends.
            if any(list(items) == answers for items in recorded):
                self.add_error(
                    "administered_on",
                    forms.ValidationError(
                        f"An identical {self.instrument.name} dated {day.isoformat()} is already recorded for "
                        "this patient.",
                        code="already_recorded",
                    ),
                )
        return cleaned

    def items(self) -> list[int]:
        """The answers in item order (only after validation)."""
        return [self.cleaned_data[f"item_{number}"] for number in range(1, len(self.instrument.items) + 1)]
