"""Trial adequacy, TRD definition, MSM, Thase-Rush, and the rules TRD-01..04, HORM-04a/b, HORM-05.

Clinical reference sections 1.2-1.5, 2, 7.4, 11.3 and 11.5. Dates are relative to AS_OF (2026-11-01).
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from screening.rules import trd
from screening.rules.base import months_before
from screening.rules.engine import run_rules
from screening.rules.options import FailureDefinition, ScreeningOptions
from screening.rules.result import Category, Level
from screening.rules.snapshot import (
    Adherence,
    Augmentation,
    EctCourse,
    Episode,
    Laterality,
    Outcome,
    Severity,
)
from screening.rules.trd import assess_trials, msm_treatment_level, thase_rush_stage

from .builders import AS_OF, RECENT, epds, make_patient, make_snapshot, phq9, trial

D = dt.date
DAY = dt.timedelta(days=1)
ONSET = D(2025, 11, 1)  # 12 months before AS_OF
START = D(2026, 1, 5)
LT50 = FailureDefinition.IMPROVEMENT_BELOW_50
MY_RULES = ("HORM-04a", "HORM-04b", "HORM-05", "TRD-01", "TRD-02", "TRD-03", "TRD-04")


def days_trial(drug: str, mg: float, days: int, *, start: dt.date = START, ongoing: bool = False, **fields):
    """One dose for ``days`` elapsed days (ended), or ongoing from ``start``."""
    return trial(drug, (mg, start, None if ongoing else start + days * DAY), **fields)


def failed(drug: str, mg: float, *, start: dt.date = START, days: int = 56, improvement: float = 10):
    return days_trial(drug, mg, days, start=start, improvement_pct=improvement)


def assess(*trials, onset=ONSET, severity=Severity.MODERATE, as_of=AS_OF, snapshot_fields=None, **options):
    snapshot = make_snapshot(trials=trials, episode=Episode(onset=onset, severity=severity), **(snapshot_fields or {}))
    return assess_trials(snapshot, as_of, ScreeningOptions(**options))


def only(*trials, **kw):
    """The single trial assessment."""
    (assessment,) = assess(*trials, **kw).trials
    return assessment


def screen(snapshot, *, as_of=AS_OF, **options):
    return run_rules(trd.RULES, snapshot, as_of=as_of, options=ScreeningOptions(**options), ruleset_version="test")


# ---------------------------------------------------------------------------------------------------------
# Table 1.3 minimum doses, both sides

MINIMUMS = [
    ("citalopram", 20),
    ("escitalopram", 10),
    ("fluoxetine", 20),
    ("fluvoxamine", 50),
    ("fluvoxamine_cr", 100),
    ("paroxetine", 20),
    ("paroxetine_cr", 25),
    ("sertraline", 50),
    ("venlafaxine", 75),
    ("desvenlafaxine", 50),
    ("duloxetine", 60),
    ("levomilnacipran", 40),
    ("milnacipran", 100),
    ("bupropion", 300),
    ("mirtazapine", 15),
    ("agomelatine", 25),
    ("trazodone", 200),
    ("nefazodone", 300),
    ("vilazodone", 20),
    ("vortioxetine", 10),
    ("amitriptyline", 150),
    ("clomipramine", 100),
    ("desipramine", 150),
    ("doxepin", 100),
    ("imipramine", 150),
    ("nortriptyline", 50),
    ("protriptyline", 15),
    ("trimipramine", 150),
    ("maprotiline", 100),
    ("amoxapine", 200),
    ("phenelzine", 45),
    ("tranylcypromine", 30),
    ("isocarboxazid", 30),
    ("selegiline_transdermal", 6),
]


@pytest.mark.parametrize(("drug", "minimum"), MINIMUMS, ids=[m[0] for m in MINIMUMS])
def test_trial_at_exactly_the_table_minimum_is_adequate(drug, minimum):
    assessment = only(failed(drug, minimum))
    assert assessment.adequate is True
    assert assessment.failed is True
    assert assessment.minimum_adequate_dose_mg == minimum


@pytest.mark.parametrize(("drug", "minimum"), MINIMUMS, ids=[m[0] for m in MINIMUMS])
def test_trial_one_mg_below_the_table_minimum_is_not_adequate(drug, minimum):
    assessment = only(failed(drug, minimum - 1))
    assert assessment.adequate is False
    assert assessment.failed is False
    assert f"{minimum - 1} mg/day (below {minimum} mg/day)" in assessment.reasons


def test_clinic_override_raises_a_minimum_dose():
    assessment = only(failed("venlafaxine", 75), min_dose_overrides=(("venlafaxine", 150),))
    assert assessment.adequate is False
    assert "75 mg/day (below 150 mg/day)" in assessment.reasons


def test_unlisted_drug_cannot_be_adequate():
    assessment = only(days_trial("other", 50, 56, improvement_pct=10, drug_text="gepirone"))
    assert (assessment.adequate, assessment.failed) == (False, False)
    assert (assessment.drug, assessment.drug_class, assessment.minimum_adequate_dose_mg) == (
        "gepirone",
        "unlisted",
        None,
    )
    assert any("not in the minimum-dose table" in r for r in assessment.reasons)


# ---------------------------------------------------------------------------------------------------------
# Duration at adequate dose

DURATION_CASES = [
    ("42 days (exactly 6 weeks) is adequate", 42, 6, True, 6.0),
    ("41 days is not adequate", 41, 6, False, 5.9),
    ("28 days is adequate under the 4-week option", 28, 4, True, 4.0),
    ("27 days is not adequate under the 4-week option", 27, 4, False, 3.9),
]


@pytest.mark.parametrize(
    ("days", "weeks_option", "adequate", "weeks"), [c[1:] for c in DURATION_CASES], ids=[c[0] for c in DURATION_CASES]
)
def test_trial_needs_consecutive_weeks_at_adequate_dose(days, weeks_option, adequate, weeks):
    assessment = only(failed("sertraline", 100, days=days), adequate_trial_weeks=weeks_option)
    assert assessment.adequate is adequate
    assert assessment.weeks_at_adequate_dose == weeks
    if not adequate:
        assert f"{weeks:g} weeks at or above 50 mg/day ({weeks_option} required)" in assessment.reasons


DOSE_CHANGE_CASES = [
    (
        "25 mg for 4 weeks then 100 mg for 6 weeks is adequate",
        [(25, 0, 28), (100, 28, 70)],
        True,
        6.0,
    ),
    (
        "50 mg for 3 weeks then 100 mg for 3 weeks is 6 weeks at >= 50 mg",
        [(50, 0, 21), (100, 21, 42)],
        True,
        6.0,
    ),
    (
        "dose change recorded as starting the day after the previous period ended",
        [(50, 0, 20), (100, 21, 42)],
        True,
        6.0,
    ),
    (
        "3 weeks at 100, one week at 25, 3 weeks at 100 is not 6 consecutive weeks",
        [(100, 0, 21), (25, 21, 28), (100, 28, 49)],
        False,
        3.0,
    ),
    (
        "a two-week gap between periods breaks the run",
        [(100, 0, 21), (100, 35, 56)],
        False,
        3.0,
    ),
]


@pytest.mark.parametrize(
    ("periods", "adequate", "weeks"), [c[1:] for c in DOSE_CHANGE_CASES], ids=[c[0] for c in DOSE_CHANGE_CASES]
)
def test_dose_changes_count_consecutive_days_at_adequate_dose(periods, adequate, weeks):
    t = trial("sertraline", *((mg, START + a * DAY, START + b * DAY) for mg, a, b in periods), improvement_pct=10)
    assessment = only(t)
    assert assessment.adequate is adequate
    assert assessment.weeks_at_adequate_dose == weeks
    assert assessment.max_daily_dose_mg == max(mg for mg, _, _ in periods)


def test_dose_below_minimum_and_short_trial_gives_both_reasons():
    assessment = only(failed("sertraline", 25, days=21))
    assert assessment.reasons == ("25 mg/day (below 50 mg/day)", "3 weeks in total (6 required)")


def test_ongoing_trial_reports_weeks_so_far():
    assessment = only(days_trial("sertraline", 100, 0, start=AS_OF - 21 * DAY, ongoing=True))
    assert assessment.adequate is False
    assert "ongoing: 3 weeks so far at or above 50 mg/day (6 required)" in assessment.reasons


def test_ongoing_trial_at_adequate_dose_runs_to_as_of():
    assessment = only(days_trial("sertraline", 100, 0, start=AS_OF - 42 * DAY, ongoing=True, improvement_pct=10))
    assert (assessment.adequate, assessment.failed, assessment.weeks_at_adequate_dose) == (True, True, 6.0)


def test_trial_started_after_as_of_is_ignored():
    assert assess(failed("sertraline", 100, start=AS_OF + DAY)).trials == ()


# ---------------------------------------------------------------------------------------------------------
# Adherence, outcome and failure definition


@pytest.mark.parametrize(
    ("adherence", "adequate"),
    [(Adherence.POOR, False), (Adherence.PARTIAL, True), (Adherence.UNKNOWN, True), (Adherence.GOOD, True)],
    ids=["poor", "partial", "unknown", "good"],
)
def test_only_poor_adherence_makes_a_trial_inadequate(adherence, adequate):
    assessment = only(days_trial("sertraline", 100, 56, adherence=adherence, improvement_pct=10))
    assert assessment.adequate is adequate
    assert ("adherence documented as poor" in assessment.reasons) is not adequate


FAILURE_CASES = [
    ("improvement 24% fails (< 25%)", {"improvement_pct": 24}, FailureDefinition.IMPROVEMENT_BELOW_25, True),
    ("improvement 25% does not fail", {"improvement_pct": 25}, FailureDefinition.IMPROVEMENT_BELOW_25, False),
    ("improvement 49% fails under lt50", {"improvement_pct": 49}, LT50, True),
    ("improvement 50% does not fail under lt50", {"improvement_pct": 50}, LT50, False),
    ("improvement wins over a recorded outcome", {"improvement_pct": 30, "outcome": Outcome.NO_RESPONSE}, None, False),
    ("no response fails", {"outcome": Outcome.NO_RESPONSE}, FailureDefinition.IMPROVEMENT_BELOW_25, True),
    ("partial response does not fail under lt25", {"outcome": Outcome.PARTIAL_RESPONSE}, None, False),
    ("partial response fails under lt50", {"outcome": Outcome.PARTIAL_RESPONSE}, LT50, True),
    ("response does not fail", {"outcome": Outcome.RESPONSE}, LT50, False),
    ("no outcome recorded is not a failure", {}, None, False),
]


@pytest.mark.parametrize(
    ("fields", "definition", "is_failed"), [c[1:] for c in FAILURE_CASES], ids=[c[0] for c in FAILURE_CASES]
)
def test_failure_definition(fields, definition, is_failed):
    options = {"failure_definition": definition} if definition else {}
    assessment = only(days_trial("sertraline", 100, 56, **fields), **options)
    assert assessment.adequate is True
    assert assessment.failed is is_failed


def test_too_early_outcome_is_not_adequate():
    assessment = only(days_trial("sertraline", 100, 56, outcome=Outcome.TOO_EARLY, improvement_pct=0))
    assert (assessment.adequate, assessment.failed) == (False, False)
    assert "too early to tell" in assessment.reasons


INTOLERANCE_CASES = [
    ("stopped on day 27 under the 6-week default", 27, 6, False),
    ("stopped on day 27 under the 4-week option", 27, 4, False),
    ("stopped on day 28 under the 4-week option (end of week 4)", 28, 4, True),
]


@pytest.mark.parametrize(
    ("days", "weeks_option", "adequate"), [c[1:] for c in INTOLERANCE_CASES], ids=[c[0] for c in INTOLERANCE_CASES]
)
def test_intolerance_before_end_of_week_4_is_not_a_failure(days, weeks_option, adequate):
    t = days_trial("sertraline", 100, days, outcome=Outcome.NOT_TOLERATED, improvement_pct=0)
    assessment = only(t, adequate_trial_weeks=weeks_option)
    assert assessment.adequate is adequate
    assert assessment.failed is adequate
    early = "stopped for intolerance before the end of week 4: not a failure (EU-PEARL)"
    assert (early in assessment.reasons) is not adequate


def test_every_reason_is_collected():
    t = days_trial("sertraline", 25, 14, adherence=Adherence.POOR, outcome=Outcome.NOT_TOLERATED)
    assert only(t).reasons == (
        "25 mg/day (below 50 mg/day)",
        "2 weeks in total (6 required)",
        "adherence documented as poor",
        "stopped for intolerance before the end of week 4: not a failure (EU-PEARL)",
    )


# ---------------------------------------------------------------------------------------------------------
# Current episode


def test_trial_ended_before_the_episode_is_not_counted():
    assessment = only(failed("sertraline", 100, start=ONSET - 100 * DAY, days=60))
    assert (assessment.in_current_episode, assessment.adequate, assessment.failed) == (False, False, False)
    assert f"ended {(ONSET - 40 * DAY).isoformat()} before the current episode (onset {ONSET})" in assessment.reasons


def test_only_days_from_onset_count_toward_duration():
    assessment = only(failed("sertraline", 100, start=ONSET - 28 * DAY, days=63))
    assert assessment.in_current_episode is True
    assert assessment.weeks_at_adequate_dose == 5.0
    assert assessment.adequate is False


def test_trial_ending_on_onset_day_belongs_to_the_episode():
    assessment = only(failed("sertraline", 100, start=ONSET - 60 * DAY, days=60))
    assert assessment.in_current_episode is True
    assert assessment.weeks_at_adequate_dose == 0


def test_unknown_onset_counts_every_trial_and_says_so():
    assessment = only(failed("sertraline", 100, start=D(2010, 1, 1)), onset=None)
    assert (assessment.in_current_episode, assessment.adequate, assessment.failed) == (True, True, True)
    assert "episode onset not recorded: counted as part of the current episode" in assessment.reasons


# ---------------------------------------------------------------------------------------------------------
# Two-failed-trial definition

SECOND = START + 70 * DAY

COUNT_CASES = [
    ("two different drugs", [failed("sertraline", 100), failed("venlafaxine", 150, start=SECOND)], 2, True),
    ("the same drug twice", [failed("sertraline", 100), failed("sertraline", 150, start=SECOND)], 1, False),
    ("IR and CR of one drug", [failed("fluvoxamine", 100), failed("fluvoxamine_cr", 100, start=SECOND)], 1, False),
    (
        "second trial inadequate",
        [failed("sertraline", 100), failed("venlafaxine", 37.5, start=SECOND)],
        1,
        False,
    ),
    (
        "second trial before the episode",
        [failed("sertraline", 100), failed("venlafaxine", 150, start=ONSET - 90 * DAY)],
        1,
        False,
    ),
]


@pytest.mark.parametrize(("trials", "count", "meets"), [c[1:] for c in COUNT_CASES], ids=[c[0] for c in COUNT_CASES])
def test_trd_definition_counts_distinct_failed_drugs(trials, count, meets):
    assessment = assess(*trials)
    assert (assessment.adequate_failed_trials, assessment.meets_trd_definition) == (count, meets)


# ---------------------------------------------------------------------------------------------------------
# Maudsley Staging Method

FAILABLE = [  # distinct drugs at their table 1.3 minimum
    ("sertraline", 50),
    ("venlafaxine", 75),
    ("mirtazapine", 15),
    ("bupropion", 300),
    ("duloxetine", 60),
    ("escitalopram", 10),
    ("vortioxetine", 10),
    ("agomelatine", 25),
    ("nortriptyline", 50),
    ("amitriptyline", 150),
    ("tranylcypromine", 30),
]


def failed_series(n: int, onset: dt.date):
    """``n`` consecutive failed 6-week trials of different drugs, starting the day after onset."""
    return [failed(drug, mg, start=onset + DAY + i * 43 * DAY, days=42) for i, (drug, mg) in enumerate(FAILABLE[:n])]


def msm_for(months, severity, n_failed, augmentation, ect, **options):
    onset = months_before(AS_OF, months)
    fields = {}
    if augmentation:
        fields["augmentations"] = (Augmentation("aripiprazole", onset + 10 * DAY, outcome=Outcome.NO_RESPONSE),)
    if ect:
        fields["ect"] = (EctCourse(onset + 20 * DAY, onset + 60 * DAY, Laterality.UNILATERAL),)
    return assess(*failed_series(n_failed, onset), onset=onset, severity=severity, snapshot_fields=fields, **options)


MSM_CASES = [
    # description, months, severity, failed drugs, augmentation, ECT, expected score (by hand), band
    (
        "worked: 18 mo (2) + moderate (3) + 3 failed (2) + aug (1) + no ECT = 8",
        18,
        Severity.MODERATE,
        3,
        True,
        False,
        8,
        "moderate",
    ),
    ("lowest: 12 mo (1) + subsyndromal (1) + 1 failed (1) = 3", 12, Severity.SUBSYNDROMAL, 1, False, False, 3, "mild"),
    (
        "band edge: 12 mo (1) + moderate (3) + 1 failed (1) + aug (1) = 6",
        12,
        Severity.MODERATE,
        1,
        True,
        False,
        6,
        "mild",
    ),
    (
        "band edge: 13 mo (2) + moderate (3) + 1 failed (1) + aug (1) = 7",
        13,
        Severity.MODERATE,
        1,
        True,
        False,
        7,
        "moderate",
    ),
    (
        "band edge: 24 mo (2) + severe (4) + 3 failed (2) + aug + ECT = 10",
        24,
        Severity.SEVERE,
        3,
        True,
        True,
        10,
        "moderate",
    ),
    (
        "band edge: 25 mo (3) + severe (4) + 3 failed (2) + aug + ECT = 11",
        25,
        Severity.SEVERE,
        3,
        True,
        True,
        11,
        "severe",
    ),
    (
        "highest: 25 mo (3) + psychotic (5) + 11 failed (5) + aug + ECT = 15",
        25,
        Severity.SEVERE_PSYCHOTIC,
        11,
        True,
        True,
        15,
        "severe",
    ),
    ("mild severity: 12 mo (1) + mild (2) + 5 failed (3) = 6", 12, Severity.MILD, 5, False, False, 6, "mild"),
    ("level 4: 25 mo (3) + mild (2) + 7 failed (4) = 9", 25, Severity.MILD, 7, False, False, 9, "moderate"),
]


@pytest.mark.parametrize(
    ("months", "severity", "n_failed", "augmentation", "ect", "score", "band"),
    [c[1:] for c in MSM_CASES],
    ids=[c[0] for c in MSM_CASES],
)
def test_msm_worked_examples(months, severity, n_failed, augmentation, ect, score, band):
    result = msm_for(months, severity, n_failed, augmentation, ect)
    assert result.adequate_failed_trials == n_failed
    assert (result.msm.score, result.msm.band) == (score, band)
    assert result.msm_note == ""


@pytest.mark.parametrize(
    ("months", "points"), [(12, 1), (13, 2), (24, 2), (25, 3)], ids=["12mo", "13mo", "24mo", "25mo"]
)
def test_msm_duration_points_by_whole_months(months, points):
    items = {item.dimension: item for item in msm_for(months, Severity.MILD, 1, False, False).msm.items}
    assert items["duration"].points == points
    assert f"({months} months since" in items["duration"].category


LEVELS = [(1, 1), (2, 1), (3, 2), (4, 2), (5, 3), (6, 3), (7, 4), (10, 4), (11, 5), (15, 5)]


@pytest.mark.parametrize(("failures", "level"), LEVELS, ids=[f"{f}-failed" for f, _ in LEVELS])
def test_msm_treatment_level(failures, level):
    assert msm_treatment_level(failures) == level


AUGMENTATION_CASES = [
    ("failed augmentation in the episode", ONSET + DAY, None, Outcome.NO_RESPONSE, None, 1),
    ("ended the day before onset", ONSET - 60 * DAY, ONSET - DAY, Outcome.NO_RESPONSE, None, 0),
    ("ended on the onset day", ONSET - 60 * DAY, ONSET, Outcome.NO_RESPONSE, None, 1),
    ("started before onset, still given", ONSET - DAY, None, Outcome.NO_RESPONSE, None, 1),
    ("started after the screening date", AS_OF + DAY, None, Outcome.NO_RESPONSE, None, 0),
    ("augmentation that worked", ONSET + DAY, None, Outcome.RESPONSE, None, 0),
    ("partial response under lt25", ONSET + DAY, None, Outcome.PARTIAL_RESPONSE, None, 0),
    ("partial response under lt50", ONSET + DAY, None, Outcome.PARTIAL_RESPONSE, LT50, 1),
    ("no outcome recorded", ONSET + DAY, None, None, None, 0),
]


@pytest.mark.parametrize(
    ("start", "end", "outcome", "definition", "points"),
    [c[1:] for c in AUGMENTATION_CASES],
    ids=[c[0] for c in AUGMENTATION_CASES],
)
def test_msm_augmentation_needs_a_failed_strategy_in_the_episode(start, end, outcome, definition, points):
    """Given at least partly in the episode, as trials and ECT courses are counted (section 1.4)."""
    options = {"failure_definition": definition} if definition else {}
    fields = {"augmentations": (Augmentation("lithium", start, end, outcome=outcome),)}
    result = assess(failed("sertraline", 100), snapshot_fields=fields, **options)
    assert {i.dimension: i.points for i in result.msm.items}["augmentation"] == points


@pytest.mark.parametrize(
    ("start", "end", "points"),
    [(ONSET + DAY, ONSET + 30 * DAY, 1), (ONSET - 60 * DAY, ONSET - DAY, 0), (ONSET - 10 * DAY, ONSET + 10 * DAY, 1)],
    ids=["in-episode", "before-episode", "spanning-onset"],
)
def test_msm_ect_given_in_the_episode(start, end, points):
    result = assess(failed("sertraline", 100), snapshot_fields={"ect": (EctCourse(start, end),)})
    assert {i.dimension: i.points for i in result.msm.items}["ECT"] == points


def test_msm_not_applicable_without_a_failure():
    result = assess(days_trial("sertraline", 100, 56, improvement_pct=60))
    assert result.msm is None
    assert result.msm_note == "not applicable: no failed adequate antidepressant trial"


@pytest.mark.parametrize(
    ("onset", "severity", "note"),
    [
        (None, Severity.MODERATE, "not available: episode onset not recorded"),
        (ONSET, None, "not available: baseline severity of the current episode not recorded"),
        (None, None, "not available: episode onset and baseline severity of the current episode not recorded"),
    ],
    ids=["no-onset", "no-severity", "neither"],
)
def test_msm_names_missing_inputs(onset, severity, note):
    result = assess(failed("sertraline", 100), onset=onset, severity=severity)
    assert result.msm is None
    assert result.msm_note == note


# MGH staging (section 1.6)


def mgh_points(result) -> dict[str, float]:
    return {item.dimension: item.points for item in result.mgh.items}


def test_mgh_one_point_per_failed_adequate_trial_of_six_weeks():
    trials = [failed("sertraline", 100), failed("sertraline", 150, start=START + 70 * DAY)]
    result = assess(*trials, failed("venlafaxine", 150, start=START + 140 * DAY))
    assert result.mgh.score == 3.0  # per trial: the two sertraline trials count twice (the MSM counts drugs)
    assert mgh_points(result) == {
        "failed adequate trials": 3.0,
        "dose optimisation": 0.0,
        "augmentation": 0.0,
        "ECT": 0.0,
    }


@pytest.mark.parametrize(("days", "points"), [(41, None), (42, 1.0)], ids=["41 days", "42 days"])
def test_mgh_needs_six_weeks_even_when_the_clinic_counts_four(days, points):
    result = assess(failed("sertraline", 100, days=days), adequate_trial_weeks=4)
    assert result.adequate_failed_trials == 1  # adequate for the clinic (4 weeks) ...
    assert (result.mgh and result.mgh.score) == points  # ... but MGH-s asks for 6


def test_mgh_half_a_point_for_each_trial_whose_dose_was_raised():
    raised = trial("sertraline", (50, START, START + 14 * DAY), (100, START + 14 * DAY, START + 70 * DAY))
    raised = dataclasses.replace(raised, improvement_pct=10)
    lowered = trial(
        "venlafaxine", (225, START + 80 * DAY, START + 100 * DAY), (150, START + 100 * DAY, START + 150 * DAY)
    )
    lowered = dataclasses.replace(lowered, improvement_pct=10)
    result = assess(raised, lowered)
    assert mgh_points(result)["dose optimisation"] == 0.5
    assert result.mgh.score == 2.5


def test_mgh_half_a_point_per_failed_augmentation_and_three_for_failed_ect():
    fields = {
        "augmentations": (
            Augmentation("lithium", ONSET + DAY, outcome=Outcome.NO_RESPONSE),
            Augmentation("aripiprazole", ONSET + 30 * DAY, outcome=Outcome.NO_RESPONSE),
            Augmentation("quetiapine", ONSET + 60 * DAY, outcome=Outcome.RESPONSE),
            Augmentation("liothyronine", ONSET - 90 * DAY, ONSET - 30 * DAY, outcome=Outcome.NO_RESPONSE),
        ),
        "ect": (
            EctCourse(ONSET + DAY, ONSET + 30 * DAY, Laterality.UNILATERAL, outcome=Outcome.NO_RESPONSE),
            EctCourse(ONSET + 40 * DAY, ONSET + 70 * DAY, Laterality.BILATERAL, outcome=Outcome.NO_RESPONSE),
        ),
    }
    result = assess(failed("sertraline", 100), snapshot_fields=fields)
    assert mgh_points(result) == {
        "failed adequate trials": 1.0,
        "dose optimisation": 0.0,
        "augmentation": 1.0,  # two failed in the episode; one worked, one ended before the onset
        "ECT": 3.0,  # once, however many courses
    }
    assert result.mgh.score == 5.0


@pytest.mark.parametrize(("definition", "points"), [(None, 0.0), (LT50, 3.0)], ids=["lt25", "lt50"])
def test_mgh_ect_partial_response_fails_only_under_lt50(definition, points):
    fields = {"ect": (EctCourse(ONSET + DAY, ONSET + 30 * DAY, outcome=Outcome.PARTIAL_RESPONSE),)}
    options = {"failure_definition": definition} if definition else {}
    assert mgh_points(assess(failed("sertraline", 100), snapshot_fields=fields, **options))["ECT"] == points


def test_mgh_not_applicable_without_a_failed_trial():
    fields = {"ect": (EctCourse(ONSET + DAY, ONSET + 30 * DAY, outcome=Outcome.NO_RESPONSE),)}
    assert assess(days_trial("sertraline", 100, 56, improvement_pct=60), snapshot_fields=fields).mgh is None
    assert assess(failed("sertraline", 100, start=ONSET - 100 * DAY), snapshot_fields=fields).mgh is None  # ended
    # before the onset: not this episode's


# ---------------------------------------------------------------------------------------------------------
# Thase-Rush

SSRI = ("sertraline", 100)
SSRI_2 = ("escitalopram", 10)
SNRI = ("venlafaxine", 150)
TCA = ("amitriptyline", 150)
TCA_2 = ("nortriptyline", 75)
MAOI = ("phenelzine", 45)


def _ect(laterality, outcome):
    return EctCourse(START + 280 * DAY, START + 295 * DAY, laterality, outcome=outcome)  # after the last trial


BILATERAL_FAILED = _ect(Laterality.BILATERAL, Outcome.NO_RESPONSE)
THASE_RUSH_CASES = [
    ("no failed trial -> 0", [], None, 0),
    ("SSRI only -> I", [SSRI], None, 1),
    ("two SSRIs -> I", [SSRI, SSRI_2], None, 1),
    ("SSRI + SNRI -> II", [SSRI, SNRI], None, 2),
    ("SSRI + TCA -> II", [SSRI, TCA], None, 2),
    ("SSRI + SNRI + MAOI (no TCA) -> II", [SSRI, SNRI, MAOI], None, 2),
    ("SSRI + SNRI + TCA -> III", [SSRI, SNRI, TCA], None, 3),
    ("SSRI + two TCAs -> III", [SSRI, TCA, TCA_2], None, 3),
    ("SSRI + SNRI + TCA + MAOI -> IV", [SSRI, SNRI, TCA, MAOI], None, 4),
    ("IV + failed bilateral ECT -> V", [SSRI, SNRI, TCA, MAOI], BILATERAL_FAILED, 5),
    (
        "IV + failed unilateral ECT stays IV",
        [SSRI, SNRI, TCA, MAOI],
        _ect(Laterality.UNILATERAL, Outcome.NO_RESPONSE),
        4,
    ),
    (
        "IV + bilateral ECT with response stays IV",
        [SSRI, SNRI, TCA, MAOI],
        _ect(Laterality.BILATERAL, Outcome.RESPONSE),
        4,
    ),
    ("III + failed bilateral ECT stays III (no MAOI)", [SSRI, SNRI, TCA], BILATERAL_FAILED, 3),
]


@pytest.mark.parametrize(
    ("drugs", "ect", "stage"), [c[1:] for c in THASE_RUSH_CASES], ids=[c[0] for c in THASE_RUSH_CASES]
)
def test_thase_rush_stage(drugs, ect, stage):
    trials = [failed(drug, mg, start=START + i * 70 * DAY) for i, (drug, mg) in enumerate(drugs)]
    fields = {"ect": (ect,)} if ect else {}
    assert assess(*trials, snapshot_fields=fields).thase_rush_stage == stage


@pytest.mark.parametrize(
    ("definition", "stage"), [(None, 4), (LT50, 5)], ids=["partial response is not a failure", "under lt50 it is"]
)
def test_thase_rush_ect_fails_by_the_clinics_failure_definition(definition, stage):
    trials = [failed(drug, mg, start=START + i * 70 * DAY) for i, (drug, mg) in enumerate([SSRI, SNRI, TCA, MAOI])]
    fields = {"ect": (_ect(Laterality.BILATERAL, Outcome.PARTIAL_RESPONSE),)}
    options = {"failure_definition": definition} if definition else {}
    assert assess(*trials, snapshot_fields=fields, **options).thase_rush_stage == stage


def test_thase_rush_ignores_inadequate_trials():
    trials = [failed("sertraline", 100), failed("venlafaxine", 37.5, start=START + 70 * DAY)]
    assert assess(*trials).thase_rush_stage == 1


def test_thase_rush_searches_the_assignment_for_the_highest_stage():
    # Taken in the order listed, the TCA would be spent on step I and no TCA would be left for step III.
    assert thase_rush_stage(["TCA", "SSRI", "SSRI", "MAOI"], False) == 3  # SSRI, MAOI, TCA
    assert thase_rush_stage(["TCA", "SSRI", "SNRI", "MAOI"], True) == 5  # SSRI, SNRI, TCA, MAOI, ECT


# ---------------------------------------------------------------------------------------------------------
# Rules: table-driven over all seven rules of this module

RECENT_PHQ9 = (phq9(RECENT, 12),)
EPISODE = Episode(onset=ONSET, severity=Severity.MODERATE)
TWO_FAILED = (failed("sertraline", 100), failed("venlafaxine", 150, start=SECOND))
DELIVERY = D(2026, 6, 1)
POSTPARTUM = make_patient(delivery_date=DELIVERY)


def snap(**fields):
    fields.setdefault("episode", EPISODE)
    fields.setdefault("phq9", RECENT_PHQ9)
    return make_snapshot(**fields)


RULE_CASES = [
    # description, snapshot, options, expected fired, expected not evaluable
    ("nothing recorded but a recent PHQ-9", snap(), {}, set(), {"TRD-01"}),
    ("two failed drugs meet TRD and get an MSM", snap(trials=TWO_FAILED), {}, {"TRD-01", "TRD-03"}, set()),
    ("one failed drug gets an MSM only", snap(trials=TWO_FAILED[:1]), {}, {"TRD-03"}, set()),
    (
        "one adequate drug that worked",
        snap(trials=(days_trial("sertraline", 100, 56, improvement_pct=70),)),
        {},
        set(),
        set(),
    ),
    ("low-dose completed trial", snap(trials=(days_trial("sertraline", 25, 56),)), {}, {"TRD-02"}, set()),
    ("41-day completed trial", snap(trials=(failed("sertraline", 100, days=41),)), {}, {"TRD-02"}, set()),
    (
        "41-day trial under the 4-week option",
        snap(trials=(failed("sertraline", 100, days=41),)),
        {"adequate_trial_weeks": 4},
        {"TRD-03"},
        set(),
    ),
    (
        "poor adherence",
        snap(trials=(days_trial("sertraline", 100, 56, adherence=Adherence.POOR),)),
        {},
        {"TRD-02"},
        set(),
    ),
    (
        "ongoing short trial is not TRD-02",
        snap(trials=(days_trial("sertraline", 100, 0, start=AS_OF - 21 * DAY, ongoing=True),)),
        {},
        set(),
        set(),
    ),
    (
        "inadequate trial before the episode is not TRD-02",
        snap(trials=(days_trial("sertraline", 25, 56, start=ONSET - 100 * DAY),)),
        {},
        set(),
        set(),
    ),
    (
        "too-early trial is not TRD-02",
        snap(trials=(days_trial("sertraline", 100, 56, outcome=Outcome.TOO_EARLY),)),
        {},
        set(),
        set(),
    ),
    (
        "failures but no onset: MSM not evaluable",
        snap(trials=TWO_FAILED, episode=Episode(severity=Severity.MODERATE)),
        {},
        {"TRD-01"},
        {"TRD-03"},
    ),
    (
        "failures but no severity: MSM not evaluable",
        snap(trials=TWO_FAILED, episode=Episode(onset=ONSET)),
        {},
        {"TRD-01"},
        {"TRD-03"},
    ),
    # TRD-04: 30-day window, inclusive
    ("PHQ-9 exactly 30 days old", snap(phq9=(phq9(AS_OF - 30 * DAY, 12),)), {}, set(), {"TRD-01"}),
    ("PHQ-9 31 days old", snap(phq9=(phq9(AS_OF - 31 * DAY, 12),)), {}, {"TRD-04"}, {"TRD-01"}),
    ("recent EPDS counts as a severity score", snap(phq9=(), epds=(epds(RECENT, 5),)), {}, set(), {"TRD-01"}),
    ("no score at all", snap(phq9=()), {}, {"TRD-04"}, {"TRD-01", "HORM-05"}),
    ("only a score dated after as_of", snap(phq9=(phq9(AS_OF + DAY, 12),)), {}, {"TRD-04"}, {"TRD-01", "HORM-05"}),
    # HORM-04a/b: postpartum EPDS
    ("postpartum EPDS 9", snap(patient=POSTPARTUM, epds=(epds(RECENT, 9),)), {}, set(), {"TRD-01"}),
    ("postpartum EPDS 10", snap(patient=POSTPARTUM, epds=(epds(RECENT, 10),)), {}, {"HORM-04a"}, {"TRD-01"}),
    ("postpartum EPDS 12", snap(patient=POSTPARTUM, epds=(epds(RECENT, 12),)), {}, {"HORM-04a"}, {"TRD-01"}),
    ("postpartum EPDS 13", snap(patient=POSTPARTUM, epds=(epds(RECENT, 13),)), {}, {"HORM-04b"}, {"TRD-01"}),
    (
        "postpartum EPDS 10 with cut-off 10",
        snap(patient=POSTPARTUM, epds=(epds(RECENT, 10),)),
        {"epds_probable_cutoff": 10},
        {"HORM-04b"},
        {"TRD-01"},
    ),
    (
        "postpartum EPDS 9 with cut-off 10",
        snap(patient=POSTPARTUM, epds=(epds(RECENT, 9),)),
        {"epds_probable_cutoff": 10},
        set(),
        {"TRD-01"},
    ),
    (
        "postpartum EPDS total only",
        snap(patient=POSTPARTUM, epds=(epds(RECENT, 15, item10=None),)),
        {},
        {"HORM-04b"},
        {"TRD-01"},
    ),
    (
        "delivery exactly 12 months ago",
        snap(patient=make_patient(delivery_date=months_before(AS_OF, 12)), epds=(epds(RECENT, 14),)),
        {},
        {"HORM-04b"},
        {"TRD-01"},
    ),
    (
        "delivery 12 months and a day ago",
        snap(patient=make_patient(delivery_date=months_before(AS_OF, 12) - DAY), epds=(epds(RECENT, 14),)),
        {},
        set(),
        {"TRD-01"},
    ),
    (
        "delivery after as_of",
        snap(patient=make_patient(delivery_date=AS_OF + DAY), epds=(epds(RECENT, 14),)),
        {},
        set(),
        {"TRD-01"},
    ),
    ("not postpartum, EPDS 14", snap(epds=(epds(RECENT, 14),)), {}, set(), {"TRD-01"}),
    ("postpartum without EPDS", snap(patient=POSTPARTUM), {}, set(), {"TRD-01", "HORM-04a", "HORM-04b"}),
    (
        "postpartum EPDS exactly 30 days old",
        snap(patient=POSTPARTUM, epds=(epds(AS_OF - 30 * DAY, 14),)),
        {},
        {"HORM-04b"},
        {"TRD-01"},
    ),
    (
        "postpartum EPDS 31 days old",
        snap(patient=POSTPARTUM, epds=(epds(AS_OF - 31 * DAY, 14),)),
        {},
        set(),
        {"TRD-01", "HORM-04a", "HORM-04b"},
    ),
    (
        "EPDS before a recent delivery",
        snap(patient=make_patient(delivery_date=RECENT), epds=(epds(RECENT - DAY, 14),)),
        {},
        set(),
        {"TRD-01", "HORM-04a", "HORM-04b"},
    ),
    # HORM-05: self-harm items
    ("PHQ-9 item 9 = 0", snap(phq9=(phq9(RECENT, 12, item9=0),)), {}, set(), {"TRD-01"}),
    ("PHQ-9 item 9 = 1", snap(phq9=(phq9(RECENT, 12, item9=1),)), {}, {"HORM-05"}, {"TRD-01"}),
    ("EPDS item 10 = 0", snap(phq9=(), epds=(epds(RECENT, 8, item10=0),)), {}, set(), {"TRD-01"}),
    ("EPDS item 10 = 1", snap(phq9=(), epds=(epds(RECENT, 8, item10=1),)), {}, {"HORM-05"}, {"TRD-01"}),
    (
        "old positive item 9 is never hidden",
        snap(phq9=(phq9(D(2024, 1, 1), 12, item9=2), phq9(RECENT, 12, item9=None))),
        {},
        {"HORM-05"},
        {"TRD-01"},
    ),
    (
        "newer itemised negative supersedes",
        snap(phq9=(phq9(D(2024, 1, 1), 12, item9=2), phq9(RECENT, 12, item9=0))),
        {},
        set(),
        {"TRD-01"},
    ),
    (
        "positive 30 days ago, negative since: still shown",
        snap(phq9=(phq9(AS_OF - 30 * DAY, 12, item9=1), phq9(RECENT, 12, item9=0))),
        {},
        {"HORM-05"},
        {"TRD-01"},
    ),
    (
        "positive 31 days ago, negative since: superseded",
        snap(phq9=(phq9(AS_OF - 31 * DAY, 12, item9=1), phq9(RECENT, 12, item9=0))),
        {},
        set(),
        {"TRD-01"},
    ),
    (
        "older paper form entered late, within 30 days",
        snap(epds=(epds(RECENT, 8, item10=0), epds(RECENT - 5 * DAY, 8, item10=3)), phq9=()),
        {},
        {"HORM-05"},
        {"TRD-01"},
    ),
    ("only total-only scores", snap(phq9=(phq9(RECENT, 12, item9=None),)), {}, set(), {"TRD-01", "HORM-05"}),
    (
        "negative PHQ-9 item, positive EPDS item",
        snap(phq9=(phq9(RECENT, 12, item9=0),), epds=(epds(RECENT, 8, item10=2),)),
        {},
        {"HORM-05"},
        {"TRD-01"},
    ),
]


@pytest.mark.parametrize(
    ("snapshot", "options", "fired", "not_evaluable"), [c[1:] for c in RULE_CASES], ids=[c[0] for c in RULE_CASES]
)
def test_rules_fire_as_specified(snapshot, options, fired, not_evaluable):
    result = screen(snapshot, **options)
    assert set(result.rule_ids) == fired
    assert set(result.not_evaluable_ids) == not_evaluable


# ---------------------------------------------------------------------------------------------------------
# Rule text built from the actual values


def finding(result, rule_id):
    (match,) = [f for f in result.findings if f.rule_id == rule_id]
    return match


def reason(result, rule_id):
    (match,) = [n.reason for n in result.not_evaluable if n.rule_id == rule_id]
    return match


def test_trd02_lists_the_inadequate_trials():
    trials = (days_trial("sertraline", 25, 56), failed("citalopram", 20, days=28, start=SECOND))
    text = finding(screen(snap(trials=trials)), "TRD-02").detail
    assert "sertraline 25 mg/day (below 50 mg/day)" in text
    assert "citalopram 4 weeks at or above 20 mg/day (6 required)" in text


def test_trd03_reports_score_and_band():
    onset = months_before(AS_OF, 18)
    fields = {"augmentations": (Augmentation("lithium", onset + DAY, outcome=Outcome.NO_RESPONSE),)}
    snapshot = snap(trials=tuple(failed_series(3, onset)), episode=Episode(onset, Severity.MODERATE), **fields)
    result = screen(snapshot)
    assert finding(result, "TRD-03").title == "Maudsley Staging Method score is 8 (moderate)"
    assert result.trd.msm.score == 8


def test_trd03_skip_names_the_missing_input():
    result = screen(snap(trials=TWO_FAILED, episode=Episode(severity=Severity.MODERATE)))
    assert reason(result, "TRD-03") == "episode onset not recorded (needed for the Maudsley Staging Method)"


def test_trd01_skip_reason_without_trials():
    assert reason(screen(snap()), "TRD-01") == "no antidepressant trials recorded"


def test_trd04_names_the_window_and_latest_scores():
    result = screen(snap(phq9=(phq9(D(2026, 9, 1), 12),)))
    hit = finding(result, "TRD-04")
    assert hit.title == "No PHQ-9 or EPDS since 2026-10-02"
    assert "latest PHQ-9 2026-09-01; no EPDS recorded" in hit.detail


def test_horm05_shows_item_answer_and_date():
    result = screen(snap(phq9=(phq9(D(2026, 10, 20), 14, item9=2),)))
    hit = finding(result, "HORM-05")
    assert hit.title == "PHQ-9 item 9 answered 2 on 2026-10-20"
    assert hit.category == Category.SAFETY
    assert "no EPDS with item answers recorded" in hit.detail


def test_horm05_names_every_positive_answer_of_the_window():
    result = screen(snap(phq9=(phq9(D(2026, 10, 20), 14, item9=2), phq9(D(2026, 10, 25), 9, item9=0))))
    hit = finding(result, "HORM-05")
    assert hit.title == "PHQ-9 item 9 answered 2 on 2026-10-20"
    assert "Latest administrations with item answers: PHQ-9 item 9 answered 0 on 2026-10-25" in hit.detail
    assert "shown even when a later administration is negative" in hit.detail


def test_horm05_shows_an_old_positive_with_its_date():
    result = screen(snap(phq9=(phq9(D(2024, 1, 1), 12, item9=1), phq9(RECENT, 12, item9=None))))
    assert finding(result, "HORM-05").title == "PHQ-9 item 9 answered 1 on 2024-01-01"


def test_horm04_names_the_epds_and_delivery():
    result = screen(snap(patient=POSTPARTUM, epds=(epds(RECENT, 11),)))
    hit = finding(result, "HORM-04a")
    assert hit.title == "EPDS 11 (2026-10-20) is in the possible postnatal depression range"
    assert "delivery on 2026-06-01" in hit.detail
    assert hit.threshold == "10 <= EPDS < 13"


def test_horm04_skip_names_the_stale_epds():
    result = screen(snap(patient=POSTPARTUM, epds=(epds(D(2026, 9, 1), 14),)))
    assert reason(result, "HORM-04b") == "latest EPDS (2026-09-01) is older than 30 days"


def test_screening_result_carries_the_trd_assessment():
    result = screen(snap(trials=TWO_FAILED))
    assert result.trd == assessment_of(snap(trials=TWO_FAILED))
    assert result.trd.meets_trd_definition is True


def assessment_of(snapshot):
    return assess_trials(snapshot, AS_OF, ScreeningOptions())


# ---------------------------------------------------------------------------------------------------------
# Rule metadata, verbatim from section 11

METADATA = [
    (
        "HORM-04a",
        Category.HORMONAL,
        Level.CONSIDER,
        "EPDS score is in the range often used to indicate possible postnatal depression.",
        "Clinical assessment; repeat EPDS in 2 weeks.",
        "Cox 1987 [>= 10 U]",
    ),
    (
        "HORM-04b",
        Category.HORMONAL,
        Level.IMPORTANT,
        "EPDS score is at or above the level used to indicate probable postnatal depressive illness.",
        "Clinical assessment; thyroid tests if not recent.",
        "Cox 1987",
    ),
    (
        "HORM-05",
        Category.SAFETY,
        Level.IMPORTANT,
        "The patient endorsed thoughts of self-harm on a screening item; review now per local protocol.",
        "Same-day clinician risk assessment.",
        "Cox 1987; Kroenke 2001",
    ),
    (
        "TRD-01",
        Category.TRD,
        Level.INFO,
        "Treatment history meets the common two-failed-trial definition of treatment-resistant depression.",
        "Review for pseudo-resistance; consider staging.",
        "McIntyre 2023; Sforzini 2022",
    ),
    (
        "TRD-02",
        Category.TRD,
        Level.INFO,
        "One or more trials do not meet adequacy criteria and are not counted as failures: <trials>.",
        "Consider optimising dose/duration before labelling resistance.",
        "ATRQ/ATHF conventions; Sforzini 2022",
    ),
    (
        "TRD-03",
        Category.TRD,
        Level.INFO,
        "Maudsley Staging Method score is <n> (<mild/moderate/severe>).",
        "Use with clinical judgement.",
        "Fekadu 2009/2018",
    ),
    (
        "TRD-04",
        Category.TRD,
        Level.INFO,
        "No depression severity score is recorded in the last 30 days.",
        "PHQ-9 (or MADRS/HAM-D).",
        "[design]",
    ),
]


def test_rules_are_exported_in_reference_order():
    assert tuple(rule.id for rule in trd.RULES) == MY_RULES


#: Rules whose behaviour changed since their first version (a change needs its own bump, see registry.py).
VERSIONS = {
    "TRD-03": 2,  # an augmentation started before the onset and given in the episode counts
    "HORM-05": 2,  # positive answers of the last 30 days count, not only the latest administration's
}


@pytest.mark.parametrize(
    ("rule_id", "category", "severity", "message", "follow_up", "source"), METADATA, ids=[m[0] for m in METADATA]
)
def test_rule_metadata_is_verbatim(rule_id, category, severity, message, follow_up, source):
    rule = next(r for r in trd.RULES if r.id == rule_id)
    assert (rule.category, rule.severity, rule.message, rule.follow_up, rule.source) == (
        category,
        severity,
        message,
        follow_up,
        source,
    )
    assert rule.version == VERSIONS.get(rule_id, 1)
    assert rule.rationale
