"""Metabolic rules (clinical reference section 11.1): glycaemia, insulin resistance, metabolic syndrome, BMI."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .analytes import loinc_implies_fasting
from .base import (
    Context,
    Freshness,
    Hit,
    Rule,
    Skip,
    Threshold,
    compare,
    in_band,
    lab_text,
    months_after,
    months_before,
    threshold,
    used,
)
from .drugs import Course, courses_of_class, drug_display, is_on_class
from .result import Category, Level, UsedValue, format_number
from .snapshot import Ancestry, LabValue, Measurement, Sex

GLYCAEMIA_FRESHNESS = Freshness(months=12)
LAB_FRESHNESS = Freshness(months=12)  # glycaemia, lipids, insulin (section 0)
WEIGHT_FRESHNESS = Freshness(months=3)  # section 0
# [design] Section 0 gives a window only for weight; waist and blood pressure for META-06 use the 12 months of
# the metabolic labs they are combined with.
BODY_MEASURE_FRESHNESS = Freshness(months=12)

# ADA Standards of Care 2025. HbA1c is reported to one decimal (NGSP) or as an integer (IFCC), so the
# published bands "5.7-6.4 %" and "39-47 mmol/mol" are the half-open band [5.7, 6.5).
HBA1C_PREDIABETES_LOW_PCT = threshold("HBA1C_PREDIABETES_LOW_PCT", 5.7, "%", mmol_per_mol=39)
HBA1C_DIABETES_PCT = threshold("HBA1C_DIABETES_PCT", 6.5, "%", mmol_per_mol=48)


def _check_hba1c_prediabetes(rule: Rule, ctx: Context):
    pick = ctx.labs.latest("hba1c", GLYCAEMIA_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    inside = in_band(lab, HBA1C_PREDIABETES_LOW_PCT, HBA1C_DIABETES_PCT)
    if inside is None:
        return Skip(f"HbA1c reported as {lab_text(lab)} cannot be placed in the prediabetes range")
    if inside:
        return Hit(
            title=f"HbA1c {lab_text(lab)} is in the ADA prediabetes range",
            detail=(
                f"HbA1c {lab_text(lab)} lies in the ADA prediabetes range "
                f"({HBA1C_PREDIABETES_LOW_PCT} <= HbA1c < {HBA1C_DIABETES_PCT})."
            ),
            threshold=f"{HBA1C_PREDIABETES_LOW_PCT} <= HbA1c < {HBA1C_DIABETES_PCT}",
            values=(used(lab, "HbA1c", unit="%"),),
        )
    return None


def _check_hba1c_diabetes(rule: Rule, ctx: Context):
    pick = ctx.labs.latest("hba1c", GLYCAEMIA_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    at_or_above = in_band(lab, HBA1C_DIABETES_PCT)
    if at_or_above is None:
        return Skip(f"HbA1c reported as {lab_text(lab)} cannot be compared with {HBA1C_DIABETES_PCT}")
    if at_or_above:
        return Hit(
            title=f"HbA1c {lab_text(lab)} is at or above the ADA diabetes threshold",
            detail=(
                f"HbA1c {lab_text(lab)} is at or above the ADA diabetes threshold ({HBA1C_DIABETES_PCT}); "
                "a single result needs confirmation."
            ),
            threshold=f"HbA1c >= {HBA1C_DIABETES_PCT}",
            values=(used(lab, "HbA1c", unit="%"),),
        )
    return None


META_01A = Rule(
    id="META-01a",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message="HbA1c is in the ADA prediabetes range.",
    follow_up="Confirm with repeat HbA1c or fasting glucose; annual re-testing; lifestyle review.",
    source="ADA Standards of Care 2025",
    rationale=(
        "Insulin resistance and dysglycaemia are associated with depression and with poorer antidepressant "
        "response; prediabetes is re-tested yearly."
    ),
    thresholds=(HBA1C_PREDIABETES_LOW_PCT, HBA1C_DIABETES_PCT),
    check=_check_hba1c_prediabetes,
    inputs="HbA1c (12 months)",
)

META_01B = Rule(
    id="META-01b",
    version=1,
    category=Category.METABOLIC,
    severity=Level.IMPORTANT,
    message="HbA1c is at or above the ADA diabetes threshold and needs confirmation.",
    follow_up="Repeat HbA1c or fasting glucose on another day unless unequivocal hyperglycaemia; clinician review.",
    source="ADA 2025",
    rationale="Without unequivocal hyperglycaemia a diabetes-range result needs a confirming test.",
    thresholds=(HBA1C_DIABETES_PCT,),
    check=_check_hba1c_diabetes,
    inputs="HbA1c (12 months)",
)


# ---------------------------------------------------------------------------------------------------------
# Shared helpers (also used by data_gaps.py)


def is_fasting_glucose(lab: LabValue) -> bool:
    """A glucose result counts as fasting plasma glucose when documented fasting or coded LOINC 1558-6.

    An explicit ``fasting=False`` wins over the code: a sample documented as non-fasting is not an FPG.
    """
    return lab.analyte == "glucose" and (
        lab.fasting is True or (lab.fasting is None and loinc_implies_fasting(lab.loinc))
    )


def same_draw(a: LabValue, b: LabValue) -> bool:
    """Same collection date, and the same time when both times are recorded."""
    return a.collected == b.collected and (a.time is None or b.time is None or a.time == b.time)


def draw_is_fasting(ctx: Context, lab: LabValue) -> bool:
    """Fasting is documented for this result, or (unless it is itself marked non-fasting) for its draw.

    A draw counts as fasting when another result of the same draw is documented fasting (a fasting
    glucose, or any result flagged fasting): the whole draw was taken in the same state.
    """
    if lab.fasting is not None:
        return lab.fasting
    return any(
        same_draw(other, lab) and (other.fasting is True or is_fasting_glucose(other))
        for other in ctx.snapshot.labs
        if other.collected <= ctx.as_of
    )


def ongoing_courses(ctx: Context, drug_class: str, day: dt.date | None = None) -> list[Course]:
    """Courses of a drug class (medicines, augmentations, trials) running on ``day`` (default ``as_of``)."""
    day = day or ctx.as_of
    return [
        (name, start, end)
        for name, start, end in courses_of_class(ctx.snapshot, drug_class)
        if (start is None or start <= day) and (end is None or end >= day)
    ]


def _on_class(ctx: Context, drug_class: str, day: dt.date) -> str:
    """The drug names (comma-separated) when the patient is on the class on ``day``; "" when not."""
    if not is_on_class(ctx.snapshot, drug_class, day):
        return ""
    names = sorted({drug_display(name) for name, _, _ in ongoing_courses(ctx, drug_class, day)})
    return ", ".join(names) or drug_class.replace("_", " ")


def _treatment_value(label: str, names: str) -> UsedValue:
    return UsedValue(label=f"{label}: {names}", value=None, unit="")


def pick_fasting_glucose(ctx: Context) -> LabValue | Skip:
    """The latest fasting plasma glucose within 12 months, or why there is none (gate G-03).

    Non-fasting or fasting-unknown glucose is "fasting not documented" only when no fasting glucose exists in
    the window; a fasting one in the window is used even when a newer non-fasting one exists.
    """
    recent = ctx.labs.within("glucose", LAB_FRESHNESS.oldest_allowed(ctx.as_of))
    if recent and not any(is_fasting_glucose(v) for v in recent):
        return Skip(f"fasting not documented for glucose {lab_text(recent[0])}")
    pick = ctx.labs.latest("glucose", LAB_FRESHNESS, where=is_fasting_glucose, requirement="documented as fasting")
    return pick.lab if pick else Skip(pick.problem)


def _conflict(group: list[LabValue], label: str) -> Skip | None:
    if len({(v.comparator, round(v.value, 6)) for v in group}) > 1:
        shown = " and ".join(lab_text(v, with_date=False) for v in group)
        return Skip(f"conflicting {label} results on {group[0].collected.isoformat()}: {shown}")
    return None


def _paired_draw(
    ctx: Context,
    firsts: list[LabValue],
    first_label: str,
    partner_key: str,
    partner_label: str,
) -> tuple[LabValue, LabValue] | Skip:
    """The newest draw among ``firsts`` (newest first) that also holds a ``partner_key`` result.

    A partner explicitly marked non-fasting is not part of a fasting draw. Two different values of either
    analyte in the chosen draw are a conflict.
    """
    oldest = LAB_FRESHNESS.oldest_allowed(ctx.as_of)
    partners_in_window = ctx.labs.within(partner_key, oldest)
    for first in firsts:
        partners = [p for p in partners_in_window if same_draw(p, first) and p.fasting is not False]
        if partners:
            firsts_of_draw = [v for v in ctx.labs.all(first.analyte) if same_draw(v, first)]
            problem = _conflict(firsts_of_draw, first_label) or _conflict(partners, partner_label)
            return problem or (first, partners[0])
    newest_first = firsts[0]
    text = f"no {partner_label} result from the same draw as {first_label} {lab_text(newest_first)}"
    if len(firsts) > 1:
        text = f"no {partner_label} result from the same draw as any {first_label} in the last {LAB_FRESHNESS}"
    return Skip(text)


def _fasting_glucose_draw(ctx: Context, partner_key: str, partner_label: str) -> tuple[LabValue, LabValue] | Skip:
    """The newest fasting-glucose draw within 12 months that also holds a ``partner_key`` result."""
    fpgs = [v for v in ctx.labs.within("glucose", LAB_FRESHNESS.oldest_allowed(ctx.as_of)) if is_fasting_glucose(v)]
    if not fpgs:
        problem = pick_fasting_glucose(ctx)
        return problem if isinstance(problem, Skip) else Skip("no fasting glucose in the last 12 months")
    return _paired_draw(ctx, fpgs, "fasting glucose", partner_key, partner_label)


def _censored(*labs: LabValue) -> Skip | None:
    censored = [lab for lab in labs if lab.comparator is not None]
    if censored:
        shown = ", ".join(lab_text(lab) for lab in censored)
        return Skip(f"the index cannot be calculated from a censored result ({shown})")
    return None


def _noise_free(number: float) -> float:
    """Drop floating-point noise (2.4999999999 -> 2.5) before comparing a calculated index with a cut-off."""
    return round(number, 9)


@dataclass(frozen=True, slots=True)
class MeasurePick:
    """The body measurement a rule should use, or why there is none (``kind``: missing, stale, conflict)."""

    measurement: Measurement | None = None
    problem: str = ""
    kind: str = ""

    def __bool__(self) -> bool:
        return self.measurement is not None


def pick_measurement(
    ctx: Context,
    value_of: Callable[[Measurement], Any],
    label: str,
    *,
    oldest: dt.date | None,
    end: dt.date | None = None,
    window: str = "",
) -> MeasurePick:
    """The latest measurement on or before ``end`` (default ``as_of``) for which ``value_of`` is not None.

    Stale when older than ``oldest``; two different values on the newest day are a conflict.
    """
    end = end or ctx.as_of
    rows = sorted(
        (m for m in ctx.snapshot.measurements if m.date <= end and value_of(m) is not None),
        key=lambda m: m.date,
        reverse=True,
    )
    if not rows:
        return MeasurePick(problem=f"no {label} recorded", kind="missing")
    newest = rows[0]
    if oldest is not None and newest.date < oldest:
        return MeasurePick(problem=f"latest {label} ({newest.date.isoformat()}) is older than {window}", kind="stale")
    same_day = sorted({value_of(m) for m in rows if m.date == newest.date}, key=str)
    if len(same_day) > 1:
        shown = " and ".join(_measure_text(v) for v in same_day)
        return MeasurePick(problem=f"conflicting {label} values on {newest.date.isoformat()}: {shown}", kind="conflict")
    return MeasurePick(measurement=newest)


def _measure_text(value: Any) -> str:
    if isinstance(value, tuple):
        return "/".join("?" if v is None else format_number(v) for v in value)
    return format_number(value)


def _bp_of(m: Measurement) -> tuple[int | None, int | None] | None:
    if m.systolic is None and m.diastolic is None:
        return None
    return (m.systolic, m.diastolic)


# ---------------------------------------------------------------------------------------------------------
# META-02: fasting plasma glucose (ADA Standards of Care 2025)

# Published as 100-125 and >= 126 mg/dL (5.6-6.9 and >= 7.0 mmol/L): the half-open band [100, 126) in either unit.
FPG_IFG_LOW_MG_DL = threshold("FPG_IFG_LOW_MG_DL", 100, "mg/dL", mmol_per_L=5.6)
FPG_DIABETES_MG_DL = threshold("FPG_DIABETES_MG_DL", 126, "mg/dL", mmol_per_L=7.0)


def _check_fpg_ifg(rule: Rule, ctx: Context):
    fpg = pick_fasting_glucose(ctx)
    if isinstance(fpg, Skip):
        return fpg
    inside = in_band(fpg, FPG_IFG_LOW_MG_DL, FPG_DIABETES_MG_DL)
    if inside is None:
        return Skip(
            f"fasting glucose reported as {lab_text(fpg)} cannot be placed in the impaired fasting glucose range"
        )
    if inside:
        band = f"{FPG_IFG_LOW_MG_DL} <= FPG < {FPG_DIABETES_MG_DL}"
        return Hit(
            title=f"Fasting glucose {lab_text(fpg)} is in the impaired fasting glucose range",
            detail=f"Fasting glucose {lab_text(fpg)} lies in the ADA impaired fasting glucose range ({band}).",
            threshold=band,
            values=(used(fpg, "Fasting glucose", unit="mg/dL"),),
        )
    return None


def _check_fpg_diabetes(rule: Rule, ctx: Context):
    fpg = pick_fasting_glucose(ctx)
    if isinstance(fpg, Skip):
        return fpg
    at_or_above = compare(fpg, ">=", FPG_DIABETES_MG_DL)
    if at_or_above is None:
        return Skip(f"fasting glucose reported as {lab_text(fpg)} cannot be compared with {FPG_DIABETES_MG_DL}")
    if at_or_above:
        return Hit(
            title=f"Fasting glucose {lab_text(fpg)} is at or above the ADA diabetes threshold",
            detail=(
                f"Fasting glucose {lab_text(fpg)} is at or above the ADA diabetes threshold ({FPG_DIABETES_MG_DL}); "
                "a single result needs confirmation."
            ),
            threshold=f"FPG >= {FPG_DIABETES_MG_DL}",
            values=(used(fpg, "Fasting glucose", unit="mg/dL"),),
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# META-03: HOMA-IR (Matthews 1985)

# App default [design]; the clinic's choice is ctx.options.homa_ir_cutoff (2.0, 2.5, 2.9 or 3.0).
HOMA_IR_CUTOFF_INDEX = threshold("HOMA_IR_CUTOFF_INDEX", 2.5, "{index}")
HOMA_LOINC = "47214-2"


def homa_ir(glucose: LabValue, insulin: LabValue) -> float:
    """Matthews 1985: glucose (mmol/L) x insulin (uIU/mL) / 22.5 = glucose (mg/dL) x insulin / 405.

    A glucose reported in mmol/L is used as reported with 22.5, so the index is Matthews' exactly rather than
    shifted by the 18.016 vs 18 mass factor (the reference states both forms as equivalent).
    """
    if glucose.entered_unit == "mmol/L":
        return glucose.entered_value * insulin.value / 22.5
    return glucose.value * insulin.value / 405


def _check_homa_ir(rule: Rule, ctx: Context):
    if "type1_diabetes" in ctx.snapshot.conditions:
        return Skip("HOMA-IR is not valid in type 1 diabetes (established beta-cell failure)")
    draw = _fasting_glucose_draw(ctx, "insulin", "fasting insulin")
    if isinstance(draw, Skip):
        return draw
    glucose, insulin = draw
    day = glucose.collected
    for drug_class, text in (("insulin", "insulin therapy"), ("insulin_secretagogue", "an insulin secretagogue")):
        names = _on_class(ctx, drug_class, day)
        if names:
            return Skip(f"on {text} ({names}) on the draw date {day.isoformat()}, so HOMA-IR is not valid")
    censored = _censored(glucose, insulin)
    if censored:
        return censored
    index = homa_ir(glucose, insulin)
    cutoff = ctx.options.homa_ir_cutoff
    if _noise_free(index) >= cutoff:
        shown = format_number(round(index, 2))
        return Hit(
            title=f"HOMA-IR {shown} ({day.isoformat()}) is at or above the cut-off of {format_number(cutoff)}",
            detail=(
                f"HOMA-IR {shown} calculated from fasting glucose {lab_text(glucose, with_date=False)} and fasting "
                f"insulin {lab_text(insulin, with_date=False)} drawn on {day.isoformat()} (Matthews 1985) is at or "
                f"above the configured cut-off of {format_number(cutoff)}; cut-offs vary by population and assay."
            ),
            threshold=f"HOMA-IR >= {format_number(cutoff)}",
            values=(
                UsedValue(label="HOMA-IR", value=round(index, 2), unit="{index}", date=day, loinc=HOMA_LOINC),
                used(glucose, "Fasting glucose", unit="mg/dL"),
                used(insulin, "Fasting insulin", unit="u[IU]/mL"),
            ),
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# META-04: triglyceride-glucose index, full-log scale (Guerrero-Romero 2010)

# App default [design]; the clinic's choice is ctx.options.tyg_cutoff (8.5, 8.67 or 9.04; full-log scale).
TYG_FULL_LOG_CUTOFF_INDEX = threshold("TYG_FULL_LOG_CUTOFF_INDEX", 8.5, "{index}")


def _check_tyg(rule: Rule, ctx: Context):
    draw = _fasting_glucose_draw(ctx, "triglycerides", "triglyceride")
    if isinstance(draw, Skip):
        return draw
    glucose, tg = draw
    censored = _censored(glucose, tg)
    if censored:
        return censored
    # Both in mg/dL (canonical; converted from mmol/L with TG x 88.5 and glucose x 18.016 at entry).
    index = math.log(tg.value * glucose.value / 2)
    cutoff = ctx.options.tyg_cutoff
    if _noise_free(index) >= cutoff:
        shown = format_number(round(index, 2))
        day = glucose.collected.isoformat()
        return Hit(
            title=f"TyG index {shown} ({day}) is at or above {format_number(cutoff)}",
            detail=(
                f"TyG index ln(TG x FPG / 2) = {shown} (full-log scale) from triglycerides "
                f"{lab_text(tg, with_date=False, unit='mg/dL')} and fasting glucose "
                f"{lab_text(glucose, with_date=False, unit='mg/dL')} drawn on {day} is at or above the configured "
                f"cut-off of {format_number(cutoff)}; no standard cut-off exists."
            ),
            threshold=f"TyG (full-log) >= {format_number(cutoff)}",
            values=(
                UsedValue(label="TyG index (full-log)", value=round(index, 2), unit="{index}", date=glucose.collected),
                used(tg, "Triglycerides", unit="mg/dL"),
                used(glucose, "Fasting glucose", unit="mg/dL"),
            ),
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# META-05: TG/HDL-cholesterol ratio (both mg/dL)

TG_HDL_RATIO_MG_DL = threshold("TG_HDL_RATIO_MG_DL", 3.0, "mg/dL:mg/dL")  # McLaughlin 2003, >= (default)
TG_HDL_RATIO_MALE_MG_DL = threshold("TG_HDL_RATIO_MALE_MG_DL", 3.5, "mg/dL:mg/dL")  # Murguía-Romero 2013, >
TG_HDL_RATIO_FEMALE_MG_DL = threshold("TG_HDL_RATIO_FEMALE_MG_DL", 2.5, "mg/dL:mg/dL")  # Murguía-Romero 2013, >


def _tg_hdl_cutoff(ctx: Context) -> tuple[str, Threshold, str]:
    """(operator, cut-off, convention) for the clinic's TG/HDL option."""
    if str(ctx.options.tg_hdl) == "sex_specific":
        if ctx.snapshot.patient.sex is Sex.MALE:
            return ">", TG_HDL_RATIO_MALE_MG_DL, "Murguía-Romero 2013, men"
        return ">", TG_HDL_RATIO_FEMALE_MG_DL, "Murguía-Romero 2013, women"
    return ">=", TG_HDL_RATIO_MG_DL, "McLaughlin 2003"


def _check_tg_hdl(rule: Rule, ctx: Context):
    oldest = LAB_FRESHNESS.oldest_allowed(ctx.as_of)
    tgs = ctx.labs.within("triglycerides", oldest)
    fasting_tgs = [v for v in tgs if draw_is_fasting(ctx, v)]
    if not fasting_tgs:
        if tgs:
            return Skip(f"fasting not documented for triglycerides {lab_text(tgs[0])}")
        return Skip(ctx.labs.latest("triglycerides", LAB_FRESHNESS).problem)
    draw = _paired_draw(ctx, fasting_tgs, "fasting triglyceride", "hdl", "HDL cholesterol")
    if isinstance(draw, Skip):
        return draw
    tg, hdl = draw
    censored = _censored(tg, hdl)
    if censored:
        return censored
    ratio = tg.value / hdl.value
    op, cut, convention = _tg_hdl_cutoff(ctx)
    crossed = _noise_free(ratio) > cut.value if op == ">" else _noise_free(ratio) >= cut.value
    if crossed:
        shown = format_number(round(ratio, 2))
        day = tg.collected.isoformat()
        return Hit(
            title=f"TG/HDL ratio {shown} ({day}) is {op} {format_number(cut.value)}",
            detail=(
                f"Fasting triglycerides {lab_text(tg, with_date=False, unit='mg/dL')} and HDL cholesterol "
                f"{lab_text(hdl, with_date=False, unit='mg/dL')} drawn on {day} give a TG/HDL ratio of {shown} "
                f"(both in mg/dL), {op} {format_number(cut.value)} ({convention})."
            ),
            threshold=f"TG/HDL (mg/dL) {op} {format_number(cut.value)} ({convention})",
            values=(
                UsedValue(label="TG/HDL ratio", value=round(ratio, 2), unit="mg/dL:mg/dL", date=tg.collected),
                used(tg, "Triglycerides", unit="mg/dL"),
                used(hdl, "HDL cholesterol", unit="mg/dL"),
            ),
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# META-06: harmonised metabolic syndrome (Alberti et al., Circulation 2009)

WAIST_EUROPID_MALE_CM = threshold("WAIST_EUROPID_MALE_CM", 94, "cm")  # IDF
WAIST_EUROPID_FEMALE_CM = threshold("WAIST_EUROPID_FEMALE_CM", 80, "cm")
WAIST_AHA_NHLBI_MALE_CM = threshold("WAIST_AHA_NHLBI_MALE_CM", 102, "cm")
WAIST_AHA_NHLBI_FEMALE_CM = threshold("WAIST_AHA_NHLBI_FEMALE_CM", 88, "cm")
WAIST_ASIAN_MALE_CM = threshold("WAIST_ASIAN_MALE_CM", 90, "cm")  # South Asian, Chinese
WAIST_ASIAN_FEMALE_CM = threshold("WAIST_ASIAN_FEMALE_CM", 80, "cm")
WAIST_JAPANESE_MALE_CM = threshold("WAIST_JAPANESE_MALE_CM", 85, "cm")  # Japanese Obesity Society [U]
WAIST_JAPANESE_FEMALE_CM = threshold("WAIST_JAPANESE_FEMALE_CM", 90, "cm")
TG_METS_MG_DL = threshold("TG_METS_MG_DL", 150, "mg/dL", mmol_per_L=1.7)
HDL_LOW_MALE_MG_DL = threshold("HDL_LOW_MALE_MG_DL", 40, "mg/dL", mmol_per_L=1.0)
HDL_LOW_FEMALE_MG_DL = threshold("HDL_LOW_FEMALE_MG_DL", 50, "mg/dL", mmol_per_L=1.3)
BP_SYSTOLIC_METS_MMHG = threshold("BP_SYSTOLIC_METS_MMHG", 130, "mm[Hg]")
BP_DIASTOLIC_METS_MMHG = threshold("BP_DIASTOLIC_METS_MMHG", 85, "mm[Hg]")
FPG_METS_MG_DL = FPG_IFG_LOW_MG_DL  # >= 100 mg/dL (5.6 mmol/L)
METS_COMPONENTS_REQUIRED = 3

# Sub-Saharan African, Middle Eastern and Central/South American: "use Europid values until better data".
_EUROPID_VALUE_GROUPS = {
    Ancestry.SUB_SAHARAN_AFRICAN: "sub-Saharan African",
    Ancestry.MIDDLE_EASTERN: "Middle Eastern",
    Ancestry.CENTRAL_SOUTH_AMERICAN: "Central/South American",
}


@dataclass(frozen=True, slots=True)
class Component:
    """One harmonised criterion: met (True), not met (False) or not evaluable (None), with its text."""

    name: str
    met: bool | None
    text: str
    values: tuple[UsedValue, ...] = ()


def waist_cutoff(ctx: Context) -> tuple[Threshold, str]:
    """The waist cut-off for the patient's recorded ancestry and sex, and which standard it is."""
    ancestry = ctx.snapshot.patient.ancestry
    male = ctx.snapshot.patient.sex is Sex.MALE
    sex = "men" if male else "women"
    if ancestry in (Ancestry.SOUTH_ASIAN, Ancestry.CHINESE):
        group = "South Asian" if ancestry is Ancestry.SOUTH_ASIAN else "Chinese"
        return (WAIST_ASIAN_MALE_CM if male else WAIST_ASIAN_FEMALE_CM), f"{group} cut-off for {sex}"
    if ancestry is Ancestry.JAPANESE:
        return (WAIST_JAPANESE_MALE_CM if male else WAIST_JAPANESE_FEMALE_CM), f"Japanese cut-off for {sex}"
    if ancestry in _EUROPID_VALUE_GROUPS:
        # The AHA/NHLBI option is for Europid and unknown ancestry only; these groups keep the IDF Europid values.
        cut = WAIST_EUROPID_MALE_CM if male else WAIST_EUROPID_FEMALE_CM
        return cut, f"IDF Europid cut-off for {sex}, used for {_EUROPID_VALUE_GROUPS[ancestry]} ancestry"
    if str(ctx.options.waist) == "aha_nhlbi":
        cut, label = (WAIST_AHA_NHLBI_MALE_CM if male else WAIST_AHA_NHLBI_FEMALE_CM), f"AHA/NHLBI cut-off for {sex}"
    else:
        cut, label = (WAIST_EUROPID_MALE_CM if male else WAIST_EUROPID_FEMALE_CM), f"IDF Europid cut-off for {sex}"
    if ancestry is Ancestry.UNKNOWN:
        label += "; ancestry not recorded, and the waist cut-off is population-dependent"
    return cut, label


def _waist_component(ctx: Context) -> Component:
    pick = pick_measurement(
        ctx,
        lambda m: m.waist_cm,
        "waist circumference",
        oldest=BODY_MEASURE_FRESHNESS.oldest_allowed(ctx.as_of),
        window=str(BODY_MEASURE_FRESHNESS),
    )
    if not pick:
        return Component("waist", None, pick.problem)
    m = pick.measurement
    cut, label = waist_cutoff(ctx)
    met = m.waist_cm >= cut.value
    text = f"waist {format_number(m.waist_cm)} cm ({m.date.isoformat()}) {'>=' if met else '<'} {cut} ({label})"
    value = UsedValue(label="Waist circumference", value=m.waist_cm, unit="cm", date=m.date, loinc="8280-0")
    return Component("waist", met, text, (value,))


def _lab_component(
    ctx: Context,
    name: str,
    key: str,
    label: str,
    op: str,
    cut: Threshold,
    drug_class: str,
    treatment: str,
) -> Component:
    pick = ctx.labs.latest(key, LAB_FRESHNESS)
    values = (used(pick.lab, label, unit=cut.unit),) if pick else ()
    names = _on_class(ctx, drug_class, ctx.as_of)
    if names:
        return Component(name, True, f"on {treatment} ({names})", (*values, _treatment_value(treatment, names)))
    if not pick:
        return Component(name, None, pick.problem)
    met = compare(pick.lab, op, cut)
    if met is None:
        return Component(name, None, f"{name} reported as {lab_text(pick.lab)} cannot be compared with {cut}")
    shown_op = op if met else {">=": "<", "<": ">="}[op]
    return Component(name, met, f"{name} {lab_text(pick.lab)} {shown_op} {cut}", values)


def _bp_component(ctx: Context) -> Component:
    pick = pick_measurement(
        ctx, _bp_of, "blood pressure", oldest=BODY_MEASURE_FRESHNESS.oldest_allowed(ctx.as_of), window="12 months"
    )
    values: tuple[UsedValue, ...] = ()
    if pick:
        m = pick.measurement
        if m.systolic is not None:
            values += (UsedValue("Systolic BP", m.systolic, "mm[Hg]", date=m.date, loinc="8480-6"),)
        if m.diastolic is not None:
            values += (UsedValue("Diastolic BP", m.diastolic, "mm[Hg]", date=m.date, loinc="8462-4"),)
    names = _on_class(ctx, "antihypertensive", ctx.as_of)
    if names and "hypertension" in ctx.snapshot.conditions:
        text = f"on antihypertensive treatment ({names}) with a history of hypertension"
        return Component("blood pressure", True, text, (*values, _treatment_value("antihypertensive treatment", names)))
    if not pick:
        return Component("blood pressure", None, pick.problem)
    m = pick.measurement
    high_systolic = None if m.systolic is None else m.systolic >= BP_SYSTOLIC_METS_MMHG.value
    high_diastolic = None if m.diastolic is None else m.diastolic >= BP_DIASTOLIC_METS_MMHG.value
    shown = f"blood pressure {_measure_text((m.systolic, m.diastolic))} mmHg ({m.date.isoformat()})"
    cut = f"systolic >= {format_number(BP_SYSTOLIC_METS_MMHG.value)} and/or diastolic >= "
    cut += format_number(BP_DIASTOLIC_METS_MMHG.value)
    if high_systolic or high_diastolic:
        return Component("blood pressure", True, f"{shown} meets {cut}", values)
    if high_systolic is None or high_diastolic is None:
        missing = "systolic" if high_systolic is None else "diastolic"
        return Component("blood pressure", None, f"{shown} has no {missing} value to compare with {cut}")
    return Component("blood pressure", False, f"{shown} is below {cut}", values)


def _fpg_component(ctx: Context) -> Component:
    fpg = pick_fasting_glucose(ctx)
    values = (used(fpg, "Fasting glucose", unit="mg/dL"),) if isinstance(fpg, LabValue) else ()
    names = _on_class(ctx, "glucose_lowering", ctx.as_of)
    if names:
        text = f"on glucose-lowering treatment ({names})"
        return Component(
            "fasting glucose", True, text, (*values, _treatment_value("glucose-lowering treatment", names))
        )
    if isinstance(fpg, Skip):
        return Component("fasting glucose", None, fpg.reason)
    met = compare(fpg, ">=", FPG_METS_MG_DL)
    if met is None:
        return Component("fasting glucose", None, f"fasting glucose {lab_text(fpg)} cannot be compared with 100 mg/dL")
    return Component(
        "fasting glucose", met, f"fasting glucose {lab_text(fpg)} {'>=' if met else '<'} {FPG_METS_MG_DL}", values
    )


def metabolic_syndrome_components(ctx: Context) -> tuple[Component, ...]:
    """The five harmonised components; drug treatments are taken on ``as_of``."""
    male = ctx.snapshot.patient.sex is Sex.MALE
    hdl_cut = HDL_LOW_MALE_MG_DL if male else HDL_LOW_FEMALE_MG_DL
    return (
        _waist_component(ctx),
        _lab_component(
            ctx,
            "triglycerides",
            "triglycerides",
            "Triglycerides",
            ">=",
            TG_METS_MG_DL,
            "tg_lowering",
            "triglyceride-lowering treatment",
        ),
        _lab_component(
            ctx, "HDL cholesterol", "hdl", "HDL cholesterol", "<", hdl_cut, "hdl_raising", "HDL-raising treatment"
        ),
        _bp_component(ctx),
        _fpg_component(ctx),
    )


def _check_metabolic_syndrome(rule: Rule, ctx: Context):
    components = metabolic_syndrome_components(ctx)
    met = [c for c in components if c.met is True]
    unknown = [c for c in components if c.met is None]
    values = tuple(v for c in components for v in c.values)
    if len(met) >= METS_COMPONENTS_REQUIRED:
        not_met = [c for c in components if c.met is False]
        detail = f"{len(met)} of 5 harmonised criteria met: " + "; ".join(c.text for c in met) + "."
        if not_met:
            detail += " Not met: " + "; ".join(c.text for c in not_met) + "."
        if unknown:
            detail += " Not evaluated: " + "; ".join(f"{c.name} ({c.text})" for c in unknown) + "."
        return Hit(
            title=f"{len(met)} of 5 metabolic syndrome criteria met ({', '.join(c.name for c in met)})",
            detail=detail,
            threshold=f">= {METS_COMPONENTS_REQUIRED} of 5 harmonised components (Alberti 2009)",
            values=values,
        )
    if len(met) + len(unknown) >= METS_COMPONENTS_REQUIRED:
        missing = "; ".join(f"{c.name} ({c.text})" for c in unknown)
        return Skip(f"{len(met)} of 5 components met and the criteria could still be met; missing: {missing}")
    return None


# ---------------------------------------------------------------------------------------------------------
# META-07: BMI (WHO 2000; WHO expert consultation 2004 for Asian populations)

BMI_OBESE_KG_M2 = threshold("BMI_OBESE_KG_M2", 30, "kg/m2")
BMI_OBESE_ASIAN_KG_M2 = threshold("BMI_OBESE_ASIAN_KG_M2", 25, "kg/m2")
BMI_CLASS_III_KG_M2 = threshold("BMI_CLASS_III_KG_M2", 40, "kg/m2")
ADULT_AGE_YEARS = 18
_ASIAN_CUT_POINTS = {Ancestry.SOUTH_ASIAN, Ancestry.CHINESE, Ancestry.JAPANESE}


@dataclass(frozen=True, slots=True)
class Bmi:
    value: float
    weight: Measurement
    height: Measurement

    @property
    def values(self) -> tuple[UsedValue, ...]:
        return (
            UsedValue("BMI", self.value, "kg/m2", date=self.weight.date, loinc="39156-5"),
            UsedValue("Weight", self.weight.weight_kg, "kg", date=self.weight.date, loinc="29463-7"),
            UsedValue("Height", self.height.height_cm, "cm", date=self.height.date, loinc="8302-2"),
        )

    @property
    def text(self) -> str:
        return (
            f"BMI {format_number(self.value)} kg/m2 (weight {format_number(self.weight.weight_kg)} kg on "
            f"{self.weight.date.isoformat()}, height {format_number(self.height.height_cm)} cm on "
            f"{self.height.date.isoformat()})"
        )


def bmi(ctx: Context) -> Bmi | Skip:
    """BMI from the latest weight within 3 months and the latest adult height (any date).

    Rounded to one decimal (half up) before comparison, as the WHO classes are written (25.0-29.9, 30.0-34.9).
    """
    patient = ctx.snapshot.patient
    if patient.age_on(ctx.as_of) < ADULT_AGE_YEARS:
        return Skip("the adult BMI cut-offs do not apply under 18 years")
    weight = pick_measurement(
        ctx, lambda m: m.weight_kg, "weight", oldest=WEIGHT_FRESHNESS.oldest_allowed(ctx.as_of), window="3 months"
    )
    if not weight:
        return Skip(weight.problem)
    adult_from = months_after(patient.birth_date, ADULT_AGE_YEARS * 12)
    height = pick_measurement(ctx, lambda m: m.height_cm if m.date >= adult_from else None, "adult height", oldest=None)
    if not height:
        return Skip(height.problem)
    w, h = weight.measurement.weight_kg, height.measurement.height_cm
    value = math.floor(w / (h / 100) ** 2 * 10 + 0.5 + 1e-9) / 10
    return Bmi(value, weight.measurement, height.measurement)


def _check_bmi_obese(rule: Rule, ctx: Context):
    result = bmi(ctx)
    if isinstance(result, Skip):
        return result
    asian = ctx.snapshot.patient.ancestry in _ASIAN_CUT_POINTS
    low = BMI_OBESE_ASIAN_KG_M2 if asian else BMI_OBESE_KG_M2
    if low.value <= result.value < BMI_CLASS_III_KG_M2.value:
        points = "Asian cut points (WHO 2004)" if asian else "WHO cut points"
        band = f"{format_number(low.value)} <= BMI < {format_number(BMI_CLASS_III_KG_M2.value)} kg/m2"
        return Hit(
            title=f"BMI {format_number(result.value)} kg/m2 ({result.weight.date.isoformat()}) is in the obesity range",
            detail=f"{result.text} is in the obesity range ({band}, {points}).",
            threshold=f"{band} ({points})",
            values=result.values,
        )
    return None


def _check_bmi_class_iii(rule: Rule, ctx: Context):
    result = bmi(ctx)
    if isinstance(result, Skip):
        return result
    if result.value >= BMI_CLASS_III_KG_M2.value:
        return Hit(
            title=f"BMI {format_number(result.value)} kg/m2 ({result.weight.date.isoformat()}) is in obesity class III",
            detail=f"{result.text} is in WHO obesity class III (BMI >= {BMI_CLASS_III_KG_M2}).",
            threshold=f"BMI >= {BMI_CLASS_III_KG_M2}",
            values=result.values,
        )
    return None


# ---------------------------------------------------------------------------------------------------------
# META-08: weight gain since an antipsychotic was started (ADA/APA 2004)

WEIGHT_GAIN_ANTIPSYCHOTIC_PCT = threshold("WEIGHT_GAIN_ANTIPSYCHOTIC_PCT", 5, "%")


def _check_antipsychotic_weight_gain(rule: Rule, ctx: Context):
    courses = sorted(ongoing_courses(ctx, "antipsychotic"), key=lambda c: (c[1] or dt.date.min, c[0]))
    if not courses:
        return None
    current = pick_measurement(
        ctx, lambda m: m.weight_kg, "weight", oldest=WEIGHT_FRESHNESS.oldest_allowed(ctx.as_of), window="3 months"
    )
    if not current:
        return Skip(f"current weight: {current.problem}")
    now = current.measurement
    problems: list[str] = []
    # Each ongoing antipsychotic is checked against the weight before it was started; any one suffices.
    for drug, start, _ in courses:
        name = drug_display(drug)
        if start is None:
            problems.append(f"start date of {name} not recorded")
            continue
        baseline = pick_measurement(
            ctx, lambda m: m.weight_kg, "weight", oldest=months_before(start, 3), end=start, window="3 months"
        )
        if not baseline:
            if baseline.kind == "stale":
                problems.append(f"no baseline weight within 3 months before {name} was started ({start.isoformat()})")
            elif baseline.kind == "missing":
                problems.append(f"no baseline weight on or before the start of {name} ({start.isoformat()})")
            else:
                problems.append(f"baseline weight for {name}: {baseline.problem}")
            continue
        if now.date <= start:
            problems.append(f"no weight recorded since {name} was started ({start.isoformat()})")
            continue
        before = baseline.measurement
        gain_pct = (now.weight_kg - before.weight_kg) / before.weight_kg * 100
        if _noise_free(gain_pct) >= WEIGHT_GAIN_ANTIPSYCHOTIC_PCT.value:
            shown = format_number(round(gain_pct, 1))
            return Hit(
                title=f"Weight up {shown} % since {name} was started ({start.isoformat()})",
                detail=(
                    f"Weight {format_number(now.weight_kg)} kg ({now.date.isoformat()}) is {shown} % above the "
                    f"baseline of {format_number(before.weight_kg)} kg ({before.date.isoformat()}) before {name} was "
                    f"started on {start.isoformat()} (ADA/APA 2004: review when weight rises >= 5 % from baseline)."
                ),
                threshold=f"weight gain >= {WEIGHT_GAIN_ANTIPSYCHOTIC_PCT} of baseline",
                values=(
                    UsedValue("Weight gain", round(gain_pct, 1), "%", date=now.date),
                    UsedValue("Baseline weight", before.weight_kg, "kg", date=before.date, loinc="29463-7"),
                    UsedValue("Current weight", now.weight_kg, "kg", date=now.date, loinc="29463-7"),
                    UsedValue(f"{name} started", None, "", date=start),
                ),
            )
    if problems:
        return Skip("; ".join(problems))
    return None


# ---------------------------------------------------------------------------------------------------------

META_02A = Rule(
    id="META-02a",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message="Fasting glucose is in the impaired fasting glucose range.",
    follow_up="HbA1c if absent; repeat fasting glucose; consider OGTT.",
    source="ADA 2025",
    rationale=(
        "A fasting glucose of 100-125 mg/dL is impaired fasting glucose (ADA); dysglycaemia and insulin resistance "
        "are associated with depression and with poorer antidepressant response."
    ),
    thresholds=(FPG_IFG_LOW_MG_DL, FPG_DIABETES_MG_DL),
    check=_check_fpg_ifg,
    inputs="fasting plasma glucose with fasting documented (12 months)",
)

META_02B = Rule(
    id="META-02b",
    version=1,
    category=Category.METABOLIC,
    severity=Level.IMPORTANT,
    message="Fasting glucose is at or above the ADA diabetes threshold and needs confirmation.",
    follow_up="Repeat fasting glucose or HbA1c.",
    source="ADA 2025",
    rationale=(
        "A fasting glucose >= 126 mg/dL is in the diabetes range; without unequivocal hyperglycaemia a "
        "diabetes-range result needs a confirming test."
    ),
    thresholds=(FPG_DIABETES_MG_DL,),
    check=_check_fpg_diabetes,
    inputs="fasting plasma glucose with fasting documented (12 months)",
)

META_03 = Rule(
    id="META-03",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message=("Calculated HOMA-IR is above the configured insulin-resistance cut-off (cut-offs vary by population)."),
    follow_up="Review weight, waist, lipids; consider repeat fasting insulin with glucose.",
    source="Matthews 1985 formula; population cut-offs as in section 3.2",
    rationale=(
        "HOMA-IR estimates insulin resistance from one fasting glucose and insulin draw; insulin and HOMA-IR are "
        "raised in acute depression and higher insulin resistance predicted poorer antidepressant response. "
        "There is no universal cut-off."
    ),
    thresholds=(HOMA_IR_CUTOFF_INDEX,),
    check=_check_homa_ir,
    inputs=(
        "fasting glucose and fasting insulin from the same draw (12 months); no insulin or insulin secretagogue on "
        "the draw date; no type 1 diabetes"
    ),
)

META_04 = Rule(
    id="META-04",
    version=1,
    category=Category.METABOLIC,
    severity=Level.INFO,
    message="Triglyceride-glucose index is elevated; no standard cut-off exists.",
    follow_up="Interpret with HOMA-IR, waist and HbA1c.",
    source="Guerrero-Romero 2010; cut-offs section 3.3",
    rationale=(
        "The TyG index (full-log scale) was validated against the euglycaemic clamp as a marker of insulin "
        "resistance (Guerrero-Romero 2010); published cut-offs range from 8.5 to 9.04."
    ),
    thresholds=(TYG_FULL_LOG_CUTOFF_INDEX,),
    check=_check_tyg,
    inputs="triglycerides and fasting glucose from the same fasting draw (12 months)",
)

META_05 = Rule(
    id="META-05",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message="Triglyceride-to-HDL ratio is in a range associated with insulin resistance.",
    follow_up="Fasting glucose/insulin, HbA1c, waist.",
    source="Watson et al. AJP 2021; McLaughlin 2003 [U]",
    rationale=(
        "A high TG/HDL ratio is a marker of insulin resistance, and in NESDA a higher ratio predicted incident "
        "major depression over 9 years (Watson 2021)."
    ),
    thresholds=(TG_HDL_RATIO_MG_DL, TG_HDL_RATIO_MALE_MG_DL, TG_HDL_RATIO_FEMALE_MG_DL),
    check=_check_tg_hdl,
    inputs="fasting triglycerides and HDL cholesterol from the same draw (12 months), sex",
)

META_06 = Rule(
    id="META-06",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message="Findings meet the harmonised criteria for metabolic syndrome.",
    follow_up="Cardiometabolic risk review; check medication contributors.",
    source="Alberti et al. 2009",
    rationale=(
        "Three of the five harmonised components define metabolic syndrome (Alberti 2009); waist, TG/HDL and fasting "
        "glucose predicted incident depression (Watson 2021) and insulin-resistance-related conditions were "
        "associated with antidepressant non-response (Fanelli 2025)."
    ),
    thresholds=(
        WAIST_EUROPID_MALE_CM,
        WAIST_EUROPID_FEMALE_CM,
        WAIST_AHA_NHLBI_MALE_CM,
        WAIST_AHA_NHLBI_FEMALE_CM,
        WAIST_ASIAN_MALE_CM,
        WAIST_ASIAN_FEMALE_CM,
        WAIST_JAPANESE_MALE_CM,
        WAIST_JAPANESE_FEMALE_CM,
        TG_METS_MG_DL,
        HDL_LOW_MALE_MG_DL,
        HDL_LOW_FEMALE_MG_DL,
        BP_SYSTOLIC_METS_MMHG,
        BP_DIASTOLIC_METS_MMHG,
        FPG_METS_MG_DL,
    ),
    check=_check_metabolic_syndrome,
    inputs=(
        "waist (12 months), ancestry, sex, triglycerides, HDL, fasting glucose (12 months), blood pressure "
        "(12 months), hypertension history, TG-lowering, HDL-raising, antihypertensive and glucose-lowering drugs"
    ),
)

META_07A = Rule(
    id="META-07a",
    version=1,
    category=Category.METABOLIC,
    severity=Level.CONSIDER,
    message="BMI is in the obesity range.",
    follow_up="Weight history, medication review, metabolic labs.",
    source="WHO 2000; WHO expert consultation 2004",
    rationale=(
        "WHO BMI classes, with lower cut points for Asian populations whose risk rises at lower BMI (WHO 2004); "
        "SNRI non-responders had higher BMI than responders (Krupa 2024)."
    ),
    thresholds=(BMI_OBESE_KG_M2, BMI_OBESE_ASIAN_KG_M2, BMI_CLASS_III_KG_M2),
    check=_check_bmi_obese,
    inputs="weight (3 months), adult height (any date), ancestry",
)

META_07B = Rule(
    id="META-07b",
    version=1,
    category=Category.METABOLIC,
    severity=Level.IMPORTANT,
    message="BMI is in obesity class III.",
    follow_up="As above; specialist referral per local pathway.",
    source="WHO",
    rationale="A BMI of 40 kg/m2 or more is WHO obesity class III.",
    thresholds=(BMI_CLASS_III_KG_M2,),
    check=_check_bmi_class_iii,
    inputs="weight (3 months), adult height (any date)",
)

META_08 = Rule(
    id="META-08",
    version=1,
    category=Category.METABOLIC,
    severity=Level.IMPORTANT,
    message="Weight has increased by 5% or more since the antipsychotic was started.",
    follow_up="Fasting glucose and lipids; review agent choice.",
    source="ADA/APA 2004 consensus",
    rationale=(
        "Almost all antipsychotics cause weight gain over time; the ADA/APA 2004 consensus advises considering a "
        "switch when weight rises >= 5% from baseline."
    ),
    thresholds=(WEIGHT_GAIN_ANTIPSYCHOTIC_PCT,),
    check=_check_antipsychotic_weight_gain,
    inputs="ongoing antipsychotic and its start date, weight within 3 months before the start, weight (3 months)",
)

RULES: tuple[Rule, ...] = (
    META_01A,
    META_01B,
    META_02A,
    META_02B,
    META_03,
    META_04,
    META_05,
    META_06,
    META_07A,
    META_07B,
    META_08,
)
