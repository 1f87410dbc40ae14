"""Small builders for pure rules tests: a default adult patient and labs converted like the app converts them."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

from screening.rules.analytes import ANALYTES, loinc_for, to_canonical
from screening.rules.snapshot import (
    Comparator,
    DosePeriod,
    LabValue,
    PatientInfo,
    ScaleScore,
    Sex,
    Snapshot,
    Trial,
)

AS_OF = dt.date(2026, 11, 1)
RECENT = dt.date(2026, 10, 20)


def make_patient(**overrides: Any) -> PatientInfo:
    base = PatientInfo(sex=Sex.FEMALE, birth_date=dt.date(1980, 5, 2))
    return replace(base, **overrides)


def make_snapshot(**overrides: Any) -> Snapshot:
    """A 46-year-old woman with nothing recorded, plus ``overrides`` (``labs=(lab(...), ...)``)."""
    overrides.setdefault("patient", make_patient())
    return Snapshot(**overrides)


def lab(
    key: str,
    value: float,
    unit: str | None = None,
    *,
    collected: dt.date = RECENT,
    comparator: str | None = None,
    reference_low: float | None = None,
    reference_high: float | None = None,
    **fields: Any,
) -> LabValue:
    """A result as reported (``unit`` defaults to the canonical unit); reference limits are in ``unit``."""
    analyte = ANALYTES[key]
    unit = unit or analyte.canonical_unit

    def canonical(number: float | None) -> float | None:
        return None if number is None else to_canonical(key, number, unit)

    return LabValue(
        analyte=key,
        value=canonical(value),
        collected=collected,
        entered_value=value,
        entered_unit=unit,
        loinc=loinc_for(key, unit),
        comparator=Comparator(comparator) if comparator else None,
        reference_low=canonical(reference_low),
        reference_high=canonical(reference_high),
        **fields,
    )


# ---------------------------------------------------------------------------------------------------------
# Antidepressant trials and rating-scale scores


def trial(drug: str, *periods: tuple[float, dt.date, dt.date | None], **fields: Any) -> Trial:
    """A trial from (mg/day, start, end) dose periods in order: ``trial("sertraline", (100, d1, d2))``."""
    return Trial(drug=drug, dose_periods=tuple(DosePeriod(mg, start, end) for mg, start, end in periods), **fields)


def scale_items(total: int, *, count: int, last: int = 0) -> tuple[int, ...]:
    """``count`` item answers (0-3) summing to ``total`` with the last item (the self-harm item) set to ``last``."""
    rest = total - last
    if not 0 <= rest <= 3 * (count - 1) or not 0 <= last <= 3:
        raise ValueError(f"cannot make {count} items totalling {total} with last item {last}")
    items = [min(3, max(0, rest - 3 * i)) for i in range(count - 1)]
    return (*items, last)


def phq9(day: dt.date, total: int, *, item9: int | None = 0) -> ScaleScore:
    """A PHQ-9 with items (item 9 = ``item9``), or total only when ``item9`` is None."""
    if item9 is None:
        return ScaleScore(date=day, total_only=total)
    return ScaleScore(date=day, items=scale_items(total, count=9, last=item9))


def epds(day: dt.date, total: int, *, item10: int | None = 0) -> ScaleScore:
    """An EPDS with items (item 10 = ``item10``), or total only when ``item10`` is None."""
    if item10 is None:
        return ScaleScore(date=day, total_only=total)
    return ScaleScore(date=day, items=scale_items(total, count=10, last=item10))
