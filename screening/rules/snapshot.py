"""The frozen input of the rules engine: one patient's data, already validated and in canonical units.

Everything here is plain data. Lab values arrive converted to the analyte's canonical unit (section 0 of
the clinical reference) by :mod:`screening.rules.analytes`; the value and unit exactly as entered travel
alongside so that rules whose reference gives thresholds in both unit systems can compare in the unit the
laboratory reported (see :class:`screening.rules.base.Threshold`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"


class Ancestry(StrEnum):
    """The population groups of the harmonized metabolic-syndrome criteria (Alberti 2009)."""

    EUROPID = "europid"
    SOUTH_ASIAN = "south_asian"
    CHINESE = "chinese"
    JAPANESE = "japanese"
    CENTRAL_SOUTH_AMERICAN = "central_south_american"
    SUB_SAHARAN_AFRICAN = "sub_saharan_african"
    MIDDLE_EASTERN = "middle_eastern"
    UNKNOWN = "unknown"


class MenstrualStatus(StrEnum):
    REGULAR = "regular"
    IRREGULAR = "irregular"
    AMENORRHOEA_UNDER_12_MONTHS = "amenorrhoea_under_12_months"
    POSTMENOPAUSAL = "postmenopausal"


class Severity(StrEnum):
    """Clinician-rated severity of the current episode at baseline (MSM severity dimension)."""

    SUBSYNDROMAL = "subsyndromal"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    SEVERE_PSYCHOTIC = "severe_psychotic"


class Adherence(StrEnum):
    GOOD = "good"
    PARTIAL = "partial"
    POOR = "poor"
    UNKNOWN = "unknown"


class Outcome(StrEnum):
    REMISSION = "remission"
    RESPONSE = "response"
    PARTIAL_RESPONSE = "partial_response"
    NO_RESPONSE = "no_response"
    NOT_TOLERATED = "not_tolerated"
    TOO_EARLY = "too_early"


class Laterality(StrEnum):
    BILATERAL = "bilateral"
    UNILATERAL = "unilateral"
    UNKNOWN = "unknown"


class Comparator(StrEnum):
    """How a censored laboratory result was reported ("<3" means the true value is below 3)."""

    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True, slots=True)
class PatientInfo:
    sex: Sex
    birth_date: dt.date
    ancestry: Ancestry = Ancestry.UNKNOWN
    pregnant: bool = False
    delivery_date: dt.date | None = None
    menstrual_status: MenstrualStatus | None = None

    def age_on(self, day: dt.date) -> int:
        """Age in completed years on ``day``."""
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


@dataclass(frozen=True, slots=True)
class Medicine:
    """A non-antidepressant medicine; ``name`` is a generic name known to :mod:`screening.rules.drugs`."""

    name: str
    start: dt.date | None = None
    end: dt.date | None = None
    daily_dose_mg: float | None = None
    name_text: str = ""  # the name as written when ``name`` is "other"

    def active_on(self, day: dt.date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)


@dataclass(frozen=True, slots=True)
class Supplement:
    name: str
    last_taken: dt.date | None = None
    start: dt.date | None = None
    end: dt.date | None = None
    name_text: str = ""  # the name as written when ``name`` is "other"


@dataclass(frozen=True, slots=True)
class Measurement:
    """Body measures taken on one day; any field may be missing."""

    date: dt.date
    weight_kg: float | None = None
    height_cm: float | None = None
    waist_cm: float | None = None
    systolic: int | None = None
    diastolic: int | None = None


@dataclass(frozen=True, slots=True)
class LabValue:
    """One laboratory result.

    ``value`` and the reference limits are in the analyte's canonical unit. ``entered_value`` and
    ``entered_unit`` are the number and (normalised UCUM) unit as the laboratory reported them.
    A ``comparator`` marks a censored result: ``value`` is then the bound, not the measurement.
    """

    analyte: str
    value: float
    collected: dt.date
    entered_value: float
    entered_unit: str
    loinc: str = ""
    comparator: Comparator | None = None
    time: dt.time | None = None
    fasting: bool | None = None
    reference_low: float | None = None
    reference_high: float | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class Episode:
    onset: dt.date | None = None
    severity: Severity | None = None


@dataclass(frozen=True, slots=True)
class DosePeriod:
    daily_dose_mg: float
    start: dt.date
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Trial:
    """One antidepressant trial. Dose changes are separate ``dose_periods`` in date order."""

    drug: str
    dose_periods: tuple[DosePeriod, ...]
    adherence: Adherence = Adherence.UNKNOWN
    outcome: Outcome | None = None
    improvement_pct: float | None = None
    drug_text: str = ""
    source_id: str | None = None

    @property
    def start(self) -> dt.date:
        return self.dose_periods[0].start

    @property
    def end(self) -> dt.date | None:
        return self.dose_periods[-1].end


@dataclass(frozen=True, slots=True)
class Augmentation:
    drug: str
    start: dt.date
    end: dt.date | None = None
    daily_dose_mg: float | None = None
    outcome: Outcome | None = None
    drug_text: str = ""


@dataclass(frozen=True, slots=True)
class EctCourse:
    start: dt.date
    end: dt.date | None = None
    laterality: Laterality = Laterality.UNKNOWN
    sessions: int | None = None
    outcome: Outcome | None = None


@dataclass(frozen=True, slots=True)
class ScaleScore:
    """A PHQ-9 (nine items) or EPDS (ten items) administration.

    ``items`` is empty when only a total is known (imported scores); the total is then ``total_only``.
    """

    date: dt.date
    items: tuple[int, ...] = ()
    total_only: int | None = None
    difficulty: int | None = None

    @property
    def total(self) -> int:
        return sum(self.items) if self.items else int(self.total_only or 0)

    @property
    def has_items(self) -> bool:
        return bool(self.items)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the rules may read about one patient."""

    patient: PatientInfo
    conditions: frozenset[str] = frozenset()
    medicines: tuple[Medicine, ...] = ()
    supplements: tuple[Supplement, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    labs: tuple[LabValue, ...] = ()
    episode: Episode = field(default_factory=Episode)
    trials: tuple[Trial, ...] = ()
    augmentations: tuple[Augmentation, ...] = ()
    ect: tuple[EctCourse, ...] = ()
    phq9: tuple[ScaleScore, ...] = ()
    epds: tuple[ScaleScore, ...] = ()
