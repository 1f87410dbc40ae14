"""Inflammatory rules (clinical reference section 11.2): hs-CRP bands and persistently raised hs-CRP.

Only a high-sensitivity CRP (analyte ``hscrp``) is used: conventional CRP assays cannot resolve the low range
(section 4.1). Censored results ("<3") are compared as intervals, so a band is "not evaluated" only when the
reported bound genuinely straddles it.
"""

from __future__ import annotations

import datetime as dt

from .base import Context, Freshness, Hit, Rule, Skip, compare, in_band, lab_text, months_before, threshold, used
from .result import Category, Level
from .snapshot import LabValue

HSCRP_FRESHNESS = Freshness(months=6)  # single-value rules (section 0)
HSCRP_PERSISTENT_MONTHS = 12  # the "persistent" rule (section 0)

# AHA/CDC 2003 (Pearson et al.): < 1.0 low, 1.0-3.0 average, > 3.0 high; > 10 likely an acute process.
HSCRP_AVERAGE_LOW_MG_L = threshold("HSCRP_AVERAGE_LOW_MG_L", 1.0, "mg/L")
HSCRP_HIGH_MG_L = threshold("HSCRP_HIGH_MG_L", 3.0, "mg/L")
HSCRP_ACUTE_MG_L = threshold("HSCRP_ACUTE_MG_L", 10, "mg/L")
# AHA/CDC: repeat measurements at least 2 weeks apart.
HSCRP_REPEAT_INTERVAL_DAYS = threshold("HSCRP_REPEAT_INTERVAL_DAYS", 14, "d")


def _latest_hscrp(ctx: Context) -> LabValue | Skip:
    pick = ctx.labs.latest("hscrp", HSCRP_FRESHNESS)
    return pick.lab if pick else Skip(pick.problem)


def _in_low_grade_band(lab: LabValue) -> bool | None:
    """3.0 < hs-CRP <= 10 mg/L, three-valued."""
    return in_band(lab, HSCRP_HIGH_MG_L, HSCRP_ACUTE_MG_L, low_op=">", high_op="<=")


def _check_average(rule: Rule, ctx: Context):
    lab = _latest_hscrp(ctx)
    if isinstance(lab, Skip):
        return lab
    inside = in_band(lab, HSCRP_AVERAGE_LOW_MG_L, HSCRP_HIGH_MG_L, low_op=">=", high_op="<=")
    band = f"{HSCRP_AVERAGE_LOW_MG_L} <= hs-CRP <= {HSCRP_HIGH_MG_L}"
    if inside is None:
        return Skip(f"hs-CRP reported as {lab_text(lab)} cannot be placed in the range {band}")
    if inside:
        return Hit(
            title=f"hs-CRP {lab_text(lab)} is in the AHA/CDC average range",
            detail=f"hs-CRP {lab_text(lab)} lies in the AHA/CDC average range ({band}).",
            threshold=band,
            values=(used(lab, "hs-CRP", unit="mg/L"),),
        )
    return None


def _check_high(rule: Rule, ctx: Context):
    lab = _latest_hscrp(ctx)
    if isinstance(lab, Skip):
        return lab
    inside = _in_low_grade_band(lab)
    band = f"{HSCRP_HIGH_MG_L} < hs-CRP <= {HSCRP_ACUTE_MG_L}"
    if inside is None:
        return Skip(f"hs-CRP reported as {lab_text(lab)} cannot be placed in the range {band}")
    if inside:
        return Hit(
            title=f"hs-CRP {lab_text(lab)} is above 3 mg/L",
            detail=(
                f"hs-CRP {lab_text(lab)} is above {HSCRP_HIGH_MG_L} and at most {HSCRP_ACUTE_MG_L} ({band}); "
                "a single result should be repeated after at least 2 weeks."
            ),
            threshold=band,
            values=(used(lab, "hs-CRP", unit="mg/L"),),
        )
    return None


def _check_acute(rule: Rule, ctx: Context):
    lab = _latest_hscrp(ctx)
    if isinstance(lab, Skip):
        return lab
    above = compare(lab, ">", HSCRP_ACUTE_MG_L)
    if above is None:
        return Skip(f"hs-CRP reported as {lab_text(lab)} cannot be compared with {HSCRP_ACUTE_MG_L}")
    if above:
        return Hit(
            title=f"hs-CRP {lab_text(lab)} is above 10 mg/L",
            detail=(
                f"hs-CRP {lab_text(lab)} is above {HSCRP_ACUTE_MG_L}, which may reflect an acute process; it is "
                "not read as low-grade inflammation."
            ),
            threshold=f"hs-CRP > {HSCRP_ACUTE_MG_L}",
            values=(used(lab, "hs-CRP", unit="mg/L"),),
        )
    return None


def _latest_pair(days: list[dt.date], gap_days: int) -> tuple[dt.date, dt.date] | None:
    """The most recent pair of days at least ``gap_days`` apart (``days`` ascending)."""
    for later in reversed(days):
        earlier = [day for day in days if (later - day).days >= gap_days]
        if earlier:
            return earlier[-1], later
    return None


def _undecided_text(labs: list[LabValue]) -> str:
    if len(labs) > 1:
        shown = " and ".join(lab_text(lab, with_date=False) for lab in labs)
        return f"conflicting hs-CRP results on {labs[0].collected.isoformat()}: {shown}"
    band = f"{HSCRP_HIGH_MG_L} < hs-CRP <= {HSCRP_ACUTE_MG_L}"
    return f"hs-CRP reported as {lab_text(labs[0])} cannot be placed in the range {band}"


def _check_persistent(rule: Rule, ctx: Context):
    start = months_before(ctx.as_of, HSCRP_PERSISTENT_MONTHS)
    results = ctx.labs.within("hscrp", start)
    if not results:
        older = ctx.labs.all("hscrp")
        latest = f" (latest {lab_text(older[0])})" if older else ""
        return Skip(f"no hs-CRP result in the last {HSCRP_PERSISTENT_MONTHS} months{latest}")
    by_day: dict[dt.date, list[LabValue]] = {}
    for lab in results:
        by_day.setdefault(lab.collected, []).append(lab)
    # One answer per collection day; None when a censored result or conflicting same-day results cannot tell.
    status: dict[dt.date, bool | None] = {}
    for day, labs in by_day.items():
        answers = {_in_low_grade_band(lab) for lab in labs}
        status[day] = answers.pop() if len(answers) == 1 else None
    days = sorted(status)
    gap = int(HSCRP_REPEAT_INTERVAL_DAYS.value)
    definite = [day for day in days if status[day] is True]
    possible = [day for day in days if status[day] is not False]
    pair = _latest_pair(definite, gap)
    if pair:
        first, second = (by_day[day][0] for day in pair)
        interval = (pair[1] - pair[0]).days
        return Hit(
            title=(f"hs-CRP above 3 mg/L on {pair[0].isoformat()} and {pair[1].isoformat()} ({interval} days apart)"),
            detail=(
                f"hs-CRP {lab_text(first)} and {lab_text(second)}, {interval} days apart, are both above "
                f"{HSCRP_HIGH_MG_L} and at most {HSCRP_ACUTE_MG_L} within the last {HSCRP_PERSISTENT_MONTHS} months."
            ),
            threshold=(
                f"two results with {HSCRP_HIGH_MG_L} < hs-CRP <= {HSCRP_ACUTE_MG_L}, >= {gap} days apart, "
                f"within {HSCRP_PERSISTENT_MONTHS} months"
            ),
            values=(used(first, "hs-CRP", unit="mg/L"), used(second, "hs-CRP", unit="mg/L")),
        )
    undecided = [day for day in possible if status[day] is None]
    if _latest_pair(possible, gap) and undecided:
        return Skip("; ".join(_undecided_text(by_day[day]) for day in undecided))
    unrepeated = [day for day in possible if not any(abs((day - other).days) >= gap for other in days)]
    if unrepeated:
        day = unrepeated[-1]
        return Skip(
            f"hs-CRP {lab_text(by_day[day][0])} has no repeat at least {gap} days apart in the last "
            f"{HSCRP_PERSISTENT_MONTHS} months"
        )
    return None


INFL_01A = Rule(
    id="INFL-01a",
    version=1,
    category=Category.INFLAMMATORY,
    severity=Level.INFO,
    message="hs-CRP is in the AHA/CDC average range.",
    follow_up="None specific.",
    source="Pearson et al. 2003",
    rationale=(
        "1.0-3.0 mg/L is the AHA/CDC average category; a CRP above 1 mg/L was found in 58% of people with "
        "depression (Osimo 2019)."
    ),
    thresholds=(HSCRP_AVERAGE_LOW_MG_L, HSCRP_HIGH_MG_L),
    check=_check_average,
    inputs="hs-CRP (6 months)",
)

INFL_01B = Rule(
    id="INFL-01b",
    version=1,
    category=Category.INFLAMMATORY,
    severity=Level.CONSIDER,
    message=("hs-CRP is above 3 mg/L, the level often used to define low-grade inflammation in depression research."),
    follow_up="Repeat after >= 2 weeks when clinically stable; review BMI, smoking, infection, autoimmune disease.",
    source="Pearson 2003; Osimo 2019",
    rationale=(
        "CRP > 3 mg/L defines low-grade inflammation in depression research (27% of patients, Osimo 2019) and CRP "
        "was raised in treatment-resistant patients (Chamberlain 2019); intra-individual variability is large, so "
        "a result needs a repeat."
    ),
    thresholds=(HSCRP_HIGH_MG_L, HSCRP_ACUTE_MG_L),
    check=_check_high,
    inputs="hs-CRP (6 months)",
)

INFL_01C = Rule(
    id="INFL-01c",
    version=1,
    category=Category.INFLAMMATORY,
    severity=Level.IMPORTANT,
    message=(
        "hs-CRP above 10 mg/L may reflect an acute infection or another inflammatory process and should not be "
        "read as low-grade inflammation."
    ),
    follow_up="Clinical assessment; repeat after >= 2 weeks once stable.",
    source="Pearson 2003; ARUP",
    rationale=(
        "Above 10 mg/L the result likely reflects acute infection or another process; AHA/CDC and ARUP advise "
        "disregarding it for low-grade classification and repeating when stable."
    ),
    thresholds=(HSCRP_ACUTE_MG_L,),
    check=_check_acute,
    inputs="hs-CRP (6 months)",
)

INFL_02 = Rule(
    id="INFL-02",
    version=1,
    category=Category.INFLAMMATORY,
    severity=Level.CONSIDER,
    message="hs-CRP has been above 3 mg/L on two occasions at least 2 weeks apart.",
    follow_up=(
        "Consider wider inflammatory work-up per clinician; note research context (Raison 2013 subgroup > 5 mg/L)."
    ),
    source="Pearson 2003; Osimo 2019; Chamberlain 2019",
    rationale=(
        "AHA/CDC advise two measurements at least 2 weeks apart because CRP varies within a person (Bogaty 2013); "
        "persistently raised CRP is the inflammatory phenotype studied in TRD (Chamberlain 2019)."
    ),
    thresholds=(HSCRP_HIGH_MG_L, HSCRP_ACUTE_MG_L, HSCRP_REPEAT_INTERVAL_DAYS),
    check=_check_persistent,
    inputs="hs-CRP results (12 months)",
)

RULES: tuple[Rule, ...] = (INFL_01A, INFL_01B, INFL_01C, INFL_02)
