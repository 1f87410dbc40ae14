"""Metabolic rules META-01a to META-08 (clinical reference section 11.1).

Each table row is (label, snapshot, rules expected to fire, rules expected to be not evaluable, as_of, options);
the outcome of every rule of the group is checked, so a row also asserts that the other rules stay silent.
As of 2026-11-01 the 12-month window starts on 2025-11-01 (inside) and the 3-month window on 2026-08-01.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import pytest

from screening.rules.analytes import ANALYTES
from screening.rules.base import Context, Hit, Skip
from screening.rules.metabolic import RULES
from screening.rules.options import ScreeningOptions, TgHdlCutoff, WaistStandard
from screening.rules.snapshot import Ancestry, Augmentation, LabValue, Measurement, Medicine, Sex, Snapshot

from .builders import AS_OF, RECENT, lab, make_patient, make_snapshot

D = dt.date
NAMES = {key: analyte.name for key, analyte in ANALYTES.items()}
BY_ID = {rule.id: rule for rule in RULES}
DEFAULT = ScreeningOptions()
IN_12_MONTHS = D(2025, 11, 1)  # exactly 12 months before AS_OF: inside
OVER_12_MONTHS = D(2025, 10, 31)  # one day older: stale
IN_3_MONTHS = D(2026, 8, 1)
OVER_3_MONTHS = D(2026, 7, 31)
AM = dt.time(8, 0)
PM = dt.time(14, 0)


def run(rule_id: str, snapshot: Snapshot, *, as_of: dt.date = AS_OF, options: ScreeningOptions = DEFAULT):
    rule = BY_ID[rule_id]
    return rule.check(rule, Context(snapshot, as_of, options, NAMES))


def outcome_ids(rule_ids, snapshot, as_of, options) -> tuple[set[str], set[str]]:
    fired, skipped = set(), set()
    for rule_id in rule_ids:
        outcome = run(rule_id, snapshot, as_of=as_of, options=options)
        if isinstance(outcome, Hit):
            fired.add(rule_id)
        elif isinstance(outcome, Skip):
            skipped.add(rule_id)
        else:
            assert outcome is None
    return fired, skipped


def case(label: str, snapshot: Snapshot, fires=(), skips=(), *, as_of=AS_OF, options=DEFAULT):
    return pytest.param(snapshot, set(fires), set(skips), as_of, options, id=label)


CASE_ARGS = ("snapshot", "fires", "skips", "as_of", "options")


def snap(*labs: LabValue, **overrides: Any) -> Snapshot:
    return make_snapshot(labs=labs, **overrides)


def fpg(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    """A glucose documented as fasting."""
    fields.setdefault("fasting", True)
    return lab("glucose", value, unit, **fields)


def coded_fpg(value: float, **fields: Any) -> LabValue:
    """A glucose coded LOINC 1558-6 (fasting glucose) with the fasting flag left unrecorded."""
    return replace(lab("glucose", value, **fields), loinc="1558-6")


def man(**overrides: Any):
    return make_patient(sex=Sex.MALE, **overrides)


# ---------------------------------------------------------------------------------------------------------
# META-01a / META-01b: HbA1c

META_01 = ("META-01a", "META-01b")
HBA1C_CASES = [
    case("5.6 % is below prediabetes -> no flag", snap(lab("hba1c", 5.6))),
    case("5.7 % -> prediabetes", snap(lab("hba1c", 5.7)), {"META-01a"}),
    case("6.4 % -> prediabetes", snap(lab("hba1c", 6.4)), {"META-01a"}),
    case("6.5 % -> diabetes threshold", snap(lab("hba1c", 6.5)), {"META-01b"}),
    case("38 mmol/mol is below prediabetes -> no flag", snap(lab("hba1c", 38, "mmol/mol"))),
    case("39 mmol/mol -> prediabetes", snap(lab("hba1c", 39, "mmol/mol")), {"META-01a"}),
    case("47 mmol/mol -> prediabetes", snap(lab("hba1c", 47, "mmol/mol")), {"META-01a"}),
    case("48 mmol/mol -> diabetes threshold", snap(lab("hba1c", 48, "mmol/mol")), {"META-01b"}),
    case(
        "<6.0 % cannot be placed in prediabetes -> 01a not evaluable",
        snap(lab("hba1c", 6.0, comparator="<")),
        (),
        {"META-01a"},
    ),
    case("<5.7 % is below prediabetes -> no flag", snap(lab("hba1c", 5.7, comparator="<"))),
    case(">6.5 % -> diabetes threshold", snap(lab("hba1c", 6.5, comparator=">")), {"META-01b"}),
    case(">6.0 % cannot tell -> both not evaluable", snap(lab("hba1c", 6.0, comparator=">")), (), set(META_01)),
    case("HbA1c exactly 12 months old is used", snap(lab("hba1c", 5.8, collected=IN_12_MONTHS)), {"META-01a"}),
    case(
        "HbA1c one day older than 12 months -> not evaluable",
        snap(lab("hba1c", 5.8, collected=OVER_12_MONTHS)),
        (),
        set(META_01),
    ),
    case("no HbA1c -> not evaluable", snap(), (), set(META_01)),
    case("conflicting same-day HbA1c -> not evaluable", snap(lab("hba1c", 5.8), lab("hba1c", 6.6)), (), set(META_01)),
    case(
        "newest HbA1c wins over an older diabetes-range one",
        snap(lab("hba1c", 6.6, collected=D(2026, 1, 5)), lab("hba1c", 5.5)),
    ),
]


@pytest.mark.parametrize(CASE_ARGS, HBA1C_CASES)
def test_hba1c_flags_prediabetes_and_diabetes_bands(snapshot, fires, skips, as_of, options):
    assert outcome_ids(META_01, snapshot, as_of, options) == (fires, skips)


# ---------------------------------------------------------------------------------------------------------
# META-02a / META-02b: fasting plasma glucose

META_02 = ("META-02a", "META-02b")
FPG_CASES = [
    case("99 mg/dL -> no flag", snap(fpg(99))),
    case("100 mg/dL -> IFG", snap(fpg(100)), {"META-02a"}),
    case("125 mg/dL -> IFG", snap(fpg(125)), {"META-02a"}),
    case("125.9 mg/dL -> IFG (half-open band)", snap(fpg(125.9)), {"META-02a"}),
    case("126 mg/dL -> diabetes threshold", snap(fpg(126)), {"META-02b"}),
    case("5.5 mmol/L -> no flag", snap(fpg(5.5, "mmol/L"))),
    case("5.55 mmol/L is compared in mmol/L -> no flag", snap(fpg(5.55, "mmol/L"))),
    case("5.6 mmol/L -> IFG", snap(fpg(5.6, "mmol/L")), {"META-02a"}),
    case("6.9 mmol/L -> IFG", snap(fpg(6.9, "mmol/L")), {"META-02a"}),
    case("6.99 mmol/L -> IFG", snap(fpg(6.99, "mmol/L")), {"META-02a"}),
    case("7.0 mmol/L -> diabetes threshold", snap(fpg(7.0, "mmol/L")), {"META-02b"}),
    case("LOINC 1558-6 documents fasting -> IFG", snap(coded_fpg(110)), {"META-02a"}),
    case("fasting unknown (LOINC 2345-7) -> not evaluable", snap(lab("glucose", 110)), (), set(META_02)),
    case("non-fasting glucose -> not evaluable", snap(lab("glucose", 140, fasting=False)), (), set(META_02)),
    case(
        "explicitly non-fasting beats the 1558-6 code -> not evaluable",
        snap(replace(lab("glucose", 140, fasting=False), loinc="1558-6")),
        (),
        set(META_02),
    ),
    case(
        "older fasting glucose in the window is used despite a newer non-fasting one",
        snap(fpg(110, collected=D(2026, 3, 1)), lab("glucose", 180, fasting=False)),
        {"META-02a"},
    ),
    case(
        "stale fasting glucose and a recent non-fasting one -> not evaluable",
        snap(fpg(110, collected=OVER_12_MONTHS), lab("glucose", 180, fasting=False)),
        (),
        set(META_02),
    ),
    case("FPG exactly 12 months old is used", snap(fpg(110, collected=IN_12_MONTHS)), {"META-02a"}),
    case(
        "FPG one day older than 12 months -> not evaluable", snap(fpg(110, collected=OVER_12_MONTHS)), (), set(META_02)
    ),
    case("no glucose -> not evaluable", snap(), (), set(META_02)),
    case("conflicting same-day FPG -> not evaluable", snap(fpg(110), fpg(130)), (), set(META_02)),
    case("<100 mg/dL is below IFG -> no flag", snap(fpg(100, comparator="<"))),
    case("<110 mg/dL cannot be placed in IFG -> 02a not evaluable", snap(fpg(110, comparator="<")), (), {"META-02a"}),
    case(">126 mg/dL -> diabetes threshold", snap(fpg(126, comparator=">")), {"META-02b"}),
]


@pytest.mark.parametrize(CASE_ARGS, FPG_CASES)
def test_fasting_glucose_flags_ifg_and_diabetes_bands(snapshot, fires, skips, as_of, options):
    assert outcome_ids(META_02, snapshot, as_of, options) == (fires, skips)


def test_non_fasting_glucose_is_reported_as_fasting_not_documented():
    outcome = run("META-02a", snap(lab("glucose", 110)))
    assert isinstance(outcome, Skip)
    assert outcome.reason.startswith("fasting not documented")


def test_ifg_finding_shows_value_date_and_band():
    outcome = run("META-02a", snap(fpg(6.1, "mmol/L")))
    assert isinstance(outcome, Hit)
    assert "6.1 mmol/L (2026-10-20)" in outcome.title
    assert "100 mg/dL (5.6 mmol/L)" in outcome.threshold


# ---------------------------------------------------------------------------------------------------------
# META-03: HOMA-IR


def homa(glucose: LabValue, insulin: LabValue, **overrides: Any) -> Snapshot:
    return snap(glucose, insulin, **overrides)


def ins(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    return lab("insulin", value, unit, **fields)


HOMA_CASES = [
    case("100 mg/dL x 10.1 / 405 = 2.49 -> no flag", homa(fpg(100), ins(10.1))),
    case("100 mg/dL x 10.125 / 405 = 2.5 -> flag", homa(fpg(100), ins(10.125)), {"META-03"}),
    case("5.0 mmol/L x 11.2 / 22.5 = 2.49 -> no flag", homa(fpg(5.0, "mmol/L"), ins(11.2))),
    case("5.0 mmol/L x 11.25 / 22.5 = 2.5 -> flag", homa(fpg(5.0, "mmol/L"), ins(11.25)), {"META-03"}),
    case(
        "5.0 mmol/L x 11.245 / 22.5 = 2.499 (Matthews mmol/L form, not the 18.016-converted 2.501) -> no flag",
        homa(fpg(5.0, "mmol/L"), ins(11.245)),
    ),
    case("insulin 67.5 pmol/L = 11.25 uIU/mL -> flag", homa(fpg(5.0, "mmol/L"), ins(67.5, "pmol/L")), {"META-03"}),
    case("insulin 67.2 pmol/L = 11.2 uIU/mL -> no flag", homa(fpg(5.0, "mmol/L"), ins(67.2, "pmol/L"))),
    case("cut-off 2.0: HOMA 1.98 -> no flag", homa(fpg(100), ins(8.0)), options=ScreeningOptions(homa_ir_cutoff=2.0)),
    case(
        "cut-off 2.0: HOMA 2.0 -> flag",
        homa(fpg(100), ins(8.1)),
        {"META-03"},
        options=ScreeningOptions(homa_ir_cutoff=2.0),
    ),
    case("cut-off 2.9: HOMA 2.89 -> no flag", homa(fpg(100), ins(11.7)), options=ScreeningOptions(homa_ir_cutoff=2.9)),
    case(
        "cut-off 2.9: HOMA 2.9 -> flag",
        homa(fpg(100), ins(11.745)),
        {"META-03"},
        options=ScreeningOptions(homa_ir_cutoff=2.9),
    ),
    case("cut-off 3.0: HOMA 2.99 -> no flag", homa(fpg(100), ins(12.1)), options=ScreeningOptions(homa_ir_cutoff=3.0)),
    case(
        "cut-off 3.0: HOMA 3.0 -> flag",
        homa(fpg(100), ins(12.15)),
        {"META-03"},
        options=ScreeningOptions(homa_ir_cutoff=3.0),
    ),
    case("default cut-off 2.5 flags HOMA 2.6", homa(fpg(100), ins(10.53)), {"META-03"}),
    case(
        "cut-off 3.0 does not flag HOMA 2.6",
        homa(fpg(100), ins(10.53)),
        options=ScreeningOptions(homa_ir_cutoff=3.0),
    ),
    case(
        "glucose and insulin on different days -> not evaluable",
        homa(fpg(110), ins(20, collected=D(2026, 10, 19))),
        (),
        {"META-03"},
    ),
    case(
        "same day but different recorded times -> not evaluable",
        homa(fpg(110, time=AM), ins(20, time=PM)),
        (),
        {"META-03"},
    ),
    case("same day, one time missing -> same draw", homa(fpg(110, time=AM), ins(20)), {"META-03"}),
    case("glucose fasting not documented -> not evaluable", homa(lab("glucose", 110), ins(20)), (), {"META-03"}),
    case("insulin marked non-fasting -> not evaluable", homa(fpg(110), ins(20, fasting=False)), (), {"META-03"}),
    case("1558-6 glucose with insulin -> flag", homa(coded_fpg(110), ins(20)), {"META-03"}),
    case("no insulin -> not evaluable", snap(fpg(110)), (), {"META-03"}),
    case("censored insulin -> not evaluable", homa(fpg(110), ins(2, comparator="<")), (), {"META-03"}),
    case("censored glucose -> not evaluable", homa(fpg(126, comparator=">"), ins(20)), (), {"META-03"}),
    case(
        "type 1 diabetes -> not evaluable",
        homa(fpg(110), ins(20), conditions=frozenset({"type1_diabetes"})),
        (),
        {"META-03"},
    ),
    case(
        "insulin therapy on the draw date -> not evaluable",
        homa(fpg(110), ins(20), medicines=(Medicine("insulin", start=D(2026, 1, 1)),)),
        (),
        {"META-03"},
    ),
    case(
        "insulin secretagogue on the draw date -> not evaluable",
        homa(fpg(110), ins(20), medicines=(Medicine("gliclazide", start=D(2026, 1, 1)),)),
        (),
        {"META-03"},
    ),
    case(
        "insulin started after the draw -> evaluated",
        homa(fpg(110), ins(20), medicines=(Medicine("insulin", start=D(2026, 10, 25)),)),
        {"META-03"},
    ),
    case(
        "insulin stopped before the draw -> evaluated",
        homa(fpg(110), ins(20), medicines=(Medicine("insulin", start=D(2025, 1, 1), end=D(2026, 9, 1)),)),
        {"META-03"},
    ),
    case(
        "metformin is not a precondition failure",
        homa(fpg(110), ins(20), medicines=(Medicine("metformin"),)),
        {"META-03"},
    ),
    case(
        "draw exactly 12 months old is used",
        homa(fpg(110, collected=IN_12_MONTHS), ins(20, collected=IN_12_MONTHS)),
        {"META-03"},
    ),
    case(
        "draw one day older than 12 months -> not evaluable",
        homa(fpg(110, collected=OVER_12_MONTHS), ins(20, collected=OVER_12_MONTHS)),
        (),
        {"META-03"},
    ),
    case("conflicting same-draw insulin -> not evaluable", snap(fpg(110), ins(20), ins(5)), (), {"META-03"}),
    case(
        "an older complete draw is used when the newest FPG has no insulin",
        snap(fpg(90), fpg(110, collected=D(2026, 6, 1)), ins(20, collected=D(2026, 6, 1))),
        {"META-03"},
    ),
]


@pytest.mark.parametrize(CASE_ARGS, HOMA_CASES)
def test_homa_ir_flags_at_or_above_configured_cutoff(snapshot, fires, skips, as_of, options):
    assert outcome_ids(("META-03",), snapshot, as_of, options) == (fires, skips)


def test_homa_ir_finding_shows_index_and_both_inputs():
    outcome = run("META-03", homa(fpg(100), ins(12.15)))
    assert isinstance(outcome, Hit)
    assert [(v.label, v.unit) for v in outcome.values] == [
        ("HOMA-IR", "{index}"),
        ("Fasting glucose", "mg/dL"),
        ("Fasting insulin", "u[IU]/mL"),
    ]
    assert outcome.values[0].value == 3.0
    assert "HOMA-IR 3 (2026-10-20)" in outcome.title


def test_homa_ir_not_evaluable_reason_names_the_insulin_therapy():
    outcome = run("META-03", homa(fpg(110), ins(20), medicines=(Medicine("insulin", start=D(2026, 1, 1)),)))
    assert isinstance(outcome, Skip)
    assert "insulin therapy (Insulin) on the draw date 2026-10-20" in outcome.reason


# ---------------------------------------------------------------------------------------------------------
# META-04: TyG index (full-log)


def tg(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    return lab("triglycerides", value, unit, **fields)


TYG_CASES = [
    case("ln(98 x 100 / 2) = 8.497 -> no flag", snap(fpg(100), tg(98))),
    case("ln(99 x 100 / 2) = 8.507 -> flag", snap(fpg(100), tg(99)), {"META-04"}),
    case("mmol/L: TG 1.1, FPG 5.6 -> TyG 8.499 -> no flag", snap(fpg(5.6, "mmol/L"), tg(1.1, "mmol/L"))),
    case("mmol/L: TG 1.2, FPG 5.6 -> TyG 8.586 -> flag", snap(fpg(5.6, "mmol/L"), tg(1.2, "mmol/L")), {"META-04"}),
    case("cut-off 8.67: TyG 8.666 -> no flag", snap(fpg(100), tg(116)), options=ScreeningOptions(tyg_cutoff=8.67)),
    case(
        "cut-off 8.67: TyG 8.674 -> flag",
        snap(fpg(100), tg(117)),
        {"META-04"},
        options=ScreeningOptions(tyg_cutoff=8.67),
    ),
    case("cut-off 9.04: TyG 9.036 -> no flag", snap(fpg(100), tg(168)), options=ScreeningOptions(tyg_cutoff=9.04)),
    case(
        "cut-off 9.04: TyG 9.042 -> flag",
        snap(fpg(100), tg(169)),
        {"META-04"},
        options=ScreeningOptions(tyg_cutoff=9.04),
    ),
    case("TG from another day -> not evaluable", snap(fpg(100), tg(200, collected=D(2026, 9, 1))), (), {"META-04"}),
    case("glucose fasting not documented -> not evaluable", snap(lab("glucose", 100), tg(200)), (), {"META-04"}),
    case("TG marked non-fasting -> not evaluable", snap(fpg(100), tg(200, fasting=False)), (), {"META-04"}),
    case("censored TG -> not evaluable", snap(fpg(100), tg(10, comparator="<")), (), {"META-04"}),
    case("no TG -> not evaluable", snap(fpg(100)), (), {"META-04"}),
    case(
        "draw one day older than 12 months -> not evaluable",
        snap(fpg(100, collected=OVER_12_MONTHS), tg(200, collected=OVER_12_MONTHS)),
        (),
        {"META-04"},
    ),
    case(
        "draw exactly 12 months old is used",
        snap(fpg(100, collected=IN_12_MONTHS), tg(200, collected=IN_12_MONTHS)),
        {"META-04"},
    ),
]


@pytest.mark.parametrize(CASE_ARGS, TYG_CASES)
def test_tyg_index_flags_at_or_above_configured_cutoff(snapshot, fires, skips, as_of, options):
    assert outcome_ids(("META-04",), snapshot, as_of, options) == (fires, skips)


# ---------------------------------------------------------------------------------------------------------
# META-05: TG/HDL ratio


def hdl(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    return lab("hdl", value, unit, **fields)


def ftg(value: float, unit: str | None = None, **fields: Any) -> LabValue:
    """Triglycerides documented as fasting."""
    fields.setdefault("fasting", True)
    return tg(value, unit, **fields)


SEX_SPECIFIC = ScreeningOptions(tg_hdl=TgHdlCutoff.SEX_SPECIFIC)
TG_HDL_CASES = [
    case("149 / 50 = 2.98 -> no flag", snap(ftg(149), hdl(50))),
    case("150 / 50 = 3.0 -> flag", snap(ftg(150), hdl(50)), {"META-05"}),
    case("mmol/L 1.31 / 1.0 -> 2.998 in mg/dL -> no flag", snap(ftg(1.31, "mmol/L"), hdl(1.0, "mmol/L"))),
    case("mmol/L 1.32 / 1.0 -> 3.02 in mg/dL -> flag", snap(ftg(1.32, "mmol/L"), hdl(1.0, "mmol/L")), {"META-05"}),
    case("sex-specific, man: 175 / 50 = 3.5 -> no flag", snap(ftg(175), hdl(50), patient=man()), options=SEX_SPECIFIC),
    case(
        "sex-specific, man: 176 / 50 = 3.52 -> flag",
        snap(ftg(176), hdl(50), patient=man()),
        {"META-05"},
        options=SEX_SPECIFIC,
    ),
    case("sex-specific, man: 3.2 -> no flag", snap(ftg(160), hdl(50), patient=man()), options=SEX_SPECIFIC),
    case("default, man: 3.2 -> flag", snap(ftg(160), hdl(50), patient=man()), {"META-05"}),
    case("sex-specific, woman: 125 / 50 = 2.5 -> no flag", snap(ftg(125), hdl(50)), options=SEX_SPECIFIC),
    case("sex-specific, woman: 126 / 50 = 2.52 -> flag", snap(ftg(126), hdl(50)), {"META-05"}, options=SEX_SPECIFIC),
    case("default, woman: 2.52 -> no flag", snap(ftg(126), hdl(50))),
    case("TG fasting not documented -> not evaluable", snap(tg(200), hdl(40)), (), {"META-05"}),
    case("TG marked non-fasting -> not evaluable", snap(tg(200, fasting=False), hdl(40)), (), {"META-05"}),
    case("TG drawn with a fasting glucose counts as fasting -> flag", snap(tg(200), hdl(40), fpg(90)), {"META-05"}),
    case("HDL from another day -> not evaluable", snap(ftg(200), hdl(40, collected=D(2026, 9, 1))), (), {"META-05"}),
    case("no HDL -> not evaluable", snap(ftg(200)), (), {"META-05"}),
    case("no TG -> not evaluable", snap(hdl(40)), (), {"META-05"}),
    case("censored HDL -> not evaluable", snap(ftg(200), hdl(20, comparator="<")), (), {"META-05"}),
    case("conflicting same-day TG -> not evaluable", snap(ftg(200), ftg(100), hdl(40)), (), {"META-05"}),
    case(
        "draw exactly 12 months old is used",
        snap(ftg(200, collected=IN_12_MONTHS), hdl(40, collected=IN_12_MONTHS)),
        {"META-05"},
    ),
    case(
        "draw one day older than 12 months -> not evaluable",
        snap(ftg(200, collected=OVER_12_MONTHS), hdl(40, collected=OVER_12_MONTHS)),
        (),
        {"META-05"},
    ),
]


@pytest.mark.parametrize(CASE_ARGS, TG_HDL_CASES)
def test_tg_hdl_ratio_flags_per_configured_convention(snapshot, fires, skips, as_of, options):
    assert outcome_ids(("META-05",), snapshot, as_of, options) == (fires, skips)


# ---------------------------------------------------------------------------------------------------------
# META-06: harmonised metabolic syndrome


def mets(
    *,
    waist: float | None = 70,
    waist_on: dt.date = RECENT,
    bp: tuple[int | None, int | None] | None = (120, 80),
    bp_on: dt.date = RECENT,
    tg_lab: LabValue | None = None,
    hdl_lab: LabValue | None = None,
    glucose: LabValue | None = None,
    sex: Sex = Sex.FEMALE,
    ancestry: Ancestry = Ancestry.UNKNOWN,
    medicines: tuple[Medicine, ...] = (),
    conditions: frozenset[str] = frozenset(),
    extra_measurements: tuple[Measurement, ...] = (),
    omit: tuple[str, ...] = (),
) -> Snapshot:
    """Defaults: every component recorded and not met (waist 70, TG 100, HDL 60, BP 120/80, FPG 90)."""
    labs = {
        "tg": tg_lab or tg(100),
        "hdl": hdl_lab or hdl(60),
        "glucose": glucose or fpg(90),
    }
    measurements = list(extra_measurements)
    if waist is not None and "waist" not in omit:
        measurements.append(Measurement(waist_on, waist_cm=waist))
    if bp is not None and "bp" not in omit:
        measurements.append(Measurement(bp_on, systolic=bp[0], diastolic=bp[1]))
    return make_snapshot(
        patient=make_patient(sex=sex, ancestry=ancestry),
        labs=tuple(v for k, v in labs.items() if k not in omit),
        measurements=tuple(measurements),
        medicines=medicines,
        conditions=conditions,
    )


M6 = ("META-06",)
FIRES = {"META-06"}
HYPERTENSION = frozenset({"hypertension"})
METS_CASES = [
    case("nothing met -> no flag", mets()),
    case("3 of 5 met (waist, TG, HDL) -> flag", mets(waist=80, tg_lab=tg(150), hdl_lab=hdl(49)), FIRES),
    case(
        "all 5 met -> flag",
        mets(waist=90, tg_lab=tg(200), hdl_lab=hdl(40), bp=(140, 90), glucose=fpg(110)),
        FIRES,
    ),
    case(
        "2 of 5 met, other three just below -> no flag",
        mets(waist=80, tg_lab=tg(150), hdl_lab=hdl(50), bp=(129, 84), glucose=fpg(99)),
    ),
    case(
        "every component just below its cut-off -> no flag",
        mets(waist=79.9, tg_lab=tg(149), hdl_lab=hdl(50), bp=(129, 84), glucose=fpg(99)),
    ),
    case(
        "2 met and fasting glucose missing -> not evaluable", mets(waist=80, tg_lab=tg(150), omit=("glucose",)), (), M6
    ),
    case(
        "2 met and glucose not documented fasting -> not evaluable",
        mets(waist=80, tg_lab=tg(150), glucose=lab("glucose", 90)),
        (),
        M6,
    ),
    case("1 met, 1 missing, 3 not met -> no flag", mets(waist=80, omit=("glucose",))),
    case("1 met, 2 missing -> not evaluable", mets(waist=80, omit=("glucose", "tg")), (), M6),
    case("nothing recorded -> not evaluable", mets(omit=("waist", "bp", "tg", "hdl", "glucose")), (), M6),
    # Triglycerides (waist and BP met, the rest not)
    case("TG 150 mg/dL -> third component", mets(waist=85, bp=(140, 90), tg_lab=tg(150)), FIRES),
    case("TG 149 mg/dL -> only two", mets(waist=85, bp=(140, 90), tg_lab=tg(149))),
    case("TG 1.7 mmol/L -> third component", mets(waist=85, bp=(140, 90), tg_lab=tg(1.7, "mmol/L")), FIRES),
    case("TG 1.69 mmol/L -> only two", mets(waist=85, bp=(140, 90), tg_lab=tg(1.69, "mmol/L"))),
    case(
        "censored TG <200 with two met -> not evaluable",
        mets(waist=85, bp=(140, 90), tg_lab=tg(200, comparator="<")),
        (),
        M6,
    ),
    # HDL (BP and FPG met)
    case("woman HDL 49 mg/dL -> third", mets(bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(49)), FIRES),
    case("woman HDL 50 mg/dL -> only two", mets(bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(50))),
    case("woman HDL 1.29 mmol/L -> third", mets(bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(1.29, "mmol/L")), FIRES),
    case("woman HDL 1.3 mmol/L -> only two", mets(bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(1.3, "mmol/L"))),
    case("man HDL 39 mg/dL -> third", mets(sex=Sex.MALE, bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(39)), FIRES),
    case("man HDL 40 mg/dL -> only two", mets(sex=Sex.MALE, bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(40))),
    case(
        "man HDL 0.99 mmol/L -> third",
        mets(sex=Sex.MALE, bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(0.99, "mmol/L")),
        FIRES,
    ),
    case(
        "man HDL 1.0 mmol/L -> only two", mets(sex=Sex.MALE, bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(1.0, "mmol/L"))
    ),
    case(
        "man HDL 45 is not low (woman's cut-off not used)",
        mets(sex=Sex.MALE, bp=(140, 90), glucose=fpg(110), hdl_lab=hdl(45)),
    ),
    # Blood pressure (waist and TG met)
    case("BP 130/80 -> third", mets(waist=85, tg_lab=tg(200), bp=(130, 80)), FIRES),
    case("BP 129/85 -> third", mets(waist=85, tg_lab=tg(200), bp=(129, 85)), FIRES),
    case("BP 129/84 -> only two", mets(waist=85, tg_lab=tg(200), bp=(129, 84))),
    case("systolic 125 without diastolic -> not evaluable", mets(waist=85, tg_lab=tg(200), bp=(125, None)), (), M6),
    case("systolic 135 without diastolic -> third", mets(waist=85, tg_lab=tg(200), bp=(135, None)), FIRES),
    case(
        "BP exactly 12 months old is used",
        mets(waist=85, tg_lab=tg(200), bp=(140, 90), bp_on=IN_12_MONTHS),
        FIRES,
    ),
    case(
        "BP one day older than 12 months -> not evaluable",
        mets(waist=85, tg_lab=tg(200), bp=(140, 90), bp_on=OVER_12_MONTHS),
        (),
        M6,
    ),
    # Fasting glucose (waist and TG met)
    case("FPG 100 mg/dL -> third", mets(waist=85, tg_lab=tg(200), glucose=fpg(100)), FIRES),
    case("FPG 99 mg/dL -> only two", mets(waist=85, tg_lab=tg(200), glucose=fpg(99))),
    case("FPG 5.6 mmol/L -> third", mets(waist=85, tg_lab=tg(200), glucose=fpg(5.6, "mmol/L")), FIRES),
    case("FPG 5.5 mmol/L -> only two", mets(waist=85, tg_lab=tg(200), glucose=fpg(5.5, "mmol/L"))),
    # Drug-treatment components
    case(
        "fenofibrate counts for TG and HDL despite normal values -> flag",
        mets(waist=85, medicines=(Medicine("fenofibrate"),)),
        FIRES,
    ),
    case(
        "fenofibrate counts for TG and HDL without lab values -> flag",
        mets(waist=85, medicines=(Medicine("fenofibrate"),), omit=("tg", "hdl")),
        FIRES,
    ),
    case("icosapent ethyl counts for TG only -> only two", mets(waist=85, medicines=(Medicine("icosapent_ethyl"),))),
    case(
        "metformin counts for glucose despite FPG 90 -> flag",
        mets(waist=85, tg_lab=tg(200), medicines=(Medicine("metformin"),)),
        FIRES,
    ),
    case(
        "antihypertensive with hypertension history counts for BP 120/80 -> flag",
        mets(waist=85, tg_lab=tg(200), medicines=(Medicine("lisinopril"),), conditions=HYPERTENSION),
        FIRES,
    ),
    case(
        "antihypertensive without hypertension history does not count -> no flag",
        mets(waist=85, tg_lab=tg(200), medicines=(Medicine("propranolol"),)),
    ),
    case(
        "hypertension history without treatment does not count -> no flag",
        mets(waist=85, tg_lab=tg(200), conditions=HYPERTENSION),
    ),
    case(
        "a glucose-lowering drug stopped before as_of does not count -> no flag",
        mets(waist=85, tg_lab=tg(200), medicines=(Medicine("metformin", start=D(2024, 1, 1), end=D(2026, 6, 1)),)),
    ),
    # Waist freshness and conflicts (TG and BP met)
    case(
        "waist exactly 12 months old is used",
        mets(waist=85, waist_on=IN_12_MONTHS, tg_lab=tg(200), bp=(140, 90)),
        FIRES,
    ),
    case(
        "waist one day older than 12 months -> not evaluable",
        mets(waist=85, waist_on=OVER_12_MONTHS, tg_lab=tg(200), bp=(140, 90)),
        (),
        M6,
    ),
    case(
        "conflicting same-day waist -> not evaluable",
        mets(waist=85, tg_lab=tg(200), bp=(140, 90), extra_measurements=(Measurement(RECENT, waist_cm=70),)),
        (),
        M6,
    ),
]


@pytest.mark.parametrize(CASE_ARGS, METS_CASES)
def test_metabolic_syndrome_flags_three_of_five_components(snapshot, fires, skips, as_of, options):
    assert outcome_ids(M6, snapshot, as_of, options) == (fires, skips)


AHA = ScreeningOptions(waist=WaistStandard.AHA_NHLBI)
E, U, SA, CN, JP = Ancestry.EUROPID, Ancestry.UNKNOWN, Ancestry.SOUTH_ASIAN, Ancestry.CHINESE, Ancestry.JAPANESE
SSA, ME, CSA = Ancestry.SUB_SAHARAN_AFRICAN, Ancestry.MIDDLE_EASTERN, Ancestry.CENTRAL_SOUTH_AMERICAN
M, F = Sex.MALE, Sex.FEMALE
# (ancestry, sex, options, cut-off in cm)
WAIST_CUTOFFS = [
    (E, M, DEFAULT, 94),
    (E, F, DEFAULT, 80),
    (E, M, AHA, 102),
    (E, F, AHA, 88),
    (U, M, DEFAULT, 94),
    (U, F, DEFAULT, 80),
    (U, M, AHA, 102),
    (U, F, AHA, 88),
    (SA, M, DEFAULT, 90),
    (SA, F, DEFAULT, 80),
    (SA, M, AHA, 90),
    (CN, M, DEFAULT, 90),
    (CN, F, DEFAULT, 80),
    (CN, F, AHA, 80),
    (JP, M, DEFAULT, 85),
    (JP, F, DEFAULT, 90),
    (JP, M, AHA, 85),
    (SSA, M, DEFAULT, 94),
    (SSA, F, DEFAULT, 80),
    (SSA, M, AHA, 94),
    (ME, M, DEFAULT, 94),
    (ME, F, DEFAULT, 80),
    (ME, F, AHA, 80),
    (CSA, M, DEFAULT, 94),
    (CSA, F, DEFAULT, 80),
    (CSA, M, AHA, 94),
]
WAIST_CASES = [
    pytest.param(
        mets(waist=cut + delta, sex=sex, ancestry=ancestry, tg_lab=tg(200), bp=(140, 90)),
        FIRES if delta >= 0 else set(),
        set(),
        AS_OF,
        options,
        id=f"{ancestry}-{sex}-{options.waist}: waist {cut + delta} -> {'met' if delta >= 0 else 'not met'}",
    )
    for ancestry, sex, options, cut in WAIST_CUTOFFS
    for delta in (0, -0.5)
]


@pytest.mark.parametrize(CASE_ARGS, WAIST_CASES)
def test_metabolic_syndrome_waist_cutoff_follows_ancestry_sex_and_option(snapshot, fires, skips, as_of, options):
    assert outcome_ids(M6, snapshot, as_of, options) == (fires, skips)


def test_metabolic_syndrome_says_waist_cutoff_is_population_dependent_when_ancestry_unknown():
    outcome = run("META-06", mets(waist=80, tg_lab=tg(150), hdl_lab=hdl(49)))
    assert isinstance(outcome, Hit)
    assert "population-dependent" in outcome.detail
    assert "IDF Europid" in outcome.detail


def test_metabolic_syndrome_does_not_call_known_ancestry_population_dependent():
    outcome = run("META-06", mets(waist=80, tg_lab=tg(150), hdl_lab=hdl(49), ancestry=Ancestry.EUROPID))
    assert isinstance(outcome, Hit)
    assert "population-dependent" not in outcome.detail


def test_metabolic_syndrome_lists_every_component_used():
    snapshot = mets(
        waist=85,
        tg_lab=tg(100),
        hdl_lab=hdl(60),
        bp=(140, 90),
        glucose=fpg(90),
        medicines=(Medicine("fenofibrate"),),
    )
    outcome = run("META-06", snapshot)
    assert isinstance(outcome, Hit)
    labels = [v.label for v in outcome.values]
    assert labels == [
        "Waist circumference",
        "Triglycerides",
        "triglyceride-lowering treatment: Fenofibrate",
        "HDL cholesterol",
        "HDL-raising treatment: Fenofibrate",
        "Systolic BP",
        "Diastolic BP",
        "Fasting glucose",
    ]
    assert outcome.title.startswith("4 of 5 metabolic syndrome criteria met")


def test_metabolic_syndrome_not_evaluable_reason_lists_missing_components():
    outcome = run("META-06", mets(waist=85, tg_lab=tg(200), omit=("glucose", "bp")))
    assert isinstance(outcome, Skip)
    assert "2 of 5 components met" in outcome.reason
    assert "blood pressure (no blood pressure recorded)" in outcome.reason
    assert "fasting glucose (no Glucose result recorded)" in outcome.reason


# ---------------------------------------------------------------------------------------------------------
# META-07a / META-07b: BMI (height 170 cm: BMI = weight / 2.89)

META_07 = ("META-07a", "META-07b")
ADULT_HEIGHT = Measurement(D(2015, 3, 1), height_cm=170)


def body(weight: float, *, weighed: dt.date = RECENT, ancestry: Ancestry = Ancestry.UNKNOWN, **overrides: Any):
    overrides.setdefault("measurements", (ADULT_HEIGHT, Measurement(weighed, weight_kg=weight)))
    overrides.setdefault("patient", make_patient(ancestry=ancestry))
    return make_snapshot(**overrides)


BMI_CASES = [
    case("BMI 29.9 -> no flag", body(86.4)),
    case("BMI 29.948 rounds to 29.9 -> no flag", body(86.55)),
    case("BMI 29.965 rounds to 30.0 -> obesity", body(86.6), {"META-07a"}),
    case("BMI 30.0 -> obesity", body(86.7), {"META-07a"}),
    case("BMI 39.9 -> obesity", body(115.3), {"META-07a"}),
    case("BMI 40.0 -> class III", body(115.6), {"META-07b"}),
    case("Europid BMI 25.0 -> no flag", body(72.25, ancestry=Ancestry.EUROPID)),
    case("South Asian BMI 24.9 -> no flag", body(72.0, ancestry=Ancestry.SOUTH_ASIAN)),
    case(
        "South Asian BMI 25.0 -> obesity (Asian cut points)", body(72.25, ancestry=Ancestry.SOUTH_ASIAN), {"META-07a"}
    ),
    case("Chinese BMI 24.9 -> no flag", body(72.0, ancestry=Ancestry.CHINESE)),
    case("Chinese BMI 25.0 -> obesity", body(72.25, ancestry=Ancestry.CHINESE), {"META-07a"}),
    case("Japanese BMI 24.9 -> no flag", body(72.0, ancestry=Ancestry.JAPANESE)),
    case("Japanese BMI 25.0 -> obesity", body(72.25, ancestry=Ancestry.JAPANESE), {"META-07a"}),
    case("Japanese BMI 39.9 -> obesity", body(115.3, ancestry=Ancestry.JAPANESE), {"META-07a"}),
    case("Japanese BMI 40.0 -> class III", body(115.6, ancestry=Ancestry.JAPANESE), {"META-07b"}),
    case("weight exactly 3 months old is used", body(90, weighed=IN_3_MONTHS), {"META-07a"}),
    case("weight one day older than 3 months -> not evaluable", body(90, weighed=OVER_3_MONTHS), (), set(META_07)),
    case("no weight -> not evaluable", body(90, measurements=(ADULT_HEIGHT,)), (), set(META_07)),
    case("no height -> not evaluable", body(90, measurements=(Measurement(RECENT, weight_kg=90),)), (), set(META_07)),
    case(
        "only a childhood height -> not evaluable",
        body(90, measurements=(Measurement(D(1995, 1, 1), height_cm=150), Measurement(RECENT, weight_kg=90))),
        (),
        set(META_07),
    ),
    case(
        "height and weight on the same day -> obesity",
        body(90, measurements=(Measurement(RECENT, weight_kg=90, height_cm=170),)),
        {"META-07a"},
    ),
    case(
        "conflicting same-day weights -> not evaluable",
        body(90, measurements=(ADULT_HEIGHT, Measurement(RECENT, weight_kg=90), Measurement(RECENT, weight_kg=70))),
        (),
        set(META_07),
    ),
    case(
        "the latest weight is used",
        body(
            90, measurements=(ADULT_HEIGHT, Measurement(D(2026, 9, 1), weight_kg=90), Measurement(RECENT, weight_kg=70))
        ),
    ),
    case(
        "a 17-year-old -> not evaluable (adult cut-offs)",
        body(90, patient=make_patient(birth_date=D(2009, 6, 1))),
        (),
        set(META_07),
    ),
]


@pytest.mark.parametrize(CASE_ARGS, BMI_CASES)
def test_bmi_flags_obesity_and_class_iii(snapshot, fires, skips, as_of, options):
    assert outcome_ids(META_07, snapshot, as_of, options) == (fires, skips)


def test_bmi_finding_shows_bmi_weight_and_height():
    outcome = run("META-07a", body(86.7))
    assert isinstance(outcome, Hit)
    assert "BMI 30 kg/m2 (2026-10-20)" in outcome.title
    assert [(v.label, v.value) for v in outcome.values] == [("BMI", 30.0), ("Weight", 86.7), ("Height", 170)]


# ---------------------------------------------------------------------------------------------------------
# META-08: weight gain since an antipsychotic was started

START = D(2026, 5, 1)
BASELINE_DAY = D(2026, 4, 20)


def on_antipsychotic(
    baseline: float | None = 80,
    current: float | None = 84,
    *,
    baseline_on: dt.date = BASELINE_DAY,
    current_on: dt.date = RECENT,
    medicines: tuple[Medicine, ...] = (Medicine("olanzapine", start=START),),
    **overrides: Any,
) -> Snapshot:
    weights = []
    if baseline is not None:
        weights.append(Measurement(baseline_on, weight_kg=baseline))
    if current is not None:
        weights.append(Measurement(current_on, weight_kg=current))
    overrides.setdefault("measurements", tuple(weights))
    return make_snapshot(medicines=medicines, **overrides)


M8 = {"META-08"}
WEIGHT_GAIN_CASES = [
    case("80 -> 84 kg is +5.0 % -> flag", on_antipsychotic(80, 84), M8),
    case("80 -> 83.9 kg is +4.9 % -> no flag", on_antipsychotic(80, 83.9)),
    case("weight loss -> no flag", on_antipsychotic(80, 75)),
    case(
        "antipsychotic recorded as augmentation counts -> flag",
        on_antipsychotic(80, 84, medicines=(), augmentations=(Augmentation("aripiprazole", start=START),)),
        M8,
    ),
    case("not on an antipsychotic -> no flag", on_antipsychotic(80, 90, medicines=())),
    case(
        "antipsychotic stopped before as_of -> no flag",
        on_antipsychotic(80, 90, medicines=(Medicine("olanzapine", start=START, end=D(2026, 10, 1)),)),
    ),
    case("no baseline weight -> not evaluable", on_antipsychotic(None, 90), (), M8),
    case("baseline exactly 3 months before the start is used", on_antipsychotic(80, 84, baseline_on=D(2026, 2, 1)), M8),
    case(
        "baseline more than 3 months before the start -> not evaluable",
        on_antipsychotic(80, 84, baseline_on=D(2026, 1, 31)),
        (),
        M8,
    ),
    case("baseline on the start date is used", on_antipsychotic(80, 84, baseline_on=START), M8),
    case("current weight exactly 3 months old is used", on_antipsychotic(80, 84, current_on=IN_3_MONTHS), M8),
    case(
        "current weight one day older than 3 months -> not evaluable",
        on_antipsychotic(80, 84, current_on=OVER_3_MONTHS),
        (),
        M8,
    ),
    case(
        "no weight since the start -> not evaluable",
        on_antipsychotic(
            80, None, baseline_on=D(2026, 10, 1), medicines=(Medicine("olanzapine", start=D(2026, 10, 1)),)
        ),
        (),
        M8,
    ),
    case(
        "start date unknown -> not evaluable",
        on_antipsychotic(80, 90, medicines=(Medicine("olanzapine"),)),
        (),
        M8,
    ),
    case(
        "gain since the earlier of two ongoing antipsychotics -> flag",
        on_antipsychotic(
            80,
            84.1,
            medicines=(Medicine("olanzapine", start=START), Medicine("aripiprazole", start=D(2026, 10, 1))),
            measurements=(
                Measurement(D(2026, 4, 20), weight_kg=80),
                Measurement(D(2026, 10, 1), weight_kg=84),
                Measurement(RECENT, weight_kg=84.1),
            ),
        ),
        M8,
    ),
]


@pytest.mark.parametrize(CASE_ARGS, WEIGHT_GAIN_CASES)
def test_antipsychotic_weight_gain_flags_five_percent_or_more(snapshot, fires, skips, as_of, options):
    assert outcome_ids(("META-08",), snapshot, as_of, options) == (fires, skips)


def test_antipsychotic_weight_gain_finding_names_drug_start_and_weights():
    outcome = run("META-08", on_antipsychotic(80, 88))
    assert isinstance(outcome, Hit)
    assert outcome.title == "Weight up 10 % since Olanzapine was started (2026-05-01)"
    assert "80 kg (2026-04-20)" in outcome.detail
    assert "88 kg (2026-10-20)" in outcome.detail


# ---------------------------------------------------------------------------------------------------------
# Catalogue


def test_metabolic_rules_are_in_reference_order():
    assert [rule.id for rule in RULES] == [
        "META-01a",
        "META-01b",
        "META-02a",
        "META-02b",
        "META-03",
        "META-04",
        "META-05",
        "META-06",
        "META-07a",
        "META-07b",
        "META-08",
    ]


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_metabolic_rule_declares_named_thresholds_and_citation(rule):
    assert rule.version == 1
    assert rule.message
    assert rule.follow_up
    assert rule.source
    assert rule.rationale
    assert rule.inputs
    assert rule.thresholds
    assert all(t.name.isupper() for t in rule.thresholds)
