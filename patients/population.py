"""A synthetic clinic population for performance work (``python manage.py generate_population``).

Two layers:

- :func:`plan_patient` describes one synthetic patient as plain data (:class:`PatientPlan`): age, sex,
  ancestry, body measurements, intake, medicines, antidepressant trials with their dose changes,
  augmentations, other treatments, psychotherapy, laboratory panels and PHQ-9 (and EPDS) series. It uses one
  random generator seeded from ``(seed, index)``, so a patient is the same whatever the batch size or the
  number of patients, and the same seed and reference date always give the same population.
- :func:`generate_population` writes plans in batches with ``bulk_create`` (a handful of INSERTs per batch
  of patients, never one per row), with canonical lab values computed once by
  :func:`patients.services.canonical_value` (the catalogue's :func:`~screening.rules.analytes.to_canonical`);
  on PostgreSQL several processes plan and write batches in parallel, and the planner statistics of the
  written tables are refreshed at the end.

The data are invented but shaped like a treatment-resistant-depression clinic. The correlations a reader
of the screening results would expect are built in: BMI and waist go with fasting insulin, HOMA-IR and the
triglyceride/HDL ratio; HbA1c rises with age; hs-CRP rises with BMI; TSH is higher on lithium; vitamin B12
falls with years on metformin; testosterone is lower with obesity and opioids; an antipsychotic adds weight.
About half the laboratories report in SI units, some results are censored ("<0.3", ">20"), about one
trial in five never reaches the minimum adequate dose, and some trials are stopped within weeks.

Every value is generated inside the catalogue's plausible ranges and outside its unit mix-up zones, so each
result would pass the entry gates (:func:`screening.rules.analytes.check_lab_value`) as a typed one does;
the tests check that on a generated sample. The rows skip ``full_clean()`` for speed: they are built to be
valid, and the tests run the model validation on a sample as well.

Caveat: this is load-test data. The distributions are plausible, not epidemiology; do not draw clinical
conclusions from them, and never load them into a database holding real patients.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import math
import multiprocessing
import random
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, connections, transaction

from screening.rules import analytes
from screening.rules import drugs as drug_catalogue
from screening.rules.base import months_before

from .models import (
    Adherence,
    Ancestry,
    AntidepressantTrial,
    Augmentation,
    Clinic,
    Comparator,
    Condition,
    DosePeriod,
    EpisodeSeverity,
    Fasting,
    Intake,
    LabReport,
    LabResult,
    LabSource,
    Measurement,
    Medicine,
    MenstrualStatus,
    OtherTreatment,
    Outcome,
    Patient,
    PregnancyStatus,
    PsychotherapyCourse,
    ScaleScore,
    Sex,
    Smoking,
)
from .services import canonical_value

try:
    from auditlog.context import disable_auditlog
except ImportError:  # without the audit trail there is nothing to switch off
    disable_auditlog = nullcontext

POPULATION_CLINIC_NAME = "Population clinic"
MRN_PREFIX = "POP-"
SYNTHETIC_NOTE = "Synthetic population record (load and performance testing): not a real person."

# ---------------------------------------------------------------------------------------------------------
# The plan: plain data for one patient


@dataclass(frozen=True, slots=True)
class LabRow:
    analyte: str
    value: Decimal
    unit: str
    comparator: str = ""
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None


@dataclass(frozen=True, slots=True)
class PanelPlan:
    collected_on: dt.date
    collected_at: dt.time | None
    fasting: str
    laboratory: str
    results: tuple[LabRow, ...]


@dataclass(frozen=True, slots=True)
class TrialPlan:
    """An antidepressant trial: ``doses`` are (mg/day, first day at that dose) in date order."""

    drug: str
    doses: tuple[tuple[Decimal, dt.date], ...]
    end: dt.date | None
    adherence: str
    outcome: str
    improvement_pct: int | None
    reason_stopped: str
    side_effects: str


@dataclass(frozen=True, slots=True)
class ScorePlan:
    instrument: str
    administered_on: dt.date
    items: tuple[int, ...]

    @property
    def difficulty(self) -> int | None:
        """PHQ-9 'how difficult have these problems made things', rising with the total (as the demo data)."""
        if self.instrument != ScaleScore.Instrument.PHQ9:
            return None
        total = sum(self.items)
        return 3 if total >= 20 else 2 if total >= 10 else 1 if total >= 5 else 0


@dataclass(slots=True)
class PatientPlan:
    """Everything about one synthetic patient; the dicts are model field values (without the patient)."""

    index: int
    patient: dict
    intake: dict
    medicines: list[dict] = field(default_factory=list)
    measurements: list[dict] = field(default_factory=list)
    panels: list[PanelPlan] = field(default_factory=list)
    trials: list[TrialPlan] = field(default_factory=list)
    augmentations: list[dict] = field(default_factory=list)
    treatments: list[dict] = field(default_factory=list)
    psychotherapy: list[dict] = field(default_factory=list)
    scores: list[ScorePlan] = field(default_factory=list)

    @property
    def lab_count(self) -> int:
        return sum(len(panel.results) for panel in self.panels)


def mrn_for(index: int) -> str:
    return f"{MRN_PREFIX}{index + 1:06d}"


def patient_code(seed: int, clinic_name: str, index: int) -> uuid.UUID:
    """A version-4-shaped UUID derived from the seed, the clinic and the patient's index (never random).

    The clinic name is part of it so that the same seed can be generated into two clinics (codes are
    unique across the database); the clinical data do not depend on it.
    """
    digest = hashlib.sha256(f"trd-population:{seed}:{clinic_name}:{index}".encode()).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _days(n: float) -> dt.timedelta:
    return dt.timedelta(days=round(n))


def _weeks(n: float) -> dt.timedelta:
    return dt.timedelta(days=round(7 * n))


def _clip(value: float, low: float, high: float) -> float:
    return min(high, max(low, value))


def _pick(rng: random.Random, weighted: tuple[tuple[object, float], ...]):
    """One value from ``((value, weight), ...)``."""
    values, cumulative = _cumulative(weighted)
    return rng.choices(values, cum_weights=cumulative)[0]


@functools.cache
def _cumulative(weighted: tuple[tuple[object, float], ...]) -> tuple[tuple, list[float]]:
    """The values and cumulative weights of a table, worked out once per table."""
    values, weights = zip(*weighted, strict=True)
    return values, list(itertools.accumulate(weights))


def _decimal(value: float, places: int) -> Decimal:
    return Decimal(f"{value:.{places}f}")


def _time(rng: random.Random, earliest: tuple[int, int], latest: tuple[int, int]) -> dt.time:
    start = earliest[0] * 60 + earliest[1]
    minute = rng.randrange(start, latest[0] * 60 + latest[1], 5)
    return dt.time(minute // 60, minute % 60)


# ---------------------------------------------------------------------------------------------------------
# Names (invented; no real person is meant)

_GIVEN_FEMALE = (
    "Aino", "Amara", "Ana", "Anneli", "Beatriz", "Chiara", "Dilnoza", "Eilidh", "Elif", "Fatima", "Freya",
    "Grace", "Hana", "Ingrid", "Isabel", "Jia", "Keiko", "Leila", "Lucía", "Maja", "Marta", "Mei", "Nadia",
    "Niamh", "Olga", "Priya", "Rosa", "Saoirse", "Sofia", "Yetunde", "Zainab", "Zofia",
)  # fmt: skip
_GIVEN_MALE = (
    "Adebayo", "Aleksander", "Amir", "Anders", "Arjun", "Ben", "Carlos", "Chen", "Dawit", "Diego", "Emil",
    "Farid", "Hamza", "Hiroshi", "Ivan", "Jakub", "João", "Kofi", "Liam", "Luca", "Mateo", "Mohammed",
    "Nikolai", "Omar", "Owen", "Pavel", "Rahul", "Sami", "Tariq", "Tomás", "Wei", "Yusuf",
)  # fmt: skip
_FAMILY = (
    "Abara", "Alvarez", "Andersen", "Bakker", "Banerjee", "Becker", "Brennan", "Castillo", "Chowdhury",
    "Costa", "Dimitrov", "Eriksen", "Fernández", "Fischer", "Garcia", "Haddad", "Hashemi", "Hughes", "Ito",
    "Ivanova", "Jensen", "Kamau", "Kaur", "Kim", "Kowalski", "Larsen", "Lindqvist", "Mahmoud", "Mensah",
    "Moreau", "Murphy", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen", "Osei", "Patel", "Petrov",
    "Popescu", "Quinn", "Rahman", "Reyes", "Rossi", "Sato", "Schmidt", "Silva", "Singh", "Sørensen",
    "Tanaka", "Teixeira", "Usman", "Varga", "Virtanen", "Wang", "Walsh", "Yilmaz", "Zhang", "Zieliński",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------------------
# Demographics

_ANCESTRY = (
    (Ancestry.EUROPID, 55),
    (Ancestry.SOUTH_ASIAN, 10),
    (Ancestry.SUB_SAHARAN_AFRICAN, 9),
    (Ancestry.CENTRAL_SOUTH_AMERICAN, 7),
    (Ancestry.MIDDLE_EASTERN, 5),
    (Ancestry.CHINESE, 4),
    (Ancestry.JAPANESE, 1),
    (Ancestry.UNKNOWN, 9),
)
_DARKER_SKIN = frozenset({Ancestry.SOUTH_ASIAN, Ancestry.SUB_SAHARAN_AFRICAN, Ancestry.MIDDLE_EASTERN})


def _menstrual_status(rng: random.Random, age: int) -> str:
    if age < 40:
        table = ((MenstrualStatus.REGULAR, 80), (MenstrualStatus.IRREGULAR, 15), ("amen", 5))
    elif age < 50:
        table = (
            (MenstrualStatus.REGULAR, 45),
            (MenstrualStatus.IRREGULAR, 35),
            ("amen", 12),
            (MenstrualStatus.POSTMENOPAUSAL, 8),
        )
    elif age < 56:
        table = ((MenstrualStatus.IRREGULAR, 20), ("amen", 15), (MenstrualStatus.POSTMENOPAUSAL, 65))
    else:
        return MenstrualStatus.POSTMENOPAUSAL
    status = _pick(rng, table)
    return MenstrualStatus.AMENORRHOEA_UNDER_12_MONTHS if status == "amen" else status


@dataclass(slots=True)
class _Person:
    """The latent state from which every record of one patient is drawn."""

    sex: str
    age: int
    ancestry: str
    height_cm: float
    bmi: float  # at the first visit
    insulin_z: float  # insulin resistance beyond what BMI explains
    diabetic: bool
    hypertensive: bool
    hypothyroid: bool
    smoker: bool
    b12_z: float
    folate_z: float
    ferritin_z: float
    tsh_z: float
    vitamin_d_z: float
    cholesterol_z: float
    # Exposures as (start, end or None) intervals, filled in as the history is drawn.
    metformin_since: dt.date | None = None
    statin_since: dt.date | None = None
    ppi_since: dt.date | None = None
    vitamin_d_supplement: bool = False
    opioid: bool = False
    levothyroxine_since: dt.date | None = None
    lithium: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)
    antipsychotic: list[tuple[dt.date, dt.date | None]] = field(default_factory=list)

    def bmi_on(self, day: dt.date) -> float:
        """BMI with the gain an atypical antipsychotic brings (up to about 2.5 kg/m2 over six months)."""
        gain = 0.0
        for start, end in self.antipsychotic:
            if day > start:
                months = ((min(day, end) if end else day) - start).days / 30.4
                gain += min(2.5, 0.45 * months)
        return self.bmi + gain

    def on(self, intervals: list[tuple[dt.date, dt.date | None]], day: dt.date, *, after_days: int = 0) -> bool:
        return any(start + _days(after_days) <= day and (end is None or day <= end) for start, end in intervals)


def _person(rng: random.Random) -> _Person:
    sex = Sex.FEMALE if rng.random() < 0.62 else Sex.MALE
    age = min(85, int(rng.triangular(18, 86, 41)))
    ancestry = _pick(rng, _ANCESTRY)
    height = rng.gauss(163.5, 6.8) if sex == Sex.FEMALE else rng.gauss(176.5, 7.2)
    bmi_median = 27.0 + 0.04 * (age - 45) - (2.5 if ancestry in (Ancestry.CHINESE, Ancestry.JAPANESE) else 0)
    bmi = _clip(rng.lognormvariate(math.log(bmi_median), 0.18), 17.0, 52.0)
    diabetic = rng.random() < min(0.45, 0.02 + 0.004 * max(0, age - 35) + 0.014 * max(0.0, bmi - 27))
    hypertensive = rng.random() < min(0.7, 0.04 + 0.008 * max(0, age - 30) + 0.015 * max(0.0, bmi - 25))
    return _Person(
        sex=sex,
        age=age,
        ancestry=ancestry,
        height_cm=_clip(height, 145, 205),
        bmi=bmi,
        insulin_z=rng.gauss(0, 1),
        diabetic=diabetic,
        hypertensive=hypertensive,
        hypothyroid=rng.random() < (0.07 if sex == Sex.FEMALE else 0.02),
        smoker=rng.random() < 0.2,
        b12_z=rng.gauss(0, 1),
        folate_z=rng.gauss(0, 1),
        ferritin_z=rng.gauss(0, 1),
        tsh_z=rng.gauss(0, 1),
        vitamin_d_z=rng.gauss(0, 1),
        cholesterol_z=rng.gauss(0, 1),
    )


# ---------------------------------------------------------------------------------------------------------
# Antidepressant trials

#: Dose ladders (mg/day) as usually titrated; every rung is within table 1.3's usual range.
_LADDERS: dict[str, tuple[float, ...]] = {
    "citalopram": (10, 20, 30, 40),
    "escitalopram": (5, 10, 15, 20),
    "fluoxetine": (10, 20, 40, 60),
    "paroxetine": (10, 20, 30, 40),
    "sertraline": (25, 50, 100, 150, 200),
    "fluvoxamine": (50, 100, 150, 200),
    "venlafaxine": (37.5, 75, 150, 225, 300),
    "desvenlafaxine": (25, 50, 100),
    "duloxetine": (30, 60),
    "bupropion": (150, 300),
    "mirtazapine": (7.5, 15, 30, 45),
    "vortioxetine": (5, 10, 20),
    "agomelatine": (25, 50),
    "trazodone": (50, 100, 150, 200, 300),
    "amitriptyline": (25, 50, 75, 100, 150, 200),
    "nortriptyline": (25, 50, 75, 100),
    "clomipramine": (25, 50, 100, 150),
    "phenelzine": (15, 30, 45, 60),
    "tranylcypromine": (10, 20, 30, 40),
}
_FIRST_LINE = (
    ("sertraline", 30),
    ("escitalopram", 25),
    ("fluoxetine", 17),
    ("citalopram", 15),
    ("paroxetine", 6),
    ("vortioxetine", 4),
    ("fluvoxamine", 3),
)
_LATER = (
    ("venlafaxine", 22),
    ("duloxetine", 15),
    ("mirtazapine", 14),
    ("bupropion", 14),
    ("vortioxetine", 8),
    ("sertraline", 7),
    ("escitalopram", 6),
    ("desvenlafaxine", 5),
    ("agomelatine", 3),
    ("trazodone", 4),
    ("amitriptyline", 4),
    ("nortriptyline", 4),
    ("clomipramine", 2),
    ("phenelzine", 1),
    ("tranylcypromine", 1),
)
_TRIAL_COUNT = ((1, 20), (2, 30), (3, 24), (4, 15), (5, 7), (6, 4))
_COMPLETED_OUTCOME = (
    (Outcome.NO_RESPONSE, 42),
    (Outcome.PARTIAL_RESPONSE, 27),
    (Outcome.NOT_TOLERATED, 15),
    (Outcome.RESPONSE, 11),
    (Outcome.REMISSION, 5),
)
_ADHERENCE = ((Adherence.GOOD, 70), (Adherence.PARTIAL, 19), (Adherence.POOR, 5), (Adherence.UNKNOWN, 6))
_SIDE_EFFECTS = (
    "Nausea.",
    "Sexual dysfunction.",
    "Weight gain.",
    "Sedation.",
    "Insomnia.",
    "Sweating.",
    "Headache.",
    "Emotional blunting.",
    "Dizziness.",
    "",
)

for _drug, _ladder in _LADDERS.items():  # the ladders are checked against the catalogue at import
    _limit = drug_catalogue.max_plausible_dose_mg(_drug)
    if _limit is None or max(_ladder) > drug_catalogue.ANTIDEPRESSANTS[_drug].usual_max_mg:
        raise ValueError(f"dose ladder of {_drug} is outside table 1.3")


@dataclass(slots=True)
class _TrialDraft:
    drug: str
    under_dosed: bool
    weeks: float
    outcome: str
    ongoing: bool


def _improvement(rng: random.Random, outcome: str) -> int | None:
    ranges = {
        Outcome.NO_RESPONSE: (-10, 20),
        Outcome.PARTIAL_RESPONSE: (25, 49),
        Outcome.RESPONSE: (50, 75),
        Outcome.REMISSION: (60, 95),
        Outcome.NOT_TOLERATED: (-5, 15),
    }
    if outcome not in ranges or rng.random() < 0.25:
        return None  # not measured on a rating scale
    return rng.randint(*ranges[outcome])


def _trials(rng: random.Random, as_of: dt.date) -> list[TrialPlan]:
    """A sequence of trials laid out backwards from ``as_of`` (the last one usually ongoing)."""
    count = _pick(rng, _TRIAL_COUNT)
    drafts: list[_TrialDraft] = []
    used: set[str] = set()
    for position in range(count):
        table = _FIRST_LINE if position == 0 else _LATER
        drug = _pick(rng, table)
        for _ in range(5):  # prefer a molecule not tried before
            if drug not in used:
                break
            drug = _pick(rng, table)
        used.add(drug)
        last = position == count - 1
        ongoing = last and rng.random() < 0.7
        outcome = "" if ongoing else _pick(rng, _COMPLETED_OUTCOME)
        under_dosed = rng.random() < 0.2
        if outcome == Outcome.NOT_TOLERATED:
            weeks = rng.uniform(1, 5)
        elif ongoing:
            weeks = rng.uniform(2, 60)
        elif under_dosed:
            weeks = rng.uniform(4, 12)
        else:
            weeks = rng.uniform(6, 22)
        drafts.append(_TrialDraft(drug, under_dosed, weeks, outcome, ongoing))

    # Backwards from as_of: the last trial ends a little before (or runs up to) as_of.
    cursor = as_of if drafts[-1].ongoing else as_of - _weeks(rng.uniform(1, 10))
    placed: list[tuple[_TrialDraft, dt.date, dt.date | None]] = []
    for draft in reversed(drafts):
        start = cursor - _weeks(draft.weeks)
        placed.append((draft, start, None if draft.ongoing else cursor))
        cursor = start - _weeks(rng.uniform(0.5, 8))
    placed.reverse()
    return [_trial_plan(rng, draft, start, end) for draft, start, end in placed]


def _trial_plan(rng: random.Random, draft: _TrialDraft, start: dt.date, end: dt.date | None) -> TrialPlan:
    ladder = _LADDERS[draft.drug]
    minimum = drug_catalogue.ANTIDEPRESSANTS[draft.drug].min_adequate_mg
    below = [dose for dose in ladder if dose < minimum]
    adequate = [dose for dose in ladder if dose >= minimum]
    target = rng.choice(below) if draft.under_dosed and below else rng.choice(adequate[:3])
    rungs = [dose for dose in ladder if dose <= target]
    start_index = 0 if len(rungs) == 1 or rng.random() < 0.7 else 1
    rungs = rungs[start_index:]
    span_end = end or start + _weeks(draft.weeks)
    doses: list[tuple[Decimal, dt.date]] = []
    day = start
    for rung in rungs:
        if doses and day >= span_end - _days(3):
            break  # stopped (or reviewed) before the next step-up
        doses.append((Decimal(str(rung)), day))
        day = day + _weeks(rng.uniform(1, 3))
    outcome = draft.outcome
    improvement = None if draft.ongoing else _improvement(rng, outcome)
    reason = ""
    side_effects = rng.choice(_SIDE_EFFECTS) if rng.random() < 0.5 else ""
    if outcome == Outcome.NOT_TOLERATED:
        side_effects = side_effects or "Nausea."
        reason = "Stopped because of side effects."
    elif outcome in (Outcome.NO_RESPONSE, Outcome.PARTIAL_RESPONSE):
        kind = "No meaningful" if outcome == Outcome.NO_RESPONSE else "Partial"
        reason = f"{kind} response after {draft.weeks:.0f} weeks."
    elif outcome in (Outcome.RESPONSE, Outcome.REMISSION):
        reason = "Switched after relapse." if rng.random() < 0.5 else "Stopped by the patient when well."
    return TrialPlan(
        drug=draft.drug,
        doses=tuple(doses),
        end=end,
        adherence=_pick(rng, _ADHERENCE),
        outcome=outcome,
        improvement_pct=improvement,
        reason_stopped=reason,
        side_effects=side_effects,
    )


# ---------------------------------------------------------------------------------------------------------
# Augmentations, other treatments, psychotherapy

_AUGMENTERS = (
    # (strategy, drug, doses in mg/day, weight)
    (Augmentation.Strategy.LITHIUM, "lithium", (400, 600, 800, 900, 1000, 1200), 34),
    (Augmentation.Strategy.ANTIPSYCHOTIC, "aripiprazole", (2, 5, 10), 22),
    (Augmentation.Strategy.ANTIPSYCHOTIC, "quetiapine", (150, 200, 300), 20),
    (Augmentation.Strategy.LIOTHYRONINE, "liothyronine", (0.025, 0.05), 12),
    (Augmentation.Strategy.ANTIPSYCHOTIC, "brexpiprazole", (1, 2), 5),
    (Augmentation.Strategy.ANTIPSYCHOTIC, "olanzapine", (5, 10), 5),
    (Augmentation.Strategy.ANTIPSYCHOTIC, "cariprazine", (1.5, 3), 2),
)


def _augmentations(rng: random.Random, person: _Person, trials: list[TrialPlan], as_of: dt.date) -> list[dict]:
    if len(trials) < 2 or rng.random() > 0.35:
        return []
    host = trials[-1] if trials[-1].end is None or rng.random() < 0.6 else trials[-2]
    host_start = host.doses[0][1]
    start = host_start + _weeks(rng.uniform(4, 10))
    end = host.end
    if start > as_of - _days(7) or (end is not None and end <= start):
        return []
    strategy, drug, doses, _ = rng.choices(_AUGMENTERS, weights=[row[3] for row in _AUGMENTERS])[0]
    dose = rng.choice(doses)
    outcome = "" if end is None else _pick(rng, _COMPLETED_OUTCOME)
    if drug == "lithium":
        person.lithium.append((start, end))
    elif strategy == Augmentation.Strategy.ANTIPSYCHOTIC:
        person.antipsychotic.append((start, end))
    return [
        {
            "strategy": strategy,
            "drug": drug,
            "daily_dose_mg": Decimal(str(dose)),
            "start": start,
            "end": end,
            "outcome": outcome,
            "notes": "",
        }
    ]


def _other_treatments(rng: random.Random, trials: list[TrialPlan], as_of: dt.date) -> list[dict]:
    if len(trials) < 3:
        return []
    rows = []
    draw = rng.random()
    if draw < 0.06:
        start = as_of - _weeks(rng.uniform(8, 150))
        rows.append(
            {
                "kind": OtherTreatment.Kind.ECT,
                "laterality": rng.choice((OtherTreatment.Laterality.BILATERAL, OtherTreatment.Laterality.UNILATERAL)),
                "start": start,
                "end": start + _weeks(rng.uniform(3, 6)),
                "sessions": rng.randint(6, 14),
                "outcome": _pick(rng, _COMPLETED_OUTCOME),
            }
        )
    elif draw < 0.14:
        start = as_of - _weeks(rng.uniform(8, 150))
        rows.append(
            {
                "kind": OtherTreatment.Kind.RTMS,
                "laterality": "",
                "start": start,
                "end": start + _weeks(rng.uniform(4, 7)),
                "sessions": rng.randint(20, 36),
                "outcome": _pick(rng, _COMPLETED_OUTCOME),
            }
        )
    elif draw < 0.17:
        start = as_of - _weeks(rng.uniform(4, 60))
        end = start + _weeks(rng.uniform(4, 16))
        rows.append(
            {
                "kind": OtherTreatment.Kind.ESKETAMINE,
                "laterality": "",
                "start": start,
                "end": None if end > as_of or rng.random() < 0.4 else end,
                "sessions": rng.randint(8, 30),
                "outcome": "",
            }
        )
    return rows


_MODALITIES = (
    (PsychotherapyCourse.Modality.CBT, 55),
    (PsychotherapyCourse.Modality.ACT, 14),
    (PsychotherapyCourse.Modality.DBT, 8),
    (PsychotherapyCourse.Modality.EMDR, 7),
    (PsychotherapyCourse.Modality.OTHER, 16),
)


def _psychotherapy(rng: random.Random, onset: dt.date, as_of: dt.date) -> list[dict]:
    if rng.random() > 0.55:
        return []
    modality = _pick(rng, _MODALITIES)
    start = onset + _days(rng.uniform(0, max(1, (as_of - onset).days - 60)))
    end = start + _weeks(rng.uniform(6, 30))
    return [
        {
            "modality": modality,
            "modality_other": "Interpersonal therapy" if modality == PsychotherapyCourse.Modality.OTHER else "",
            "approximate_sessions": rng.randint(6, 24),
            "start": start,
            "end": None if end > as_of else end,
            "notes": "",
        }
    ]


# ---------------------------------------------------------------------------------------------------------
# Medicines and supplements


def _medicine(name: str, mg: float | None, text: str, start: dt.date | None, **extra) -> dict:
    kind = Medicine.Kind.SUPPLEMENT if name in drug_catalogue.SUPPLEMENTS else Medicine.Kind.MEDICINE
    return {
        "kind": kind,
        "name": name,
        "daily_dose_mg": None if mg is None else Decimal(str(mg)),
        "dose_text": text,
        "start": start,
        "end": extra.get("end"),
        "last_taken": extra.get("last_taken"),
        "notes": extra.get("notes", ""),
    }


def _medicines(rng: random.Random, person: _Person, as_of: dt.date) -> list[dict]:
    rows: list[dict] = []

    def since(low_years: float, high_years: float) -> dt.date:
        return as_of - _days(rng.uniform(low_years, high_years) * 365)

    if person.diabetic and rng.random() < 0.85:
        person.metformin_since = since(0.5, 10)
        mg = rng.choice((1000, 1500, 2000))
        rows.append(_medicine("metformin", mg, f"{mg} mg daily in divided doses", person.metformin_since))
        if rng.random() < 0.25:
            rows.append(_medicine("empagliflozin", 10, "10 mg once daily", since(0.2, 3)))
    if (person.diabetic or (person.age > 55 and rng.random() < 0.3)) and rng.random() < 0.6:
        person.statin_since = since(0.5, 8)
        rows.append(_medicine("atorvastatin", 20, "20 mg at night", person.statin_since))
    if person.hypertensive and rng.random() < 0.75:
        name, mg = rng.choice((("amlodipine", 5), ("ramipril", 5), ("losartan", 50), ("indapamide", 2.5)))
        rows.append(_medicine(name, mg, f"{mg} mg once daily", since(0.5, 12), notes="For hypertension"))
    if person.hypothyroid:
        person.levothyroxine_since = since(1, 15)
        mg = rng.choice((0.05, 0.075, 0.1, 0.125))
        rows.append(_medicine("levothyroxine", mg, f"{round(mg * 1000)} micrograms daily", person.levothyroxine_since))
    if rng.random() < 0.12:
        person.ppi_since = since(0.3, 8)
        rows.append(_medicine("omeprazole", 20, "20 mg once daily", person.ppi_since))
    if rng.random() < 0.04:
        person.opioid = True
        rows.append(_medicine("tramadol", 200, "50 mg four times daily", since(0.5, 5), notes="Chronic back pain"))
    if person.sex == Sex.FEMALE and person.age < 45 and rng.random() < 0.15:
        rows.append(_medicine("combined_oral_contraceptive", None, "one tablet daily", since(0.5, 10)))
    if rng.random() < 0.18:
        person.vitamin_d_supplement = True
        rows.append(_medicine("vitamin_d", 0.025, "1000 IU daily", since(0.2, 3)))
    if rng.random() < 0.08:
        rows.append(_medicine("omega_3", 1000, "1 g daily", since(0.2, 3)))
    if rng.random() < 0.02:
        rows.append(_medicine("biotin", 5, "5 mg daily", since(0.2, 2), last_taken=as_of - _days(rng.randint(0, 20))))
    return rows


# ---------------------------------------------------------------------------------------------------------
# Laboratory results

_SI_UNITS = {
    "glucose": "mmol/L",
    "hba1c": "mmol/mol",
    "insulin": "m[IU]/L",
    "triglycerides": "mmol/L",
    "hdl": "mmol/L",
    "cholesterol_total": "mmol/L",
    "ldl": "mmol/L",
    "hscrp": "mg/L",
    "tsh": "m[IU]/L",
    "ft4": "pmol/L",
    "b12": "pmol/L",
    "folate": "ug/L",
    "ferritin": "ug/L",
    "vitamin_d": "nmol/L",
    "magnesium": "mmol/L",
    "testosterone": "nmol/L",
    "lithium": "mmol/L",
}
_CONVENTIONAL_UNITS = {
    "glucose": "mg/dL",
    "hba1c": "%",
    "insulin": "u[IU]/mL",
    "triglycerides": "mg/dL",
    "hdl": "mg/dL",
    "cholesterol_total": "mg/dL",
    "ldl": "mg/dL",
    "hscrp": "mg/L",
    "tsh": "u[IU]/mL",
    "ft4": "ng/dL",
    "b12": "pg/mL",
    "folate": "ng/mL",
    "ferritin": "ng/mL",
    "vitamin_d": "ng/mL",
    "magnesium": "mg/dL",
    "testosterone": "ng/dL",
    "lithium": "mEq/L",
}


@dataclass(frozen=True, slots=True, eq=False)
class _Laboratory:
    name: str
    units: dict[str, str]  # analyte -> the unit this laboratory reports it in


#: The laboratories (and the unit each reports every analyte in), with the share of patients who use each.
_LABORATORIES = (
    (_Laboratory("Population Hospital Laboratory", _SI_UNITS), 35),
    (
        _Laboratory(
            "Population University Hospital",
            {**_SI_UNITS, "hba1c": "%", "insulin": "pmol/L", "b12": "ng/L", "folate": "nmol/L"},
        ),
        20,
    ),
    (_Laboratory("Population Community Laboratory", _CONVENTIONAL_UNITS), 30),
    (_Laboratory("Population Private Clinic Laboratory", {**_CONVENTIONAL_UNITS, "hscrp": "mg/dL"}), 15),
)

#: Decimal places a laboratory reports, by (analyte, unit).
_PLACES: dict[tuple[str, str], int] = {
    ("glucose", "mg/dL"): 0,
    ("glucose", "mmol/L"): 1,
    ("hba1c", "%"): 1,
    ("hba1c", "mmol/mol"): 0,
    ("insulin", "u[IU]/mL"): 1,
    ("insulin", "m[IU]/L"): 1,
    ("insulin", "pmol/L"): 0,
    ("triglycerides", "mg/dL"): 0,
    ("triglycerides", "mmol/L"): 2,
    ("hdl", "mg/dL"): 0,
    ("hdl", "mmol/L"): 2,
    ("cholesterol_total", "mg/dL"): 0,
    ("cholesterol_total", "mmol/L"): 1,
    ("ldl", "mg/dL"): 0,
    ("ldl", "mmol/L"): 1,
    ("hscrp", "mg/L"): 1,
    ("hscrp", "mg/dL"): 2,
    ("tsh", "m[IU]/L"): 2,
    ("tsh", "u[IU]/mL"): 2,
    ("ft4", "ng/dL"): 2,
    ("ft4", "pmol/L"): 1,
    ("b12", "pg/mL"): 0,
    ("b12", "ng/L"): 0,
    ("b12", "pmol/L"): 0,
    ("folate", "ng/mL"): 1,
    ("folate", "ug/L"): 1,
    ("folate", "nmol/L"): 0,
    ("ferritin", "ng/mL"): 0,
    ("ferritin", "ug/L"): 0,
    ("vitamin_d", "ng/mL"): 0,
    ("vitamin_d", "nmol/L"): 0,
    ("magnesium", "mmol/L"): 2,
    ("magnesium", "mg/dL"): 1,
    ("testosterone", "ng/dL"): 0,
    ("testosterone", "nmol/L"): 1,
    ("lithium", "mmol/L"): 2,
    ("lithium", "mEq/L"): 2,
}

#: Reporting limits: (direction, canonical bound, bound as printed in each unit). A value beyond the bound
#: is reported censored ("<0.3 mg/L", ">20.0 ng/mL").
_CENSORING: dict[str, tuple[str, float, dict[str, str]]] = {
    "hscrp": (Comparator.LT, 0.3, {"mg/L": "0.3", "mg/dL": "0.03"}),
    "insulin": (Comparator.LT, 2.0, {"u[IU]/mL": "2.0", "m[IU]/L": "2.0", "pmol/L": "12"}),
    "folate": (Comparator.GT, 20.0, {"ng/mL": "20.0", "ug/L": "20.0", "nmol/L": "45"}),
    "b12": (Comparator.GT, 1500.0, {"pg/mL": "1500", "ng/L": "1500", "pmol/L": "1107"}),
}

#: Reference limits printed with the result, by (analyte, unit).
_REFERENCE: dict[tuple[str, str], tuple[str, str]] = {
    ("tsh", "m[IU]/L"): ("0.40", "4.00"),
    ("tsh", "u[IU]/mL"): ("0.40", "4.00"),
    ("ft4", "ng/dL"): ("0.80", "1.80"),
    ("ft4", "pmol/L"): ("10.0", "23.0"),
}

#: Every generated canonical value is clipped into these bounds, inside the entry gates' plausible ranges.
_BOUNDS: dict[str, tuple[float, float]] = {
    "glucose": (62, 380),
    "hba1c": (4.3, 13.0),
    "insulin": (0.8, 70),
    "triglycerides": (35, 1100),
    "hdl": (22, 110),
    "cholesterol_total": (110, 360),
    "ldl": (30, 260),
    "hscrp": (0.1, 60),
    "tsh": (0.03, 40),
    "ft4": (0.45, 2.6),
    "b12": (95, 2200),
    "folate": (1.6, 28),
    "ferritin": (4, 900),
    "vitamin_d": (4, 85),
    "magnesium": (0.55, 1.1),
    "testosterone": (80, 1150),
    "lithium": (0.2, 1.3),
}


@dataclass(slots=True)
class _Draw:
    """The canonical values drawn for one panel day, shared by the analytes that depend on each other."""

    person: _Person
    day: dt.date
    fasting: bool
    rng: random.Random
    as_of: dt.date
    cache: dict[str, float] = field(default_factory=dict)

    def value(self, analyte: str) -> float:
        if analyte not in self.cache:
            low, high = _BOUNDS[analyte]
            self.cache[analyte] = _clip(_VALUE[analyte](self), low, high)
        return self.cache[analyte]

    @property
    def age(self) -> float:
        """Age in years on the day of the draw (the person's age is on ``as_of``)."""
        return self.person.age - (self.as_of - self.day).days / 365.25


def _glucose(d: _Draw) -> float:
    p, g = d.person, d.rng.gauss
    bmi = p.bmi_on(d.day)
    if p.diabetic:
        value = 150 + g(0, 28) - (18 if p.metformin_since and p.metformin_since <= d.day else 0)
    else:
        value = 87 + 0.9 * (bmi - 27) + 0.15 * (d.age - 45) + 4 * p.insulin_z + g(0, 6)
    return value if d.fasting else value + abs(g(15, 15))


def _insulin(d: _Draw) -> float:
    p = d.person
    return math.exp(math.log(8.0) + 0.065 * (p.bmi_on(d.day) - 27) + 0.3 * p.insulin_z + d.rng.gauss(0, 0.2))


def _hba1c(d: _Draw) -> float:
    p, g = d.person, d.rng.gauss
    if p.diabetic:
        return 7.1 + 0.8 * p.insulin_z + g(0, 0.35) - (0.5 if p.metformin_since and p.metformin_since <= d.day else 0)
    return 5.25 + 0.01 * (d.age - 45) + 0.015 * (p.bmi_on(d.day) - 27) + 0.12 * p.insulin_z + g(0, 0.12)


def _triglycerides(d: _Draw) -> float:
    p = d.person
    log_mean = math.log(112) + 0.03 * (p.bmi_on(d.day) - 27) + 0.15 * p.insulin_z + (0.15 if p.diabetic else 0)
    log_mean += 0.25 if p.on(p.antipsychotic, d.day) else 0
    value = math.exp(log_mean + d.rng.gauss(0, 0.28))
    return value if d.fasting else value * 1.15


def _hdl(d: _Draw) -> float:
    p = d.person
    base = 56 if p.sex == Sex.FEMALE else 46
    return base - 0.75 * (p.bmi_on(d.day) - 27) - 3 * p.insulin_z + d.rng.gauss(0, 6)


def _cholesterol(d: _Draw) -> float:
    p = d.person
    value = 195 + 0.5 * (d.age - 45) + 30 * p.cholesterol_z + d.rng.gauss(0, 10)
    return value * (0.75 if p.statin_since and p.statin_since <= d.day else 1)


def _ldl(d: _Draw) -> float:
    # Friedewald (mg/dL): LDL = total - HDL - TG/5, as many laboratories still calculate it.
    return d.value("cholesterol_total") - d.value("hdl") - d.value("triglycerides") / 5


def _hscrp(d: _Draw) -> float:
    p = d.person
    log_mean = math.log(1.3) + 0.075 * (p.bmi_on(d.day) - 27) + (0.25 if p.smoker else 0)
    return math.exp(log_mean + d.rng.gauss(0, 0.75))


def _tsh(d: _Draw) -> float:
    p = d.person
    value = math.exp(math.log(1.7) + 0.35 * p.tsh_z + d.rng.gauss(0, 0.15))
    if p.hypothyroid:
        treated = p.levothyroxine_since and p.levothyroxine_since <= d.day - dt.timedelta(days=60)
        value = value * d.rng.uniform(0.5, 1.8) if treated else d.rng.uniform(5, 14)
    if p.on(p.lithium, d.day, after_days=60):
        value *= 1.8  # lithium raises TSH (section 10.3 lists lithium among thyroid-interfering drugs)
    return value


def _ft4(d: _Draw) -> float:
    return 1.22 - 0.16 * math.log(d.value("tsh") / 1.7) + d.rng.gauss(0, 0.1)


def _b12(d: _Draw) -> float:
    p = d.person
    value = math.exp(math.log(430) + 0.3 * p.b12_z + d.rng.gauss(0, 0.08))
    if p.metformin_since and p.metformin_since <= d.day:
        years = (d.day - p.metformin_since).days / 365.25
        value *= 1 - min(0.45, 0.07 * years)  # metformin lowers B12 with years of use
    if p.ppi_since and p.ppi_since <= d.day:
        value *= 0.85
    return value


def _folate(d: _Draw) -> float:
    return math.exp(math.log(9.0) + 0.35 * d.person.folate_z + d.rng.gauss(0, 0.1))


def _ferritin(d: _Draw) -> float:
    p = d.person
    median = 55 if p.sex == Sex.FEMALE and d.age < 52 else 120
    inflammation = 1 + 0.04 * max(0.0, d.value("hscrp") - 3)
    return math.exp(math.log(median) + 0.6 * p.ferritin_z + d.rng.gauss(0, 0.08)) * inflammation


def _vitamin_d(d: _Draw) -> float:
    p = d.person
    value = 27 - 0.35 * (p.bmi_on(d.day) - 27) - (8 if p.ancestry in _DARKER_SKIN else 0) + 6 * p.vitamin_d_z
    value += 9 if p.vitamin_d_supplement else 0
    value += 4 * math.cos(2 * math.pi * (d.day.timetuple().tm_yday - 230) / 365)  # late-summer peak
    return value + d.rng.gauss(0, 3)


def _magnesium(d: _Draw) -> float:
    p = d.person
    long_ppi = p.ppi_since is not None and (d.day - p.ppi_since).days > 365
    return 0.86 - (0.08 if long_ppi else 0) + d.rng.gauss(0, 0.06)


def _testosterone(d: _Draw) -> float:
    p = d.person
    value = 540 - 14 * (p.bmi_on(d.day) - 27) - 2.5 * (d.age - 45) - (170 if p.opioid else 0)
    return value + d.rng.gauss(0, 110)


def _lithium(d: _Draw) -> float:
    return d.rng.gauss(0.7, 0.15)


_VALUE: dict[str, Callable[[_Draw], float]] = {
    "glucose": _glucose,
    "insulin": _insulin,
    "hba1c": _hba1c,
    "triglycerides": _triglycerides,
    "hdl": _hdl,
    "cholesterol_total": _cholesterol,
    "ldl": _ldl,
    "hscrp": _hscrp,
    "tsh": _tsh,
    "ft4": _ft4,
    "b12": _b12,
    "folate": _folate,
    "ferritin": _ferritin,
    "vitamin_d": _vitamin_d,
    "magnesium": _magnesium,
    "testosterone": _testosterone,
    "lithium": _lithium,
}


def _lab_row(draw: _Draw, analyte: str, unit: str) -> LabRow:
    canonical = draw.value(analyte)
    censoring = _CENSORING.get(analyte)
    if censoring is not None:
        direction, bound, printed = censoring
        if (direction == Comparator.LT and canonical < bound) or (direction == Comparator.GT and canonical > bound):
            return LabRow(analyte, Decimal(printed[unit]), unit, comparator=direction)
    places = _PLACES[analyte, unit]
    value = _decimal(analytes.from_canonical(analyte, canonical, unit), places)
    reference = _REFERENCE.get((analyte, unit))
    low, high = (Decimal(reference[0]), Decimal(reference[1])) if reference else (None, None)
    return LabRow(analyte, value, unit, reference_low=low, reference_high=high)


_PANELS: dict[str, tuple[tuple[str, float], ...]] = {
    # kind: (analyte, probability it is on the panel)
    "baseline": (
        ("glucose", 0.95),
        ("insulin", 0.6),
        ("hba1c", 0.95),
        ("triglycerides", 0.95),
        ("hdl", 0.95),
        ("cholesterol_total", 0.95),
        ("ldl", 0.8),
        ("hscrp", 0.85),
        ("tsh", 0.95),
        ("ft4", 0.5),
        ("b12", 0.85),
        ("folate", 0.8),
        ("ferritin", 0.8),
        ("vitamin_d", 0.8),
        ("magnesium", 0.45),
        ("testosterone", 0.0),  # men only, below
    ),
    "metabolic": (
        ("glucose", 0.9),
        ("insulin", 0.45),
        ("hba1c", 0.9),
        ("triglycerides", 0.9),
        ("hdl", 0.9),
        ("cholesterol_total", 0.9),
        ("ldl", 0.7),
        ("hscrp", 0.5),
    ),
    "thyroid": (("tsh", 1.0), ("ft4", 0.6)),
    "nutrients": (("b12", 0.9), ("folate", 0.85), ("ferritin", 0.85), ("vitamin_d", 0.85), ("magnesium", 0.4)),
    "inflammation": (("hscrp", 1.0), ("ferritin", 0.4)),
}
_FOLLOW_UP_KINDS = (("metabolic", 40), ("thyroid", 20), ("nutrients", 20), ("inflammation", 20))
_FASTING_KINDS = frozenset({"baseline", "metabolic"})


def _panel(
    rng: random.Random, person: _Person, kind: str, day: dt.date, laboratory: _Laboratory, as_of: dt.date
) -> PanelPlan:
    fasting_kind = kind in _FASTING_KINDS
    if fasting_kind and rng.random() < 0.8:
        fasting = Fasting.YES
    else:
        fasting = _pick(rng, ((Fasting.UNKNOWN, 70), (Fasting.NO, 30)))
    draw = _Draw(person, day, fasting == Fasting.YES, rng, as_of)
    analytes_on_panel = [analyte for analyte, chance in _PANELS[kind] if rng.random() < chance]
    if kind == "baseline" and person.sex == Sex.MALE and rng.random() < 0.5:
        analytes_on_panel.append("testosterone")
    if person.on(person.lithium, day, after_days=10) and kind in ("thyroid", "baseline", "metabolic"):
        analytes_on_panel.append("lithium")
    if not analytes_on_panel:
        analytes_on_panel = [_PANELS[kind][0][0]]
    outside = rng.random() < 0.2  # a report from elsewhere, without a collection time
    if outside:
        collected_at = None
    elif fasting_kind or "testosterone" in analytes_on_panel:
        collected_at = _time(rng, (7, 10), (10, 30))
    else:
        collected_at = _time(rng, (8, 0), (16, 0))
    return PanelPlan(
        collected_on=day,
        collected_at=collected_at,
        fasting=fasting,
        laboratory=laboratory.name,
        results=tuple(_lab_row(draw, analyte, laboratory.units[analyte]) for analyte in analytes_on_panel),
    )


def _panels(rng: random.Random, person: _Person, window_start: dt.date, as_of: dt.date) -> list[PanelPlan]:
    """A baseline panel and follow-ups over the years; most patients have something in the last year."""
    span = max(30, (as_of - window_start).days)
    follow_ups = min(12, int(rng.expovariate(1 / 2.4)) + 1)
    days = sorted(window_start + _days(rng.uniform(0, span - 3)) for _ in range(follow_ups))
    if rng.random() < 0.85:  # something within the freshness windows for most patients
        days[-1] = as_of - _days(rng.uniform(3, 300))
        days.sort()
    home = _pick(rng, _LABORATORIES)
    panels = []
    for position, day in enumerate(days):
        kind = "baseline" if position == 0 and rng.random() < 0.9 else _pick(rng, _FOLLOW_UP_KINDS)
        if position == len(days) - 1 and rng.random() < 0.5:
            kind = "baseline"  # an annual review panel
        laboratory = home if rng.random() < 0.8 else _pick(rng, _LABORATORIES)  # sometimes drawn elsewhere
        panels.append(_panel(rng, person, kind, day, laboratory, as_of))
    return panels


# ---------------------------------------------------------------------------------------------------------
# Body measurements


def _measurements(rng: random.Random, person: _Person, days: list[dt.date]) -> list[dict]:
    rows = []
    height_m = person.height_cm / 100
    for position, day in enumerate(days):
        bmi = person.bmi_on(day) + rng.gauss(0, 0.3)
        weight = _clip(bmi * height_m * height_m, 38, 230)
        waist_base = 2.45 * bmi + 22 if person.sex == Sex.MALE else 2.2 * bmi + 20
        waist = _clip(waist_base + rng.gauss(0, 4), 60, 170)
        age = person.age
        systolic = round(_clip(112 + 0.45 * (age - 40) + 0.9 * (bmi - 25) + (12 if person.hypertensive else 0)
                               + rng.gauss(0, 9), 92, 195))  # fmt: skip
        diastolic = round(_clip(0.55 * systolic + 8 + rng.gauss(0, 5), 52, systolic - 25))
        rows.append(
            {
                "measured_on": day,
                "height_cm": _decimal(person.height_cm, 1) if position == 0 else None,
                "weight_kg": _decimal(weight, 1),
                "waist_cm": _decimal(waist, 1) if rng.random() < 0.75 else None,
                "systolic": systolic,
                "diastolic": diastolic,
            }
        )
    return rows


# ---------------------------------------------------------------------------------------------------------
# PHQ-9 and EPDS

# Items 1-8 of the PHQ-9 (mood, anhedonia, sleep and energy weigh most); EPDS items 1-9 reuse them.
_ITEM_WEIGHTS = (1.3, 1.4, 1.2, 1.4, 1.0, 1.0, 1.0, 0.6, 1.0)


def _items(rng: random.Random, total: int, count: int, last_item: int) -> tuple[int, ...]:
    """Item answers (0-3) adding up to ``total``, with the last item (self-harm) fixed at ``last_item``."""
    items = [0] * count
    free = count - 1
    remaining = min(total - last_item, 3 * free)
    cumulative = list(itertools.accumulate(_ITEM_WEIGHTS[:free]))
    while remaining > 0:
        for index in rng.choices(range(free), cum_weights=cumulative, k=remaining):
            if items[index] < 3 and remaining > 0:
                items[index] += 1
                remaining -= 1
    items[-1] = last_item
    return tuple(items)


def _scores(
    rng: random.Random, person: _Person, severity: str, trials: list[TrialPlan], start: dt.date, as_of: dt.date
) -> list[ScorePlan]:
    baseline = {
        EpisodeSeverity.SUBSYNDROMAL: 8,
        EpisodeSeverity.MILD: 12,
        EpisodeSeverity.MODERATE: 17,
        EpisodeSeverity.SEVERE: 21,
        EpisodeSeverity.SEVERE_PSYCHOTIC: 23,
    }[severity]
    scores = []
    day = start
    while day <= as_of and len(scores) < 16:
        relief = 0.0
        for trial in trials:
            trial_start = trial.doses[0][1]
            if trial_start <= day and (trial.end is None or day <= trial.end):
                weeks_in = (day - trial_start).days / 7
                expected = trial.improvement_pct if trial.improvement_pct is not None else 15
                relief = expected / 100 * min(1.0, weeks_in / 8)
        total = round(_clip(baseline * (1 - relief) + rng.gauss(0, 2.2), 0, 27))
        draw = rng.random()
        item9 = 0
        if total >= 8:
            item9 = 1 if draw < 0.09 else 2 if draw < 0.105 else 3 if draw < 0.108 else 0
        total = max(total, item9)
        scores.append(ScorePlan(ScaleScore.Instrument.PHQ9, day, _items(rng, total, 9, item9)))
        day = day + _weeks(rng.uniform(4, 12))
    return scores


def _epds(rng: random.Random, delivery: dt.date, as_of: dt.date) -> list[ScorePlan]:
    scores = []
    day = delivery + _weeks(rng.uniform(2, 6))
    while day <= as_of and len(scores) < 3:
        total = round(_clip(rng.gauss(13, 4), 0, 30))
        scores.append(ScorePlan(ScaleScore.Instrument.EPDS, day, _items(rng, total, 10, 0)))
        day = day + _weeks(rng.uniform(4, 8))
    return scores


# ---------------------------------------------------------------------------------------------------------
# One patient

_SEVERITY = (
    (EpisodeSeverity.MODERATE, 45),
    (EpisodeSeverity.SEVERE, 34),
    (EpisodeSeverity.MILD, 12),
    (EpisodeSeverity.SEVERE_PSYCHOTIC, 4),
    (EpisodeSeverity.SUBSYNDROMAL, 5),
)
_SMOKING = ((Smoking.NEVER, 50), (Smoking.FORMER, 22), (Smoking.UNKNOWN, 8))
_COMORBIDITY = (
    (Condition.ANXIETY, 0.45),
    (Condition.PTSD, 0.1),
    (Condition.ADHD, 0.06),
    (Condition.OCD, 0.04),
    (Condition.SUBSTANCE_USE, 0.06),
    (Condition.BORDERLINE, 0.05),
)


def _birth_date(rng: random.Random, age: int, as_of: dt.date) -> dt.date:
    """A birth date giving ``age`` completed years on ``as_of``."""
    return months_before(as_of - _days(rng.randint(0, 364)), 12 * age)


def plan_patient(seed: int, index: int, as_of: dt.date) -> PatientPlan:
    """The synthetic patient number ``index`` of the population drawn with ``seed``, dated up to ``as_of``."""
    rng = random.Random(f"trd-population:{seed}:{index}")  # noqa: S311 (synthetic data, not security)
    person = _person(rng)
    sex = person.sex
    given = rng.choice(_GIVEN_FEMALE if sex == Sex.FEMALE else _GIVEN_MALE)
    birth_date = _birth_date(rng, person.age, as_of)

    trials = _trials(rng, as_of)
    first_trial = trials[0].doses[0][1]
    onset = first_trial - _weeks(rng.uniform(2, 40))
    severity = _pick(rng, _SEVERITY)
    augmentations = _augmentations(rng, person, trials, as_of)
    medicines = _medicines(rng, person, as_of)

    pregnancy = PregnancyStatus.NOT_PREGNANT
    delivery = None
    menstrual = ""
    if sex == Sex.FEMALE:
        menstrual = _menstrual_status(rng, person.age)
        if 20 <= person.age <= 42:
            draw = rng.random()
            if draw < 0.01:
                pregnancy = PregnancyStatus.PREGNANT
                menstrual = ""
            elif draw < 0.04:
                delivery = as_of - _days(rng.uniform(30, 330))

    conditions = [condition for condition, chance in _COMORBIDITY if rng.random() < chance]
    if person.diabetic:
        conditions.append(Condition.TYPE2_DIABETES)
    if person.hypertensive:
        conditions.append(Condition.HYPERTENSION)
    if person.hypothyroid:
        conditions.append(Condition.THYROID)
    intake = {
        "episode_onset": onset,
        "episode_severity": severity,
        "conditions": conditions,
        "sleep_hours": _decimal(_clip(rng.gauss(6.4, 1.3), 3, 11), 1),
        "exercise_minutes_per_week": int(_clip(rng.expovariate(1 / 80), 0, 600)) // 10 * 10,
        "alcohol_units_per_week": _decimal(_clip(rng.expovariate(1 / 6), 0, 60), 0),
        "smoking": Smoking.CURRENT if person.smoker else _pick(rng, _SMOKING),
    }

    window_start = max(onset - _weeks(26), as_of - _days(7 * 365))
    panels = _panels(rng, person, window_start, as_of)
    measurement_days = sorted({window_start + _days(rng.uniform(0, (as_of - window_start).days))
                               for _ in range(rng.randint(1, 4))})  # fmt: skip
    if rng.random() < 0.6:
        measurement_days.append(as_of - _days(rng.uniform(1, 80)))  # weighed at a recent visit
    measurements = _measurements(rng, person, sorted(set(measurement_days)))
    scores = _scores(rng, person, severity, trials, max(onset, as_of - _days(4 * 365)), as_of)
    if delivery is not None:
        scores += _epds(rng, delivery, as_of)

    return PatientPlan(
        index=index,
        patient={
            "mrn": mrn_for(index),
            "given_name": given,
            "family_name": rng.choice(_FAMILY),
            "birth_date": birth_date,
            "sex": sex,
            "ancestry": person.ancestry,
            "pregnancy_status": pregnancy,
            "delivery_date": delivery,
            "menstrual_status": menstrual,
            "notes": SYNTHETIC_NOTE,
        },
        intake=intake,
        medicines=medicines,
        measurements=measurements,
        panels=panels,
        trials=trials,
        augmentations=augmentations,
        treatments=_other_treatments(rng, trials, as_of),
        psychotherapy=_psychotherapy(rng, onset, as_of),
        scores=scores,
    )


# ---------------------------------------------------------------------------------------------------------
# Writing


@dataclass
class Counts:
    """Rows written, by model."""

    patients: int = 0
    lab_reports: int = 0
    lab_results: int = 0
    measurements: int = 0
    medicines: int = 0
    trials: int = 0
    dose_periods: int = 0
    augmentations: int = 0
    treatments: int = 0
    psychotherapy: int = 0
    scores: int = 0

    def add(self, other: Counts) -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


class PopulationError(Exception):
    """The population cannot be generated into this clinic as asked."""


def generated_patients(clinic: Clinic):
    return Patient.objects.filter(clinic=clinic, mrn__startswith=MRN_PREFIX, notes=SYNTHETIC_NOTE)


def delete_population(clinic: Clinic) -> int:
    """Delete the generated patients of ``clinic`` and everything recorded about them.

    Refuses (:class:`PopulationError`) when the clinic holds a patient the generator did not create, or when
    any of its patients has a recorded screening: recorded screenings are immutable records that are never
    deleted, not even synthetic ones, so such a population stays and a new one goes into another clinic.
    """
    from screening.models import Screening  # the screening app depends on patients, not the reverse

    others = Patient.objects.filter(clinic=clinic).exclude(pk__in=generated_patients(clinic).values("pk"))
    if others.exists():
        raise PopulationError(
            f"{clinic.name!r} holds {others.count()} patients that were not generated; refusing to delete anything."
        )
    screenings = Screening.objects.filter(patient__clinic=clinic).count()
    if screenings:
        raise PopulationError(
            f"{clinic.name!r} has {screenings} recorded screenings, and recorded screenings are never deleted. "
            "Generate into another clinic with --clinic NAME."
        )
    with transaction.atomic(), disable_auditlog():
        count = generated_patients(clinic).count()
        # Cascades to intakes, labs, trials and every other record of these patients. Synthetic rows were
        # written without audit entries (see generate_population), so their deletion writes none either.
        generated_patients(clinic).delete()
    return count


def _write_batch(clinic: Clinic, plans: list[PatientPlan], *, seed: int, created_by_id: int | None) -> Counts:
    """Insert one batch of planned patients with a few bulk INSERTs per model.

    Rows refer to their parents by id (``patient_id=``) rather than by instance: bulk_create has set the
    ids, and assigning ids skips Django's related-object bookkeeping, a large share of the cost per row.
    """
    patients = [
        Patient(
            clinic=clinic, code=patient_code(seed, clinic.name, plan.index), created_by_id=created_by_id, **plan.patient
        )
        for plan in plans
    ]
    Patient.objects.bulk_create(patients)
    pairs = [(patient.pk, plan) for patient, plan in zip(patients, plans, strict=True)]
    Intake.objects.bulk_create([Intake(patient_id=pk, **plan.intake) for pk, plan in pairs])
    medicines = [Medicine(patient_id=pk, **row) for pk, plan in pairs for row in plan.medicines]
    measurements = [Measurement(patient_id=pk, **row) for pk, plan in pairs for row in plan.measurements]
    augmentations = [Augmentation(patient_id=pk, **row) for pk, plan in pairs for row in plan.augmentations]
    treatments = [OtherTreatment(patient_id=pk, **row) for pk, plan in pairs for row in plan.treatments]
    psychotherapy = [PsychotherapyCourse(patient_id=pk, **row) for pk, plan in pairs for row in plan.psychotherapy]
    scores = [
        ScaleScore(
            patient_id=pk,
            instrument=score.instrument,
            administered_on=score.administered_on,
            items=list(score.items),
            difficulty=score.difficulty,
            total=sum(score.items),
            total_only=False,
            source=LabSource.DEMO,
            entered_by_id=created_by_id,
        )
        for pk, plan in pairs
        for score in plan.scores
    ]
    for model, rows in (
        (Medicine, medicines),
        (Measurement, measurements),
        (Augmentation, augmentations),
        (OtherTreatment, treatments),
        (PsychotherapyCourse, psychotherapy),
        (ScaleScore, scores),
    ):
        model.objects.bulk_create(rows, batch_size=_ROWS_PER_INSERT)

    panels = [(pk, panel) for pk, plan in pairs for panel in plan.panels]
    reports = [
        LabReport(
            patient_id=pk,
            collected_on=panel.collected_on,
            collected_at=panel.collected_at,
            fasting=panel.fasting,
            laboratory=panel.laboratory,
            entered_by_id=created_by_id,
        )
        for pk, panel in panels
    ]
    LabReport.objects.bulk_create(reports, batch_size=_ROWS_PER_INSERT)
    results = [
        LabResult(
            patient_id=pk,
            report_id=report.pk,
            analyte=row.analyte,
            loinc=_loinc(row.analyte, row.unit),
            comparator=row.comparator,
            value=row.value,
            unit=row.unit,
            value_canonical=canonical_value(row.analyte, row.value, row.unit),
            canonical_unit=analytes.ANALYTES[row.analyte].canonical_unit,
            collected_on=panel.collected_on,
            collected_at=panel.collected_at,
            fasting=panel.fasting,
            reference_low=row.reference_low,
            reference_high=row.reference_high,
            laboratory=panel.laboratory,
            source=LabSource.DEMO,
            entered_by_id=created_by_id,
        )
        for report, (pk, panel) in zip(reports, panels, strict=True)
        for row in panel.results
    ]
    LabResult.objects.bulk_create(results, batch_size=_ROWS_PER_INSERT)

    planned_trials = [(pk, trial) for pk, plan in pairs for trial in plan.trials]
    trials = [
        AntidepressantTrial(
            patient_id=pk,
            drug=trial.drug,
            adherence=trial.adherence,
            outcome=trial.outcome,
            improvement_pct=trial.improvement_pct,
            reason_stopped=trial.reason_stopped,
            side_effects=trial.side_effects,
        )
        for pk, trial in planned_trials
    ]
    AntidepressantTrial.objects.bulk_create(trials, batch_size=_ROWS_PER_INSERT)
    periods = [
        DosePeriod(trial_id=record.pk, daily_dose_mg=dose, start=start, end=end)
        for record, (_, trial) in zip(trials, planned_trials, strict=True)
        for dose, start, end in _dose_periods(trial)
    ]
    DosePeriod.objects.bulk_create(periods, batch_size=_ROWS_PER_INSERT)
    return Counts(
        patients=len(patients),
        lab_reports=len(reports),
        lab_results=len(results),
        measurements=len(measurements),
        medicines=len(medicines),
        trials=len(trials),
        dose_periods=len(periods),
        augmentations=len(augmentations),
        treatments=len(treatments),
        psychotherapy=len(psychotherapy),
        scores=len(scores),
    )


#: Rows per INSERT statement (Django splits larger lists; SQLite gets its own smaller limit).
_ROWS_PER_INSERT = 2000


def _dose_periods(trial: TrialPlan) -> Iterator[tuple[Decimal, dt.date, dt.date | None]]:
    """(dose, start, end): each period ends the day before the next dose starts; the last ends with the trial."""
    for position, (dose, start) in enumerate(trial.doses):
        if position + 1 < len(trial.doses):
            yield dose, start, trial.doses[position + 1][1] - dt.timedelta(days=1)
        else:
            yield dose, start, trial.end


_loinc = functools.cache(analytes.loinc_for)


def generate_population(
    *,
    clinic: Clinic,
    patients: int,
    seed: int,
    as_of: dt.date,
    batch_size: int = 500,
    workers: int = 1,
    created_by=None,
    progress: Callable[[Counts], None] | None = None,
) -> Counts:
    """Write ``patients`` synthetic patients into ``clinic`` in batches of ``batch_size`` patients.

    The clinic must hold no patients yet (see :func:`delete_population`). The same ``seed`` and ``as_of``
    give the same clinical data in any clinic and with any batch size or number of workers; patient codes
    are derived from the seed and the clinic name.

    The rows are not written to the audit trail: they record nobody's action on a real patient, and
    hundreds of thousands of entries would swamp it (``bulk_create`` sends no signals, so nothing is logged
    unless logged explicitly, which this deliberately does not do).

    With one worker everything is one transaction (all or nothing). With more, ``workers`` processes each
    plan and write whole batches (one transaction per batch), using the other cores while PostgreSQL
    inserts; if any batch fails, the batches already written are deleted before the error is raised. The
    parallel path needs a database that takes concurrent writers (PostgreSQL) and must not run inside a
    transaction.
    """
    if patients < 1:
        raise PopulationError("the number of patients must be at least 1")
    if Patient.objects.filter(clinic=clinic).exists():
        raise PopulationError(f"{clinic.name!r} already has patients")
    ranges = [(start, min(patients, start + batch_size)) for start in range(0, patients, batch_size)]
    created_by_id = created_by.pk if created_by is not None else None
    total = Counts()
    if workers <= 1 or len(ranges) == 1:
        with transaction.atomic():
            for start, stop in ranges:
                total.add(_write_range(clinic.pk, start, stop, seed, as_of, created_by_id))
                if progress is not None:
                    progress(total)
        analyze_tables()
        return total

    # Children are forked with no open connection, so that each opens its own.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = [
                pool.submit(_write_range, clinic.pk, start, stop, seed, as_of, created_by_id) for start, stop in ranges
            ]
            try:
                for future in as_completed(futures):
                    total.add(future.result())
                    if progress is not None:
                        progress(total)
            except BaseException:
                for future in futures:
                    future.cancel()
                raise
    except Exception as error:
        delete_population(clinic)
        raise PopulationError(f"generation failed and its batches were deleted: {error}") from error
    analyze_tables()
    return total


_WRITTEN_MODELS = (
    Patient,
    Intake,
    Medicine,
    Measurement,
    Augmentation,
    OtherTreatment,
    PsychotherapyCourse,
    ScaleScore,
    LabReport,
    LabResult,
    AntidepressantTrial,
    DosePeriod,
)


def analyze_tables() -> None:
    """Refresh PostgreSQL's planner statistics for the tables a bulk load wrote.

    Without statistics the planner estimates a handful of rows for a 10,000-patient clinic and picks
    nested loops; autovacuum would analyze eventually, but not before the first queries (and not at all
    where it is switched off).
    """
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in _WRITTEN_MODELS:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def _write_range(clinic_id: int, start: int, stop: int, seed: int, as_of: dt.date, created_by_id: int | None) -> Counts:
    """Plan and write patients ``start`` to ``stop - 1`` in one transaction (also run in worker processes)."""
    clinic = Clinic.objects.get(pk=clinic_id)
    plans = [plan_patient(seed, index, as_of) for index in range(start, stop)]
    with transaction.atomic():
        return _write_batch(clinic, plans, seed=seed, created_by_id=created_by_id)
