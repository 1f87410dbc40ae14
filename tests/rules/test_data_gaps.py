"""Missing-data rules DATA-01 to DATA-04 (clinical reference section 11.5).

As of 2026-11-01 the 12-month window starts on 2025-11-01 (inside); 2025-10-31 is outside.
DATA-04 follows the ADA/APA 2004 schedule with a 2-week tolerance: a due date d is checked once d + 14 days is
before as_of (so d <= 2026-10-17), and is met by any measurement on or after d - 14 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from screening.rules.analytes import ANALYTES
from screening.rules.base import Context, Hit, Skip
from screening.rules.data_gaps import RULES
from screening.rules.options import ScreeningOptions
from screening.rules.snapshot import Augmentation, LabValue, Measurement, Medicine, Snapshot

from .builders import AS_OF, RECENT, lab, make_snapshot

D = dt.date
NAMES = {key: analyte.name for key, analyte in ANALYTES.items()}
BY_ID = {rule.id: rule for rule in RULES}
IN_12_MONTHS = D(2025, 11, 1)
OVER_12_MONTHS = D(2025, 10, 31)


def run(rule_id: str, snapshot: Snapshot, *, as_of: dt.date = AS_OF):
    rule = BY_ID[rule_id]
    return rule.check(rule, Context(snapshot, as_of, ScreeningOptions(), NAMES))


def outcome_kind(outcome) -> str:
    if isinstance(outcome, Hit):
        return "fires"
    if isinstance(outcome, Skip):
        return "not evaluable"
    assert outcome is None
    return "no flag"


def snap(*labs: LabValue, **overrides: Any) -> Snapshot:
    return make_snapshot(labs=labs, **overrides)


# ---------------------------------------------------------------------------------------------------------
# DATA-01: no HbA1c and no fasting glucose in 12 months

GLYCAEMIA_CASES = [
    pytest.param(snap(), "fires", id="nothing recorded -> fires"),
    pytest.param(
        snap(lab("hba1c", 5.4, collected=IN_12_MONTHS)), "no flag", id="HbA1c exactly 12 months old -> no flag"
    ),
    pytest.param(snap(lab("hba1c", 5.4, collected=OVER_12_MONTHS)), "fires", id="HbA1c one day older -> fires"),
    pytest.param(snap(lab("hba1c", 36, "mmol/mol")), "no flag", id="HbA1c in mmol/mol counts -> no flag"),
    pytest.param(snap(lab("hba1c", 5.0, comparator="<")), "no flag", id="censored HbA1c counts -> no flag"),
    pytest.param(
        snap(lab("glucose", 90, fasting=True, collected=IN_12_MONTHS)),
        "no flag",
        id="fasting glucose exactly 12 months old -> no flag",
    ),
    pytest.param(
        snap(lab("glucose", 90, fasting=True, collected=OVER_12_MONTHS)),
        "fires",
        id="fasting glucose one day older -> fires",
    ),
    pytest.param(snap(replace(lab("glucose", 90), loinc="1558-6")), "no flag", id="LOINC 1558-6 glucose -> no flag"),
    pytest.param(snap(lab("glucose", 90)), "fires", id="glucose with fasting unknown does not count -> fires"),
    pytest.param(snap(lab("glucose", 90, fasting=False)), "fires", id="non-fasting glucose does not count -> fires"),
]


@pytest.mark.parametrize(("snapshot", "expected"), GLYCAEMIA_CASES)
def test_flags_missing_hba1c_and_fasting_glucose(snapshot, expected):
    assert outcome_kind(run("DATA-01", snapshot)) == expected


def test_missing_glycaemia_finding_mentions_older_and_non_fasting_results():
    outcome = run("DATA-01", snap(lab("hba1c", 5.4, collected=OVER_12_MONTHS), lab("glucose", 140, fasting=False)))
    assert isinstance(outcome, Hit)
    assert outcome.title == "No HbA1c or fasting glucose since 2025-11-01"
    assert "Latest HbA1c: 5.4 % (2025-10-31)." in outcome.detail
    assert "Glucose 140 mg/dL (2026-10-20) is not documented as fasting" in outcome.detail


# ---------------------------------------------------------------------------------------------------------
# DATA-02: no TSH in 12 months

TSH_CASES = [
    pytest.param(snap(), "fires", id="no TSH -> fires"),
    pytest.param(snap(lab("tsh", 2.1, collected=IN_12_MONTHS)), "no flag", id="TSH exactly 12 months old -> no flag"),
    pytest.param(snap(lab("tsh", 2.1, collected=OVER_12_MONTHS)), "fires", id="TSH one day older -> fires"),
    pytest.param(snap(lab("ft4", 1.2)), "fires", id="free T4 alone is not a TSH -> fires"),
]


@pytest.mark.parametrize(("snapshot", "expected"), TSH_CASES)
def test_flags_missing_tsh(snapshot, expected):
    assert outcome_kind(run("DATA-02", snapshot)) == expected


# ---------------------------------------------------------------------------------------------------------
# DATA-03: hs-CRP, B12, folate, ferritin, 25(OH)D

PANEL = {"hscrp": 1.2, "b12": 400, "folate": 8, "ferritin": 80, "vitamin_d": 30}
DISPLAY = {
    "hscrp": "hs-CRP",
    "b12": "Vitamin B12",
    "folate": "Folate",
    "ferritin": "Ferritin",
    "vitamin_d": "25-OH vitamin D",
}


def panel(*, without: tuple[str, ...] = (), collected: dt.date = RECENT, **dates: dt.date) -> Snapshot:
    return snap(*(lab(k, v, collected=dates.get(k, collected)) for k, v in PANEL.items() if k not in without))


def test_complete_baseline_panel_gives_no_flag():
    assert run("DATA-03", panel()) is None


def test_baseline_panel_exactly_12_months_old_gives_no_flag():
    assert run("DATA-03", panel(collected=IN_12_MONTHS)) is None


@pytest.mark.parametrize("key", list(PANEL), ids=lambda k: f"{k} missing")
def test_flags_each_missing_baseline_result_by_name(key):
    outcome = run("DATA-03", panel(without=(key,)))
    assert isinstance(outcome, Hit)
    assert outcome.title == f"Baseline results missing in the last 12 months: {DISPLAY[key]}"


@pytest.mark.parametrize("key", list(PANEL), ids=lambda k: f"{k} one day older than 12 months")
def test_flags_baseline_result_one_day_older_than_12_months(key):
    outcome = run("DATA-03", panel(**{key: OVER_12_MONTHS}))
    assert isinstance(outcome, Hit)
    assert outcome.title.endswith(f": {DISPLAY[key]}")
    assert "(2025-10-31)" in outcome.detail


def test_flags_whole_baseline_panel_missing_in_reference_order():
    outcome = run("DATA-03", snap())
    assert isinstance(outcome, Hit)
    assert outcome.title == (
        "Baseline results missing in the last 12 months: hs-CRP, Vitamin B12, Folate, Ferritin, 25-OH vitamin D"
    )


def test_conventional_crp_does_not_replace_hscrp_in_baseline_panel():
    outcome = run("DATA-03", snap(*panel(without=("hscrp",)).labs, lab("crp", 4)))
    assert isinstance(outcome, Hit)
    assert outcome.title.endswith(": hs-CRP")


def test_data_03_message_is_the_reference_text():
    assert BY_ID["DATA-03"].message == "Baseline inflammatory or nutrient results are incomplete: <list>."


# ---------------------------------------------------------------------------------------------------------
# DATA-04: ADA/APA 2004 antipsychotic monitoring

ITEMS = ("weight", "waist", "bp", "fpg", "lipids")


def monitored(
    start: dt.date | None,
    *,
    default: tuple[dt.date, ...] = (),
    medicines: tuple[Medicine, ...] | None = None,
    augmentations: tuple[Augmentation, ...] = (),
    lipids_fasting: bool | None = True,
    glucose_fasting: bool | None = True,
    **item_dates: tuple[dt.date, ...],
) -> Snapshot:
    """An olanzapine course from ``start``; each item measured on its own dates, else on ``default``."""
    dates = {item: item_dates.get(item, default) for item in ITEMS}
    measurements = [Measurement(d, weight_kg=80) for d in dates["weight"]]
    measurements += [Measurement(d, waist_cm=90) for d in dates["waist"]]
    measurements += [Measurement(d, systolic=120, diastolic=80) for d in dates["bp"]]
    labs = [lab("glucose", 90, collected=d, fasting=glucose_fasting) for d in dates["fpg"]]
    labs += [lab("triglycerides", 100, collected=d, fasting=lipids_fasting) for d in dates["lipids"]]
    labs += [lab("hdl", 55, collected=d, fasting=lipids_fasting) for d in dates["lipids"]]
    if medicines is None:
        medicines = (Medicine("olanzapine", start=start),)
    return make_snapshot(
        measurements=tuple(measurements), labs=tuple(labs), medicines=medicines, augmentations=augmentations
    )


W12 = D(2026, 7, 25)  # week-12 visit on 2026-10-17: 14 days + 1 before as_of, so due
W12_LATE = D(2026, 7, 26)  # week-12 visit on 2026-10-18: exactly 14 days before as_of, not yet due
Q = D(2026, 1, 1)  # quarterly weight: week 12 on 2026-03-26, then 06-26, 09-26
A = D(2025, 10, 1)  # annual waist, BP, FPG due 2026-10-01
Y5 = D(2021, 6, 1)  # 5-yearly lipids due 2026-06-01


def due(**items: str) -> list[str]:
    labels = {"weight": "weight", "waist": "waist circumference", "bp": "blood pressure"}
    labels |= {"fpg": "fasting glucose", "lipids": "fasting lipids"}
    return [f"{labels[k]} (due {v})" for k, v in items.items()]


MONITORING_CASES = [
    pytest.param(
        monitored(W12, default=(D(2026, 10, 3),)), [], id="everything 14 days before the week-12 due date -> none"
    ),
    pytest.param(
        monitored(W12, default=(D(2026, 10, 3),), weight=(D(2026, 10, 2),)),
        due(weight="2026-10-17"),
        id="weight 15 days before the week-12 due date -> weight overdue",
    ),
    pytest.param(
        monitored(W12, default=(W12,)),
        due(weight="2026-10-17", bp="2026-10-17", fpg="2026-10-17", lipids="2026-10-17"),
        id="only baseline, week 12 due 15 days ago -> weight, BP, FPG, lipids overdue",
    ),
    pytest.param(
        monitored(W12_LATE, default=(W12_LATE,)),
        due(weight="2026-09-20"),
        id="only baseline, week 12 due exactly 14 days ago -> only week-8 weight overdue",
    ),
    pytest.param(
        monitored(W12, default=()),
        due(weight="2026-10-17", waist="2026-07-25", bp="2026-10-17", fpg="2026-10-17", lipids="2026-10-17"),
        id="nothing recorded -> all five overdue",
    ),
    pytest.param(monitored(Q, default=(D(2026, 9, 12),)), [], id="quarterly weight 14 days before due -> none"),
    pytest.param(
        monitored(Q, default=(D(2026, 9, 12),), weight=(D(2026, 9, 11),)),
        due(weight="2026-09-26"),
        id="quarterly weight 15 days before due -> weight overdue",
    ),
    pytest.param(monitored(A, default=(D(2026, 9, 17),)), [], id="annual items 14 days before due -> none"),
    pytest.param(
        monitored(A, default=(D(2026, 9, 17),), waist=(D(2026, 9, 16),), bp=(D(2026, 9, 16),)),
        due(waist="2026-10-01", bp="2026-10-01"),
        id="annual waist and BP 15 days before due -> overdue",
    ),
    pytest.param(
        monitored(A, default=(D(2026, 9, 17),), fpg=(D(2026, 9, 16),)),
        due(fpg="2026-10-01"),
        id="annual fasting glucose 15 days before due -> overdue",
    ),
    pytest.param(
        monitored(Y5, default=(D(2026, 8, 10),), lipids=(D(2026, 5, 18),)),
        [],
        id="5-yearly lipids 14 days before due -> none",
    ),
    pytest.param(
        monitored(Y5, default=(D(2026, 8, 10),), lipids=(D(2026, 5, 17),)),
        due(lipids="2026-06-01"),
        id="5-yearly lipids 15 days before due -> overdue",
    ),
    pytest.param(
        monitored(D(2023, 6, 1), default=(D(2026, 8, 10),), lipids=(D(2023, 8, 24),)),
        [],
        id="lipids are not due annually: week-12 lipids of 2023 still current",
    ),
    pytest.param(
        monitored(W12, default=(D(2026, 10, 3),), lipids_fasting=False),
        due(lipids="2026-10-17"),
        id="non-fasting lipids do not count",
    ),
    pytest.param(
        monitored(W12, default=(D(2026, 10, 3),), lipids_fasting=None),
        [],
        id="lipids drawn with a fasting glucose count as fasting",
    ),
    pytest.param(
        monitored(W12, default=(D(2026, 10, 3),), lipids_fasting=None, glucose_fasting=None),
        due(fpg="2026-10-17", lipids="2026-10-17"),
        id="glucose and lipids with fasting unknown do not count",
    ),
    pytest.param(
        monitored(D(2026, 10, 1), default=(D(2026, 9, 17),)),
        [],
        id="baseline measured 14 days before the start counts",
    ),
    pytest.param(
        monitored(D(2026, 10, 1), default=(D(2026, 9, 17),), weight=(D(2026, 9, 16),)),
        due(weight="2026-10-01"),
        id="baseline weight 15 days before the start -> overdue",
    ),
    pytest.param(monitored(D(2026, 10, 20), default=()), [], id="started 12 days ago -> nothing due yet"),
    pytest.param(
        monitored(
            W12_LATE,
            default=(W12_LATE,),
            medicines=(Medicine("olanzapine", start=Y5),),
            augmentations=(Augmentation("aripiprazole", start=W12_LATE),),
        ),
        due(weight="2026-09-20"),
        id="schedule runs from the most recent antipsychotic start (augmentation)",
    ),
    pytest.param(
        monitored(W12_LATE, default=(W12_LATE,), medicines=(Medicine("olanzapine", start=Y5),)),
        due(weight="2026-08-24"),
        id="schedule of a long-running antipsychotic",
    ),
    pytest.param(
        monitored(W12, default=(), medicines=(Medicine("olanzapine", start=W12, end=D(2026, 10, 1)),)),
        [],
        id="antipsychotic stopped -> none",
    ),
    pytest.param(
        monitored(W12, default=(), medicines=(Medicine("metformin", start=W12),)),
        [],
        id="not on an antipsychotic -> none",
    ),
]


@pytest.mark.parametrize(("snapshot", "overdue"), MONITORING_CASES)
def test_flags_overdue_antipsychotic_monitoring_items(snapshot, overdue):
    outcome = run("DATA-04", snapshot)
    if not overdue:
        assert outcome is None
    else:
        assert isinstance(outcome, Hit)
        assert outcome.title == "Antipsychotic metabolic monitoring overdue: " + ", ".join(overdue)


def test_antipsychotic_monitoring_not_evaluable_without_start_date():
    outcome = run("DATA-04", monitored(None, default=()))
    assert isinstance(outcome, Skip)
    assert outcome.reason == "start date of Olanzapine not recorded, so the monitoring schedule cannot be dated"


def test_antipsychotic_monitoring_detail_names_drug_start_and_last_measurement():
    outcome = run("DATA-04", monitored(W12, default=(D(2026, 10, 3),), weight=(D(2026, 8, 22),)))
    assert isinstance(outcome, Hit)
    assert outcome.detail.startswith("Olanzapine started on 2026-07-25;")
    assert "weight due 2026-10-17, last recorded 2026-08-22" in outcome.detail


def test_data_rules_are_in_reference_order():
    assert [rule.id for rule in RULES] == ["DATA-01", "DATA-02", "DATA-03", "DATA-04"]
