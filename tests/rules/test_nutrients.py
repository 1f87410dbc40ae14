"""Nutrient and medication-monitoring rules NUTR-01a..NUTR-09, MED-01, MED-02 (clinical reference 6, 10.3, 11.4).

Each table row: a label saying the expected outcome, the patient's data, and the rule ids expected to fire and to
be not evaluable among the rules the row is about. Dates are relative to AS_OF (2026-11-01); results default to
RECENT (2026-10-20).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from screening.rules import nutrients
from screening.rules.base import months_before
from screening.rules.engine import run_rules
from screening.rules.options import B12Convention, FerritinConvention, ScreeningOptions, VitaminDConvention
from screening.rules.result import Category
from screening.rules.snapshot import Medicine, Sex

from .builders import AS_OF, RECENT, lab, make_patient, make_snapshot

D = dt.date
DAY = dt.timedelta(days=1)
TWELVE_MONTHS_AGO = months_before(AS_OF, 12)  # 2025-11-01

B12 = ("NUTR-01a", "NUTR-01b", "NUTR-01c")
FOLATE = ("NUTR-02a", "NUTR-02b")
FERRITIN = ("NUTR-03a", "NUTR-03b", "NUTR-03c")
VITAMIN_D = ("NUTR-05a", "NUTR-05b", "NUTR-05c")
MAGNESIUM = ("NUTR-06a", "NUTR-06b")
GREY_ZONE = {"b12": B12Convention.GREY_ZONE_180_350}


def screen(snapshot, *, as_of: dt.date = AS_OF, **options: Any):
    return run_rules(
        nutrients.RULES, snapshot, as_of=as_of, options=ScreeningOptions(**options), ruleset_version="test"
    )


def finding(result, rule_id: str):
    (found,) = [f for f in result.findings if f.rule_id == rule_id]
    return found


def reason(result, rule_id: str) -> str:
    (entry,) = [n for n in result.not_evaluable if n.rule_id == rule_id]
    return entry.reason


def case(name, *labs, among, fires=(), skips=(), options=None, **snapshot_fields):
    """One labelled row; ``fires``/``skips`` are the expected ids among ``among``."""
    assert set(fires) <= set(among), name
    assert set(skips) <= set(among), name
    snapshot = make_snapshot(labs=labs, **snapshot_fields)
    return pytest.param(snapshot, options or {}, among, frozenset(fires), frozenset(skips), id=name)


PARAMS = ("snapshot", "options", "among", "fires", "skips")


def check(snapshot, options, among, fires, skips) -> None:
    result = screen(snapshot, **options)
    assert result.rule_ids & set(among) == fires
    assert result.not_evaluable_ids & set(among) == skips


# ---------------------------------------------------------------------------------------------------------
# NUTR-01a to NUTR-01c: B12 < 200 pg/mL (148 pmol/L); 200-299 borderline split by MMA and homocysteine


def b12(value, unit=None, **kw):
    return lab("b12", value, unit, **kw)


B12_CASES = [
    case("199_pg_ml_low", b12(199), among=B12, fires=["NUTR-01a"]),
    case("200_pg_ml_borderline_metabolites_unmeasured", b12(200), among=B12, fires=["NUTR-01b"]),
    case("299_pg_ml_borderline", b12(299), among=B12, fires=["NUTR-01b"]),
    case("300_pg_ml_not_flagged", b12(300), among=B12),
    case("ng_l_same_as_pg_ml", b12(199, "ng/L"), among=B12, fires=["NUTR-01a"]),
    case("147_pmol_low", b12(147, "pmol/L"), among=B12, fires=["NUTR-01a"]),
    case("148_pmol_borderline", b12(148, "pmol/L"), among=B12, fires=["NUTR-01b"]),
    case("221_pmol_borderline", b12(221, "pmol/L"), among=B12, fires=["NUTR-01b"]),
    case("222_pmol_not_flagged", b12(222, "pmol/L"), among=B12),
    # the 180-350 convention
    case("179_low_under_180_350", b12(179), among=B12, fires=["NUTR-01a"], options=GREY_ZONE),
    case("180_borderline_under_180_350", b12(180), among=B12, fires=["NUTR-01b"], options=GREY_ZONE),
    case("199_borderline_under_180_350", b12(199), among=B12, fires=["NUTR-01b"], options=GREY_ZONE),
    case("349_borderline_under_180_350", b12(349), among=B12, fires=["NUTR-01b"], options=GREY_ZONE),
    case("350_not_flagged_under_180_350", b12(350), among=B12, options=GREY_ZONE),
    # metabolites: MMA > 0.271 umol/L (271 nmol/L), homocysteine > 15 umol/L
    case("mma_0.272_raised", b12(250), lab("mma", 0.272), among=B12, fires=["NUTR-01c"]),
    case("mma_0.271_not_raised", b12(250), lab("mma", 0.271), among=B12, fires=["NUTR-01b"]),
    case("mma_272_nmol_raised", b12(250), lab("mma", 272, "nmol/L"), among=B12, fires=["NUTR-01c"]),
    case("mma_271_nmol_not_raised", b12(250), lab("mma", 271, "nmol/L"), among=B12, fires=["NUTR-01b"]),
    case("hcy_15.1_raised", b12(250), lab("homocysteine", 15.1), among=B12, fires=["NUTR-01c"]),
    case("hcy_15_not_raised", b12(250), lab("homocysteine", 15), among=B12, fires=["NUTR-01b"]),
    case(
        "one_raised_metabolite_is_enough",
        b12(250),
        lab("mma", 0.2),
        lab("homocysteine", 20),
        among=B12,
        fires=["NUTR-01c"],
    ),
    case(
        "stale_raised_mma_counts_as_unmeasured",
        b12(250),
        lab("mma", 0.5, collected=TWELVE_MONTHS_AGO - DAY),
        among=B12,
        fires=["NUTR-01b"],
    ),
    case(
        "mma_exactly_12_months_old_counts",
        b12(250),
        lab("mma", 0.5, collected=TWELVE_MONTHS_AGO),
        among=B12,
        fires=["NUTR-01c"],
    ),
    case("censored_mma_above_0.2_cannot_tell", b12(250), lab("mma", 0.2, comparator=">"), among=B12, skips=B12[1:]),
    case("censored_mma_below_0.1_not_raised", b12(250), lab("mma", 0.1, comparator="<"), among=B12, fires=["NUTR-01b"]),
    case("low_b12_ignores_metabolites", b12(150), lab("mma", 0.5), among=B12, fires=["NUTR-01a"]),
    # censored B12
    case("b12_below_150_low", b12(150, comparator="<"), among=B12, fires=["NUTR-01a"]),
    case("b12_below_250_cannot_place", b12(250, comparator="<"), among=B12, skips=B12),
    case("b12_above_300_normal", b12(300, comparator=">"), among=B12),
    case("b12_above_250_cannot_place_borderline", b12(250, comparator=">"), among=B12, skips=B12[1:]),
    case("b12_above_2000_normal", b12(2000, comparator=">"), among=B12),
    # freshness
    case("b12_exactly_12_months_old_used", b12(150, collected=TWELVE_MONTHS_AGO), among=B12, fires=["NUTR-01a"]),
    case("b12_a_day_over_12_months_stale", b12(150, collected=TWELVE_MONTHS_AGO - DAY), among=B12, skips=B12),
    case("no_b12_skips", among=B12, skips=B12),
]


@pytest.mark.parametrize(PARAMS, B12_CASES)
def test_b12_bands(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


def test_b12_detail_shows_reported_pmol_and_b12_lowering_drugs():
    snapshot = make_snapshot(labs=(b12(100, "pmol/L"),), medicines=(Medicine("metformin", start=D(2020, 1, 1)),))
    detail = finding(screen(snapshot), "NUTR-01a").detail
    assert "100 pmol/L (135.5 pg/mL, 2026-10-20) is below 148 pmol/L" in detail
    assert "Recorded medicines that can lower B12: Metformin" in detail


def test_borderline_b12_detail_says_metabolites_not_measured():
    detail = finding(screen(make_snapshot(labs=(b12(250),))), "NUTR-01b").detail
    assert "MMA not measured in the last 12 months; homocysteine not measured in the last 12 months" in detail


# ---------------------------------------------------------------------------------------------------------
# NUTR-02a/02b: folate < 3 ng/mL (6.8 nmol/L); 3-3.9 ng/mL (< 10 nmol/L)


def folate(value, unit=None, **kw):
    return lab("folate", value, unit, **kw)


FOLATE_CASES = [
    case("2.9_low", folate(2.9), among=FOLATE, fires=["NUTR-02a"]),
    case("3_low_normal", folate(3), among=FOLATE, fires=["NUTR-02b"]),
    case("3.9_low_normal", folate(3.9), among=FOLATE, fires=["NUTR-02b"]),
    case("4_not_flagged", folate(4), among=FOLATE),
    case("6.7_nmol_low", folate(6.7, "nmol/L"), among=FOLATE, fires=["NUTR-02a"]),
    case("6.8_nmol_low_normal", folate(6.8, "nmol/L"), among=FOLATE, fires=["NUTR-02b"]),
    case("9.9_nmol_low_normal", folate(9.9, "nmol/L"), among=FOLATE, fires=["NUTR-02b"]),
    # 9.5 nmol/L is 4.19 ng/mL: the reference states the WHO 2012 cut as < 10 nmol/L
    case("9.5_nmol_compared_in_nmol", folate(9.5, "nmol/L"), among=FOLATE, fires=["NUTR-02b"]),
    case("10_nmol_not_flagged", folate(10, "nmol/L"), among=FOLATE),
    case("censored_below_2_low", folate(2, comparator="<"), among=FOLATE, fires=["NUTR-02a"]),
    case("censored_above_20_normal", folate(20, comparator=">"), among=FOLATE),
    case("censored_below_3.5_cannot_place", folate(3.5, comparator="<"), among=FOLATE, skips=FOLATE),
    case("stale_skips", folate(2, collected=TWELVE_MONTHS_AGO - DAY), among=FOLATE, skips=FOLATE),
]


@pytest.mark.parametrize(PARAMS, FOLATE_CASES)
def test_folate_bands(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


# ---------------------------------------------------------------------------------------------------------
# NUTR-03a to NUTR-03c: ferritin < 15, 15-29, 30 to < 70 (option 50 / 100) with CRP > 5 mg/L within 14 days


def ferritin(value, unit=None, **kw):
    return lab("ferritin", value, unit, **kw)


def crp(value, *, days_from_ferritin=0, key="crp", unit=None, **kw):
    return lab(key, value, unit, collected=RECENT + days_from_ferritin * DAY, **kw)


FERRITIN_CASES = [
    case("14_low", ferritin(14), among=FERRITIN, fires=["NUTR-03a"]),
    case("15_probable", ferritin(15), among=FERRITIN, fires=["NUTR-03b"]),
    case("29_probable", ferritin(29), among=FERRITIN, fires=["NUTR-03b"]),
    case("ug_l_same_as_ng_ml", ferritin(14, "ug/L"), among=FERRITIN, fires=["NUTR-03a"]),
    case("30_without_crp_skips_03c", ferritin(30), among=FERRITIN, skips=["NUTR-03c"]),
    case("69_without_crp_skips_03c", ferritin(69), among=FERRITIN, skips=["NUTR-03c"]),
    case("70_without_crp_not_flagged", ferritin(70), among=FERRITIN),
    case("30_with_crp_6", ferritin(30), crp(6), among=FERRITIN, fires=["NUTR-03c"]),
    case("69_with_crp_6", ferritin(69), crp(6), among=FERRITIN, fires=["NUTR-03c"]),
    case("70_with_crp_6_not_flagged", ferritin(70), crp(6), among=FERRITIN),
    case("29_with_crp_6_is_03b_only", ferritin(29), crp(6), among=FERRITIN, fires=["NUTR-03b"]),
    case("crp_5_not_above_5", ferritin(40), crp(5), among=FERRITIN),
    case("crp_5.1_above_5", ferritin(40), crp(5.1), among=FERRITIN, fires=["NUTR-03c"]),
    case("crp_0.6_mg_dl_is_6_mg_l", ferritin(40), crp(0.6, unit="mg/dL"), among=FERRITIN, fires=["NUTR-03c"]),
    case("hscrp_counts", ferritin(40), crp(8, key="hscrp"), among=FERRITIN, fires=["NUTR-03c"]),
    case("crp_14_days_before", ferritin(40), crp(8, days_from_ferritin=-14), among=FERRITIN, fires=["NUTR-03c"]),
    case("crp_15_days_before_skips", ferritin(40), crp(8, days_from_ferritin=-15), among=FERRITIN, skips=["NUTR-03c"]),
    case(
        "crp_14_days_after",
        ferritin(40, collected=RECENT - 14 * DAY),
        crp(8),
        among=FERRITIN,
        fires=["NUTR-03c"],
    ),
    case(
        "any_raised_crp_in_window",
        ferritin(40),
        crp(2),
        crp(9, days_from_ferritin=-7),
        among=FERRITIN,
        fires=["NUTR-03c"],
    ),
    case("censored_crp_below_1_no_inflammation", ferritin(40), crp(1, comparator="<"), among=FERRITIN),
    case("censored_crp_above_3_cannot_tell", ferritin(40), crp(3, comparator=">"), among=FERRITIN, skips=["NUTR-03c"]),
    # inflammation cut-off options
    case(
        "aafp_49_flagged",
        ferritin(49),
        crp(8),
        among=FERRITIN,
        fires=["NUTR-03c"],
        options={"ferritin": FerritinConvention.AAFP},
    ),
    case("aafp_50_not_flagged", ferritin(50), crp(8), among=FERRITIN, options={"ferritin": FerritinConvention.AAFP}),
    case(
        "aafp_60_without_crp_not_flagged", ferritin(60), among=FERRITIN, options={"ferritin": FerritinConvention.AAFP}
    ),
    case(
        "bsg_99_flagged",
        ferritin(99),
        crp(8),
        among=FERRITIN,
        fires=["NUTR-03c"],
        options={"ferritin": FerritinConvention.BSG},
    ),
    case("bsg_100_not_flagged", ferritin(100), crp(8), among=FERRITIN, options={"ferritin": FerritinConvention.BSG}),
    # censored ferritin
    case("ferritin_above_1000_not_low", ferritin(1000, comparator=">"), among=FERRITIN),
    case("ferritin_below_10_low", ferritin(10, comparator="<"), among=FERRITIN, fires=["NUTR-03a"]),
    case(
        "ferritin_below_20_cannot_place", ferritin(20, comparator="<"), among=FERRITIN, skips=["NUTR-03a", "NUTR-03b"]
    ),
    case("stale_ferritin_skips", ferritin(10, collected=TWELVE_MONTHS_AGO - DAY), among=FERRITIN, skips=FERRITIN),
]


@pytest.mark.parametrize(PARAMS, FERRITIN_CASES)
def test_ferritin_bands(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


def test_ferritin_without_crp_reason():
    result = screen(make_snapshot(labs=(ferritin(45),)))
    assert reason(result, "NUTR-03c") == "no CRP within 14 days of ferritin (2026-10-20)"


def test_ferritin_inflammation_detail_names_convention_and_crp():
    detail = finding(screen(make_snapshot(labs=(ferritin(45), crp(12, days_from_ferritin=-3)))), "NUTR-03c").detail
    assert "45 ng/mL (2026-10-20) lies in 30 ng/mL <= ferritin < 70 ng/mL (WHO 2020" in detail
    assert "CRP 12 mg/L (2026-10-17)" in detail


# ---------------------------------------------------------------------------------------------------------
# NUTR-04: TSAT < 20 %

TSAT_CASES = [
    case("19_low", lab("tsat", 19), among=["NUTR-04"], fires=["NUTR-04"]),
    case("20_not_flagged", lab("tsat", 20), among=["NUTR-04"]),
    case("fraction_0.19_low", lab("tsat", 0.19, "1"), among=["NUTR-04"], fires=["NUTR-04"]),
    case("fraction_0.2_not_flagged", lab("tsat", 0.2, "1"), among=["NUTR-04"]),
    case("no_tsat_skips", among=["NUTR-04"], skips=["NUTR-04"]),
]


@pytest.mark.parametrize(PARAMS, TSAT_CASES)
def test_transferrin_saturation(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


# ---------------------------------------------------------------------------------------------------------
# NUTR-05a to NUTR-05c: 25(OH)D < 12 (30 nmol/L), 12-19 (< 50), 20-29 (< 75) ng/mL


def vit_d(value, unit=None, **kw):
    return lab("vitamin_d", value, unit, **kw)


ES2011 = {"vitamin_d": VitaminDConvention.ENDOCRINE_SOCIETY_2011}
IOM2011 = {"vitamin_d": VitaminDConvention.IOM_2011}

VITAMIN_D_CASES = [
    case("11.9_low", vit_d(11.9), among=VITAMIN_D, fires=["NUTR-05a"]),
    case("12_below_20", vit_d(12), among=VITAMIN_D, fires=["NUTR-05b"]),
    case("19.9_below_20", vit_d(19.9), among=VITAMIN_D, fires=["NUTR-05b"]),
    case("20_in_20_29", vit_d(20), among=VITAMIN_D, fires=["NUTR-05c"]),
    case("29.9_in_20_29", vit_d(29.9), among=VITAMIN_D, fires=["NUTR-05c"]),
    case("30_not_flagged", vit_d(30), among=VITAMIN_D),
    case("29_nmol_low", vit_d(29, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05a"]),
    case("30_nmol_below_50", vit_d(30, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05b"]),
    case("49_nmol_below_50", vit_d(49, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05b"]),
    case("50_nmol_in_20_29", vit_d(50, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05c"]),
    case("74_nmol_in_20_29", vit_d(74, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05c"]),
    # 74.9 nmol/L is 30.01 ng/mL: compared in nmol/L against the stated 75
    case("74.9_nmol_compared_in_nmol", vit_d(74.9, "nmol/L"), among=VITAMIN_D, fires=["NUTR-05c"]),
    case("75_nmol_not_flagged", vit_d(75, "nmol/L"), among=VITAMIN_D),
    case("censored_below_10_low", vit_d(10, comparator="<"), among=VITAMIN_D, fires=["NUTR-05a"]),
    case("censored_below_15_cannot_place", vit_d(15, comparator="<"), among=VITAMIN_D, skips=["NUTR-05a", "NUTR-05b"]),
    case("censored_above_100_normal", vit_d(100, comparator=">"), among=VITAMIN_D),
    # conventions: ids, bands and severities unchanged; IOM 2011 does not flag 20-29
    case("iom2011_25_not_flagged", vit_d(25), among=VITAMIN_D, options=IOM2011),
    case("iom2011_15_below_20", vit_d(15), among=VITAMIN_D, fires=["NUTR-05b"], options=IOM2011),
    case("iom2011_no_result_05c_not_applicable", among=VITAMIN_D, skips=["NUTR-05a", "NUTR-05b"], options=IOM2011),
    case("es2011_25_in_20_29", vit_d(25), among=VITAMIN_D, fires=["NUTR-05c"], options=ES2011),
    case("es2011_11_low", vit_d(11), among=VITAMIN_D, fires=["NUTR-05a"], options=ES2011),
    case("stale_skips", vit_d(10, collected=TWELVE_MONTHS_AGO - DAY), among=VITAMIN_D, skips=VITAMIN_D),
]


@pytest.mark.parametrize(PARAMS, VITAMIN_D_CASES)
def test_vitamin_d_bands(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


def test_vitamin_d_es2011_detail_names_convention():
    detail = finding(screen(make_snapshot(labs=(vit_d(25),)), **ES2011), "NUTR-05c").detail
    assert "Clinic convention: Endocrine Society 2011" in detail


def test_vitamin_d_default_detail_names_no_convention():
    assert "convention" not in finding(screen(make_snapshot(labs=(vit_d(25),))), "NUTR-05c").detail


# ---------------------------------------------------------------------------------------------------------
# NUTR-06a/06b: magnesium < 0.75 mmol/L (1.82 mg/dL); < 0.50 (1.22 mg/dL)


def mg(value, unit=None, **kw):
    return lab("magnesium", value, unit, **kw)


MAGNESIUM_CASES = [
    case("0.74_low", mg(0.74), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("0.75_not_flagged", mg(0.75), among=MAGNESIUM),
    case("0.50_low_not_marked", mg(0.50), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("0.49_marked", mg(0.49), among=MAGNESIUM, fires=["NUTR-06b"]),
    case("1.81_mg_dl_low", mg(1.81, "mg/dL"), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("1.82_mg_dl_not_flagged", mg(1.82, "mg/dL"), among=MAGNESIUM),
    case("1.22_mg_dl_low_not_marked", mg(1.22, "mg/dL"), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("1.21_mg_dl_marked", mg(1.21, "mg/dL"), among=MAGNESIUM, fires=["NUTR-06b"]),
    case("1.4_meq_l_low", mg(1.4, "mEq/L"), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("1.5_meq_l_not_flagged", mg(1.5, "mEq/L"), among=MAGNESIUM),
    case("censored_below_0.4_marked", mg(0.4, comparator="<"), among=MAGNESIUM, fires=["NUTR-06b"]),
    case("censored_below_0.6_cannot_place", mg(0.6, comparator="<"), among=MAGNESIUM, skips=MAGNESIUM),
    case("exactly_12_months_old_used", mg(0.6, collected=TWELVE_MONTHS_AGO), among=MAGNESIUM, fires=["NUTR-06a"]),
    case("a_day_over_12_months_stale", mg(0.6, collected=TWELVE_MONTHS_AGO - DAY), among=MAGNESIUM, skips=MAGNESIUM),
]


@pytest.mark.parametrize(PARAMS, MAGNESIUM_CASES)
def test_magnesium_bands(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


# ---------------------------------------------------------------------------------------------------------
# NUTR-07: zinc against the Hotz 2003 cell for sex, age, time (morning before 12:00) and fasting

WOMAN_46 = make_patient()  # born 1980-05-02
MAN_46 = make_patient(sex=Sex.MALE)
AM, PM = dt.time(8, 0), dt.time(12, 0)


def zinc(value, *, time=AM, fasting=True, unit=None, **kw):
    return lab("zinc", value, unit, time=time, fasting=fasting, **kw)


def born_years_before_sample(years: int, *, days_early: int = 0) -> dt.date:
    """Birth date making the patient exactly ``years`` old on RECENT (``days_early`` > 0: older by that many days)."""
    return RECENT.replace(year=RECENT.year - years) - days_early * DAY


def person(sex: Sex, age: int, *, last_day: bool = False):
    """Aged ``age`` on the sample date: on the birthday, or (``last_day``) the day before the next birthday."""
    birth = born_years_before_sample(age + 1) + DAY if last_day else born_years_before_sample(age)
    return make_patient(sex=sex, birth_date=birth)


ZINC = ["NUTR-07"]

ZINC_CASES = [
    # women 10-70: 70 / 66 / 59
    case("woman_am_fasting_69_low", zinc(69), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("woman_am_fasting_70_ok", zinc(70), patient=WOMAN_46, among=ZINC),
    case("woman_am_nonfasting_65_low", zinc(65, fasting=False), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("woman_am_nonfasting_66_ok", zinc(66, fasting=False), patient=WOMAN_46, among=ZINC),
    case("woman_pm_58_low", zinc(58, time=PM), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("woman_pm_59_ok", zinc(59, time=PM), patient=WOMAN_46, among=ZINC),
    case(
        "woman_11:59_is_morning",
        zinc(65, time=dt.time(11, 59), fasting=False),
        patient=WOMAN_46,
        among=ZINC,
        fires=ZINC,
    ),
    case("woman_12:00_is_afternoon", zinc(65, time=PM, fasting=False), patient=WOMAN_46, among=ZINC),
    case(
        "woman_pm_fasting_unknown_still_evaluable",
        zinc(58, time=PM, fasting=None),
        patient=WOMAN_46,
        among=ZINC,
        fires=ZINC,
    ),
    # men 10-64: 74 / 70 / 61
    case("man_am_fasting_73_low", zinc(73), patient=MAN_46, among=ZINC, fires=ZINC),
    case("man_am_fasting_74_ok", zinc(74), patient=MAN_46, among=ZINC),
    case("man_am_nonfasting_69_low", zinc(69, fasting=False), patient=MAN_46, among=ZINC, fires=ZINC),
    case("man_am_nonfasting_70_ok", zinc(70, fasting=False), patient=MAN_46, among=ZINC),
    case("man_pm_60_low", zinc(60, time=PM), patient=MAN_46, among=ZINC, fires=ZINC),
    case("man_pm_61_ok", zinc(61, time=PM), patient=MAN_46, among=ZINC),
    # men >= 65: 72 / 61 / 56
    case("man65_am_fasting_71_low", zinc(71), patient=person(Sex.MALE, 70), among=ZINC, fires=ZINC),
    case("man65_am_fasting_72_ok", zinc(72), patient=person(Sex.MALE, 70), among=ZINC),
    case("man65_am_nonfasting_60_low", zinc(60, fasting=False), patient=person(Sex.MALE, 70), among=ZINC, fires=ZINC),
    case("man65_am_nonfasting_61_ok", zinc(61, fasting=False), patient=person(Sex.MALE, 70), among=ZINC),
    case("man65_pm_55_low", zinc(55, time=PM), patient=person(Sex.MALE, 70), among=ZINC, fires=ZINC),
    case("man65_pm_56_ok", zinc(56, time=PM), patient=person(Sex.MALE, 70), among=ZINC),
    # age cells (age on the sample date)
    case("man_64_last_day_uses_74", zinc(73), patient=person(Sex.MALE, 64, last_day=True), among=ZINC, fires=ZINC),
    case("man_65_on_birthday_uses_72", zinc(73), patient=person(Sex.MALE, 65), among=ZINC),
    case("woman_70_last_day_in_table", zinc(69), patient=person(Sex.FEMALE, 70, last_day=True), among=ZINC, fires=ZINC),
    case("woman_71_outside_table", zinc(50), patient=person(Sex.FEMALE, 71), among=ZINC, skips=ZINC),
    case("child_10_in_table", zinc(69), patient=person(Sex.FEMALE, 10), among=ZINC, fires=ZINC),
    case("child_9_outside_table", zinc(50), patient=person(Sex.MALE, 9, last_day=True), among=ZINC, skips=ZINC),
    # unknown conditions: evaluable only when every possible cut-off agrees
    case("time_unknown_below_every_cut", zinc(58, time=None), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("time_unknown_above_every_cut", zinc(70, time=None), patient=WOMAN_46, among=ZINC),
    case("time_unknown_between_cuts_skips", zinc(62, time=None), patient=WOMAN_46, among=ZINC, skips=ZINC),
    case("fasting_unknown_below_both_morning_cuts", zinc(65, fasting=None), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("fasting_unknown_above_both_morning_cuts", zinc(70, fasting=None), patient=WOMAN_46, among=ZINC),
    case(
        "fasting_unknown_between_morning_cuts_skips", zinc(68, fasting=None), patient=WOMAN_46, among=ZINC, skips=ZINC
    ),
    # umol/L (x 0.1530): 10.6 umol/L = 69.3 ug/dL, 10.8 umol/L = 70.6 ug/dL
    case("10.6_umol_low", zinc(10.6, unit="umol/L"), patient=WOMAN_46, among=ZINC, fires=ZINC),
    case("10.8_umol_ok", zinc(10.8, unit="umol/L"), patient=WOMAN_46, among=ZINC),
    case("stale_zinc_skips", zinc(50, collected=TWELVE_MONTHS_AGO - DAY), patient=WOMAN_46, among=ZINC, skips=ZINC),
]


@pytest.mark.parametrize(PARAMS, ZINC_CASES)
def test_zinc_against_hotz_cell(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


def test_zinc_skip_reason_says_which_condition_is_unknown():
    result = screen(make_snapshot(labs=(zinc(68, fasting=None),)))
    assert reason(result, "NUTR-07").endswith("fasting status not recorded")
    result = screen(make_snapshot(labs=(zinc(62, time=None),)))
    assert "sample time not recorded" in reason(result, "NUTR-07")


def test_zinc_skip_reason_for_age_outside_table():
    result = screen(make_snapshot(patient=person(Sex.FEMALE, 71), labs=(zinc(50),)))
    assert reason(result, "NUTR-07") == (
        "no Hotz 2003 zinc cut-off for a female aged 71 (the table covers women 10-70 years and men from 10 years)"
    )


# ---------------------------------------------------------------------------------------------------------
# NUTR-08 homocysteine > 15 umol/L; NUTR-09 omega-3 index <= 4 %

OTHER_CASES = [
    case("hcy_15_not_flagged", lab("homocysteine", 15), among=["NUTR-08"]),
    case("hcy_15.1_flagged", lab("homocysteine", 15.1), among=["NUTR-08"], fires=["NUTR-08"]),
    case("hcy_above_50_flagged", lab("homocysteine", 50, comparator=">"), among=["NUTR-08"], fires=["NUTR-08"]),
    case("hcy_below_20_cannot_tell", lab("homocysteine", 20, comparator="<"), among=["NUTR-08"], skips=["NUTR-08"]),
    case(
        "hcy_a_day_over_12_months_stale",
        lab("homocysteine", 20, collected=TWELVE_MONTHS_AGO - DAY),
        among=["NUTR-08"],
        skips=["NUTR-08"],
    ),
    case("omega3_4_flagged", lab("omega3_index", 4), among=["NUTR-09"], fires=["NUTR-09"]),
    case("omega3_4.1_not_flagged", lab("omega3_index", 4.1), among=["NUTR-09"]),
    case(
        "omega3_exactly_12_months_old_used",
        lab("omega3_index", 3, collected=TWELVE_MONTHS_AGO),
        among=["NUTR-09"],
        fires=["NUTR-09"],
    ),
    case(
        "omega3_a_day_over_12_months_stale",
        lab("omega3_index", 3, collected=TWELVE_MONTHS_AGO - DAY),
        among=["NUTR-09"],
        skips=["NUTR-09"],
    ),
]


@pytest.mark.parametrize(PARAMS, OTHER_CASES)
def test_homocysteine_and_omega3(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


# ---------------------------------------------------------------------------------------------------------
# MED-01 metformin >= 12 months without B12; MED-02 PPI >= 12 months without magnesium

MED = ("MED-01", "MED-02")


def drug(name, start=TWELVE_MONTHS_AGO, end=None):
    return Medicine(name, start=start, end=end)


MED_CASES = [
    case("metformin_exactly_12_months_no_b12", among=MED, fires=["MED-01"], medicines=(drug("metformin"),)),
    case("metformin_a_day_short_of_12_months", among=MED, medicines=(drug("metformin", TWELVE_MONTHS_AGO + DAY),)),
    case(
        "metformin_b12_exactly_12_months_ago",
        b12(400, collected=TWELVE_MONTHS_AGO),
        among=MED,
        medicines=(drug("metformin"),),
    ),
    case(
        "metformin_b12_a_day_over_12_months",
        b12(400, collected=TWELVE_MONTHS_AGO - DAY),
        among=MED,
        fires=["MED-01"],
        medicines=(drug("metformin"),),
    ),
    case(
        "metformin_stopped_not_flagged",
        among=MED,
        medicines=(drug("metformin", D(2020, 1, 1), D(2026, 10, 1)),),
    ),
    case("metformin_start_unknown_skips", among=MED, skips=["MED-01"], medicines=(drug("metformin", None),)),
    case(
        "metformin_back_to_back_courses_count_together",
        among=MED,
        fires=["MED-01"],
        medicines=(drug("metformin", D(2025, 6, 1), D(2026, 2, 28)), drug("metformin", D(2026, 3, 1))),
    ),
    case(
        "metformin_gap_between_courses_restarts",
        among=MED,
        medicines=(drug("metformin", D(2025, 6, 1), D(2026, 2, 27)), drug("metformin", D(2026, 3, 1))),
    ),
    case("no_drugs_nothing_to_check", among=MED),
    case("ppi_exactly_12_months_no_mg", among=MED, fires=["MED-02"], medicines=(drug("omeprazole"),)),
    case("ppi_a_day_short_of_12_months", among=MED, medicines=(drug("omeprazole", TWELVE_MONTHS_AGO + DAY),)),
    case(
        "ppi_mg_exactly_12_months_ago", mg(0.8, collected=TWELVE_MONTHS_AGO), among=MED, medicines=(drug("omeprazole"),)
    ),
    case(
        "ppi_mg_a_day_over_12_months",
        mg(0.8, collected=TWELVE_MONTHS_AGO - DAY),
        among=MED,
        fires=["MED-02"],
        medicines=(drug("pantoprazole"),),
    ),
    case(
        "ppi_switch_between_ppis_is_continuous",
        among=MED,
        fires=["MED-02"],
        medicines=(drug("omeprazole", D(2025, 1, 1), D(2025, 12, 31)), drug("pantoprazole", D(2026, 1, 1))),
    ),
    case("h2_blocker_is_not_a_ppi", among=MED, medicines=(drug("famotidine"),)),
    case("ppi_start_unknown_skips", among=MED, skips=["MED-02"], medicines=(drug("esomeprazole", None),)),
    case(
        "ppi_unknown_start_but_known_long_course",
        among=MED,
        fires=["MED-02"],
        medicines=(drug("omeprazole", D(2024, 1, 1)), drug("lansoprazole", None)),
    ),
]


@pytest.mark.parametrize(PARAMS, MED_CASES)
def test_long_term_drug_without_monitoring(snapshot, options, among, fires, skips):
    check(snapshot, options, among, fires, skips)


def test_metformin_detail_gives_start_and_last_b12():
    snapshot = make_snapshot(labs=(b12(420, collected=D(2024, 5, 6)),), medicines=(drug("metformin", D(2021, 3, 1)),))
    found = finding(screen(snapshot), "MED-01")
    assert found.detail == (
        "Metformin (Metformin) has been taken continuously since 2021-03-01; the last B12 was 420 pg/mL "
        "(2024-05-06), none since 2025-11-01."
    )


# ---------------------------------------------------------------------------------------------------------
# Declarations


def test_rules_are_in_reference_order_with_their_categories():
    assert [r.id for r in nutrients.RULES] == [
        "NUTR-01a",
        "NUTR-01b",
        "NUTR-01c",
        "NUTR-02a",
        "NUTR-02b",
        "NUTR-03a",
        "NUTR-03b",
        "NUTR-03c",
        "NUTR-04",
        "NUTR-05a",
        "NUTR-05b",
        "NUTR-05c",
        "NUTR-06a",
        "NUTR-06b",
        "NUTR-07",
        "NUTR-08",
        "NUTR-09",
        "MED-01",
        "MED-02",
    ]
    for rule in nutrients.RULES:
        expected = Category.MEDICATION if rule.id.startswith("MED") else Category.NUTRIENT
        assert rule.category == expected, rule.id
        assert rule.version == 1
        assert rule.source
        assert rule.follow_up
        assert rule.rationale


def test_threshold_names_carry_their_unit():
    units = ("PG_ML", "NG_ML", "UMOL_L", "MMOL_L", "MG_L", "PCT", "UG_DL")
    for rule in nutrients.RULES:
        for cut in rule.thresholds:
            assert cut.name.endswith(units), cut.name
