"""Missing-data and staleness rules (clinical reference section 11.5): DATA-01 to DATA-04.

Windows are inclusive: "in the last 12 months" means collected on or after ``months_before(as_of, 12)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from .base import Context, Hit, Rule, Skip, lab_text, months_after, months_before, threshold, used
from .drugs import drug_display
from .metabolic import draw_is_fasting, is_fasting_glucose, ongoing_courses
from .result import Category, Level, UsedValue
from .snapshot import LabValue

BASELINE_WINDOW_MONTHS = threshold("BASELINE_WINDOW_MONTHS", 12, "mo")  # [design] (section 11.5)
_WINDOW_TEXT = f"{int(BASELINE_WINDOW_MONTHS.value)} months"


def _window_start(ctx: Context) -> dt.date:
    return months_before(ctx.as_of, int(BASELINE_WINDOW_MONTHS.value))


def _since(ctx: Context) -> str:
    return f"between {_window_start(ctx).isoformat()} and {ctx.as_of.isoformat()}"


# ---------------------------------------------------------------------------------------------------------
# DATA-01, DATA-02: no glycaemia test, no TSH


def _check_no_glycaemia(rule: Rule, ctx: Context):
    start = _window_start(ctx)
    glucose_in_window = ctx.labs.within("glucose", start)
    if ctx.labs.within("hba1c", start) or any(is_fasting_glucose(v) for v in glucose_in_window):
        return None
    detail = f"No HbA1c or fasting glucose is recorded {_since(ctx)}."
    values: list[UsedValue] = []
    older_hba1c = ctx.labs.all("hba1c")
    older_fpg = [v for v in ctx.labs.all("glucose") if is_fasting_glucose(v)]
    if older_hba1c:
        detail += f" Latest HbA1c: {lab_text(older_hba1c[0])}."
        values.append(used(older_hba1c[0], "HbA1c", unit="%"))
    if older_fpg:
        detail += f" Latest fasting glucose: {lab_text(older_fpg[0])}."
        values.append(used(older_fpg[0], "Fasting glucose", unit="mg/dL"))
    if glucose_in_window:
        detail += f" Glucose {lab_text(glucose_in_window[0])} is not documented as fasting and does not count."
    return Hit(
        title=f"No HbA1c or fasting glucose since {start.isoformat()}",
        detail=detail,
        threshold=f"no HbA1c or fasting glucose in the last {_WINDOW_TEXT}",
        values=tuple(values),
    )


def _check_no_tsh(rule: Rule, ctx: Context):
    start = _window_start(ctx)
    if ctx.labs.within("tsh", start):
        return None
    detail = f"No TSH is recorded {_since(ctx)}."
    older = ctx.labs.all("tsh")
    if older:
        detail += f" Latest TSH: {lab_text(older[0])}."
    return Hit(
        title=f"No TSH since {start.isoformat()}",
        detail=detail,
        threshold=f"no TSH in the last {_WINDOW_TEXT}",
        values=(used(older[0], "TSH", unit="m[IU]/L"),) if older else (),
    )


# ---------------------------------------------------------------------------------------------------------
# DATA-03: baseline inflammatory and nutrient results

BASELINE_PANEL = ("hscrp", "b12", "folate", "ferritin", "vitamin_d")


def _check_baseline_panel(rule: Rule, ctx: Context):
    start = _window_start(ctx)
    missing = [key for key in BASELINE_PANEL if not ctx.labs.within(key, start)]
    if not missing:
        return None
    names = ", ".join(ctx.labs.name(key) for key in missing)
    detail = f"Not recorded {_since(ctx)}: {names}."
    older = [(key, ctx.labs.all(key)[0]) for key in missing if ctx.labs.all(key)]
    if older:
        detail += " Older results: " + "; ".join(f"{ctx.labs.name(k)} {lab_text(lab)}" for k, lab in older) + "."
    return Hit(
        message=rule.message.replace("<list>", names),
        title=f"Baseline results missing in the last {_WINDOW_TEXT}: {names}",
        detail=detail,
        threshold=f"any of {len(BASELINE_PANEL)} baseline results absent in the last {_WINDOW_TEXT}",
        values=(),
    )


# ---------------------------------------------------------------------------------------------------------
# DATA-04: ADA/APA 2004 monitoring schedule for antipsychotic treatment

# [design] "Overdue by > 2 weeks": an item is overdue when its latest due date d has d + 14 days < as_of and
# nothing was measured on or after d - 14 days; the same 2-week tolerance on both sides of the due date.
MONITORING_TOLERANCE_DAYS = threshold("MONITORING_TOLERANCE_DAYS", 14, "d")
_LIPIDS = ("triglycerides", "hdl", "cholesterol_total", "ldl")


def _due_dates(start: dt.date, weeks: tuple[int, ...], repeat_from_weeks: int, every_months: int, limit: dt.date):
    """Due dates up to ``limit``: baseline, the listed weeks, then every ``every_months`` from the anchor week."""
    dates = [start + dt.timedelta(weeks=w) for w in (0, *weeks)]
    anchor = start + dt.timedelta(weeks=repeat_from_weeks)
    k = 1
    while (due := months_after(anchor, every_months * k)) <= limit:
        dates.append(due)
        k += 1
    return [d for d in dates if d <= limit]


@dataclass(frozen=True, slots=True)
class ScheduleItem:
    """One row of the ADA/APA 2004 table (section 10.2)."""

    label: str
    weeks: tuple[int, ...]  # fixed visits after baseline, in weeks
    repeat_from_weeks: int  # the repeating interval counts from this week (0 = the start date)
    every_months: int
    measured: Callable[[Context], list[dt.date]]


def _measurement_dates(field: str) -> Callable[[Context], list[dt.date]]:
    def dates(ctx: Context) -> list[dt.date]:
        return [m.date for m in ctx.snapshot.measurements if m.date <= ctx.as_of and getattr(m, field) is not None]

    return dates


def _bp_dates(ctx: Context) -> list[dt.date]:
    return [
        m.date
        for m in ctx.snapshot.measurements
        if m.date <= ctx.as_of and (m.systolic is not None or m.diastolic is not None)
    ]


def _lab_dates(keys: tuple[str, ...], counts: Callable[[Context, LabValue], bool]) -> Callable[[Context], list]:
    def dates(ctx: Context) -> list[dt.date]:
        return [lab.collected for key in keys for lab in ctx.labs.all(key) if counts(ctx, lab)]

    return dates


SCHEDULE: tuple[ScheduleItem, ...] = (
    # Weight: baseline, 4, 8 and 12 weeks, then quarterly (every 3 months after week 12).
    ScheduleItem("weight", (4, 8, 12), 12, 3, _measurement_dates("weight_kg")),
    ScheduleItem("waist circumference", (), 0, 12, _measurement_dates("waist_cm")),
    ScheduleItem("blood pressure", (12,), 0, 12, _bp_dates),
    ScheduleItem("fasting glucose", (12,), 0, 12, _lab_dates(("glucose",), lambda ctx, lab: is_fasting_glucose(lab))),
    # A fasting lipid profile: any lipid result from a draw documented as fasting.
    ScheduleItem("fasting lipids", (12,), 0, 60, _lab_dates(_LIPIDS, draw_is_fasting)),
)


def _check_antipsychotic_monitoring(rule: Rule, ctx: Context):
    ongoing = ongoing_courses(ctx, "antipsychotic")
    if not ongoing:
        return None
    courses = [c for c in ongoing if c[1] is not None]
    if not courses:
        names = ", ".join(sorted({drug_display(c[0]) for c in ongoing}))
        return Skip(f"start date of {names} not recorded, so the monitoring schedule cannot be dated")
    drug, start, _ = max(courses, key=lambda c: (c[1], c[0]))
    tolerance = dt.timedelta(days=int(MONITORING_TOLERANCE_DAYS.value))
    limit = ctx.as_of - tolerance - dt.timedelta(days=1)  # due dates d with d + 14 days < as_of
    overdue: list[str] = []
    details: list[str] = []
    for item in SCHEDULE:
        due = _due_dates(start, item.weeks, item.repeat_from_weeks, item.every_months, limit)
        if not due:
            continue
        latest_due = max(due)
        measured = item.measured(ctx)
        if any(day >= latest_due - tolerance for day in measured):
            continue
        overdue.append(f"{item.label} (due {latest_due.isoformat()})")
        last = max(measured, default=None)
        details.append(
            f"{item.label} due {latest_due.isoformat()}, "
            + (f"last recorded {last.isoformat()}" if last else "never recorded")
        )
    if not overdue:
        return None
    name = drug_display(drug)
    return Hit(
        message=rule.message.replace("<items>", ", ".join(overdue)),
        title=f"Antipsychotic metabolic monitoring overdue: {', '.join(overdue)}",
        detail=(
            f"{name} started on {start.isoformat()}; by the ADA/APA 2004 schedule (2-week tolerance) these items are "
            f"overdue: {'; '.join(details)}."
        ),
        threshold=f"schedule item overdue by > {int(MONITORING_TOLERANCE_DAYS.value)} days",
        values=(UsedValue(label=f"{name} started", value=None, unit="", date=start),),
    )


DATA_01 = Rule(
    id="DATA-01",
    version=1,
    category=Category.DATA_GAP,
    severity=Level.CONSIDER,
    message="No HbA1c or fasting glucose is recorded in the last 12 months.",
    follow_up="HbA1c and/or fasting glucose.",
    source="ADA 2025 (annual re-testing in risk groups) [design window]",
    rationale=(
        "Dysglycaemia and insulin resistance are associated with depression and antidepressant non-response; "
        "the ADA advises yearly re-testing in people at risk."
    ),
    thresholds=(BASELINE_WINDOW_MONTHS,),
    check=_check_no_glycaemia,
    inputs="HbA1c and fasting glucose dates (12 months)",
)

DATA_02 = Rule(
    id="DATA-02",
    version=1,
    category=Category.DATA_GAP,
    severity=Level.CONSIDER,
    message="No TSH is recorded in the last 12 months.",
    follow_up="TSH (reflex FT4).",
    source="[design]",
    rationale="Without a TSH in the last 12 months the thyroid rules cannot be evaluated.",
    thresholds=(BASELINE_WINDOW_MONTHS,),
    check=_check_no_tsh,
    inputs="TSH date (12 months)",
)

DATA_03 = Rule(
    id="DATA-03",
    version=1,
    category=Category.DATA_GAP,
    severity=Level.INFO,
    message="Baseline inflammatory or nutrient results are incomplete: <list>.",
    follow_up="Order the missing tests if clinically appropriate.",
    source="[design]",
    rationale=(
        "Without these baseline results the inflammatory and nutrient rules cannot be evaluated; hs-CRP above "
        "3 mg/L is found in about a quarter of people with depression (Osimo 2019)."
    ),
    thresholds=(BASELINE_WINDOW_MONTHS,),
    check=_check_baseline_panel,
    inputs="hs-CRP, B12, folate, ferritin, 25(OH)D dates (12 months)",
)

DATA_04 = Rule(
    id="DATA-04",
    version=1,
    category=Category.DATA_GAP,
    severity=Level.CONSIDER,
    message="Metabolic monitoring for antipsychotic treatment is overdue: <items>.",
    follow_up="Complete the overdue items.",
    source="ADA/APA 2004",
    rationale=(
        "Antipsychotics carry weight, glucose and lipid liability; the ADA/APA 2004 consensus sets a monitoring "
        "schedule for weight, waist, blood pressure, fasting glucose and fasting lipids."
    ),
    thresholds=(MONITORING_TOLERANCE_DAYS,),
    check=_check_antipsychotic_monitoring,
    inputs="ongoing antipsychotic start date; weight, waist, blood pressure, fasting glucose and fasting lipid dates",
)

RULES: tuple[Rule, ...] = (DATA_01, DATA_02, DATA_03, DATA_04)
