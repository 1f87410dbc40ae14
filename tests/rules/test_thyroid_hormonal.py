"""Thyroid and hormonal rules THY-01a..THY-06, HORM-01..03b, HORM-06 (clinical reference sections 5, 7, 10.3, 11.3).

Each table row: a label saying the expected outcome, the patient's data, and the rule ids expected to fire and to
be not evaluable among the rules the row is about. Dates are relative to AS_OF (2026-11-01); results default to
RECENT (2026-10-20).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from screening.rules import thyroid_hormonal
from screening.rules.base import months_before
from screening.rules.engine import run_rules
from screening.rules.options import ScreeningOptions
from screening.rules.result import Category
from screening.rules.snapshot import Augmentation, Medicine, MenstrualStatus, Sex, Supplement

from .builders import AS_OF, RECENT, lab, make_patient, make_snapshot

D = dt.date
DAY = dt.timedelta(days=1)
MORNING = dt.time(8, 30)
TWELVE_MONTHS_AGO = months_before(AS_OF, 12)  # 2025-11-01
SIX_MONTHS_AGO = months_before(AS_OF, 6)  # 2026-05-01
THREE_MONTHS_AGO = months_before(AS_OF, 3)  # 2026-08-01

THYROID = ("THY-01a", "THY-01b", "THY-02", "THY-03a", "THY-03b", "THY-03c")
PROLACTIN = ("HORM-03a", "HORM-03b")
MAN = make_patient(sex=Sex.MALE)
LITHIUM = (Medicine("lithium", start=D(2024, 1, 1)),)


def screen(snapshot, *, as_of: dt.date = AS_OF, **options: Any):
    return run_rules(
        thyroid_hormonal.RULES, snapshot, as_of=as_of, options=ScreeningOptions(**options), ruleset_version="test"
    )


def finding(result, rule_id: str):
    (found,) = [f for f in result.findings if f.rule_id == rule_id]
    return found


def reason(result, rule_id: str) -> str:
    (entry,) = [n for n in result.not_evaluable if n.rule_id == rule_id]
    return entry.reason


def case(name, *labs, fires=(), skips=(), among=THYROID, as_of=AS_OF, options=None, **snapshot_fields):
    """One labelled row; ``fires``/``skips`` are the expected ids among ``among``."""
    assert set(fires) <= set(among), name
    assert set(skips) <= set(among), name
    snapshot = make_snapshot(labs=labs, **snapshot_fields)
    return pytest.param(snapshot, as_of, options or {}, among, frozenset(fires), frozenset(skips), id=name)


PARAMS = ("snapshot", "as_of", "options", "among", "fires", "skips")


def check(snapshot, as_of, options, among, fires, skips) -> None:
    result = screen(snapshot, as_of=as_of, **options)
    assert result.rule_ids & set(among) == fires
    assert result.not_evaluable_ids & set(among) == skips


def tsh(value, **kw):
    return lab("tsh", value, **kw)


def ft4(value, unit=None, **kw):
    return lab("ft4", value, unit, **kw)


# ---------------------------------------------------------------------------------------------------------
# THY-01a to THY-03c: TSH with its paired free T4

THYROID_PATTERNS = [
    # TSH upper limit: default 4.5 (or the clinic's 4.0), the laboratory's own limit wins
    case("tsh_4.5_at_default_uln_not_flagged", tsh(4.5), ft4(1.2)),
    case("tsh_4.51_above_default_uln_subclinical_hypo", tsh(4.51), ft4(1.2), fires=["THY-01a"]),
    case("tsh_9.99_subclinical_hypo", tsh(9.99), ft4(1.2), fires=["THY-01a"]),
    case("tsh_10_is_01b_not_01a", tsh(10), ft4(1.2), fires=["THY-01b"]),
    case("tsh_4.2_above_clinic_uln_4.0", tsh(4.2), ft4(1.2), fires=["THY-01a"], options={"tsh_upper_limit": 4.0}),
    case("tsh_4.0_at_clinic_uln_4.0_not_flagged", tsh(4.0), ft4(1.2), options={"tsh_upper_limit": 4.0}),
    case("tsh_4.3_above_lab_uln_4.2", tsh(4.3, reference_high=4.2), ft4(1.2), fires=["THY-01a"]),
    case("tsh_4.2_at_lab_uln_4.2_not_flagged", tsh(4.2, reference_high=4.2), ft4(1.2)),
    case("lab_uln_5.0_overrides_default_4.5", tsh(4.8, reference_high=5.0), ft4(1.2)),
    case(
        "lab_uln_4.5_overrides_clinic_4.0",
        tsh(4.3, reference_high=4.5),
        ft4(1.2),
        options={"tsh_upper_limit": 4.0},
    ),
    case("tsh_uiu_ml_same_as_miu_l", lab("tsh", 4.6, "u[IU]/mL"), ft4(1.2), fires=["THY-01a"]),
    # free T4 limits, ng/dL and pmol/L, default and laboratory
    case("ft4_0.8_at_lln_is_within_range", tsh(6), ft4(0.8), fires=["THY-01a"]),
    case("ft4_0.79_below_lln_overt_hypo", tsh(6), ft4(0.79), fires=["THY-02"]),
    case("ft4_1.8_at_uln_is_within_range", tsh(6), ft4(1.8), fires=["THY-01a"]),
    case("ft4_1.81_above_uln_neither_01a_nor_02", tsh(6), ft4(1.81)),
    case("ft4_10_pmol_at_lln_within_range", tsh(6), ft4(10, "pmol/L"), fires=["THY-01a"]),
    case("ft4_9.9_pmol_below_lln_overt_hypo", tsh(6), ft4(9.9, "pmol/L"), fires=["THY-02"]),
    case("ft4_23_pmol_at_uln_within_range", tsh(6), ft4(23, "pmol/L"), fires=["THY-01a"]),
    case("ft4_23.1_pmol_above_uln", tsh(6), ft4(23.1, "pmol/L")),
    case("ft4_below_lab_lln_0.9_overt_hypo", tsh(6), ft4(0.85, reference_low=0.9), fires=["THY-02"]),
    case("ft4_above_lab_lln_0.7_within", tsh(6), ft4(0.75, reference_low=0.7), fires=["THY-01a"]),
    case("ft4_11_pmol_below_lab_lln_12_pmol", tsh(6), ft4(11, "pmol/L", reference_low=12), fires=["THY-02"]),
    case("tsh_12_low_ft4_fires_01b_and_02", tsh(12), ft4(0.5), fires=["THY-01b", "THY-02"]),
    case("tsh_raised_ft4_unmeasured_01a_fires_02_skips", tsh(6), fires=["THY-01a"], skips=["THY-02"]),
    case("tsh_10_ft4_unmeasured_01b_fires_02_skips", tsh(10), fires=["THY-01b"], skips=["THY-02"]),
    case("tsh_normal_ft4_unmeasured_nothing_to_evaluate", tsh(2)),
    # low TSH: LLN 0.45 default or laboratory, 0.1 suppression cut
    case("tsh_0.45_at_default_lln_not_flagged", tsh(0.45), ft4(1.2)),
    case("tsh_0.44_below_lln_normal_ft4_03a", tsh(0.44), ft4(1.2), fires=["THY-03a"]),
    case("tsh_0.1_is_03a_not_03b", tsh(0.1), ft4(1.2), fires=["THY-03a"]),
    case("tsh_0.09_is_03b_not_03a", tsh(0.09), ft4(1.2), fires=["THY-03b"]),
    case("tsh_0.35_above_lab_lln_0.3_not_flagged", tsh(0.35, reference_low=0.3), ft4(1.2)),
    case("tsh_0.29_below_lab_lln_0.3_03a", tsh(0.29, reference_low=0.3), ft4(1.2), fires=["THY-03a"]),
    case("low_tsh_ft4_1.8_at_uln_03a", tsh(0.3), ft4(1.8), fires=["THY-03a"]),
    case("low_tsh_ft4_1.81_above_uln_03c", tsh(0.3), ft4(1.81), fires=["THY-03c"]),
    case("low_tsh_ft4_23.1_pmol_above_uln_03c", tsh(0.3), ft4(23.1, "pmol/L"), fires=["THY-03c"]),
    case("low_tsh_ft4_above_lab_uln_1.6_03c", tsh(0.3), ft4(1.7, reference_high=1.6), fires=["THY-03c"]),
    case("low_tsh_ft4_unmeasured_03a_03c_skip", tsh(0.3), skips=["THY-03a", "THY-03c"]),
    case("suppressed_tsh_raised_ft4_03b_and_03c", tsh(0.05), ft4(2.5), fires=["THY-03b", "THY-03c"]),
    case("suppressed_tsh_normal_ft4_03b_only", tsh(0.05), ft4(1.2), fires=["THY-03b"]),
    case("suppressed_tsh_ft4_unmeasured_03b_fires_03c_skips", tsh(0.05), fires=["THY-03b"], skips=["THY-03c"]),
    # censored results
    case("tsh_below_0.01_fires_03b", tsh(0.01, comparator="<"), ft4(1.2), fires=["THY-03b"]),
    case("tsh_below_0.2_cannot_place_03a_03b", tsh(0.2, comparator="<"), ft4(1.2), skips=["THY-03a", "THY-03b"]),
    case("tsh_above_100_fires_01b", tsh(100, comparator=">"), ft4(1.2), fires=["THY-01b"]),
    case("tsh_above_5_cannot_place_01a_01b", tsh(5, comparator=">"), ft4(1.2), skips=["THY-01a", "THY-01b"]),
    case("ft4_above_3_with_suppressed_tsh", tsh(0.05), ft4(3, comparator=">"), fires=["THY-03b", "THY-03c"]),
    case("ft4_below_0.5_with_tsh_20", tsh(20), ft4(0.5, comparator="<"), fires=["THY-01b", "THY-02"]),
    case("ft4_below_1.0_cannot_place_01a_02", tsh(6), ft4(1.0, comparator="<"), skips=["THY-01a", "THY-02"]),
    # freshness: 12 months, 6 months on lithium (medicine or augmentation)
    case(
        "tsh_exactly_12_months_old_is_used",
        tsh(6, collected=TWELVE_MONTHS_AGO),
        ft4(1.2, collected=TWELVE_MONTHS_AGO),
        fires=["THY-01a"],
    ),
    case("tsh_a_day_over_12_months_is_stale", tsh(6, collected=TWELVE_MONTHS_AGO - DAY), skips=THYROID),
    case(
        "on_lithium_tsh_exactly_6_months_old_is_used",
        tsh(6, collected=SIX_MONTHS_AGO),
        ft4(1.2, collected=SIX_MONTHS_AGO),
        fires=["THY-01a"],
        medicines=LITHIUM,
    ),
    case(
        "on_lithium_tsh_a_day_over_6_months_is_stale",
        tsh(6, collected=SIX_MONTHS_AGO - DAY),
        skips=THYROID,
        medicines=LITHIUM,
    ),
    case(
        "lithium_augmentation_also_shortens_window",
        tsh(6, collected=SIX_MONTHS_AGO - DAY),
        skips=THYROID,
        augmentations=(Augmentation("lithium", start=D(2025, 1, 1)),),
    ),
    case(
        "stopped_lithium_keeps_12_month_window",
        tsh(6, collected=SIX_MONTHS_AGO - DAY),
        ft4(1.2, collected=SIX_MONTHS_AGO - DAY),
        fires=["THY-01a"],
        medicines=(Medicine("lithium", start=D(2024, 1, 1), end=D(2026, 3, 1)),),
    ),
    # FT4 pairing: same day, else latest within 30 days of the TSH
    case("ft4_30_days_before_tsh_is_paired", tsh(6), ft4(0.5, collected=RECENT - 30 * DAY), fires=["THY-02"]),
    case(
        "ft4_31_days_before_tsh_is_not_paired",
        tsh(6),
        ft4(0.5, collected=RECENT - 31 * DAY),
        fires=["THY-01a"],
        skips=["THY-02"],
    ),
    case(
        "same_day_ft4_preferred_over_later_one",
        tsh(6, collected=RECENT - 5 * DAY),
        ft4(1.2, collected=RECENT - 5 * DAY),
        ft4(0.5),
        fires=["THY-01a"],
    ),
    case(
        "conflicting_same_day_ft4_cannot_be_used",
        tsh(6),
        ft4(1.2),
        ft4(0.5),
        skips=["THY-01a", "THY-02"],
    ),
    case("no_tsh_all_thyroid_rules_skip", ft4(1.2), skips=THYROID),
    case("latest_tsh_is_used_not_older_abnormal", tsh(8, collected=D(2026, 3, 1)), tsh(2), ft4(1.2)),
]


@pytest.mark.parametrize(PARAMS, THYROID_PATTERNS)
def test_thyroid_patterns_flag_as_the_reference_says(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_detail_names_laboratory_upper_limit_when_given():
    result = screen(make_snapshot(labs=(tsh(6.2, reference_high=4.2), ft4(1.2))))
    detail = finding(result, "THY-01a").detail
    assert "laboratory upper limit 4.2 mIU/L" in detail
    assert "TSH 6.2 mIU/L (2026-10-20)" in detail


def test_detail_names_default_upper_limit_without_laboratory_limit():
    result = screen(make_snapshot(labs=(tsh(6.2), ft4(1.2))), tsh_upper_limit=4.0)
    assert "default upper limit 4 mIU/L" in finding(result, "THY-01a").detail


def test_detail_shows_ft4_as_reported_and_converted():
    result = screen(make_snapshot(labs=(tsh(6.2), ft4(15, "pmol/L"))))
    found = finding(result, "THY-01a")
    assert "free T4 15 pmol/L (1.166 ng/dL, 2026-10-20) is within the default range 10-23 pmol/L" in found.detail
    assert [v.entered for v in found.values] == ["", "15 pmol/L"]


def test_detail_says_ft4_was_not_measured():
    result = screen(make_snapshot(labs=(tsh(6.2),)))
    assert "no free T4 within 30 days of the TSH of 2026-10-20" in finding(result, "THY-01a").detail


def test_stale_tsh_reason_mentions_lithium_window():
    result = screen(make_snapshot(labs=(tsh(6, collected=SIX_MONTHS_AGO - DAY),), medicines=LITHIUM))
    assert (
        reason(result, "THY-01a") == "latest TSH (2026-04-30) is older than 6 months (6-month window while on lithium)"
    )


def test_low_tsh_detail_notes_thyroid_hormone_use():
    result = screen(make_snapshot(labs=(tsh(0.05), ft4(1.2)), medicines=(Medicine("levothyroxine"),)))
    assert "Thyroid hormone use is recorded (Levothyroxine)" in finding(result, "THY-03b").detail


# ---------------------------------------------------------------------------------------------------------
# THY-04: anti-TPO above the assay limit (35 IU/mL when the assay gives none)

ANTI_TPO = [
    case("anti_tpo_35_at_typical_uln_not_positive", lab("anti_tpo", 35), among=["THY-04"]),
    case("anti_tpo_36_above_typical_uln", lab("anti_tpo", 36), fires=["THY-04"], among=["THY-04"]),
    case("anti_tpo_50_below_assay_uln_60", lab("anti_tpo", 50, reference_high=60), among=["THY-04"]),
    case("anti_tpo_61_above_assay_uln_60", lab("anti_tpo", 61, reference_high=60), fires=["THY-04"], among=["THY-04"]),
    case("anti_tpo_30_above_assay_uln_20", lab("anti_tpo", 30, reference_high=20), fires=["THY-04"], among=["THY-04"]),
    case("anti_tpo_kiu_l_same_as_iu_ml", lab("anti_tpo", 36, "k[IU]/L"), fires=["THY-04"], among=["THY-04"]),
    case("anti_tpo_above_1000_positive", lab("anti_tpo", 1000, comparator=">"), fires=["THY-04"], among=["THY-04"]),
    case("anti_tpo_below_10_negative", lab("anti_tpo", 10, comparator="<"), among=["THY-04"]),
    case("anti_tpo_below_50_cannot_tell", lab("anti_tpo", 50, comparator="<"), skips=["THY-04"], among=["THY-04"]),
    case(
        "anti_tpo_five_years_old_still_used",
        lab("anti_tpo", 80, collected=D(2021, 6, 1)),
        fires=["THY-04"],
        among=["THY-04"],
    ),
    case("no_anti_tpo_not_evaluable", skips=["THY-04"], among=["THY-04"]),
]


@pytest.mark.parametrize(PARAMS, ANTI_TPO)
def test_anti_tpo_positive_above_assay_limit(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_anti_tpo_detail_says_assay_limit_was_not_given():
    detail = finding(screen(make_snapshot(labs=(lab("anti_tpo", 80),))), "THY-04").detail
    assert "35 IU/mL, the typical assay upper limit (the assay's own upper limit was not given)" in detail


def test_anti_tpo_detail_names_assay_limit_when_given():
    detail = finding(screen(make_snapshot(labs=(lab("anti_tpo", 80, reference_high=60),))), "THY-04").detail
    assert "above the assay upper limit 60 IU/mL" in detail


# ---------------------------------------------------------------------------------------------------------
# THY-05: biotin in the 2 days before a sample with an abnormal thyroid result


def biotin(**kw):
    return (Supplement("biotin", **kw),)


BIOTIN = [
    case(
        "biotin_on_sample_day_low_tsh",
        tsh(0.2),
        supplements=biotin(last_taken=RECENT),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_2_days_before_sample_low_tsh",
        tsh(0.2),
        supplements=biotin(last_taken=RECENT - 2 * DAY),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_3_days_before_sample_not_flagged",
        tsh(0.2),
        supplements=biotin(last_taken=RECENT - 3 * DAY),
        among=["THY-05"],
    ),
    case(
        "biotin_last_taken_after_sample_unknown_before",
        tsh(0.2),
        supplements=biotin(last_taken=RECENT + DAY),
        skips=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_ongoing_course_covers_sample",
        tsh(0.2),
        supplements=biotin(start=D(2026, 1, 1)),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_course_started_after_sample",
        tsh(0.2),
        supplements=biotin(start=RECENT + DAY),
        among=["THY-05"],
    ),
    case(
        "biotin_without_date_and_abnormal_tsh_skips",
        tsh(0.2),
        supplements=biotin(),
        skips=["THY-05"],
        among=["THY-05"],
    ),
    case("biotin_without_date_normal_results_not_flagged", tsh(2), ft4(1.2), supplements=biotin(), among=["THY-05"]),
    case(
        "biotin_in_window_normal_results_not_flagged",
        tsh(2),
        ft4(1.2),
        supplements=biotin(last_taken=RECENT),
        among=["THY-05"],
    ),
    case("no_biotin_abnormal_tsh_not_flagged", tsh(0.2), among=["THY-05"]),
    case(
        "biotin_high_ft4_pmol",
        tsh(1),
        ft4(24, "pmol/L"),
        supplements=biotin(last_taken=RECENT),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_high_ft3_4.3_above_default",
        lab("ft3", 4.3),
        supplements=biotin(last_taken=RECENT),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case("biotin_ft3_4.2_at_default_uln", lab("ft3", 4.2), supplements=biotin(last_taken=RECENT), among=["THY-05"]),
    case(
        "biotin_ft3_6.6_pmol_above_uln",
        lab("ft3", 6.6, "pmol/L"),
        supplements=biotin(last_taken=RECENT),
        fires=["THY-05"],
        among=["THY-05"],
    ),
    case(
        "biotin_ft3_6.5_pmol_at_uln", lab("ft3", 6.5, "pmol/L"), supplements=biotin(last_taken=RECENT), among=["THY-05"]
    ),
    case(
        "biotin_tsh_within_lab_range_not_flagged",
        tsh(0.3, reference_low=0.27),
        supplements=biotin(last_taken=RECENT),
        among=["THY-05"],
    ),
    case(
        "biotin_tsh_above_clinic_uln",
        tsh(4.2),
        supplements=biotin(last_taken=RECENT),
        fires=["THY-05"],
        among=["THY-05"],
        options={"tsh_upper_limit": 4.0},
    ),
    case(
        "biotin_stale_thyroid_result_ignored",
        tsh(0.2, collected=TWELVE_MONTHS_AGO - DAY),
        supplements=biotin(last_taken=TWELVE_MONTHS_AGO - DAY),
        among=["THY-05"],
    ),
]


@pytest.mark.parametrize(PARAMS, BIOTIN)
def test_biotin_flags_abnormal_thyroid_results(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_biotin_without_date_reason_says_so():
    result = screen(make_snapshot(labs=(tsh(0.2),), supplements=biotin()))
    assert "biotin recorded without a last-taken date" in reason(result, "THY-05")


# ---------------------------------------------------------------------------------------------------------
# THY-06: lithium without a TSH in the last 6 months

LITHIUM_MONITORING = [
    case("lithium_tsh_exactly_6_months_ago_ok", tsh(2, collected=SIX_MONTHS_AGO), medicines=LITHIUM, among=["THY-06"]),
    case(
        "lithium_tsh_a_day_over_6_months_flagged",
        tsh(2, collected=SIX_MONTHS_AGO - DAY),
        medicines=LITHIUM,
        fires=["THY-06"],
        among=["THY-06"],
    ),
    case("lithium_no_tsh_flagged", medicines=LITHIUM, fires=["THY-06"], among=["THY-06"]),
    case(
        "lithium_augmentation_no_tsh_flagged",
        augmentations=(Augmentation("lithium", start=D(2025, 1, 1)),),
        fires=["THY-06"],
        among=["THY-06"],
    ),
    case(
        "lithium_stopped_not_flagged",
        medicines=(Medicine("lithium", start=D(2024, 1, 1), end=D(2026, 10, 1)),),
        among=["THY-06"],
    ),
    case("not_on_lithium_not_flagged", among=["THY-06"]),
]


@pytest.mark.parametrize(PARAMS, LITHIUM_MONITORING)
def test_lithium_without_recent_tsh(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_lithium_detail_gives_last_tsh():
    result = screen(make_snapshot(labs=(tsh(2, collected=D(2026, 1, 10)),), medicines=LITHIUM))
    assert "the last TSH was 2 mIU/L (2026-01-10), none since 2026-05-01" in finding(result, "THY-06").detail


# ---------------------------------------------------------------------------------------------------------
# HORM-01: morning total testosterone in men


def t_total(value, unit=None, *, time=MORNING, **kw):
    return lab("testosterone", value, unit, time=time, **kw)


TESTOSTERONE = [
    case("299_ng_dl_below_aua", t_total(299), patient=MAN, fires=["HORM-01"], among=["HORM-01"]),
    case("300_ng_dl_at_aua_not_flagged", t_total(300), patient=MAN, among=["HORM-01"]),
    case("10.3_nmol_below_10.4", t_total(10.3, "nmol/L"), patient=MAN, fires=["HORM-01"], among=["HORM-01"]),
    case("10.4_nmol_at_cut_not_flagged", t_total(10.4, "nmol/L"), patient=MAN, among=["HORM-01"]),
    case("woman_low_testosterone_not_applicable", t_total(20), among=["HORM-01"]),
    case(
        "sample_05:59_not_morning", t_total(200, time=dt.time(5, 59)), patient=MAN, skips=["HORM-01"], among=["HORM-01"]
    ),
    case("sample_06:00_morning", t_total(200, time=dt.time(6, 0)), patient=MAN, fires=["HORM-01"], among=["HORM-01"]),
    case("sample_10:00_morning", t_total(200, time=dt.time(10, 0)), patient=MAN, fires=["HORM-01"], among=["HORM-01"]),
    case(
        "sample_10:01_not_morning", t_total(200, time=dt.time(10, 1)), patient=MAN, skips=["HORM-01"], among=["HORM-01"]
    ),
    case("sample_time_missing_skips", t_total(200, time=None), patient=MAN, skips=["HORM-01"], among=["HORM-01"]),
    case(
        "earlier_morning_sample_used_when_latest_is_afternoon",
        t_total(250, collected=RECENT - 20 * DAY),
        t_total(400, time=dt.time(15, 0)),
        patient=MAN,
        fires=["HORM-01"],
        among=["HORM-01"],
    ),
    case(
        "exactly_6_months_old_used",
        t_total(250, collected=SIX_MONTHS_AGO),
        patient=MAN,
        fires=["HORM-01"],
        among=["HORM-01"],
    ),
    case(
        "a_day_over_6_months_stale",
        t_total(250, collected=SIX_MONTHS_AGO - DAY),
        patient=MAN,
        skips=["HORM-01"],
        among=["HORM-01"],
    ),
    case("censored_below_100_fires", t_total(100, comparator="<"), patient=MAN, fires=["HORM-01"], among=["HORM-01"]),
    case(
        "censored_below_400_cannot_tell",
        t_total(400, comparator="<"),
        patient=MAN,
        skips=["HORM-01"],
        among=["HORM-01"],
    ),
    case("no_testosterone_skips", patient=MAN, skips=["HORM-01"], among=["HORM-01"]),
    # per-clinic cut-offs: 264 (Endocrine Society) and 350 (EAU/BSSM), compared in ng/dL
    case(
        "263_below_es_264",
        t_total(263),
        patient=MAN,
        fires=["HORM-01"],
        among=["HORM-01"],
        options={"testosterone_cutoff_ng_dl": 264},
    ),
    case("264_at_es_264", t_total(264), patient=MAN, among=["HORM-01"], options={"testosterone_cutoff_ng_dl": 264}),
    case(
        "299_not_low_under_es_264",
        t_total(299),
        patient=MAN,
        among=["HORM-01"],
        options={"testosterone_cutoff_ng_dl": 264},
    ),
    case(
        "9.1_nmol_below_es_264",
        t_total(9.1, "nmol/L"),
        patient=MAN,
        fires=["HORM-01"],
        among=["HORM-01"],
        options={"testosterone_cutoff_ng_dl": 264},
    ),
    case(
        "9.2_nmol_above_es_264_after_conversion",
        t_total(9.2, "nmol/L"),
        patient=MAN,
        among=["HORM-01"],
        options={"testosterone_cutoff_ng_dl": 264},
    ),
    case(
        "349_below_eau_350",
        t_total(349),
        patient=MAN,
        fires=["HORM-01"],
        among=["HORM-01"],
        options={"testosterone_cutoff_ng_dl": 350},
    ),
    case("350_at_eau_350", t_total(350), patient=MAN, among=["HORM-01"], options={"testosterone_cutoff_ng_dl": 350}),
]


@pytest.mark.parametrize(PARAMS, TESTOSTERONE)
def test_morning_testosterone_below_cut_off(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_testosterone_without_time_reason_asks_for_morning_sample():
    result = screen(make_snapshot(patient=MAN, labs=(t_total(200, time=None),)))
    assert reason(result, "HORM-01").startswith("sample time not recorded (morning sample 06:00-10:00 needed)")


def test_testosterone_detail_shows_reported_nmol_and_notes_opioids():
    result = screen(
        make_snapshot(
            patient=MAN, labs=(t_total(8.9, "nmol/L"),), medicines=(Medicine("oxycodone", start=D(2025, 1, 1)),)
        )
    )
    found = finding(result, "HORM-01")
    assert "8.9 nmol/L (256.7 ng/dL, 2026-10-20), sampled at 08:30" in found.detail
    assert "Opioid use is recorded (Oxycodone)" in found.detail


# ---------------------------------------------------------------------------------------------------------
# HORM-02: morning cortisol


def cortisol(value, unit=None, *, time=MORNING, **kw):
    return lab("cortisol", value, unit, time=time, **kw)


CORTISOL = [
    case("2.9_ug_dl_below_3", cortisol(2.9), fires=["HORM-02"], among=["HORM-02"]),
    case("3_ug_dl_not_flagged", cortisol(3), among=["HORM-02"]),
    case("82_nmol_below_83", cortisol(82, "nmol/L"), fires=["HORM-02"], among=["HORM-02"]),
    case("83_nmol_at_cut_not_flagged", cortisol(83, "nmol/L"), among=["HORM-02"]),
    # 82.9 nmol/L is 3.005 ug/dL: below the reference's 83 nmol/L although not below 3 ug/dL after conversion
    case("82.9_nmol_compared_in_nmol", cortisol(82.9, "nmol/L"), fires=["HORM-02"], among=["HORM-02"]),
    case("sample_05:59_not_morning", cortisol(2, time=dt.time(5, 59)), skips=["HORM-02"], among=["HORM-02"]),
    case("sample_06:00_morning", cortisol(2, time=dt.time(6, 0)), fires=["HORM-02"], among=["HORM-02"]),
    case("sample_10:00_morning", cortisol(2, time=dt.time(10, 0)), fires=["HORM-02"], among=["HORM-02"]),
    case("sample_10:01_not_morning", cortisol(2, time=dt.time(10, 1)), skips=["HORM-02"], among=["HORM-02"]),
    case("no_sample_time_skips", cortisol(2, time=None), skips=["HORM-02"], among=["HORM-02"]),
    case("exactly_3_months_old_used", cortisol(2, collected=THREE_MONTHS_AGO), fires=["HORM-02"], among=["HORM-02"]),
    case(
        "a_day_over_3_months_stale", cortisol(2, collected=THREE_MONTHS_AGO - DAY), skips=["HORM-02"], among=["HORM-02"]
    ),
    case("censored_below_1_fires", cortisol(1, comparator="<"), fires=["HORM-02"], among=["HORM-02"]),
    case("censored_below_5_cannot_tell", cortisol(5, comparator="<"), skips=["HORM-02"], among=["HORM-02"]),
    case("men_too", cortisol(2.5), patient=MAN, fires=["HORM-02"], among=["HORM-02"]),
]


@pytest.mark.parametrize(PARAMS, CORTISOL)
def test_low_morning_cortisol(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_cortisol_detail_notes_glucocorticoid_exposure():
    snapshot = make_snapshot(labs=(cortisol(2.5),), medicines=(Medicine("prednisolone", start=D(2026, 9, 1)),))
    detail = finding(screen(snapshot), "HORM-02").detail
    assert "Glucocorticoid exposure is recorded (Prednisolone)" in detail


def test_cortisol_detail_silent_without_glucocorticoid():
    assert "Glucocorticoid" not in finding(screen(make_snapshot(labs=(cortisol(2.5),))), "HORM-02").detail


# ---------------------------------------------------------------------------------------------------------
# HORM-03a/b: prolactin above the laboratory or default upper limit (25 ng/mL women, 20 men); >= 200 marked


def prl(value, unit=None, **kw):
    return lab("prolactin", value, unit, **kw)


PROLACTIN_CASES = [
    case("woman_25_at_default_uln", prl(25), among=PROLACTIN),
    case("woman_25.1_above_default_uln", prl(25.1), fires=["HORM-03a"], among=PROLACTIN),
    case("woman_199.9_still_03a", prl(199.9), fires=["HORM-03a"], among=PROLACTIN),
    case("woman_200_marked", prl(200), fires=["HORM-03b"], among=PROLACTIN),
    case("man_20_at_default_uln", prl(20), patient=MAN, among=PROLACTIN),
    case("man_20.1_above_default_uln", prl(20.1), patient=MAN, fires=["HORM-03a"], among=PROLACTIN),
    case("lab_uln_20_overrides_female_default", prl(22, reference_high=20), fires=["HORM-03a"], among=PROLACTIN),
    case("lab_uln_26_overrides_male_default", prl(24, reference_high=26), patient=MAN, among=PROLACTIN),
    case("woman_543_miu_l_at_uln", prl(543, "m[IU]/L"), among=PROLACTIN),
    case("woman_544_miu_l_above_uln", prl(544, "m[IU]/L"), fires=["HORM-03a"], among=PROLACTIN),
    case("man_420_miu_l_below_20_ng_ml", prl(420, "m[IU]/L"), patient=MAN, among=PROLACTIN),
    case("man_430_miu_l_above_20_ng_ml", prl(430, "m[IU]/L"), patient=MAN, fires=["HORM-03a"], among=PROLACTIN),
    case("4200_miu_l_below_200_ng_ml", prl(4200, "m[IU]/L"), fires=["HORM-03a"], among=PROLACTIN),
    case("4300_miu_l_marked", prl(4300, "m[IU]/L"), fires=["HORM-03b"], among=PROLACTIN),
    case("lab_uln_in_miu_l", prl(500, "m[IU]/L", reference_high=450), fires=["HORM-03a"], among=PROLACTIN),
    case("censored_above_200_marked", prl(200, comparator=">"), fires=["HORM-03b"], among=PROLACTIN),
    case("censored_above_100_cannot_tell", prl(100, comparator=">"), skips=PROLACTIN, among=PROLACTIN),
    case("censored_below_10_normal", prl(10, comparator="<"), among=PROLACTIN),
    case("exactly_6_months_old_used", prl(40, collected=SIX_MONTHS_AGO), fires=["HORM-03a"], among=PROLACTIN),
    case("a_day_over_6_months_stale", prl(40, collected=SIX_MONTHS_AGO - DAY), skips=PROLACTIN, among=PROLACTIN),
    case("no_prolactin_skips", skips=PROLACTIN, among=PROLACTIN),
]


@pytest.mark.parametrize(PARAMS, PROLACTIN_CASES)
def test_prolactin_above_reference_range(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


def test_prolactin_detail_mentions_prolactin_raising_drugs():
    snapshot = make_snapshot(labs=(prl(60),), augmentations=(Augmentation("risperidone", start=D(2026, 6, 1)),))
    detail = finding(screen(snapshot), "HORM-03a").detail
    assert "default upper limit 25 ng/mL for women" in detail
    assert "Prolactin-raising medication is recorded (Risperidone)" in detail


def test_prolactin_detail_does_not_blame_aripiprazole():
    snapshot = make_snapshot(labs=(prl(60),), augmentations=(Augmentation("aripiprazole", start=D(2026, 6, 1)),))
    assert "Prolactin-raising" not in finding(screen(snapshot), "HORM-03a").detail


# ---------------------------------------------------------------------------------------------------------
# HORM-06: women 40-55 with cycle changes


def woman(birth: dt.date, status: MenstrualStatus | None = MenstrualStatus.IRREGULAR, **kw):
    return make_patient(birth_date=birth, menstrual_status=status, **kw)


MENOPAUSE = [
    case("age_39_day_before_40th_birthday", patient=woman(D(1986, 11, 2)), among=["HORM-06"]),
    case("age_40_on_birthday", patient=woman(D(1986, 11, 1)), fires=["HORM-06"], among=["HORM-06"]),
    case("age_55_last_day", patient=woman(D(1970, 11, 2)), fires=["HORM-06"], among=["HORM-06"]),
    case("age_56_on_birthday", patient=woman(D(1970, 11, 1)), among=["HORM-06"]),
    case(
        "amenorrhoea_under_12_months",
        patient=woman(D(1975, 1, 1), MenstrualStatus.AMENORRHOEA_UNDER_12_MONTHS),
        fires=["HORM-06"],
        among=["HORM-06"],
    ),
    case("regular_cycles", patient=woman(D(1975, 1, 1), MenstrualStatus.REGULAR), among=["HORM-06"]),
    case("postmenopausal", patient=woman(D(1975, 1, 1), MenstrualStatus.POSTMENOPAUSAL), among=["HORM-06"]),
    case("status_not_recorded_skips", patient=woman(D(1975, 1, 1), None), skips=["HORM-06"], among=["HORM-06"]),
    case("status_not_recorded_outside_age_not_applicable", patient=woman(D(1990, 1, 1), None), among=["HORM-06"]),
    case("pregnant_amenorrhoea_not_flagged", patient=woman(D(1984, 1, 1), pregnant=True), among=["HORM-06"]),
    case(
        "man_not_applicable",
        patient=make_patient(sex=Sex.MALE, birth_date=D(1975, 1, 1)),
        among=["HORM-06"],
    ),
]


@pytest.mark.parametrize(PARAMS, MENOPAUSE)
def test_menopause_transition_by_age_and_cycle(snapshot, as_of, options, among, fires, skips):
    check(snapshot, as_of, options, among, fires, skips)


# ---------------------------------------------------------------------------------------------------------
# Declarations


def test_rules_are_in_reference_order_with_hormonal_category():
    assert [r.id for r in thyroid_hormonal.RULES] == [
        "THY-01a",
        "THY-01b",
        "THY-02",
        "THY-03a",
        "THY-03b",
        "THY-03c",
        "THY-04",
        "THY-05",
        "THY-06",
        "HORM-01",
        "HORM-02",
        "HORM-03a",
        "HORM-03b",
        "HORM-06",
    ]
    assert {r.category for r in thyroid_hormonal.RULES} == {Category.HORMONAL}
    assert all(r.version == 1 and r.source and r.follow_up and r.rationale for r in thyroid_hormonal.RULES)


def test_threshold_names_carry_their_unit():
    units = {"MIU_L", "NG_DL", "PG_ML", "IU_ML", "UG_DL", "NG_ML", "YEARS"}
    for rule in thyroid_hormonal.RULES:
        for cut in rule.thresholds:
            assert any(cut.name.endswith(unit) for unit in units), cut.name
