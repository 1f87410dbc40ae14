"""Inflammatory rules INFL-01a/b/c and INFL-02 (clinical reference section 11.2).

Each table row is (label, snapshot, rules expected to fire, rules expected to be not evaluable, as_of); the outcome
of every rule of the group is checked. As of 2026-11-01 the 6-month window starts on 2026-05-01 (inside) and the
12-month window on 2025-11-01 (inside).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from screening.rules.analytes import ANALYTES
from screening.rules.base import Context, Hit, Skip
from screening.rules.inflammatory import RULES
from screening.rules.options import ScreeningOptions
from screening.rules.snapshot import LabValue, Snapshot

from .builders import AS_OF, lab, make_snapshot

D = dt.date
NAMES = {key: analyte.name for key, analyte in ANALYTES.items()}
BY_ID = {rule.id: rule for rule in RULES}
INFL_01 = ("INFL-01a", "INFL-01b", "INFL-01c")
ALL_01 = set(INFL_01)


def run(rule_id: str, snapshot: Snapshot, *, as_of: dt.date = AS_OF):
    rule = BY_ID[rule_id]
    return rule.check(rule, Context(snapshot, as_of, ScreeningOptions(), NAMES))


def outcome_ids(rule_ids, snapshot, as_of) -> tuple[set[str], set[str]]:
    fired, skipped = set(), set()
    for rule_id in rule_ids:
        outcome = run(rule_id, snapshot, as_of=as_of)
        if isinstance(outcome, Hit):
            fired.add(rule_id)
        elif isinstance(outcome, Skip):
            skipped.add(rule_id)
        else:
            assert outcome is None
    return fired, skipped


def case(label: str, snapshot: Snapshot, fires=(), skips=(), *, as_of=AS_OF):
    return pytest.param(snapshot, set(fires), set(skips), as_of, id=label)


def crp(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    return lab("hscrp", value, unit, **fields)


def snap(*labs: LabValue) -> Snapshot:
    return make_snapshot(labs=labs)


CASE_ARGS = ("snapshot", "fires", "skips", "as_of")

# ---------------------------------------------------------------------------------------------------------
# INFL-01a/b/c: latest hs-CRP band

BAND_CASES = [
    case("0.99 mg/L is low -> no flag", snap(crp(0.99))),
    case("1.0 mg/L -> average", snap(crp(1.0)), {"INFL-01a"}),
    case("3.0 mg/L -> average", snap(crp(3.0)), {"INFL-01a"}),
    case("3.01 mg/L -> above 3", snap(crp(3.01)), {"INFL-01b"}),
    case("10 mg/L -> above 3", snap(crp(10)), {"INFL-01b"}),
    case("10.01 mg/L -> above 10", snap(crp(10.01)), {"INFL-01c"}),
    case("0.099 mg/dL (0.99 mg/L) -> no flag", snap(crp(0.099, "mg/dL"))),
    case("0.1 mg/dL (1.0 mg/L) -> average", snap(crp(0.1, "mg/dL")), {"INFL-01a"}),
    case("0.3 mg/dL (3 mg/L) -> average", snap(crp(0.3, "mg/dL")), {"INFL-01a"}),
    case("0.31 mg/dL (3.1 mg/L) -> above 3", snap(crp(0.31, "mg/dL")), {"INFL-01b"}),
    case("1.0 mg/dL (10 mg/L) -> above 3", snap(crp(1.0, "mg/dL")), {"INFL-01b"}),
    case("1.01 mg/dL (10.1 mg/L) -> above 10", snap(crp(1.01, "mg/dL")), {"INFL-01c"}),
    case("<3 is not above 3; average band indeterminate", snap(crp(3, comparator="<")), (), {"INFL-01a"}),
    case("<1 is below the average band -> no flag", snap(crp(1, comparator="<"))),
    case("<0.3 -> no flag", snap(crp(0.3, comparator="<"))),
    case("<=3 is not above 3; average band indeterminate", snap(crp(3, comparator="<=")), (), {"INFL-01a"}),
    case(">10 -> above 10", snap(crp(10, comparator=">")), {"INFL-01c"}),
    case(
        ">3 could be above or below 10 -> 01b and 01c indeterminate",
        snap(crp(3, comparator=">")),
        (),
        {"INFL-01b", "INFL-01c"},
    ),
    case(">=3 straddles all three bands", snap(crp(3, comparator=">=")), (), ALL_01),
    case("hs-CRP exactly 6 months old is used", snap(crp(5, collected=D(2026, 5, 1))), {"INFL-01b"}),
    case("hs-CRP one day older than 6 months -> not evaluable", snap(crp(5, collected=D(2026, 4, 30))), (), ALL_01),
    case("no hs-CRP -> not evaluable", snap(), (), ALL_01),
    case("conventional CRP is not used -> not evaluable", snap(lab("crp", 5)), (), ALL_01),
    case("conflicting same-day hs-CRP -> not evaluable", snap(crp(2), crp(5)), (), ALL_01),
    case(
        "the latest hs-CRP (2 mg/L) is used, not an older 12 mg/L",
        snap(crp(12, collected=D(2026, 9, 1)), crp(2)),
        {"INFL-01a"},
    ),
]


@pytest.mark.parametrize(CASE_ARGS, BAND_CASES)
def test_hscrp_band_rules_place_latest_result(snapshot, fires, skips, as_of):
    assert outcome_ids(INFL_01, snapshot, as_of) == (fires, skips)


def test_hscrp_above_3_finding_shows_value_and_date():
    outcome = run("INFL-01b", snap(crp(4.2)))
    assert isinstance(outcome, Hit)
    assert outcome.title == "hs-CRP 4.2 mg/L (2026-10-20) is above 3 mg/L"
    assert outcome.threshold == "3 mg/L < hs-CRP <= 10 mg/L"


def test_censored_hscrp_reason_explains_indeterminate_band():
    outcome = run("INFL-01a", snap(crp(3, comparator="<")))
    assert isinstance(outcome, Skip)
    assert (
        outcome.reason
        == "hs-CRP reported as <3 mg/L (2026-10-20) cannot be placed in the range 1 mg/L <= hs-CRP <= 3 mg/L"
    )


# ---------------------------------------------------------------------------------------------------------
# INFL-02: two hs-CRP results > 3 and <= 10 mg/L, >= 14 days apart, within 12 months

P = {"INFL-02"}
OCT_1 = D(2026, 10, 1)
OCT_15 = D(2026, 10, 15)  # 14 days after OCT_1
OCT_14 = D(2026, 10, 14)  # 13 days after OCT_1
PERSISTENT_CASES = [
    case("4 and 5 mg/L 14 days apart -> flag", snap(crp(4, collected=OCT_1), crp(5, collected=OCT_15)), P),
    case(
        "4 and 5 mg/L 13 days apart -> no repeat yet, not evaluable",
        snap(crp(4, collected=OCT_1), crp(5, collected=OCT_14)),
        (),
        P,
    ),
    case("3.0 and 5 mg/L -> 3.0 is not above 3 -> no flag", snap(crp(3.0, collected=OCT_1), crp(5, collected=OCT_15))),
    case("3.01 and 5 mg/L -> flag", snap(crp(3.01, collected=OCT_1), crp(5, collected=OCT_15)), P),
    case("10 and 4 mg/L -> flag", snap(crp(10, collected=OCT_1), crp(4, collected=OCT_15)), P),
    case(
        "10.01 and 4 mg/L -> 10.01 is above the band -> no flag",
        snap(crp(10.01, collected=OCT_1), crp(4, collected=OCT_15)),
    ),
    case(
        "0.4 and 0.5 mg/dL (4 and 5 mg/L) -> flag",
        snap(crp(0.4, "mg/dL", collected=OCT_1), crp(0.5, "mg/dL", collected=OCT_15)),
        P,
    ),
    case(
        "0.3 and 0.5 mg/dL (3 and 5 mg/L) -> no flag",
        snap(crp(0.3, "mg/dL", collected=OCT_1), crp(0.5, "mg/dL", collected=OCT_15)),
    ),
    case(
        "first result exactly 12 months old -> flag",
        snap(crp(4, collected=D(2025, 11, 1)), crp(5, collected=OCT_15)),
        P,
    ),
    case(
        "first result one day older than 12 months -> second has no repeat, not evaluable",
        snap(crp(4, collected=D(2025, 10, 31)), crp(5, collected=OCT_15)),
        (),
        P,
    ),
    case("a single result above 3 -> no repeat, not evaluable", snap(crp(5)), (), P),
    case("a single result of 1.5 -> no flag", snap(crp(1.5))),
    case("no hs-CRP in 12 months -> not evaluable", snap(crp(5, collected=D(2025, 6, 1))), (), P),
    case("above 3 then 2 mg/L 14 days later -> no flag", snap(crp(5, collected=OCT_1), crp(2, collected=OCT_15))),
    case(
        "any qualifying pair counts, even with a low result between",
        snap(crp(5, collected=D(2026, 3, 1)), crp(1.2, collected=D(2026, 6, 1)), crp(6, collected=OCT_15)),
        P,
    ),
    case(
        "censored <5 with a qualifying result -> not evaluable",
        snap(crp(5, comparator="<", collected=OCT_1), crp(4, collected=OCT_15)),
        (),
        P,
    ),
    case(
        "censored >3 with a qualifying result -> not evaluable",
        snap(crp(3, comparator=">", collected=OCT_1), crp(4, collected=OCT_15)),
        (),
        P,
    ),
    case(
        "censored <3 is not above 3 -> no flag", snap(crp(3, comparator="<", collected=OCT_1), crp(4, collected=OCT_15))
    ),
    case(
        "conflicting same-day results (4 and 12) with a qualifying result -> not evaluable",
        snap(crp(4, collected=OCT_1), crp(12, collected=OCT_1), crp(5, collected=OCT_15)),
        (),
        P,
    ),
    case(
        "two same-day results both in band still qualify -> flag",
        snap(crp(4, collected=OCT_1), crp(5, collected=OCT_1), crp(6, collected=OCT_15)),
        P,
    ),
    case(
        "conventional CRP does not count -> not evaluable", snap(lab("crp", 5, collected=OCT_1), lab("crp", 6)), (), P
    ),
]


@pytest.mark.parametrize(CASE_ARGS, PERSISTENT_CASES)
def test_persistent_hscrp_flags_two_results_above_3_at_least_14_days_apart(snapshot, fires, skips, as_of):
    assert outcome_ids(("INFL-02",), snapshot, as_of) == (fires, skips)


def test_persistent_hscrp_finding_shows_both_results_and_interval():
    outcome = run("INFL-02", snap(crp(4, collected=OCT_1), crp(5, collected=OCT_15)))
    assert isinstance(outcome, Hit)
    assert outcome.title == "hs-CRP above 3 mg/L on 2026-10-01 and 2026-10-15 (14 days apart)"
    assert [v.value for v in outcome.values] == [4, 5]


def test_inflammatory_rules_are_in_reference_order():
    assert [rule.id for rule in RULES] == ["INFL-01a", "INFL-01b", "INFL-01c", "INFL-02"]
