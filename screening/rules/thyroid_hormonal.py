"""Thyroid and hormonal rules (clinical reference section 11.3).

THY-01a to THY-06, HORM-01 to HORM-03b and HORM-06. HORM-04a/b and HORM-05 (EPDS and the self-harm item)
live in :mod:`screening.rules.trd`.

Reference limits: where the reference says "lab ULN/LLN", the result's own limits (stored canonical) take
precedence and the defaults below apply only when the laboratory gave none; every detail says which was used.
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
    Pick,
    Rule,
    Skip,
    Threshold,
    compare,
    in_band,
    months_before,
    threshold,
    used,
)
from .result import Category, Level, UsedValue, format_number
from .snapshot import LabValue, MenstrualStatus, Sex, Supplement
from .units import unit_label

# ---------------------------------------------------------------------------------------------------------
# Freshness (section 0)

THYROID_FRESHNESS = Freshness(months=12)
# NICE recommends 6-monthly thyroid tests on lithium (section 5.2), so a TSH/FT4 older than that is stale.
THYROID_FRESHNESS_ON_LITHIUM = Freshness(months=6)
# Design: antibody status is persistent, so an anti-TPO result of any age is used.
ANTI_TPO_FRESHNESS = Freshness()
TESTOSTERONE_FRESHNESS = Freshness(months=6)
CORTISOL_FRESHNESS = Freshness(months=3)
PROLACTIN_FRESHNESS = Freshness(months=6)
LITHIUM_TSH_INTERVAL_MONTHS = 6

# Design: an FT4 drawn on another day pairs with the TSH when it is the latest FT4 within this many days of it
# (either side), e.g. a reflex FT4 requested after the TSH came back.
FT4_PAIRING_DAYS = 30

# ---------------------------------------------------------------------------------------------------------
# Thresholds. TSH is 1:1 in mIU/L and uIU/mL, so it needs no second unit.

TSH_UNIT = "m[IU]/L"
FT4_UNIT = "ng/dL"
FT3_UNIT = "pg/mL"
ANTI_TPO_UNIT = "[IU]/mL"
TESTOSTERONE_UNIT = "ng/dL"
CORTISOL_UNIT = "ug/dL"
PROLACTIN_UNIT = "ng/mL"

# Section 5.1: TSH about 0.45-4.5 mIU/L, lab-specific; the upper default is a per-clinic option (4.5 or 4.0).
TSH_LLN_DEFAULT_MIU_L = threshold("TSH_LLN_DEFAULT_MIU_L", 0.45, TSH_UNIT)
TSH_ULN_DEFAULT_MIU_L = threshold("TSH_ULN_DEFAULT_MIU_L", 4.5, TSH_UNIT)
TSH_HIGH_MIU_L = threshold("TSH_HIGH_MIU_L", 10, TSH_UNIT)  # ATA: treat SCH at >= 10
TSH_SUPPRESSED_MIU_L = threshold("TSH_SUPPRESSED_MIU_L", 0.1, TSH_UNIT)  # ATA: < 0.1 vs 0.1-0.4
# Section 5.1: free T4 about 0.8-1.8 ng/dL (10-23 pmol/L); free T3 about 2.3-4.2 pg/mL (3.5-6.5 pmol/L) [U].
FT4_LLN_DEFAULT_NG_DL = threshold("FT4_LLN_DEFAULT_NG_DL", 0.8, FT4_UNIT, pmol_per_L=10)
FT4_ULN_DEFAULT_NG_DL = threshold("FT4_ULN_DEFAULT_NG_DL", 1.8, FT4_UNIT, pmol_per_L=23)
FT3_LLN_DEFAULT_PG_ML = threshold("FT3_LLN_DEFAULT_PG_ML", 2.3, FT3_UNIT, pmol_per_L=3.5)
FT3_ULN_DEFAULT_PG_ML = threshold("FT3_ULN_DEFAULT_PG_ML", 4.2, FT3_UNIT, pmol_per_L=6.5)
# Section 5.1: anti-TPO is positive above the assay ULN, "often 34-35 IU/mL" [U]; 35 when the assay gives none.
ANTI_TPO_ULN_TYPICAL_IU_ML = threshold("ANTI_TPO_ULN_TYPICAL_IU_ML", 35, ANTI_TPO_UNIT)
# Section 10.3: ATA advises stopping biotin >= 2 days before testing.
BIOTIN_WASHOUT_DAYS = 2
# Section 7.1: AUA 300 ng/dL (< 10.4 nmol/L as section 11.3 states it); other cut-offs are per-clinic options.
TESTOSTERONE_LOW_AUA_NG_DL = threshold("TESTOSTERONE_LOW_AUA_NG_DL", 300, TESTOSTERONE_UNIT, nmol_per_L=10.4)
# Section 7.2: 8 a.m. cortisol < 3 ug/dL (< 83 nmol/L).
CORTISOL_LOW_UG_DL = threshold("CORTISOL_LOW_UG_DL", 3, CORTISOL_UNIT, nmol_per_L=83)
# Section 7.5: about 25 ng/mL (women), 20 ng/mL (men); "in mIU/L, a common female upper limit is 543 mIU/L" [V].
# No mIU/L value is stated for men or for 200 ng/mL: such results are compared after conversion.
PROLACTIN_ULN_DEFAULT_FEMALE_NG_ML = threshold(
    "PROLACTIN_ULN_DEFAULT_FEMALE_NG_ML", 25, PROLACTIN_UNIT, **{"m[IU]/L": 543}
)
PROLACTIN_ULN_DEFAULT_MALE_NG_ML = threshold("PROLACTIN_ULN_DEFAULT_MALE_NG_ML", 20, PROLACTIN_UNIT)
PROLACTIN_MARKED_NG_ML = threshold("PROLACTIN_MARKED_NG_ML", 200, PROLACTIN_UNIT)
# Section 11.3 HORM-06: 40 <= age <= 55 (both ends inclusive).
PERIMENOPAUSE_AGE_LOW_YEARS = threshold("PERIMENOPAUSE_AGE_LOW_YEARS", 40, "years")
PERIMENOPAUSE_AGE_HIGH_YEARS = threshold("PERIMENOPAUSE_AGE_HIGH_YEARS", 55, "years")

# Gate G-03: testosterone and cortisol samples must be taken 06:00-10:00 (both ends inclusive).
MORNING_START = dt.time(6, 0)
MORNING_END = dt.time(10, 0)
MORNING_TEXT = "06:00-10:00"

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


def _th(cut: Threshold) -> str:
    """A threshold as clinicians write it: '10 mIU/L', '3 ug/dL (83 nmol/L)'."""
    text = f"{format_number(cut.value)} {unit_label(cut.unit)}"
    extra = ", ".join(f"{format_number(v)} {unit_label(u)}" for u, v in cut.alternatives.items())
    return f"{text} ({extra})" if extra else text


def _cut_text(cut: Threshold | float, lab: LabValue, unit: str) -> str:
    """A cut-off in the unit the comparison is made in: the reported unit where the reference states one."""
    if isinstance(cut, Threshold):
        if lab.entered_unit in cut.alternatives:
            return f"{format_number(cut.alternatives[lab.entered_unit])} {unit_label(lab.entered_unit)}"
        return f"{format_number(cut.value)} {unit_label(cut.unit)}"
    # A laboratory limit is stored canonical; show it in the unit the laboratory reported the result in.
    if lab.entered_unit != unit and lab.value:
        return f"{format_number(cut * lab.entered_value / lab.value)} {unit_label(lab.entered_unit)}"
    return f"{format_number(cut)} {unit_label(unit)}"


@dataclass(frozen=True, slots=True)
class _Limit:
    """A reference limit: the laboratory's own (a canonical number) or the reference's default."""

    cut: Threshold | float
    side: str  # "upper" or "lower"

    @property
    def origin(self) -> str:
        return "default" if isinstance(self.cut, Threshold) else "laboratory"

    def value_text(self, lab: LabValue, unit: str) -> str:
        return _cut_text(self.cut, lab, unit)

    def describe(self, lab: LabValue, unit: str) -> str:
        """'laboratory upper limit 4.2 mIU/L' or 'default upper limit 4.5 mIU/L'."""
        return f"{self.origin} {self.side} limit {self.value_text(lab, unit)}"


def _lower(lab: LabValue, default: Threshold) -> _Limit:
    return _Limit(lab.reference_low if lab.reference_low is not None else default, "lower")


def _upper(lab: LabValue, default: Threshold) -> _Limit:
    return _Limit(lab.reference_high if lab.reference_high is not None else default, "upper")


def _range_text(lab: LabValue, low: _Limit, high: _Limit, unit: str) -> str:
    """'the laboratory range 0.9-1.7 ng/dL', or each limit named when their origins differ."""
    if low.origin == high.origin:
        low_number = low.value_text(lab, unit).split(" ", 1)[0]
        return f"the {low.origin} range {low_number}-{high.value_text(lab, unit)}"
    return f"the {low.describe(lab, unit)} and {high.describe(lab, unit)}"


def _tsh_upper_default(ctx: Context) -> Threshold:
    """The clinic's default TSH upper limit (section 13: lab ULN, default 4.5)."""
    if ctx.options.tsh_upper_limit == TSH_ULN_DEFAULT_MIU_L.value:
        return TSH_ULN_DEFAULT_MIU_L
    return threshold("TSH_ULN_DEFAULT_MIU_L", ctx.options.tsh_upper_limit, TSH_UNIT)


def _drug_names(ctx: Context, drug_class: str, *days: dt.date) -> list[str]:
    """Display names of recorded drugs of ``drug_class`` taken on any of ``days`` (unknown start: before)."""
    names: dict[str, None] = {}
    for name, start, end in drugs.courses_of_class(ctx.snapshot, drug_class):
        if any((start is None or start <= day) and (end is None or end >= day) for day in days):
            names[drugs.drug_display(name)] = None
    return list(names)


def _on_class(ctx: Context, drug_class: str, *days: dt.date) -> bool:
    return any(drugs.is_on_class(ctx.snapshot, drug_class, day) for day in days)


def _exposure_note(ctx: Context, drug_class: str, days: tuple[dt.date, ...], sentence: str) -> str:
    """``sentence`` with the drug names filled in (' Opioid use is recorded (Oxycodone); ...') when the patient
    took a drug of ``drug_class`` on any of ``days``; '' otherwise."""
    if not _on_class(ctx, drug_class, *days):
        return ""
    names = _drug_names(ctx, drug_class, *days)
    named = f" ({', '.join(names)})" if names else ""
    return f" {sentence.format(named=named)}"


# ---------------------------------------------------------------------------------------------------------
# Thyroid panel: the TSH the rules use, its paired free T4, and the limits of each


@dataclass(frozen=True, slots=True)
class _Panel:
    tsh: LabValue
    tsh_low: _Limit
    tsh_high: _Limit
    ft4: LabValue | None
    ft4_low: _Limit | None
    ft4_high: _Limit | None
    ft4_problem: str  # why there is no usable FT4: none within 30 days of the TSH, or conflicting results
    ft4_conflict: bool
    on_lithium: bool

    def tsh_text(self) -> str:
        return f"TSH {_reported(self.tsh, TSH_UNIT)}"

    def ft4_text(self) -> str:
        """Where the free T4 lies against its limits ('free T4 1.1 ng/dL (...) is within the default range ...'),
        or why there is none."""
        if self.ft4 is None or self.ft4_low is None or self.ft4_high is None:
            return self.ft4_problem
        ft4, low, high = self.ft4, self.ft4_low, self.ft4_high
        paired = "" if ft4.collected == self.tsh.collected else f" (paired, within {FT4_PAIRING_DAYS} days)"
        below, above = compare(ft4, "<", low.cut), compare(ft4, ">", high.cut)
        if below:
            where = f"below the {low.describe(ft4, FT4_UNIT)}"
        elif above:
            where = f"above the {high.describe(ft4, FT4_UNIT)}"
        elif below is False and above is False:
            where = f"within {_range_text(ft4, low, high, FT4_UNIT)}"
        else:
            where = f"not placeable against {_range_text(ft4, low, high, FT4_UNIT)}"
        return f"free T4 {_reported(ft4, FT4_UNIT)}{paired} is {where}"

    def values(self) -> tuple[UsedValue, ...]:
        found = [used(self.tsh, "TSH", unit=TSH_UNIT)]
        if self.ft4 is not None:
            found.append(used(self.ft4, "Free T4", unit=FT4_UNIT))
        return tuple(found)

    def ft4_compare(self, op: str, limit: _Limit | None) -> bool | None:
        if self.ft4 is None or limit is None:
            return None
        return compare(self.ft4, op, limit.cut)

    def lithium_note(self) -> str:
        if not self.on_lithium:
            return ""
        return " Lithium is recorded; it can cause (mostly subclinical) hypothyroidism."


def _thyroid_freshness(ctx: Context) -> tuple[Freshness, bool]:
    on_lithium = drugs.is_on_class(ctx.snapshot, "lithium", ctx.as_of)
    return (THYROID_FRESHNESS_ON_LITHIUM if on_lithium else THYROID_FRESHNESS), on_lithium


def _paired_ft4(ctx: Context, tsh: LabValue, freshness: Freshness) -> tuple[Pick, bool]:
    """The free T4 paired with the TSH, and whether candidates existed but conflicted.

    Design choice: the FT4 of the TSH's collection date; if none, the latest FT4 within 30 days of it (either
    side, and itself within the freshness window), e.g. a reflex FT4 requested after the TSH came back.
    """
    ft4s = ctx.labs.all("ft4")
    oldest = freshness.oldest_allowed(ctx.as_of)

    def same_day(v: LabValue) -> bool:
        return v.collected == tsh.collected

    def near(v: LabValue) -> bool:
        close = abs((v.collected - tsh.collected).days) <= FT4_PAIRING_DAYS
        return close and (oldest is None or v.collected >= oldest)

    for where in (same_day, near):
        if any(where(v) for v in ft4s):
            pick = ctx.labs.latest("ft4", Freshness(), where=where)
            return pick, not pick
    problem = f"no free T4 within {FT4_PAIRING_DAYS} days of the TSH of {tsh.collected.isoformat()}"
    return Pick(problem=problem), False


def _thyroid_panel(ctx: Context) -> _Panel | Skip:
    freshness, on_lithium = _thyroid_freshness(ctx)
    pick = ctx.labs.latest("tsh", freshness)
    if not pick:
        tshs, oldest = ctx.labs.all("tsh"), freshness.oldest_allowed(ctx.as_of)
        stale = on_lithium and bool(tshs) and oldest is not None and tshs[0].collected < oldest
        return Skip(pick.problem + (" (6-month window while on lithium)" if stale else ""))
    tsh = pick.lab
    ft4_pick, conflict = _paired_ft4(ctx, tsh, freshness)
    ft4 = ft4_pick.lab
    return _Panel(
        tsh=tsh,
        tsh_low=_lower(tsh, TSH_LLN_DEFAULT_MIU_L),
        tsh_high=_upper(tsh, _tsh_upper_default(ctx)),
        ft4=ft4,
        ft4_low=_lower(ft4, FT4_LLN_DEFAULT_NG_DL) if ft4 else None,
        ft4_high=_upper(ft4, FT4_ULN_DEFAULT_NG_DL) if ft4 else None,
        ft4_problem=ft4_pick.problem,
        ft4_conflict=conflict,
        on_lithium=on_lithium,
    )


def _cannot_place(panel: _Panel, what: str) -> Skip:
    parts = [panel.tsh_text()]
    if panel.ft4 is not None:
        parts.append(f"free T4 {_reported(panel.ft4, FT4_UNIT)}")
    return Skip(f"{' and '.join(parts)} cannot be placed {what}")


# ---------------------------------------------------------------------------------------------------------
# THY-01a to THY-03c


def _check_subclinical_hypothyroid(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    tsh, uln = panel.tsh, panel.tsh_high
    band = _all(compare(tsh, ">", uln.cut), compare(tsh, "<", TSH_HIGH_MIU_L))
    if band is False:
        return None
    if panel.ft4 is None:
        if panel.ft4_conflict:
            return Skip(panel.ft4_problem)
        ft4_ok: bool | None = True  # THY-01a: "or FT4 not measured"
    else:
        ft4_ok = in_band(panel.ft4, panel.ft4_low.cut, panel.ft4_high.cut, low_op=">=", high_op="<=")
    met = _all(band, ft4_ok)
    if met is None:
        return _cannot_place(panel, "in the subclinical hypothyroidism pattern")
    if not met:
        return None
    ft4_state = "not measured" if panel.ft4 is None else "within range"
    return Hit(
        title=f"{panel.tsh_text()} is above the reference range with free T4 {ft4_state}",
        detail=(
            f"{panel.tsh_text()} is above the {uln.describe(tsh, TSH_UNIT)} and below {_th(TSH_HIGH_MIU_L)}; "
            f"{panel.ft4_text()}.{panel.lithium_note()}"
        ),
        threshold=(
            f"{uln.value_text(tsh, TSH_UNIT)} < TSH < {_th(TSH_HIGH_MIU_L)}; free T4 within range or not measured"
        ),
        values=panel.values(),
    )


def _check_tsh_ten_or_more(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    high = compare(panel.tsh, ">=", TSH_HIGH_MIU_L)
    if high is None:
        return Skip(f"{panel.tsh_text()} cannot be compared with {_th(TSH_HIGH_MIU_L)}")
    if not high:
        return None
    return Hit(
        title=f"{panel.tsh_text()} is {_th(TSH_HIGH_MIU_L)} or higher",
        detail=f"{panel.tsh_text()} is at or above {_th(TSH_HIGH_MIU_L)}; {panel.ft4_text()}.{panel.lithium_note()}",
        threshold=f"TSH >= {_th(TSH_HIGH_MIU_L)}",
        values=panel.values(),
    )


def _check_overt_hypothyroid(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    tsh_high = compare(panel.tsh, ">", panel.tsh_high.cut)
    if tsh_high is False:
        return None
    if panel.ft4 is None:
        return Skip(panel.ft4_problem)
    met = _all(tsh_high, panel.ft4_compare("<", panel.ft4_low))
    if met is None:
        return _cannot_place(panel, "in the overt hypothyroidism pattern")
    if not met:
        return None
    return Hit(
        title=f"{panel.tsh_text()} is raised and free T4 {_reported(panel.ft4, FT4_UNIT)} is low",
        detail=(
            f"{panel.tsh_text()} is above the {panel.tsh_high.describe(panel.tsh, TSH_UNIT)}; "
            f"{panel.ft4_text()}.{panel.lithium_note()}"
        ),
        threshold=(
            f"TSH > {panel.tsh_high.value_text(panel.tsh, TSH_UNIT)} and "
            f"free T4 < {panel.ft4_low.value_text(panel.ft4, FT4_UNIT)}"
        ),
        values=panel.values(),
    )


def _thyroid_hormone_note(ctx: Context, panel: _Panel) -> str:
    return _exposure_note(
        ctx,
        "thyroid_hormone",
        (panel.tsh.collected, ctx.as_of),
        "Thyroid hormone use is recorded{named}; it lowers TSH.",
    )


def _check_low_tsh_normal_ft4(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    tsh, lln = panel.tsh, panel.tsh_low
    band = in_band(tsh, TSH_SUPPRESSED_MIU_L, lln.cut, low_op=">=", high_op="<")
    if band is False:
        return None
    if panel.ft4 is None:
        # Design: THY-03a's condition includes FT4 <= ULN, so without a free T4 it cannot be evaluated.
        return Skip(f"{panel.ft4_problem} (THY-03a needs free T4)")
    # Section 11.3 states "FT4 <= ULN" as written (a free T4 below its lower limit also meets it).
    met = _all(band, panel.ft4_compare("<=", panel.ft4_high))
    if met is None:
        return _cannot_place(panel, "in the low-TSH, normal-free-T4 pattern")
    if not met:
        return None
    return Hit(
        title=f"{panel.tsh_text()} is below the reference range with free T4 not raised",
        detail=(
            f"{panel.tsh_text()} is below the {lln.describe(tsh, TSH_UNIT)} and at or above "
            f"{_th(TSH_SUPPRESSED_MIU_L)}; {panel.ft4_text()}.{_thyroid_hormone_note(ctx, panel)}"
        ),
        threshold=(
            f"{_th(TSH_SUPPRESSED_MIU_L)} <= TSH < {lln.value_text(tsh, TSH_UNIT)} and "
            f"free T4 <= {panel.ft4_high.value_text(panel.ft4, FT4_UNIT)}"
        ),
        values=panel.values(),
    )


def _check_tsh_suppressed(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    low = compare(panel.tsh, "<", TSH_SUPPRESSED_MIU_L)
    if low is None:
        return Skip(f"{panel.tsh_text()} cannot be compared with {_th(TSH_SUPPRESSED_MIU_L)}")
    if not low:
        return None
    return Hit(
        title=f"{panel.tsh_text()} is suppressed below {_th(TSH_SUPPRESSED_MIU_L)}",
        detail=(
            f"{panel.tsh_text()} is below {_th(TSH_SUPPRESSED_MIU_L)}; {panel.ft4_text()}."
            f"{_thyroid_hormone_note(ctx, panel)}"
        ),
        threshold=f"TSH < {_th(TSH_SUPPRESSED_MIU_L)}",
        values=panel.values(),
    )


def _check_hyperthyroid(rule: Rule, ctx: Context) -> Outcome:
    panel = _thyroid_panel(ctx)
    if isinstance(panel, Skip):
        return panel
    tsh_low = compare(panel.tsh, "<", panel.tsh_low.cut)
    if tsh_low is False:
        return None
    if panel.ft4 is None:
        return Skip(panel.ft4_problem)
    met = _all(tsh_low, panel.ft4_compare(">", panel.ft4_high))
    if met is None:
        return _cannot_place(panel, "in the hyperthyroidism pattern")
    if not met:
        return None
    return Hit(
        title=f"{panel.tsh_text()} is low and free T4 {_reported(panel.ft4, FT4_UNIT)} is raised",
        detail=(
            f"{panel.tsh_text()} is below the {panel.tsh_low.describe(panel.tsh, TSH_UNIT)}; "
            f"{panel.ft4_text()}.{_thyroid_hormone_note(ctx, panel)}"
        ),
        threshold=(
            f"TSH < {panel.tsh_low.value_text(panel.tsh, TSH_UNIT)} and "
            f"free T4 > {panel.ft4_high.value_text(panel.ft4, FT4_UNIT)}"
        ),
        values=panel.values(),
    )


# ---------------------------------------------------------------------------------------------------------
# THY-04 to THY-06


def _check_anti_tpo(rule: Rule, ctx: Context) -> Outcome:
    pick = ctx.labs.latest("anti_tpo", ANTI_TPO_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    uln = _upper(lab, ANTI_TPO_ULN_TYPICAL_IU_ML)
    positive = compare(lab, ">", uln.cut)
    if positive is None:
        return Skip(
            f"anti-TPO {_reported(lab, ANTI_TPO_UNIT)} cannot be compared with {uln.describe(lab, ANTI_TPO_UNIT)}"
        )
    if not positive:
        return None
    if uln.origin == "laboratory":
        limit = f"the assay upper limit {uln.value_text(lab, ANTI_TPO_UNIT)}"
    else:
        limit = (
            f"{uln.value_text(lab, ANTI_TPO_UNIT)}, the typical assay upper limit "
            "(the assay's own upper limit was not given)"
        )
    return Hit(
        title=f"Anti-TPO {_reported(lab, ANTI_TPO_UNIT)} is above the assay upper limit",
        detail=f"Anti-TPO {_reported(lab, ANTI_TPO_UNIT)} is above {limit}.",
        threshold=f"anti-TPO > {uln.value_text(lab, ANTI_TPO_UNIT)} ({uln.origin} upper limit)",
        values=(used(lab, "Anti-TPO", unit=ANTI_TPO_UNIT),),
    )


def _biotin_records(ctx: Context) -> tuple[Supplement, ...]:
    return tuple(s for s in ctx.snapshot.supplements if "biotin" in s.name.lower())


def _biotin_before(supplement: Supplement, sample: dt.date) -> bool | None:
    """Was biotin taken in the 2 days before the sample (sample - 2 days <= intake <= sample)? None: unknown."""
    window_start = sample - dt.timedelta(days=BIOTIN_WASHOUT_DAYS)
    if supplement.last_taken is not None:
        if window_start <= supplement.last_taken <= sample:
            return True
        if supplement.last_taken < window_start:
            return False
    # The last intake is unknown or came after the sample: the recorded course, if any, decides.
    if supplement.start is not None and supplement.start > sample:
        return False
    if supplement.end is not None and supplement.end < window_start:
        return False
    if supplement.start is not None:
        return True  # a course that started by the sample date and ran into the 2-day window
    return None


def _biotin_text(supplement: Supplement) -> str:
    if supplement.last_taken is not None:
        return f"biotin last taken {supplement.last_taken.isoformat()}"
    if supplement.start is not None:
        until = supplement.end.isoformat() if supplement.end else "ongoing"
        return f"biotin taken from {supplement.start.isoformat()} ({until})"
    return "biotin recorded without a last-taken date"


_THYROID_LABELS = {"tsh": "TSH", "ft4": "free T4", "ft3": "free T3"}


def _thyroid_limits(ctx: Context, lab: LabValue) -> tuple[_Limit, _Limit, str]:
    """Lower and upper limits (laboratory, else default) and canonical unit of a TSH, FT4 or FT3 result."""
    if lab.analyte == "tsh":
        return _lower(lab, TSH_LLN_DEFAULT_MIU_L), _upper(lab, _tsh_upper_default(ctx)), TSH_UNIT
    if lab.analyte == "ft4":
        return _lower(lab, FT4_LLN_DEFAULT_NG_DL), _upper(lab, FT4_ULN_DEFAULT_NG_DL), FT4_UNIT
    return _lower(lab, FT3_LLN_DEFAULT_PG_ML), _upper(lab, FT3_ULN_DEFAULT_PG_ML), FT3_UNIT


def _check_biotin(rule: Rule, ctx: Context) -> Outcome:
    records = _biotin_records(ctx)
    if not records:
        return None
    freshness, _ = _thyroid_freshness(ctx)
    hits: list[str] = []
    labels: list[str] = []
    intakes: dict[str, None] = {}
    unsure: list[str] = []
    values: list[UsedValue] = []
    for key in ("tsh", "ft4", "ft3"):
        pick = ctx.labs.latest(key, freshness)
        if not pick:
            continue  # missing, stale or conflicting: the rule that uses the result reports it
        lab = pick.lab
        low, high, unit = _thyroid_limits(ctx, lab)
        label = _THYROID_LABELS[key]
        below, above = compare(lab, "<", low.cut), compare(lab, ">", high.cut)
        outside = _any(below, above)
        exposures = [(_biotin_before(s, lab.collected), s) for s in records]
        exposed = _any(*(e for e, _ in exposures))
        met = _all(outside, exposed)
        result = f"{label} {_reported(lab, unit)}"
        if met:
            limit, side = (low, "below") if below else (high, "above")
            hits.append(f"{result} is {side} the {limit.describe(lab, unit)}")
            labels.append(label)
            intakes.update(dict.fromkeys(_biotin_text(s) for e, s in exposures if e))
            values.append(used(lab, label[0].upper() + label[1:], unit=unit))
        elif met is None and outside is None:
            unsure.append(f"{result} cannot be placed against {_range_text(lab, low, high, unit)}")
        elif met is None:
            texts = "; ".join(_biotin_text(s) for e, s in exposures if e is None)
            unsure.append(
                f"{result} is outside its reference range and biotin intake in the "
                f"{BIOTIN_WASHOUT_DAYS} days before the sample is unknown ({texts})"
            )
    if hits:
        return Hit(
            title=f"{', '.join(labels)} outside the reference range with biotin taken before the sample",
            detail=(
                f"{'; '.join(hits)}. Recorded intake: {'; '.join(intakes)}, within the {BIOTIN_WASHOUT_DAYS} days "
                "before the sample."
            ),
            threshold=(
                f"biotin taken within {BIOTIN_WASHOUT_DAYS} days before the sample and a thyroid result "
                "outside its reference range"
            ),
            values=tuple(values),
        )
    if unsure:
        return Skip("; ".join(unsure))
    return None


def _check_lithium_tsh(rule: Rule, ctx: Context) -> Outcome:
    if not drugs.is_on_class(ctx.snapshot, "lithium", ctx.as_of):
        return None
    since = months_before(ctx.as_of, LITHIUM_TSH_INTERVAL_MONTHS)
    if ctx.labs.within("tsh", since):
        return None
    earlier = ctx.labs.all("tsh")
    last = f"the last TSH was {_reported(earlier[0], TSH_UNIT)}" if earlier else "no TSH result is recorded"
    return Hit(
        title=f"No TSH since {since.isoformat()} while on lithium",
        detail=f"Lithium is recorded as taken on {ctx.as_of.isoformat()}; {last}, none since {since.isoformat()}.",
        threshold=f"on lithium and no TSH in the last {LITHIUM_TSH_INTERVAL_MONTHS} months",
        values=(used(earlier[0], "Last TSH", unit=TSH_UNIT),) if earlier else (),
    )


# ---------------------------------------------------------------------------------------------------------
# HORM-01 to HORM-03b, HORM-06


def _is_morning(lab: LabValue) -> bool:
    return lab.time is not None and MORNING_START <= lab.time <= MORNING_END


def _morning_result(ctx: Context, key: str, freshness: Freshness) -> LabValue | Skip:
    """The latest fresh result sampled 06:00-10:00 (gate G-03), or why there is none.

    Section 0 uses "the most recent valid value": an earlier fresh morning sample is used when the latest one
    was taken at another time.
    """
    name = ctx.labs.name(key)
    oldest = freshness.oldest_allowed(ctx.as_of)
    fresh = ctx.labs.within(key, oldest) if oldest is not None else ctx.labs.all(key)
    if not fresh:
        return Skip(ctx.labs.latest(key, freshness).problem)
    morning = ctx.labs.latest(key, freshness, where=_is_morning)
    if morning:
        return morning.lab
    if any(_is_morning(v) for v in fresh):
        return Skip(morning.problem)  # conflicting morning results
    newest = fresh[0]
    if newest.time is None:
        return Skip(
            f"sample time not recorded (morning sample {MORNING_TEXT} needed): {name} of {newest.collected.isoformat()}"
        )
    return Skip(
        f"{name} of {newest.collected.isoformat()} was sampled at {newest.time:%H:%M}, "
        f"outside {MORNING_TEXT} (morning sample needed)"
    )


def _testosterone_cut(ctx: Context) -> Threshold:
    cutoff = ctx.options.testosterone_cutoff_ng_dl
    if cutoff == TESTOSTERONE_LOW_AUA_NG_DL.value:
        return TESTOSTERONE_LOW_AUA_NG_DL
    # The 264 (Endocrine Society) and 350 (EAU/BSSM) options are compared in ng/dL after conversion.
    return threshold("TESTOSTERONE_LOW_NG_DL", cutoff, TESTOSTERONE_UNIT)


def _check_low_testosterone(rule: Rule, ctx: Context) -> Outcome:
    if ctx.snapshot.patient.sex != Sex.MALE:
        return None
    picked = _morning_result(ctx, "testosterone", TESTOSTERONE_FRESHNESS)
    if isinstance(picked, Skip):
        return picked
    lab, cut = picked, _testosterone_cut(ctx)
    cut_text = _cut_text(cut, lab, TESTOSTERONE_UNIT)
    low = compare(lab, "<", cut)
    if low is None:
        return Skip(f"total testosterone {_reported(lab, TESTOSTERONE_UNIT)} cannot be compared with {cut_text}")
    if not low:
        return None
    opioid = _exposure_note(
        ctx, "opioid", (lab.collected, ctx.as_of), "Opioid use is recorded{named}; opioids lower testosterone."
    )
    return Hit(
        title=f"Morning total testosterone {_reported(lab, TESTOSTERONE_UNIT)} is below {cut_text}",
        detail=(
            f"Total testosterone {_reported(lab, TESTOSTERONE_UNIT)}, sampled at {lab.time:%H:%M}, is below the "
            f"configured cut-off {cut_text}; a low value needs a second early-morning measurement.{opioid}"
        ),
        threshold=f"sample {MORNING_TEXT} and testosterone < {cut_text}",
        values=(used(lab, "Total testosterone", unit=TESTOSTERONE_UNIT),),
    )


def _check_low_cortisol(rule: Rule, ctx: Context) -> Outcome:
    picked = _morning_result(ctx, "cortisol", CORTISOL_FRESHNESS)
    if isinstance(picked, Skip):
        return picked
    lab = picked
    cut_text = _cut_text(CORTISOL_LOW_UG_DL, lab, CORTISOL_UNIT)
    low = compare(lab, "<", CORTISOL_LOW_UG_DL)
    if low is None:
        return Skip(f"cortisol {_reported(lab, CORTISOL_UNIT)} cannot be compared with {cut_text}")
    if not low:
        return None
    steroid = _exposure_note(
        ctx,
        "glucocorticoid",
        (lab.collected, ctx.as_of),
        "Glucocorticoid exposure is recorded{named}; exogenous glucocorticoids suppress cortisol.",
    )
    return Hit(
        title=f"Morning cortisol {_reported(lab, CORTISOL_UNIT)} is below {cut_text}",
        detail=f"Cortisol {_reported(lab, CORTISOL_UNIT)}, sampled at {lab.time:%H:%M}, is below {cut_text}.{steroid}",
        threshold=f"sample {MORNING_TEXT} and cortisol < {cut_text}",
        values=(used(lab, "Morning cortisol", unit=CORTISOL_UNIT),),
    )


def _prolactin(ctx: Context) -> tuple[LabValue, _Limit, str] | Skip:
    """The latest fresh prolactin, its upper limit (laboratory, else the default for the sex) and that limit as text."""
    pick = ctx.labs.latest("prolactin", PROLACTIN_FRESHNESS)
    if not pick:
        return Skip(pick.problem)
    lab = pick.lab
    female = ctx.snapshot.patient.sex == Sex.FEMALE
    uln = _upper(lab, PROLACTIN_ULN_DEFAULT_FEMALE_NG_ML if female else PROLACTIN_ULN_DEFAULT_MALE_NG_ML)
    text = uln.describe(lab, PROLACTIN_UNIT)
    if uln.origin == "default":
        text += " for women" if female else " for men"
    return lab, uln, text


def _prolactin_context(ctx: Context, lab: LabValue) -> str:
    """Recorded causes of a raised prolactin (sections 7.5, 10.3): prolactin-raising drugs, pregnancy."""
    notes = []
    names = _drug_names(ctx, "prolactin_raising", lab.collected, ctx.as_of)
    if names:
        notes.append(f"Prolactin-raising medication is recorded ({', '.join(names)}).")
    if ctx.snapshot.patient.pregnant:
        notes.append("Pregnancy is recorded; pregnancy raises prolactin.")
    return "".join(f" {note}" for note in notes)


def _check_prolactin_raised(rule: Rule, ctx: Context) -> Outcome:
    found = _prolactin(ctx)
    if isinstance(found, Skip):
        return found
    lab, uln, uln_text = found
    band = in_band(lab, uln.cut, PROLACTIN_MARKED_NG_ML, low_op=">", high_op="<")
    if band is None:
        return Skip(
            f"prolactin {_reported(lab, PROLACTIN_UNIT)} cannot be placed between the "
            f"{uln_text} and {_th(PROLACTIN_MARKED_NG_ML)}"
        )
    if not band:
        return None
    return Hit(
        title=f"Prolactin {_reported(lab, PROLACTIN_UNIT)} is above the reference range",
        detail=(
            f"Prolactin {_reported(lab, PROLACTIN_UNIT)} is above the {uln_text} and "
            f"below {_th(PROLACTIN_MARKED_NG_ML)}.{_prolactin_context(ctx, lab)}"
        ),
        threshold=f"{uln.value_text(lab, PROLACTIN_UNIT)} < prolactin < {_th(PROLACTIN_MARKED_NG_ML)}",
        values=(used(lab, "Prolactin", unit=PROLACTIN_UNIT),),
    )


def _check_prolactin_marked(rule: Rule, ctx: Context) -> Outcome:
    found = _prolactin(ctx)
    if isinstance(found, Skip):
        return found
    lab, _, _ = found
    marked = compare(lab, ">=", PROLACTIN_MARKED_NG_ML)
    if marked is None:
        return Skip(f"prolactin {_reported(lab, PROLACTIN_UNIT)} cannot be compared with {_th(PROLACTIN_MARKED_NG_ML)}")
    if not marked:
        return None
    return Hit(
        title=f"Prolactin {_reported(lab, PROLACTIN_UNIT)} is {_th(PROLACTIN_MARKED_NG_ML)} or more",
        detail=(
            f"Prolactin {_reported(lab, PROLACTIN_UNIT)} is at or above {_th(PROLACTIN_MARKED_NG_ML)}."
            f"{_prolactin_context(ctx, lab)}"
        ),
        threshold=f"prolactin >= {_th(PROLACTIN_MARKED_NG_ML)}",
        values=(used(lab, "Prolactin", unit=PROLACTIN_UNIT),),
    )


_TRANSITION_STATUSES = {
    MenstrualStatus.IRREGULAR: "irregular cycles",
    MenstrualStatus.AMENORRHOEA_UNDER_12_MONTHS: "amenorrhoea for less than 12 months",
}


def _check_menopause_transition(rule: Rule, ctx: Context) -> Outcome:
    patient = ctx.snapshot.patient
    if patient.sex != Sex.FEMALE:
        return None
    age = patient.age_on(ctx.as_of)
    if not PERIMENOPAUSE_AGE_LOW_YEARS.value <= age <= PERIMENOPAUSE_AGE_HIGH_YEARS.value:
        return None
    if patient.pregnant:
        return None  # design: amenorrhoea in pregnancy is not a cycle change of the menopause transition
    if patient.menstrual_status is None:
        return Skip("menstrual history not recorded")
    pattern = _TRANSITION_STATUSES.get(patient.menstrual_status)
    if pattern is None:
        return None
    low, high = format_number(PERIMENOPAUSE_AGE_LOW_YEARS.value), format_number(PERIMENOPAUSE_AGE_HIGH_YEARS.value)
    return Hit(
        title=f"Age {age} with {pattern} reported",
        detail=f"A {age}-year-old woman (on {ctx.as_of.isoformat()}) reports {pattern}.",
        threshold=f"{low} <= age <= {high} years and irregular cycles or amenorrhoea < 12 months",
        values=(UsedValue(label="Age", value=age, unit="years", date=ctx.as_of),),
    )


# ---------------------------------------------------------------------------------------------------------
# The rules, in reference order

_THYROID_INPUTS = "TSH, free T4 with laboratory limits (12 months; 6 months on lithium)"

THY_01A = Rule(
    id="THY-01a",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message=(
        "TSH is above the reference range with a normal (or unmeasured) free T4, a pattern consistent with "
        "subclinical hypothyroidism."
    ),
    follow_up="Repeat TSH with FT4 in 6-12 weeks; anti-TPO.",
    source="ATA/AACE 2012; reviews in section 5",
    rationale=(
        "Subclinical hypothyroidism is TSH above the upper limit with free T4 within range; "
        "about half with TSH < 7 or negative anti-TPO normalise within 2 years, so it is confirmed by repeat "
        "testing before labelling."
    ),
    thresholds=(TSH_ULN_DEFAULT_MIU_L, TSH_HIGH_MIU_L, FT4_LLN_DEFAULT_NG_DL, FT4_ULN_DEFAULT_NG_DL),
    check=_check_subclinical_hypothyroid,
    inputs=_THYROID_INPUTS,
)

THY_01B = Rule(
    id="THY-01b",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="TSH is 10 mIU/L or higher.",
    follow_up="FT4 if absent; clinician review of thyroid replacement per guideline.",
    source="ATA (treat at >= 10)",
    rationale="The ATA recommends treating subclinical hypothyroidism when TSH is 10 mIU/L or higher.",
    thresholds=(TSH_HIGH_MIU_L,),
    check=_check_tsh_ten_or_more,
    inputs="TSH (12 months; 6 months on lithium)",
)

THY_02 = Rule(
    id="THY-02",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="TSH is raised and free T4 is low, a pattern consistent with overt hypothyroidism.",
    follow_up="Clinician review; medication review (lithium, amiodarone).",
    source="ATA/AACE 2012",
    rationale=(
        "A high TSH with a low free T4 is the pattern of overt hypothyroidism; lithium and "
        "amiodarone are recognised causes of thyroid dysfunction."
    ),
    thresholds=(TSH_ULN_DEFAULT_MIU_L, FT4_LLN_DEFAULT_NG_DL),
    check=_check_overt_hypothyroid,
    inputs=_THYROID_INPUTS,
)

THY_03A = Rule(
    id="THY-03a",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message="TSH is below the reference range with a normal free T4.",
    follow_up="Repeat with FT4 and FT3; ask about biotin and thyroid hormone use.",
    source="ATA (subclinical hyperthyroidism)",
    rationale=(
        "A low TSH with normal free T4 and T3 is the pattern of subclinical hyperthyroidism; the ATA separates "
        "TSH 0.1-0.4 mIU/L from TSH < 0.1. Biotin and thyroid hormone use lower measured TSH."
    ),
    thresholds=(TSH_SUPPRESSED_MIU_L, TSH_LLN_DEFAULT_MIU_L, FT4_ULN_DEFAULT_NG_DL),
    check=_check_low_tsh_normal_ft4,
    inputs=_THYROID_INPUTS,
)

THY_03B = Rule(
    id="THY-03b",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="TSH is suppressed below 0.1 mIU/L.",
    follow_up="FT4, FT3; clinician review; biotin check.",
    source="ATA",
    rationale=(
        "The ATA distinguishes a TSH below 0.1 mIU/L from 0.1-0.4 mIU/L; biotin can give falsely "
        "low TSH on streptavidin-biotin immunoassays."
    ),
    thresholds=(TSH_SUPPRESSED_MIU_L,),
    check=_check_tsh_suppressed,
    inputs="TSH (12 months; 6 months on lithium)",
)

THY_03C = Rule(
    id="THY-03c",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="TSH is low and free T4 is raised, a pattern consistent with hyperthyroidism.",
    follow_up="Clinician review; biotin check; postpartum context if relevant.",
    source="ATA",
    rationale=(
        "A suppressed TSH with raised free T4 is the pattern of overt hyperthyroidism; biotin can "
        "mimic it on immunoassays and postpartum thyroiditis can produce it."
    ),
    thresholds=(TSH_LLN_DEFAULT_MIU_L, FT4_ULN_DEFAULT_NG_DL),
    check=_check_hyperthyroid,
    inputs=_THYROID_INPUTS,
)

THY_04 = Rule(
    id="THY-04",
    version=1,
    category=Category.HORMONAL,
    severity=Level.INFO,
    message="Thyroid peroxidase antibodies are positive, which raises the chance of future hypothyroidism.",
    follow_up="TSH monitoring interval per clinician.",
    source="ATA/AACE 2012",
    rationale=("Positive thyroid antibodies raise progression to overt hypothyroidism to about 4% a year."),
    thresholds=(ANTI_TPO_ULN_TYPICAL_IU_ML,),
    check=_check_anti_tpo,
    inputs="anti-TPO with assay upper limit (any age)",
)

THY_05 = Rule(
    id="THY-05",
    version=1,
    category=Category.HORMONAL,
    severity=Level.INFO,
    message="Biotin can distort thyroid immunoassays; this result may be unreliable.",
    follow_up="Repeat after >= 2 days off biotin or on a non-biotinylated assay.",
    source="FDA 2017/2019; Li et al. JAMA 2017",
    rationale=(
        "Biotin gives falsely low TSH and falsely high free T4 and T3 on streptavidin-biotin immunoassays, "
        "mimicking Graves' disease; the ATA advises stopping it at least 2 days before testing."
    ),
    thresholds=(
        TSH_LLN_DEFAULT_MIU_L,
        TSH_ULN_DEFAULT_MIU_L,
        FT4_LLN_DEFAULT_NG_DL,
        FT4_ULN_DEFAULT_NG_DL,
        FT3_LLN_DEFAULT_PG_ML,
        FT3_ULN_DEFAULT_PG_ML,
    ),
    check=_check_biotin,
    inputs="biotin intake (last taken), latest TSH, free T4, free T3 (12 months; 6 months on lithium)",
)

THY_06 = Rule(
    id="THY-06",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message="No thyroid function test is recorded in the last 6 months for a patient on lithium.",
    follow_up="TSH (and FT4); renal function and calcium per lithium monitoring.",
    source="NICE (as cited by Duce 2023)",
    rationale=(
        "Lithium causes (mostly subclinical) hypothyroidism, dose-related and mostly within 3 years; NICE "
        "recommends 6-monthly thyroid tests."
    ),
    thresholds=(),
    check=_check_lithium_tsh,
    inputs="lithium use (medicines and augmentations), TSH dates",
)

HORM_01 = Rule(
    id="HORM-01",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message="Morning total testosterone is below the AUA 300 ng/dL cut-off.",
    follow_up=("Second early-morning measurement on another day; LH/FSH and prolactin if confirmed; review opioids."),
    source="AUA 2018; Endocrine Society 2018",
    rationale=(
        "The AUA uses total testosterone < 300 ng/dL and requires two early-morning measurements with symptoms, "
        "which include depressed mood and reduced energy; opioids lower testosterone."
    ),
    thresholds=(TESTOSTERONE_LOW_AUA_NG_DL,),
    check=_check_low_testosterone,
    inputs="sex, total testosterone sampled 06:00-10:00 (6 months)",
)

HORM_02 = Rule(
    id="HORM-02",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="Morning cortisol is below 3 ug/dL, a level at which adrenal insufficiency needs to be excluded.",
    follow_up="Clinician review; ACTH stimulation test; steroid exposure history.",
    source="Endocrine Society 2016 (as cited)",
    rationale=(
        "A morning serum cortisol below 3 ug/dL (83 nmol/L) strongly suggests adrenal insufficiency; "
        "exogenous glucocorticoids, including inhaled and topical, suppress cortisol."
    ),
    thresholds=(CORTISOL_LOW_UG_DL,),
    check=_check_low_cortisol,
    inputs="cortisol sampled 06:00-10:00 (3 months)",
)

HORM_03A = Rule(
    id="HORM-03a",
    version=1,
    category=Category.HORMONAL,
    severity=Level.CONSIDER,
    message="Prolactin is above the reference range.",
    follow_up=(
        "Repeat morning sample; medication review (antipsychotics); TSH; pregnancy test if relevant; macroprolactin."
    ),
    source="Melmed 2011",
    rationale=(
        "Antipsychotic-induced hyperprolactinaemia is common; hypothyroidism, renal failure and pregnancy also "
        "raise prolactin, and macroprolactin should be sought when it is unexplained."
    ),
    thresholds=(PROLACTIN_ULN_DEFAULT_FEMALE_NG_ML, PROLACTIN_ULN_DEFAULT_MALE_NG_ML, PROLACTIN_MARKED_NG_ML),
    check=_check_prolactin_raised,
    inputs="prolactin with laboratory upper limit, sex (6 months)",
)

HORM_03B = Rule(
    id="HORM-03b",
    version=1,
    category=Category.HORMONAL,
    severity=Level.IMPORTANT,
    message="Prolactin is markedly raised (200 ng/mL or more).",
    follow_up="Clinician review; repeat; consider pituitary evaluation if not drug-explained.",
    source="Melmed 2011; reviews in 7.5",
    rationale=("Risperidone can push prolactin above 200 ng/mL, and values above 250 ng/mL suggest a prolactinoma."),
    thresholds=(PROLACTIN_MARKED_NG_ML,),
    check=_check_prolactin_marked,
    inputs="prolactin (6 months)",
)

HORM_06 = Rule(
    id="HORM-06",
    version=1,
    category=Category.HORMONAL,
    severity=Level.INFO,
    message=(
        "Menstrual history suggests the menopause transition, a period of higher vulnerability to depressive episodes."
    ),
    follow_up="Assess vasomotor and sleep symptoms; hormone levels are not needed to stage.",
    source="Maki et al. 2018 (NAMS)",
    rationale=(
        "Perimenopause is a window of vulnerability for depressive episodes; staging is clinical (menstrual "
        "pattern), and single FSH or estradiol values do not establish it."
    ),
    thresholds=(PERIMENOPAUSE_AGE_LOW_YEARS, PERIMENOPAUSE_AGE_HIGH_YEARS),
    check=_check_menopause_transition,
    inputs="sex, age, menstrual status",
)

RULES: tuple[Rule, ...] = (
    THY_01A,
    THY_01B,
    THY_02,
    THY_03A,
    THY_03B,
    THY_03C,
    THY_04,
    THY_05,
    THY_06,
    HORM_01,
    HORM_02,
    HORM_03A,
    HORM_03B,
    HORM_06,
)
