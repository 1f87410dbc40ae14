"""Building blocks shared by every rule: thresholds with units, censored comparisons, lab selection.

A rule is a declared :class:`Rule` whose ``check`` function reads a :class:`Context` and returns a
:class:`Hit` (the rule fires), a :class:`Skip` (not evaluable, with the reason) or ``None`` (checked and not
met). The engine turns hits and skips into findings and not-evaluable entries carrying the rule's metadata.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import TypeVar

from .options import ScreeningOptions
from .result import Category, Level, UsedValue, format_number
from .snapshot import Comparator, LabValue, Snapshot
from .units import unit_label

T = TypeVar("T")

# ---------------------------------------------------------------------------------------------------------
# Thresholds and comparisons


@dataclass(frozen=True, slots=True)
class Threshold:
    """A named cut-off in the analyte's canonical unit.

    ``alternatives`` holds the same cut-off as the clinical reference states it in another unit (HDL
    "< 40 mg/dL (1.0 mmol/L)"). A result reported in such a unit is compared in that unit, so the rule
    agrees with the reference in both unit systems even where the published pair is rounded.
    """

    name: str
    value: float
    unit: str
    alternatives: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def __str__(self) -> str:
        return _threshold_text(self.value, self.unit, tuple(self.alternatives.items()))

    def for_lab(self, lab: LabValue) -> tuple[float, float, Comparator | None]:
        """(lab number, cut-off, comparator) in the unit the comparison is made in."""
        if lab.entered_unit in self.alternatives:
            return lab.entered_value, self.alternatives[lab.entered_unit], lab.comparator
        return lab.value, self.value, lab.comparator


@functools.lru_cache(maxsize=512)
def _threshold_text(value: float, unit: str, alternatives: tuple[tuple[str, float], ...]) -> str:
    text = f"{format_number(value)} {unit_label(unit)}"
    extra = ", ".join(f"{format_number(v)} {unit_label(u)}" for u, v in alternatives)
    return f"{text} ({extra})" if extra else text


def threshold(name: str, value: float, unit: str, **alternatives: float) -> Threshold:
    """Declare a threshold; keyword alternatives use unit names with ``_per_`` for ``/`` (``mmol_per_L``)."""
    alts = {key.replace("_per_", "/"): v for key, v in alternatives.items()}
    return Threshold(name, value, unit, MappingProxyType(alts))


def _bounds(number: float, comparator: Comparator | None) -> tuple[float, bool, float, bool]:
    """The set of true values a reported result allows: (low, low_inclusive, high, high_inclusive)."""
    inf = float("inf")
    match comparator:
        case Comparator.LT:
            return -inf, False, number, False
        case Comparator.LE:
            return -inf, False, number, True
        case Comparator.GT:
            return number, False, inf, False
        case Comparator.GE:
            return number, True, inf, False
        case _:
            return number, True, number, True


def compare(lab: LabValue, op: str, cut: Threshold | float) -> bool | None:
    """Is the lab's true value ``op`` the cut-off? ``None`` when a censored result cannot tell.

    ``op`` is one of ``<``, ``<=``, ``>``, ``>=``. A bare float cut-off is in the canonical unit (used for
    laboratory-supplied reference limits, which are stored canonical).
    """
    if isinstance(cut, Threshold):
        number, limit, comparator = cut.for_lab(lab)
    else:
        number, limit, comparator = lab.value, cut, lab.comparator
    low, low_inc, high, high_inc = _bounds(number, comparator)
    if op == "<":
        all_true = high < limit or (high == limit and not high_inc)
        any_true = low < limit
    elif op == "<=":
        all_true = high <= limit
        any_true = low < limit or (low == limit and low_inc)
    elif op == ">":
        all_true = low > limit or (low == limit and not low_inc)
        any_true = high > limit
    elif op == ">=":
        all_true = low >= limit
        any_true = high > limit or (high == limit and high_inc)
    else:
        raise ValueError(f"unknown comparison {op!r}")
    if all_true:
        return True
    if not any_true:
        return False
    return None


def in_band(
    lab: LabValue,
    low: Threshold | float | None = None,
    high: Threshold | float | None = None,
    *,
    low_op: str = ">=",
    high_op: str = "<",
) -> bool | None:
    """Three-valued ``low <= value < high`` (operators configurable); ``None`` when censoring cannot tell."""
    parts = []
    if low is not None:
        parts.append(compare(lab, low_op, low))
    if high is not None:
        parts.append(compare(lab, high_op, high))
    if any(p is False for p in parts):
        return False
    if all(p is True for p in parts):
        return True
    return None


# ---------------------------------------------------------------------------------------------------------
# Memoisation


def memo_per_snapshot(function: Callable[..., T]) -> Callable[..., T]:
    """Cache ``function(snapshot, *args)`` for the few most recent snapshots, keyed on object identity.

    Several rules ask the same derived question of one snapshot (which drugs of a class, the trial
    assessment); hashing a whole snapshot to use ``functools.lru_cache`` would cost more than the answer.
    The cache keeps a reference to each snapshot, so an identity is never reused while it is cached.
    """
    cache: dict[tuple, tuple[object, T]] = {}

    @functools.wraps(function)
    def wrapper(snapshot, *args):
        key = (id(snapshot), *args)
        hit = cache.get(key)
        if hit is not None and hit[0] is snapshot:
            return hit[1]
        value = function(snapshot, *args)
        if len(cache) >= 64:
            cache.clear()
        cache[key] = (snapshot, value)
        return value

    return wrapper


# ---------------------------------------------------------------------------------------------------------
# Dates


@functools.lru_cache(maxsize=1024)
def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_after(day: dt.date, months: int) -> dt.date:
    return months_before(day, -months)


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Completed calendar months from ``start`` to ``end`` (like an age in months)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day and end != dt.date(end.year, end.month, calendar.monthrange(end.year, end.month)[1]):
        months -= 1
    return months


# ---------------------------------------------------------------------------------------------------------
# Lab selection


@dataclass(frozen=True, slots=True)
class Freshness:
    """How old an input may be: calendar months, or days for short windows. ``None``: any age."""

    months: int | None = None
    days: int | None = None

    def oldest_allowed(self, as_of: dt.date) -> dt.date | None:
        if self.months is not None:
            return months_before(as_of, self.months)
        if self.days is not None:
            return as_of - dt.timedelta(days=self.days)
        return None

    def __str__(self) -> str:
        if self.months is not None:
            return f"{self.months} months"
        if self.days is not None:
            return f"{self.days} days"
        return "any age"


@dataclass(frozen=True, slots=True)
class Pick:
    """The result a rule should use, or why there is none."""

    lab: LabValue | None = None
    problem: str = ""

    def __bool__(self) -> bool:
        return self.lab is not None


class Labs:
    """Results by analyte, newest first, ignoring anything dated after ``as_of``."""

    def __init__(self, labs: Iterable[LabValue], as_of: dt.date, names: Mapping[str, str]):
        self._as_of = as_of
        self._names = names
        by_analyte: dict[str, list[LabValue]] = {}
        for lab in labs:
            if lab.collected <= as_of:
                by_analyte.setdefault(lab.analyte, []).append(lab)
        for values in by_analyte.values():
            values.sort(key=_recency, reverse=True)
        self._by_analyte = by_analyte
        self._plain_picks: dict[tuple[str, Freshness], Pick] = {}

    def name(self, analyte: str) -> str:
        return self._names.get(analyte, analyte)

    def all(self, analyte: str) -> tuple[LabValue, ...]:
        """Every result for the analyte, newest first."""
        return tuple(self._by_analyte.get(analyte, ()))

    def latest(
        self,
        analyte: str,
        freshness: Freshness,
        *,
        where: Callable[[LabValue], bool] | None = None,
        requirement: str = "",
    ) -> Pick:
        """The most recent result within the freshness window (optionally meeting ``where``).

        Two different results for the same collection date and time are a conflict: the rule is not
        evaluable rather than silently picking one.
        """
        if where is None:
            key = (analyte, freshness)
            pick = self._plain_picks.get(key)
            if pick is None:
                pick = self._plain_picks[key] = self._latest(analyte, freshness, None, "")
            return pick
        return self._latest(analyte, freshness, where, requirement)

    def _latest(self, analyte: str, freshness: Freshness, where, requirement: str) -> Pick:
        name = self.name(analyte)
        values = self._by_analyte.get(analyte, [])
        candidates = [v for v in values if where is None or where(v)]
        if not candidates:
            if values and where is not None:
                return Pick(problem=f"no {name} result {requirement}".strip())
            return Pick(problem=f"no {name} result recorded")
        newest = candidates[0]
        oldest = freshness.oldest_allowed(self._as_of)
        if oldest is not None and newest.collected < oldest:
            return Pick(
                problem=f"latest {name} ({newest.collected.isoformat()}) is older than {freshness}",
            )
        same_draw = [v for v in candidates if _recency(v) == _recency(newest)]
        distinct = {(v.comparator, round(v.value, 6)) for v in same_draw}
        if len(distinct) > 1:
            shown = " and ".join(f"{lab_text(v, with_date=False)}" for v in same_draw)
            return Pick(problem=f"conflicting {name} results on {newest.collected.isoformat()}: {shown}")
        return Pick(lab=newest)

    def within(self, analyte: str, start: dt.date, end: dt.date | None = None) -> tuple[LabValue, ...]:
        end = end or self._as_of
        return tuple(v for v in self._by_analyte.get(analyte, ()) if start <= v.collected <= end)


def _recency(lab: LabValue) -> tuple[dt.date, dt.time]:
    return lab.collected, lab.time or dt.time(0, 0)


def lab_text(lab: LabValue, *, with_date: bool = True, unit: str | None = None, label: str = "") -> str:
    """'6.1 %' or '<3 mg/L'; the date in parentheses unless ``with_date`` is false."""
    prefix = lab.comparator.value if lab.comparator else ""
    if unit is None or unit == lab.entered_unit:
        text = f"{prefix}{format_number(lab.entered_value)} {unit_label(lab.entered_unit)}"
    else:
        text = f"{prefix}{format_number(lab.value)} {unit_label(unit)}"
    if label:
        text = f"{label} {text}"
    return f"{text} ({lab.collected.isoformat()})" if with_date else text


# ---------------------------------------------------------------------------------------------------------
# Rules


@dataclass(frozen=True, slots=True)
class Hit:
    """The rule fires: the values it used, a title and detail built from them, and the threshold crossed."""

    title: str
    detail: str
    threshold: str
    values: tuple[UsedValue, ...] = ()
    message: str = ""  # the rule's message with its <placeholders> filled, for rules that have them


@dataclass(frozen=True, slots=True)
class Skip:
    """The rule could not be evaluated; ``reason`` completes "not evaluated: ..."."""

    reason: str


Outcome = Hit | Skip | None


@dataclass(frozen=True)
class Rule:
    """One screening rule of section 11 of the clinical reference, with its public id."""

    id: str
    version: int
    category: Category
    severity: Level
    message: str  # the reference's clinician-facing sentence
    follow_up: str
    source: str
    rationale: str
    thresholds: tuple[Threshold, ...]
    check: Callable[[Rule, Context], Outcome]
    inputs: str = ""  # human-readable list of inputs, for the rule catalogue

    @property
    def ref(self) -> str:
        return f"{self.id}@{self.version}"

    @property
    def message_outline(self) -> str:
        """The message with its placeholders ("score is <n> (<mild/moderate/severe>)") shown as gaps ("score is
        … (…)"), for lists of rules rather than of findings."""
        return _PLACEHOLDER.sub("…", self.message)


_PLACEHOLDER = re.compile(r"<[^<>]+>")


class Context:
    """What a rule may read: the snapshot, the date, the clinic's options, and shared derived data."""

    def __init__(self, snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions, names: Mapping[str, str]):
        self.snapshot = snapshot
        self.as_of = as_of
        self.options = options
        self.labs = Labs(snapshot.labs, as_of, names)

    @cached_property
    def trd(self):  # -> TrdAssessment; imported lazily to keep modules acyclic
        from .trd import assess_trials

        return assess_trials(self.snapshot, self.as_of, self.options)


def used(lab: LabValue, label: str, *, unit: str) -> UsedValue:
    """A lab result as a finding input: canonical value and unit, plus the value as reported if different."""
    entered = ""
    if lab.entered_unit != unit:
        prefix = lab.comparator.value if lab.comparator else ""
        entered = f"{prefix}{format_number(lab.entered_value)} {unit_label(lab.entered_unit)}"
    return UsedValue(
        label=label,
        value=lab.value,
        unit=unit,
        date=lab.collected,
        loinc=lab.loinc,
        comparator=lab.comparator.value if lab.comparator else "",
        entered=entered,
        source_id=lab.source_id,
    )
