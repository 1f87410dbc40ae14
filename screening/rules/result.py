"""The frozen output of the rules engine and its JSON form."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field, fields, is_dataclass
from enum import StrEnum
from typing import Any

from .units import unit_label


class Category(StrEnum):
    """Finding categories, as the clinical reference's preface maps rule-id prefixes to them."""

    SAFETY = "safety"
    METABOLIC = "metabolic"
    INFLAMMATORY = "inflammatory"
    HORMONAL = "hormonal"
    NUTRIENT = "nutrient"
    MEDICATION = "medication"
    DATA_GAP = "data_gap"
    TRD = "trd"


#: Display order: safety always first.
CATEGORY_ORDER: tuple[Category, ...] = tuple(Category)


class Level(StrEnum):
    """Finding severity (clinical reference section 0)."""

    INFO = "info"
    CONSIDER = "consider"
    IMPORTANT = "important"


LEVEL_RANK = {Level.IMPORTANT: 0, Level.CONSIDER: 1, Level.INFO: 2}


@dataclass(frozen=True, slots=True)
class UsedValue:
    """One input a finding rests on, with its date and unit, for display and for audit."""

    label: str
    value: float | None
    unit: str
    date: dt.date | None = None
    loinc: str = ""
    comparator: str = ""
    entered: str = ""  # "48 mmol/mol" when the result was reported in another unit
    source_id: str | None = None

    @property
    def display(self) -> str:
        number = "" if self.value is None else f"{self.comparator}{format_number(self.value)}"
        text = f"{self.label} {number} {unit_label(self.unit)}".strip()
        if self.entered:
            text += f" (reported as {self.entered})"
        return text


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    rule_version: int
    category: Category
    severity: Level
    title: str
    detail: str
    message: str
    values: tuple[UsedValue, ...]
    threshold: str
    rationale: str
    source: str
    follow_up: str

    @property
    def analytes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(v.loinc for v in self.values if v.loinc))

    @property
    def rule_ref(self) -> str:
        return f"{self.rule_id}@{self.rule_version}"

    @property
    def inputs_key(self) -> str:
        """A stable digest of the inputs used: unchanged rule, version and key mean an unchanged finding."""
        payload = [self.rule_ref] + [
            [v.label, v.comparator, v.value, v.unit, v.date.isoformat() if v.date else None] for v in self.values
        ]
        return hashlib.sha256(json.dumps(payload, default=str).encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class NotEvaluable:
    rule_id: str
    rule_version: int
    category: Category
    reason: str


@dataclass(frozen=True, slots=True)
class TrialAssessment:
    drug: str
    drug_class: str
    start: dt.date
    end: dt.date | None
    max_daily_dose_mg: float
    minimum_adequate_dose_mg: float | None
    weeks_at_adequate_dose: float
    in_current_episode: bool
    adequate: bool
    failed: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MsmItem:
    dimension: str
    category: str
    points: int


@dataclass(frozen=True, slots=True)
class Msm:
    score: int
    band: str
    items: tuple[MsmItem, ...]


@dataclass(frozen=True, slots=True)
class MghItem:
    dimension: str
    category: str
    points: float


@dataclass(frozen=True, slots=True)
class Mgh:
    """MGH staging (section 1.6): a continuous score, the sum of its items' points."""

    score: float
    items: tuple[MghItem, ...]


@dataclass(frozen=True, slots=True)
class TrdAssessment:
    trials: tuple[TrialAssessment, ...] = ()
    adequate_failed_trials: int = 0
    meets_trd_definition: bool = False
    msm: Msm | None = None
    msm_note: str = ""
    thase_rush_stage: int = 0
    mgh: Mgh | None = None  # None without a failed adequate trial of at least 6 weeks (not applicable)


@dataclass(frozen=True, slots=True)
class ScaleSummary:
    """Latest PHQ-9 (or EPDS) with band and change from the episode's first score."""

    latest_total: int | None = None
    latest_date: dt.date | None = None
    band: str | None = None
    baseline_total: int | None = None
    baseline_date: dt.date | None = None
    response: bool | None = None
    remission: bool | None = None
    self_harm_item_positive: bool | None = None
    total_only: bool = False
    percent_change: float | None = None  # (baseline - latest) / baseline; None without a usable baseline


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    ruleset_version: str
    as_of: dt.date
    options: dict[str, Any]
    findings: tuple[Finding, ...]
    not_evaluable: tuple[NotEvaluable, ...]
    trd: TrdAssessment
    phq9: ScaleSummary
    epds: ScaleSummary = field(default_factory=ScaleSummary)

    def findings_in(self, category: Category) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.category == category)

    @property
    def rule_ids(self) -> frozenset[str]:
        return frozenset(f.rule_id for f in self.findings)

    @property
    def not_evaluable_ids(self) -> frozenset[str]:
        return frozenset(n.rule_id for n in self.not_evaluable)

    def to_dict(self) -> dict[str, Any]:
        """The JSON contract of docs/screening-json.md."""
        return {
            "ruleset_version": self.ruleset_version,
            "as_of": self.as_of.isoformat(),
            "options": self.options,
            "findings": [_finding_to_dict(f) for f in self.findings],
            "not_evaluable": [_jsonable(n) for n in self.not_evaluable],
            "trd": _jsonable(self.trd),
            "phq9": _scale_to_dict(self.phq9, item_key="item9_positive"),
            "epds": _scale_to_dict(self.epds, item_key="item10_positive"),
        }


def format_number(value: float) -> str:
    """Up to three significant decimals, no trailing zeros: 6.1, 0.75, 300, 2.57."""
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    text = f"{value:.3f}" if abs(value) < 10 else f"{value:.1f}"
    return text.rstrip("0").rstrip(".")


def _finding_to_dict(finding: Finding) -> dict[str, Any]:
    data = _jsonable(finding)
    for value, used in zip(data["values"], finding.values, strict=True):
        value["display"] = used.display
    data["analytes"] = list(finding.analytes)
    data["inputs_key"] = finding.inputs_key
    return data


def _scale_to_dict(summary: ScaleSummary, *, item_key: str) -> dict[str, Any]:
    return {
        "latest": summary.latest_total,
        "latest_date": summary.latest_date.isoformat() if summary.latest_date else None,
        "band": summary.band,
        "baseline": summary.baseline_total,
        "baseline_date": summary.baseline_date.isoformat() if summary.baseline_date else None,
        "response": summary.response,
        "remission": summary.remission,
        item_key: summary.self_harm_item_positive,
        "total_only": summary.total_only,
    }


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}

#: Types JSON takes as they are, by exact type: most of the values converted are these, and a set lookup of
#: the type is much cheaper than the ``isinstance`` chain below (a str-valued enum is handled there).
_AS_IS = frozenset({str, int, float, bool, type(None)})


def _jsonable(value: Any) -> Any:
    """``value`` as JSON-ready data: dataclasses as dicts (fields in order), tuples as lists, dates as ISO text.

    The same dict as ``dataclasses.asdict`` followed by that conversion, built in one pass without
    ``asdict``'s deep copies, which were most of the time of recording screenings in bulk.
    """
    kind = type(value)
    if kind in _AS_IS:
        return value
    names = _FIELD_NAMES.get(kind)
    if names is not None:
        return {name: item if type(item := getattr(value, name)) in _AS_IS else _jsonable(item) for name in names}
    if kind is tuple or kind is list:
        return [item if type(item) in _AS_IS else _jsonable(item) for item in value]
    if isinstance(value, str | int | float):
        return value
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if not is_dataclass(kind):
        return value
    _FIELD_NAMES[kind] = tuple(f.name for f in fields(kind))
    return _jsonable(value)
