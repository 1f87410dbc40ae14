"""Nutrient and medication-monitoring rules (clinical reference section 11.4): NUTR-01a to NUTR-09, MED-01, MED-02.

Every result is taken within 12 months (section 0 for B12, folate, ferritin, TSAT, 25(OH)D, Mg and zinc; a
design choice for MMA, homocysteine and the omega-3 index, which section 0 does not list). Where the reference
states a cut-off in two units, a result reported in the second unit is compared in that unit.

Per-clinic options (section 13) and what they change:
- ``b12``: default < 200 pg/mL for NUTR-01a and 200-299 for NUTR-01b/01c; ``180_350`` moves them to < 180 and
  180-349 pg/mL (ng/L equals pg/mL).
- ``ferritin``: the NUTR-03c upper bound (ferritin under inflammation): 70 ng/mL (WHO 2020, default), 50 (AAFP)
  or 100 (BSG). NUTR-03a/03b are unchanged.
- ``vitamin_d``: the rule ids, bands and severities stay as section 11 writes them (< 12, 12-19, 20-29 ng/mL).
  ``es2011`` only names the Endocrine Society 2011 classification in the detail; ``iom2011`` (>= 20 ng/mL is
  adequate) turns NUTR-05c off and names the IOM convention in the NUTR-05a/05b detail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from . import drugs
from .base import (
    Context,
    Freshness,
    Hit,
    Outcome,
    Rule,
    Skip,
    Threshold,
    compare,
    in_band,
    months_before,
    threshold,
    used,
)
from .options import B12Convention, FerritinConvention, VitaminDConvention
from .result import Category, Level, UsedValue, format_number
from .snapshot import LabValue, Sex
from .units import unit_label

NUTRIENT_FRESHNESS = Freshness(months=12)
# NUTR-03c: a CRP or hs-CRP within this many days of the ferritin (either side) shows inflammation at the draw.
CRP_WINDOW_DAYS = 14
# MED-01/MED-02: "long-term" use and "recent" monitoring are both 12 months (section 11.4).
LONG_TERM_MONTHS = 12
MONITORING_MONTHS = 12

B12_UNIT = "pg/mL"
FOLATE_UNIT = "ng/mL"
MMA_UNIT = "umol/L"
HOMOCYSTEINE_UNIT = "umol/L"
FERRITIN_UNIT = "ng/mL"
CRP_UNIT = "mg/L"
TSAT_UNIT = "%"
VITAMIN_D_UNIT = "ng/mL"
MAGNESIUM_UNIT = "mmol/L"
ZINC_UNIT = "ug/dL"
OMEGA3_UNIT = "%"

# ---------------------------------------------------------------------------------------------------------
# Thresholds (section 6.1 and 11.4)

# BSH 2014: < 200 pg/mL (< 148 pmol/L); borderline 200-300 pg/mL (148-221 pmol/L). The band's top is taken as
# "< 300 pg/mL" (section 13: 200-299). No pmol/L alternative for 300: 221 pmol/L (299.5 pg/mL) is inside the
# reference's "148-221 pmol/L" and 222 pmol/L (300.8 pg/mL) outside, which the conversion already gives.
B12_LOW_PG_ML = threshold("B12_LOW_PG_ML", 200, B12_UNIT, pmol_per_L=148)
B12_BORDERLINE_TOP_PG_ML = threshold("B12_BORDERLINE_TOP_PG_ML", 300, B12_UNIT)
# Section 13 alternative: < 180 ng/L, grey zone 180-350 pg/mL (no pmol/L values stated: compared after conversion).
B12_LOW_ALT_PG_ML = threshold("B12_LOW_ALT_PG_ML", 180, B12_UNIT)
B12_BORDERLINE_TOP_ALT_PG_ML = threshold("B12_BORDERLINE_TOP_ALT_PG_ML", 350, B12_UNIT)
MMA_RAISED_UMOL_L = threshold("MMA_RAISED_UMOL_L", 0.271, MMA_UNIT, nmol_per_L=271)
HOMOCYSTEINE_RAISED_UMOL_L = threshold("HOMOCYSTEINE_RAISED_UMOL_L", 15, HOMOCYSTEINE_UNIT)
# WHO 2015: < 3 ng/mL (< 6.8 nmol/L); WHO 2012 homocysteine-based cut < 4 ng/mL (< 10 nmol/L).
FOLATE_LOW_NG_ML = threshold("FOLATE_LOW_NG_ML", 3, FOLATE_UNIT, nmol_per_L=6.8)
FOLATE_LOW_NORMAL_TOP_NG_ML = threshold("FOLATE_LOW_NORMAL_TOP_NG_ML", 4, FOLATE_UNIT, nmol_per_L=10)
# Ferritin ng/mL equals ug/L, so one unit serves both.
FERRITIN_LOW_NG_ML = threshold("FERRITIN_LOW_NG_ML", 15, FERRITIN_UNIT)  # WHO 2020
FERRITIN_PROBABLE_TOP_NG_ML = threshold("FERRITIN_PROBABLE_TOP_NG_ML", 30, FERRITIN_UNIT)  # BSG 2019, AAFP 2013
FERRITIN_INFLAMMATION_WHO_NG_ML = threshold("FERRITIN_INFLAMMATION_WHO_NG_ML", 70, FERRITIN_UNIT)
FERRITIN_INFLAMMATION_AAFP_NG_ML = threshold("FERRITIN_INFLAMMATION_AAFP_NG_ML", 50, FERRITIN_UNIT)
FERRITIN_INFLAMMATION_BSG_NG_ML = threshold("FERRITIN_INFLAMMATION_BSG_NG_ML", 100, FERRITIN_UNIT)
CRP_INFLAMMATION_MG_L = threshold("CRP_INFLAMMATION_MG_L", 5, CRP_UNIT)
TSAT_LOW_PCT = threshold("TSAT_LOW_PCT", 20, TSAT_UNIT)
# IOM 2011: < 12 ng/mL (< 30 nmol/L), >= 20 ng/mL (50 nmol/L) adequate; 30 ng/mL is 75 nmol/L (Endocrine
# Society 2011 sufficiency; section 6.1 gives no nmol/L figure for it, 75 is the guideline's own value).
VITAMIN_D_LOW_NG_ML = threshold("VITAMIN_D_LOW_NG_ML", 12, VITAMIN_D_UNIT, nmol_per_L=30)
VITAMIN_D_ADEQUATE_NG_ML = threshold("VITAMIN_D_ADEQUATE_NG_ML", 20, VITAMIN_D_UNIT, nmol_per_L=50)
VITAMIN_D_ES2011_SUFFICIENT_NG_ML = threshold("VITAMIN_D_ES2011_SUFFICIENT_NG_ML", 30, VITAMIN_D_UNIT, nmol_per_L=75)
MAGNESIUM_LOW_MMOL_L = threshold("MAGNESIUM_LOW_MMOL_L", 0.75, MAGNESIUM_UNIT, mg_per_dL=1.82)
MAGNESIUM_MARKED_MMOL_L = threshold("MAGNESIUM_MARKED_MMOL_L", 0.50, MAGNESIUM_UNIT, mg_per_dL=1.22)  # [U]
OMEGA3_INDEX_LOW_PCT = threshold("OMEGA3_INDEX_LOW_PCT", 4, OMEGA3_UNIT)

# Hotz et al. 2003 (NHANES II) lower cut-offs, ug/dL, by sex and age: morning fasting / morning non-fasting /
# afternoon. Morning means before 12:00.
ZINC_WOMEN_MORNING_FASTING_UG_DL = threshold("ZINC_WOMEN_MORNING_FASTING_UG_DL", 70, ZINC_UNIT)
ZINC_WOMEN_MORNING_NONFASTING_UG_DL = threshold("ZINC_WOMEN_MORNING_NONFASTING_UG_DL", 66, ZINC_UNIT)
ZINC_WOMEN_AFTERNOON_UG_DL = threshold("ZINC_WOMEN_AFTERNOON_UG_DL", 59, ZINC_UNIT)
ZINC_MEN_MORNING_FASTING_UG_DL = threshold("ZINC_MEN_MORNING_FASTING_UG_DL", 74, ZINC_UNIT)
ZINC_MEN_MORNING_NONFASTING_UG_DL = threshold("ZINC_MEN_MORNING_NONFASTING_UG_DL", 70, ZINC_UNIT)
ZINC_MEN_AFTERNOON_UG_DL = threshold("ZINC_MEN_AFTERNOON_UG_DL", 61, ZINC_UNIT)
ZINC_MEN_65_MORNING_FASTING_UG_DL = threshold("ZINC_MEN_65_MORNING_FASTING_UG_DL", 72, ZINC_UNIT)
ZINC_MEN_65_MORNING_NONFASTING_UG_DL = threshold("ZINC_MEN_65_MORNING_NONFASTING_UG_DL", 61, ZINC_UNIT)
ZINC_MEN_65_AFTERNOON_UG_DL = threshold("ZINC_MEN_65_AFTERNOON_UG_DL", 56, ZINC_UNIT)
ZINC_AFTERNOON_FROM = dt.time(12, 0)


@dataclass(frozen=True, slots=True)
class _ZincCell:
    """One sex/age row of the Hotz 2003 table (ages in completed years, both ends inclusive)."""

    sex: Sex
    min_age: int
    max_age: int | None
    group: str
    morning_fasting: Threshold
    morning_nonfasting: Threshold
    afternoon: Threshold


ZINC_CELLS: tuple[_ZincCell, ...] = (
    _ZincCell(
        Sex.FEMALE,
        10,
        70,
        "women 10-70 y",
        ZINC_WOMEN_MORNING_FASTING_UG_DL,
        ZINC_WOMEN_MORNING_NONFASTING_UG_DL,
        ZINC_WOMEN_AFTERNOON_UG_DL,
    ),
    _ZincCell(
        Sex.MALE,
        10,
        64,
        "men 10-64 y",
        ZINC_MEN_MORNING_FASTING_UG_DL,
        ZINC_MEN_MORNING_NONFASTING_UG_DL,
        ZINC_MEN_AFTERNOON_UG_DL,
    ),
    _ZincCell(
        Sex.MALE,
        65,
        None,
        "men >= 65 y",
        ZINC_MEN_65_MORNING_FASTING_UG_DL,
        ZINC_MEN_65_MORNING_NONFASTING_UG_DL,
        ZINC_MEN_65_AFTERNOON_UG_DL,
    ),
)

# ---------------------------------------------------------------------------------------------------------
# Small helpers


def _all(*parts: bool | None) -> bool | None:
    """Three-valued AND: False if any part is False, True if all are True, otherwise unknown."""
    if any(p is False for p in parts):
        return False
    if all(p is True for p in parts):
        return True
    return None


def _any(*parts: bool | None) -> bool | None:
    """Three-valued OR: True if any part is True, False if all are False, otherwise unknown."""
    if any(p is True for p in parts):
        return True
    if all(p is False for p in parts):
        return False
    return None


def _value_text(lab: LabValue, unit: str | None = None) -> str:
    """'<0.01 mIU/L' as reported, or in ``unit`` (the canonical unit) when given and different."""
    prefix = lab.comparator.value if lab.comparator else ""
    if unit is None or unit == lab.entered_unit:
        return f"{prefix}{format_number(lab.entered_value)} {unit_label(lab.entered_unit)}"
    return f"{prefix}{format_number(lab.value)} {unit_label(unit)}"


def _reported(lab: LabValue, unit: str) -> str:
    """'250 ng/dL (2026-10-20)', or '8.9 nmol/L (256.7 ng/dL, 2026-10-20)' when the result was converted."""
    if lab.entered_unit == unit:
        return f"{_value_text(lab)} ({lab.collected.isoformat()})"
    return f"{_value_text(lab)} ({_value_text(lab, unit)}, {lab.collected.isoformat()})"


def _dated(lab: LabValue) -> str:
    """'<250 pg/mL (2026-10-20)': the result as reported, with its date."""
    return f"{_value_text(lab)} ({lab.collected.isoformat()})"


def _th(cut: Threshold) -> str:
    """A threshold as clinicians write it: '10 mIU/L', '3 ug/dL (83 nmol/L)'."""
    text = f"{format_number(cut.value)} {unit_label(cut.unit)}"
    extra = ", ".join(f"{format_number(v)} {unit_label(u)}" for u, v in cut.alternatives.items())
    return f"{text} ({extra})" if extra else text


def _cut_text(cut: Threshold, lab: LabValue) -> str:
    """The cut-off in the unit the comparison is made in (the reported unit where the reference states one)."""
    if lab.entered_unit in cut.alternatives:
        return f"{format_number(cut.alternatives[lab.entered_unit])} {unit_label(lab.entered_unit)}"
    return f"{format_number(cut.value)} {unit_label(cut.unit)}"


_FLIP = {">=": "<=", ">": "<"}


def _band_text(
    label: str,
    lab: LabValue,
    low: Threshold | None = None,
    high: Threshold | None = None,
    *,
    low_op: str = ">=",
    high_op: str = "<",
) -> str:
    """'200 pg/mL <= B12 < 300 pg/mL', 'B12 < 148 pmol/L' or 'homocysteine > 15 umol/L'."""
    if low is not None and high is not None:
        return f"{_cut_text(low, lab)} {_FLIP[low_op]} {label} {high_op} {_cut_text(high, lab)}"
    if low is not None:
        return f"{label} {low_op} {_cut_text(low, lab)}"
    assert high is not None  # noqa: S101 - a band has at least one bound
    return f"{label} {high_op} {_cut_text(high, lab)}"


@dataclass(frozen=True, slots=True)
class _Banded:
    """A fresh result that lies in a rule's band, and the band as text."""

    lab: LabValue
    band: str


def _in_band_result(
    ctx: Context,
    key: str,
    label: str,
    low: Threshold | None = None,
    high: Threshold | None = None,
    *,
    low_op: str = ">=",
    high_op: str = "<",
) -> _Banded | Skip | None:
    """The latest fresh result of ``key`` if it lies in the band; Skip if missing, stale or censored-unclear."""
    pick = ctx.labs.latest(key, NUTRIENT_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    band = _band_text(label, lab, low, high, low_op=low_op, high_op=high_op)
    inside = in_band(lab, low, high, low_op=low_op, high_op=high_op)
    if inside is None:
        return Skip(f"{label} {_dated(lab)} cannot be placed in the band {band}")
    return _Banded(lab, band) if inside else None


def _drug_names(ctx: Context, drug_class: str, day: dt.date) -> list[str]:
    """Display names of recorded drugs of ``drug_class`` taken on ``day`` (unknown start counts as before)."""
    names: dict[str, None] = {}
    for name, start, end in drugs.courses_of_class(ctx.snapshot, drug_class):
        if (start is None or start <= day) and (end is None or end >= day):
            names[drugs.drug_display(name)] = None
    return list(names)


def _b12_lowering_note(ctx: Context) -> str:
    """Recorded medicines that lower B12 (section 10.3: metformin; PPIs and H2 blockers long term)."""
    names = [n for cls in ("biguanide", "ppi", "h2_blocker") for n in _drug_names(ctx, cls, ctx.as_of)]
    if not names:
        return ""
    return f" Recorded medicines that can lower B12: {', '.join(dict.fromkeys(names))}."


# ---------------------------------------------------------------------------------------------------------
# NUTR-01a to NUTR-01c: vitamin B12


def _b12_bounds(ctx: Context) -> tuple[Threshold, Threshold]:
    """(deficiency cut-off, top of the borderline band) under the clinic's B12 convention."""
    if ctx.options.b12 == B12Convention.GREY_ZONE_180_350:
        return B12_LOW_ALT_PG_ML, B12_BORDERLINE_TOP_ALT_PG_ML
    return B12_LOW_PG_ML, B12_BORDERLINE_TOP_PG_ML


def _check_b12_low(rule: Rule, ctx: Context) -> Outcome:
    low, _ = _b12_bounds(ctx)
    found = _in_band_result(ctx, "b12", "B12", high=low)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Serum B12 {_reported(lab, B12_UNIT)} is below {_cut_text(low, lab)}",
        detail=f"Serum B12 {_reported(lab, B12_UNIT)} is below {_cut_text(low, lab)}.{_b12_lowering_note(ctx)}",
        threshold=found.band,
        values=(used(lab, "Serum B12", unit=B12_UNIT),),
    )


@dataclass(frozen=True, slots=True)
class _Metabolites:
    raised: bool | None  # True: MMA or homocysteine raised; None: a censored or conflicting result cannot tell
    text: str
    values: tuple[UsedValue, ...]


def _b12_metabolites(ctx: Context) -> _Metabolites:
    """Latest MMA and homocysteine within 12 months; not measured counts as not raised (NUTR-01b asks for them)."""
    parts: list[bool | None] = []
    texts: list[str] = []
    values: list[UsedValue] = []
    oldest = NUTRIENT_FRESHNESS.oldest_allowed(ctx.as_of)
    for key, label, cut, unit in (
        ("mma", "MMA", MMA_RAISED_UMOL_L, MMA_UNIT),
        ("homocysteine", "homocysteine", HOMOCYSTEINE_RAISED_UMOL_L, HOMOCYSTEINE_UNIT),
    ):
        pick = ctx.labs.latest(key, NUTRIENT_FRESHNESS)
        if not pick:
            if ctx.labs.within(key, oldest):  # results exist but conflict
                parts.append(None)
                texts.append(pick.problem)
            else:
                parts.append(False)
                texts.append(f"{label} not measured in the last 12 months")
            continue
        lab = pick.lab
        raised = compare(lab, ">", cut)
        parts.append(raised)
        values.append(used(lab, label[0].upper() + label[1:], unit=unit))
        state = {True: "above", False: "not above", None: "cannot be compared with"}[raised]
        texts.append(f"{label} {_reported(lab, unit)} is {state} {_cut_text(cut, lab)}")
    return _Metabolites(_any(*parts), "; ".join(texts), tuple(values))


def _check_b12_borderline(rule: Rule, ctx: Context, *, want_raised: bool) -> Outcome:
    low, top = _b12_bounds(ctx)
    found = _in_band_result(ctx, "b12", "B12", low, top)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    metabolites = _b12_metabolites(ctx)
    if metabolites.raised is None:
        return Skip(f"borderline B12 {_dated(lab)}, but {metabolites.text}")
    if metabolites.raised != want_raised:
        return None
    title = "with a raised metabolite" if want_raised else "without a raised metabolite"
    return Hit(
        title=f"Serum B12 {_reported(lab, B12_UNIT)} is borderline {title}",
        detail=(
            f"Serum B12 {_reported(lab, B12_UNIT)} lies in the borderline band {found.band}; "
            f"{metabolites.text}.{_b12_lowering_note(ctx)}"
        ),
        threshold=(
            f"{found.band} and "
            + ("(MMA > 0.271 umol/L or homocysteine > 15 umol/L)" if want_raised else "no raised MMA or homocysteine")
        ),
        values=(used(lab, "Serum B12", unit=B12_UNIT), *metabolites.values),
    )


def _check_b12_borderline_unconfirmed(rule: Rule, ctx: Context) -> Outcome:
    return _check_b12_borderline(rule, ctx, want_raised=False)


def _check_b12_borderline_raised_metabolite(rule: Rule, ctx: Context) -> Outcome:
    return _check_b12_borderline(rule, ctx, want_raised=True)


# ---------------------------------------------------------------------------------------------------------
# NUTR-02a/02b: folate


def _folate_note(ctx: Context) -> str:
    names = _drug_names(ctx, "folate_antagonist", ctx.as_of)
    return f" Recorded medicines that can lower folate: {', '.join(names)}." if names else ""


def _check_folate_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "folate", "folate", high=FOLATE_LOW_NG_ML)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Serum folate {_reported(lab, FOLATE_UNIT)} is below {_cut_text(FOLATE_LOW_NG_ML, lab)}",
        detail=(
            f"Serum folate {_reported(lab, FOLATE_UNIT)} is below {_cut_text(FOLATE_LOW_NG_ML, lab)}."
            f"{_folate_note(ctx)}"
        ),
        threshold=found.band,
        values=(used(lab, "Serum folate", unit=FOLATE_UNIT),),
    )


def _check_folate_low_normal(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "folate", "folate", FOLATE_LOW_NG_ML, FOLATE_LOW_NORMAL_TOP_NG_ML)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Serum folate {_reported(lab, FOLATE_UNIT)} is in the low-normal range",
        detail=f"Serum folate {_reported(lab, FOLATE_UNIT)} lies in {found.band}.{_folate_note(ctx)}",
        threshold=found.band,
        values=(used(lab, "Serum folate", unit=FOLATE_UNIT),),
    )


# ---------------------------------------------------------------------------------------------------------
# NUTR-03a to NUTR-04: iron


def _check_ferritin_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "ferritin", "ferritin", high=FERRITIN_LOW_NG_ML)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Ferritin {_reported(lab, FERRITIN_UNIT)} is below {_th(FERRITIN_LOW_NG_ML)}",
        detail=f"Ferritin {_reported(lab, FERRITIN_UNIT)} is below the WHO 2020 threshold {_th(FERRITIN_LOW_NG_ML)}.",
        threshold=found.band,
        values=(used(lab, "Ferritin", unit=FERRITIN_UNIT),),
    )


def _check_ferritin_probable(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "ferritin", "ferritin", FERRITIN_LOW_NG_ML, FERRITIN_PROBABLE_TOP_NG_ML)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Ferritin {_reported(lab, FERRITIN_UNIT)} is in the probable iron-deficiency range",
        detail=f"Ferritin {_reported(lab, FERRITIN_UNIT)} lies in {found.band}.",
        threshold=found.band,
        values=(used(lab, "Ferritin", unit=FERRITIN_UNIT),),
    )


def _ferritin_inflammation_cut(ctx: Context) -> tuple[Threshold, str]:
    match ctx.options.ferritin:
        case FerritinConvention.AAFP:
            return FERRITIN_INFLAMMATION_AAFP_NG_ML, "AAFP"
        case FerritinConvention.BSG:
            return FERRITIN_INFLAMMATION_BSG_NG_ML, "BSG"
        case _:
            return FERRITIN_INFLAMMATION_WHO_NG_ML, "WHO 2020"


def _check_ferritin_inflammation(rule: Rule, ctx: Context) -> Outcome:
    cut, convention = _ferritin_inflammation_cut(ctx)
    pick = ctx.labs.latest("ferritin", NUTRIENT_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    ferritin = pick.lab
    band_text = _band_text("ferritin", ferritin, FERRITIN_PROBABLE_TOP_NG_ML, cut)
    band = in_band(ferritin, FERRITIN_PROBABLE_TOP_NG_ML, cut)
    if band is False:
        return None
    window = dt.timedelta(days=CRP_WINDOW_DAYS)
    crps = [
        v
        for key in ("crp", "hscrp")
        for v in ctx.labs.within(key, ferritin.collected - window, ferritin.collected + window)
    ]
    if not crps:
        if band is None:
            return Skip(f"ferritin {_dated(ferritin)} cannot be placed in the band {band_text}")
        return Skip(f"no CRP within {CRP_WINDOW_DAYS} days of ferritin ({ferritin.collected.isoformat()})")
    inflamed_by = [v for v in crps if compare(v, ">", CRP_INFLAMMATION_MG_L)]
    inflamed = _any(*(compare(v, ">", CRP_INFLAMMATION_MG_L) for v in crps))
    met = _all(band, inflamed)
    if met is None:
        shown = ", ".join(_dated(v) for v in crps)
        return Skip(f"ferritin {_dated(ferritin)} with CRP {shown} cannot be placed in {band_text} with CRP > 5 mg/L")
    if not met:
        return None
    crp = inflamed_by[0]
    crp_label = "hs-CRP" if crp.analyte == "hscrp" else "CRP"
    return Hit(
        title=f"Ferritin {_reported(ferritin, FERRITIN_UNIT)} with {crp_label} {_reported(crp, CRP_UNIT)}",
        detail=(
            f"Ferritin {_reported(ferritin, FERRITIN_UNIT)} lies in {band_text} ({convention} cut-off with "
            f"inflammation) and {crp_label} {_reported(crp, CRP_UNIT)}, within {CRP_WINDOW_DAYS} days of it, "
            f"is above {_th(CRP_INFLAMMATION_MG_L)}."
        ),
        threshold=f"{band_text} and CRP > {_th(CRP_INFLAMMATION_MG_L)} within {CRP_WINDOW_DAYS} days",
        values=(used(ferritin, "Ferritin", unit=FERRITIN_UNIT), used(crp, crp_label, unit=CRP_UNIT)),
    )


def _check_tsat_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "tsat", "TSAT", high=TSAT_LOW_PCT)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Transferrin saturation {_reported(lab, TSAT_UNIT)} is below {_th(TSAT_LOW_PCT)}",
        detail=f"Transferrin saturation {_reported(lab, TSAT_UNIT)} is below {_th(TSAT_LOW_PCT)}.",
        threshold=found.band,
        values=(used(lab, "Transferrin saturation", unit=TSAT_UNIT),),
    )


# ---------------------------------------------------------------------------------------------------------
# NUTR-05a to NUTR-05c: 25(OH)D


def _vitamin_d_note(ctx: Context) -> str:
    match ctx.options.vitamin_d:
        case VitaminDConvention.ENDOCRINE_SOCIETY_2011:
            return (
                " Clinic convention: Endocrine Society 2011 (deficiency < 20 ng/mL, insufficiency 21-29 ng/mL, "
                "sufficiency 30-100 ng/mL)."
            )
        case VitaminDConvention.IOM_2011:
            return " Clinic convention: IOM 2011 (>= 20 ng/mL is adequate for nearly everyone)."
        case _:
            return ""


def _vitamin_d_hit(ctx: Context, found: _Banded, title: str) -> Hit:
    lab = found.lab
    return Hit(
        title=f"25(OH)D {_reported(lab, VITAMIN_D_UNIT)} {title}",
        detail=f"25-hydroxyvitamin D {_reported(lab, VITAMIN_D_UNIT)} lies in {found.band}.{_vitamin_d_note(ctx)}",
        threshold=found.band,
        values=(used(lab, "25(OH)D", unit=VITAMIN_D_UNIT),),
    )


def _check_vitamin_d_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "vitamin_d", "25(OH)D", high=VITAMIN_D_LOW_NG_ML)
    if not isinstance(found, _Banded):
        return found
    return _vitamin_d_hit(ctx, found, f"is below {_cut_text(VITAMIN_D_LOW_NG_ML, found.lab)}")


def _check_vitamin_d_inadequate(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "vitamin_d", "25(OH)D", VITAMIN_D_LOW_NG_ML, VITAMIN_D_ADEQUATE_NG_ML)
    if not isinstance(found, _Banded):
        return found
    return _vitamin_d_hit(ctx, found, f"is below {_cut_text(VITAMIN_D_ADEQUATE_NG_ML, found.lab)}")


def _check_vitamin_d_20_29(rule: Rule, ctx: Context) -> Outcome:
    if ctx.options.vitamin_d == VitaminDConvention.IOM_2011:
        return None  # IOM 2011: >= 20 ng/mL is adequate, so this band is not flagged
    found = _in_band_result(ctx, "vitamin_d", "25(OH)D", VITAMIN_D_ADEQUATE_NG_ML, VITAMIN_D_ES2011_SUFFICIENT_NG_ML)
    if not isinstance(found, _Banded):
        return found
    return _vitamin_d_hit(ctx, found, "is in the 20-29 ng/mL range")


# ---------------------------------------------------------------------------------------------------------
# NUTR-06a to NUTR-09


def _magnesium_note(ctx: Context) -> str:
    names = _drug_names(ctx, "ppi", ctx.as_of) + _drug_names(ctx, "diuretic", ctx.as_of)
    return f" Recorded medicines that can lower magnesium: {', '.join(names)}." if names else ""


def _check_magnesium_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "magnesium", "Mg", MAGNESIUM_MARKED_MMOL_L, MAGNESIUM_LOW_MMOL_L)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Serum magnesium {_reported(lab, MAGNESIUM_UNIT)} is below the reference range",
        detail=f"Serum magnesium {_reported(lab, MAGNESIUM_UNIT)} lies in {found.band}.{_magnesium_note(ctx)}",
        threshold=found.band,
        values=(used(lab, "Serum magnesium", unit=MAGNESIUM_UNIT),),
    )


def _check_magnesium_marked(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "magnesium", "Mg", high=MAGNESIUM_MARKED_MMOL_L)
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Serum magnesium {_reported(lab, MAGNESIUM_UNIT)} is markedly low",
        detail=f"Serum magnesium {_reported(lab, MAGNESIUM_UNIT)} lies in {found.band}.{_magnesium_note(ctx)}",
        threshold=found.band,
        values=(used(lab, "Serum magnesium", unit=MAGNESIUM_UNIT),),
    )


def _zinc_cell(sex: Sex, age: int) -> _ZincCell | None:
    for cell in ZINC_CELLS:
        if cell.sex == sex and cell.min_age <= age and (cell.max_age is None or age <= cell.max_age):
            return cell
    return None


def _check_zinc_low(rule: Rule, ctx: Context) -> Outcome:
    pick = ctx.labs.latest("zinc", NUTRIENT_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    patient = ctx.snapshot.patient
    # The population cell is the one the patient was in when the sample was taken.
    age = patient.age_on(lab.collected)
    cell = _zinc_cell(patient.sex, age)
    if cell is None:
        return Skip(
            f"no Hotz 2003 zinc cut-off for a {patient.sex.value} aged {age} "
            "(the table covers women 10-70 years and men from 10 years)"
        )
    # Every sampling condition the record allows; cut-offs from conditions that are unknown are all tried, and the
    # rule is only indeterminate when they disagree.
    unknown: list[str] = []
    if lab.time is None:
        unknown.append("sample time not recorded")
        conditions = ["morning", "afternoon"]
    else:
        conditions = ["afternoon" if lab.time >= ZINC_AFTERNOON_FROM else "morning"]
    candidates: list[tuple[str, Threshold]] = []
    if "morning" in conditions:
        if lab.fasting is None:
            unknown.append("fasting status not recorded")
            candidates += [("morning fasting", cell.morning_fasting), ("morning non-fasting", cell.morning_nonfasting)]
        elif lab.fasting:
            candidates.append(("morning fasting", cell.morning_fasting))
        else:
            candidates.append(("morning non-fasting", cell.morning_nonfasting))
    if "afternoon" in conditions:
        candidates.append(("afternoon", cell.afternoon))
    outcomes = [compare(lab, "<", cut) for _, cut in candidates]
    # Consensus, not AND: below every possible cut-off fires, below none does not, anything else is unknown.
    below = True if all(o is True for o in outcomes) else False if all(o is False for o in outcomes) else None
    cut_list = " / ".join(f"{_th(cut)} ({name})" for name, cut in candidates)
    if below is None:
        reason = f"; {' and '.join(unknown)}" if unknown else ""
        return Skip(f"zinc {_reported(lab, ZINC_UNIT)} cannot be compared with the cut-off {cut_list}{reason}")
    if not below:
        return None
    at = f"sampled at {lab.time:%H:%M}" if lab.time else "sample time not recorded"
    fasting = {True: "fasting", False: "non-fasting", None: "fasting status not recorded"}[lab.fasting]
    person = "woman" if patient.sex == Sex.FEMALE else "man"
    which = "the cut-off" if len(candidates) == 1 else "every cut-off that could apply"
    return Hit(
        title=f"Serum zinc {_reported(lab, ZINC_UNIT)} is below the Hotz 2003 cut-off",
        detail=(
            f"Serum zinc {_reported(lab, ZINC_UNIT)}, {at}, {fasting}, from a {age}-year-old {person}, is below "
            f"{which} for {cell.group}: {cut_list}. Zinc falls with inflammation, low albumin and oral "
            "contraceptives."
        ),
        threshold=f"zinc < {cut_list} ({cell.group}, Hotz 2003)",
        values=(used(lab, "Serum zinc", unit=ZINC_UNIT),),
    )


def _check_homocysteine_raised(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "homocysteine", "homocysteine", low=HOMOCYSTEINE_RAISED_UMOL_L, low_op=">")
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Homocysteine {_reported(lab, HOMOCYSTEINE_UNIT)} is above {_th(HOMOCYSTEINE_RAISED_UMOL_L)}",
        detail=(
            f"Total homocysteine {_reported(lab, HOMOCYSTEINE_UNIT)} is above {_th(HOMOCYSTEINE_RAISED_UMOL_L)}; "
            "folate, B12 or B6 deficiency, renal impairment and hypothyroidism raise it."
        ),
        threshold=found.band,
        values=(used(lab, "Homocysteine", unit=HOMOCYSTEINE_UNIT),),
    )


def _check_omega3_low(rule: Rule, ctx: Context) -> Outcome:
    found = _in_band_result(ctx, "omega3_index", "omega-3 index", high=OMEGA3_INDEX_LOW_PCT, high_op="<=")
    if not isinstance(found, _Banded):
        return found
    lab = found.lab
    return Hit(
        title=f"Omega-3 index {_reported(lab, OMEGA3_UNIT)} is {_th(OMEGA3_INDEX_LOW_PCT)} or lower",
        detail=f"Omega-3 index {_reported(lab, OMEGA3_UNIT)} is in the <= {_th(OMEGA3_INDEX_LOW_PCT)} zone.",
        threshold=found.band,
        values=(used(lab, "Omega-3 index", unit=OMEGA3_UNIT),),
    )


# ---------------------------------------------------------------------------------------------------------
# MED-01, MED-02: long-term drug use without monitoring


@dataclass(frozen=True, slots=True)
class _Exposure:
    names: tuple[str, ...]
    since: dt.date  # earliest known start of the unbroken run of use that includes as_of
    unknown_start: bool  # a course in the run has no start date, so the run may be longer


def _continuous_use(ctx: Context, drug_class: str) -> _Exposure | None:
    """The unbroken run of use of ``drug_class`` that includes ``as_of``, or None when not on it that day.

    Overlapping and back-to-back courses (one ending the day before the next starts) form one run, so a
    dose change recorded as a new course does not reset the duration.
    """
    if not drugs.is_on_class(ctx.snapshot, drug_class, ctx.as_of):
        return None
    courses = [
        (name, start, end or ctx.as_of)
        for name, start, end in drugs.courses_of_class(ctx.snapshot, drug_class)
        if start is None or start <= ctx.as_of
    ]
    since, unknown_start = ctx.as_of, False
    joined: set[int] = set()
    changed = True
    while changed:
        changed = False
        for index, (_, start, end) in enumerate(courses):
            if index in joined or end < since - dt.timedelta(days=1):
                continue
            joined.add(index)
            changed = True
            if start is None:
                unknown_start = True
            elif start < since:
                since = start
    names = tuple(dict.fromkeys(drugs.drug_display(courses[i][0]) for i in sorted(joined)))
    return _Exposure(names, since, unknown_start)


def _check_long_term_unmonitored(
    ctx: Context, *, drug_class: str, drug_label: str, analyte: str, analyte_label: str, unit: str
) -> Outcome:
    exposure = _continuous_use(ctx, drug_class)
    if exposure is None:
        return None
    names = ", ".join(exposure.names)
    if exposure.since > months_before(ctx.as_of, LONG_TERM_MONTHS):
        if exposure.unknown_start:
            return Skip(f"{drug_label} start date not recorded ({names}), so the duration of use is unknown")
        return None
    monitored_since = months_before(ctx.as_of, MONITORING_MONTHS)
    if ctx.labs.within(analyte, monitored_since):
        return None
    earlier = ctx.labs.all(analyte)
    last = (
        f"the last {analyte_label} was {_reported(earlier[0], unit)}"
        if earlier
        else f"no {analyte_label} result is recorded"
    )
    since = exposure.since.isoformat() + (" or earlier" if exposure.unknown_start else "")
    return Hit(
        title=f"{drug_label.capitalize()} since {since}; no {analyte_label} since {monitored_since.isoformat()}",
        detail=(
            f"{drug_label.capitalize()} ({names}) has been taken continuously since {since}; {last}, "
            f"none since {monitored_since.isoformat()}."
        ),
        threshold=(
            f"on {drug_label} >= {LONG_TERM_MONTHS} months and "
            f"no {analyte_label} in the last {MONITORING_MONTHS} months"
        ),
        values=(used(earlier[0], f"Last {analyte_label}", unit=unit),) if earlier else (),
    )


def _check_metformin_b12(rule: Rule, ctx: Context) -> Outcome:
    return _check_long_term_unmonitored(
        ctx, drug_class="biguanide", drug_label="metformin", analyte="b12", analyte_label="B12", unit=B12_UNIT
    )


def _check_ppi_magnesium(rule: Rule, ctx: Context) -> Outcome:
    return _check_long_term_unmonitored(
        ctx,
        drug_class="ppi",
        drug_label="proton-pump inhibitor",
        analyte="magnesium",
        analyte_label="magnesium",
        unit=MAGNESIUM_UNIT,
    )


# ---------------------------------------------------------------------------------------------------------
# The rules, in reference order

_B12_RATIONALE = (
    "BSH 2014 sets no definitive B12 cut-off; 148 pmol/L (200 pg/mL) has about 97% sensitivity, and 200-300 pg/mL "
    "is indeterminate (section 6.1). Metformin and long-term PPIs or H2 blockers lower B12 (section 10.3)."
)

NUTR_01A = Rule(
    id="NUTR-01a",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="Serum B12 is below 200 pg/mL (148 pmol/L).",
    follow_up="Clinician review; cause (diet, pernicious anaemia, metformin, PPI); FBC.",
    source="BSH 2014",
    rationale=_B12_RATIONALE,
    thresholds=(B12_LOW_PG_ML, B12_LOW_ALT_PG_ML),
    check=_check_b12_low,
    inputs="serum B12 (12 months)",
)

NUTR_01B = Rule(
    id="NUTR-01b",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Serum B12 is in the borderline range where functional deficiency is possible.",
    follow_up="Methylmalonic acid and/or homocysteine.",
    source="BSH 2014; secondary sources",
    rationale=(
        "In the 200-300 pg/mL band functional deficiency is possible; MMA above 0.271 umol/L supports it and "
        "homocysteine above 15 umol/L is raised."
    ),
    thresholds=(
        B12_LOW_PG_ML,
        B12_BORDERLINE_TOP_PG_ML,
        B12_LOW_ALT_PG_ML,
        B12_BORDERLINE_TOP_ALT_PG_ML,
        MMA_RAISED_UMOL_L,
        HOMOCYSTEINE_RAISED_UMOL_L,
    ),
    check=_check_b12_borderline_unconfirmed,
    inputs="serum B12, MMA, homocysteine (12 months)",
)

NUTR_01C = Rule(
    id="NUTR-01c",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="Borderline B12 with a raised metabolite supports possible functional B12 deficiency.",
    follow_up="Clinician review; renal function (MMA rises in CKD).",
    source="BSH 2014",
    rationale=(
        "MMA above 0.271 umol/L supports functional B12 deficiency, though renal impairment also raises it; "
        "homocysteine rises with B12, folate or B6 deficiency."
    ),
    thresholds=NUTR_01B.thresholds,
    check=_check_b12_borderline_raised_metabolite,
    inputs="serum B12, MMA, homocysteine (12 months)",
)

NUTR_02A = Rule(
    id="NUTR-02a",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="Serum folate is below 3 ng/mL.",
    follow_up="Clinician review; B12 before folate replacement; alcohol/drug review.",
    source="WHO 2015",
    rationale=(
        "WHO 2015 defines folate deficiency as serum folate below 3 ng/mL (6.8 nmol/L), on megaloblastic-anaemia "
        "grounds; valproate, carbamazepine and methotrexate lower folate."
    ),
    thresholds=(FOLATE_LOW_NG_ML,),
    check=_check_folate_low,
    inputs="serum folate (12 months)",
)

NUTR_02B = Rule(
    id="NUTR-02b",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Serum folate is in the low-normal range where homocysteine may rise.",
    follow_up="Homocysteine; repeat or RBC folate.",
    source="WHO 2012 [U]",
    rationale=(
        "The WHO 2012 homocysteine-based cut-off is 4 ng/mL (10 nmol/L) [U]; serum folate reflects recent intake, "
        "RBC folate longer-term status."
    ),
    thresholds=(FOLATE_LOW_NG_ML, FOLATE_LOW_NORMAL_TOP_NG_ML),
    check=_check_folate_low_normal,
    inputs="serum folate (12 months)",
)

NUTR_03A = Rule(
    id="NUTR-03a",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="Ferritin is below 15 ng/mL, the WHO threshold for iron deficiency.",
    follow_up="FBC, TSAT; cause of iron loss.",
    source="WHO 2020",
    rationale="WHO 2020 defines iron deficiency in adults as ferritin below 15 ng/mL.",
    thresholds=(FERRITIN_LOW_NG_ML,),
    check=_check_ferritin_low,
    inputs="ferritin (12 months)",
)

NUTR_03B = Rule(
    id="NUTR-03b",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Ferritin is in a range where iron deficiency is probable.",
    follow_up="TSAT, FBC, CRP.",
    source="BSG 2019; AAFP 2013",
    rationale="BSG 2019 treats ferritin 15-30 ng/mL as probable iron deficiency and AAFP 2013 uses < 30.",
    thresholds=(FERRITIN_LOW_NG_ML, FERRITIN_PROBABLE_TOP_NG_ML),
    check=_check_ferritin_probable,
    inputs="ferritin (12 months)",
)

NUTR_03C = Rule(
    id="NUTR-03c",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Ferritin may overstate iron stores because inflammation is present.",
    follow_up="TSAT; repeat when inflammation settles.",
    source="WHO 2020 (< 70 with inflammation)",
    rationale=(
        "Ferritin is an acute-phase reactant: WHO 2020 uses < 70 ug/L when inflammation is present (AAFP < 50, "
        "BSG 70-100); CRP and ferritin rise in acute illness."
    ),
    thresholds=(
        FERRITIN_PROBABLE_TOP_NG_ML,
        FERRITIN_INFLAMMATION_WHO_NG_ML,
        FERRITIN_INFLAMMATION_AAFP_NG_ML,
        FERRITIN_INFLAMMATION_BSG_NG_ML,
        CRP_INFLAMMATION_MG_L,
    ),
    check=_check_ferritin_inflammation,
    inputs="ferritin (12 months), CRP or hs-CRP within 14 days of the ferritin",
)

NUTR_04 = Rule(
    id="NUTR-04",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Transferrin saturation is below 20%.",
    follow_up="Ferritin, CRP, FBC.",
    source="ESC/KDIGO/BSG tables (PMC9827648)",
    rationale=("A transferrin saturation below 20% is used with ferritin in heart-failure, CKD and IBD guidance."),
    thresholds=(TSAT_LOW_PCT,),
    check=_check_tsat_low,
    inputs="transferrin saturation (12 months)",
)

_VITAMIN_D_RATIONALE = (
    "IOM 2011 puts the risk of deficiency below 12 ng/mL (30 nmol/L) and adequacy at 20 ng/mL (50 nmol/L); "
    "Endocrine Society 2011 called < 20 deficient and 21-29 insufficient, and its 2024 guideline sets no "
    "target (section 6.1, 13)."
)

NUTR_05A = Rule(
    id="NUTR-05a",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="25-hydroxyvitamin D is below 12 ng/mL (30 nmol/L).",
    follow_up="Clinician review of supplementation, bone health, malabsorption.",
    source="IOM 2011",
    rationale=_VITAMIN_D_RATIONALE,
    thresholds=(VITAMIN_D_LOW_NG_ML,),
    check=_check_vitamin_d_low,
    inputs="25(OH)D (12 months)",
)

NUTR_05B = Rule(
    id="NUTR-05b",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="25-hydroxyvitamin D is below 20 ng/mL (50 nmol/L).",
    follow_up="Clinician review; note guideline differences.",
    source="Endocrine Society 2011; IOM 2011",
    rationale=_VITAMIN_D_RATIONALE,
    thresholds=(VITAMIN_D_LOW_NG_ML, VITAMIN_D_ADEQUATE_NG_ML),
    check=_check_vitamin_d_inadequate,
    inputs="25(OH)D (12 months)",
)

NUTR_05C = Rule(
    id="NUTR-05c",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.INFO,
    message=(
        '25-hydroxyvitamin D is 20-29 ng/mL; the 2011 "insufficiency" label is no longer endorsed by the '
        "Endocrine Society (2024)."
    ),
    follow_up="No action required by the rule.",
    source="Endocrine Society 2011 vs 2024",
    rationale=(
        "The 2024 Endocrine Society guideline no longer endorses the 2011 30 ng/mL sufficiency or 20-30 ng/mL "
        "insufficiency definitions."
    ),
    thresholds=(VITAMIN_D_ADEQUATE_NG_ML, VITAMIN_D_ES2011_SUFFICIENT_NG_ML),
    check=_check_vitamin_d_20_29,
    inputs="25(OH)D (12 months)",
)

NUTR_06A = Rule(
    id="NUTR-06a",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Serum magnesium is below the reference range.",
    follow_up="Repeat; review PPIs, diuretics, alcohol; calcium and potassium.",
    source="Reference 0.75-0.95 mmol/L; FDA 2011",
    rationale=(
        "The serum magnesium reference interval is 0.75-0.95 mmol/L and serum values underestimate the total-body "
        "deficit; long-term PPIs cause hypomagnesaemia."
    ),
    thresholds=(MAGNESIUM_MARKED_MMOL_L, MAGNESIUM_LOW_MMOL_L),
    check=_check_magnesium_low,
    inputs="serum magnesium (12 months)",
)

NUTR_06B = Rule(
    id="NUTR-06b",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.IMPORTANT,
    message="Serum magnesium is markedly low.",
    follow_up="Clinician review; ECG if symptomatic.",
    source="[U] severity cut",
    rationale="Serum magnesium below 0.5 mmol/L is taken as severe [U].",
    thresholds=(MAGNESIUM_MARKED_MMOL_L,),
    check=_check_magnesium_marked,
    inputs="serum magnesium (12 months)",
)

NUTR_07 = Rule(
    id="NUTR-07",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Serum zinc is below the population lower cut-off for the sampling conditions.",
    follow_up="Interpret with CRP and albumin; diet review.",
    source="Hotz et al. 2003",
    rationale=(
        "Hotz 2003 gives lower serum zinc cut-offs by sex, age, fasting and time of day; zinc falls with "
        "inflammation, low albumin and oral contraceptives, and the cut-offs are a population tool, imprecise for "
        "individuals."
    ),
    thresholds=tuple(
        cut for cell in ZINC_CELLS for cut in (cell.morning_fasting, cell.morning_nonfasting, cell.afternoon)
    ),
    check=_check_zinc_low,
    inputs="serum zinc with sample time and fasting status, sex, age (12 months)",
)

NUTR_08 = Rule(
    id="NUTR-08",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.CONSIDER,
    message="Homocysteine is above 15 umol/L.",
    follow_up="B12, folate, renal function, TSH.",
    source="secondary sources",
    rationale=(
        "Total homocysteine above 15 umol/L is raised; folate, B12 or B6 deficiency, renal impairment and "
        "hypothyroidism raise it."
    ),
    thresholds=(HOMOCYSTEINE_RAISED_UMOL_L,),
    check=_check_homocysteine_raised,
    inputs="homocysteine (12 months)",
)

NUTR_09 = Rule(
    id="NUTR-09",
    version=1,
    category=Category.NUTRIENT,
    severity=Level.INFO,
    message="Omega-3 index is in the lowest (<= 4%) zone.",
    follow_up="Dietary review.",
    source="Harris & von Schacky 2004",
    rationale=(
        "An omega-3 index of 4% or less is the high-risk zone of Harris and von Schacky, a cardiovascular risk "
        "marker rather than a depression diagnostic."
    ),
    thresholds=(OMEGA3_INDEX_LOW_PCT,),
    check=_check_omega3_low,
    inputs="omega-3 index (12 months)",
)

MED_01 = Rule(
    id="MED-01",
    version=1,
    category=Category.MEDICATION,
    severity=Level.CONSIDER,
    message="Long-term metformin use without a recent vitamin B12 result.",
    follow_up="Serum B12.",
    source="ADA Standards (since 2017)",
    rationale=(
        "Long-term metformin lowers serum B12; the ADA Standards recommend periodic B12 measurement, especially "
        "with anaemia or neuropathy."
    ),
    thresholds=(),
    check=_check_metformin_b12,
    inputs="metformin courses (start dates), B12 dates",
)

MED_02 = Rule(
    id="MED-02",
    version=1,
    category=Category.MEDICATION,
    severity=Level.CONSIDER,
    message="Long-term proton-pump inhibitor use without a recent magnesium result.",
    follow_up="Serum magnesium.",
    source="FDA Drug Safety Communication 2011",
    rationale=(
        "Prescription PPIs, usually after more than a year, cause hypomagnesaemia; the FDA advises baseline and "
        "periodic magnesium, especially with digoxin or diuretics."
    ),
    thresholds=(),
    check=_check_ppi_magnesium,
    inputs="proton-pump inhibitor courses (start dates), magnesium dates",
)

RULES: tuple[Rule, ...] = (
    NUTR_01A,
    NUTR_01B,
    NUTR_01C,
    NUTR_02A,
    NUTR_02B,
    NUTR_03A,
    NUTR_03B,
    NUTR_03C,
    NUTR_04,
    NUTR_05A,
    NUTR_05B,
    NUTR_05C,
    NUTR_06A,
    NUTR_06B,
    NUTR_07,
    NUTR_08,
    NUTR_09,
    MED_01,
    MED_02,
)
