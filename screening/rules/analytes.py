"""The analyte catalogue, unit conversion, and the entry gates G-01 (plausibility) and G-02 (unit mix-up).

One implementation for every way a result enters the app (web forms, the JSON command line, the FHIR and
CSV importers), so that the same number in the same unit is accepted, held or refused everywhere with the
same clinician-facing sentence.

Sources (clinical reference): canonical units, section 0; conversion factors, section 6.2 (used exactly as
written); hard limits and mix-up zones, section 8 ([design] values); LOINC codes, section 9.

Order of the gates (section 8): a value in a unit mix-up zone (G-02) is held for the user to confirm or
change the unit *before* the hard limits (G-01) are applied, so "HbA1c 48 %" asks "did you mean mmol/mol?"
instead of being refused. Only a value outside both the plausible range and every mix-up zone is refused.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from types import MappingProxyType

from .units import UCUM_UNITS, UnitSpec, normalise_unit, unit_label

__all__ = [
    "ANALYTES",
    "GROUPS",
    "MEASUREMENT_LOINC",
    "UCUM_UNITS",
    "Analyte",
    "EntryProblem",
    "ProblemCode",
    "UnitSpec",
    "check_blood_pressure",
    "check_lab_value",
    "check_measurement",
    "check_score",
    "convert",
    "find_analyte",
    "format_value",
    "from_canonical",
    "loinc_for",
    "loinc_implies_fasting",
    "normalise_unit",
    "plausible_range",
    "to_canonical",
    "unit_label",
]

# ---------------------------------------------------------------------------------------------------------
# The catalogue

GLYCAEMIA = "Glycaemia"
LIPIDS = "Lipids"
INFLAMMATION = "Inflammation"
THYROID = "Thyroid"
VITAMINS_MINERALS = "Vitamins and minerals"
IRON_STUDIES = "Iron studies"
HORMONES = "Hormones"
DRUG_LEVELS = "Drug levels"

#: Display groups in user-interface order.
GROUPS: tuple[str, ...] = (
    GLYCAEMIA,
    LIPIDS,
    INFLAMMATION,
    THYROID,
    VITAMINS_MINERALS,
    IRON_STUDIES,
    HORMONES,
    DRUG_LEVELS,
)


@dataclass(frozen=True, slots=True)
class Analyte:
    """One laboratory analyte: its codes, canonical unit (in which rules evaluate) and accepted units.

    ``loinc`` lists every code of section 9 that maps here, the preferred one first. ``units`` maps each
    accepted UCUM unit (the canonical one first) to its conversion. ``aliases`` are short names for import
    and the command line; matching ignores case, spaces and punctuation. ``decimals`` is a display hint for
    values in the canonical unit. ``sentence_name`` is the name as written inside a sentence ("glucose").
    """

    key: str
    name: str
    loinc: tuple[str, ...]
    canonical_unit: str
    units: Mapping[str, UnitSpec] = field(hash=False, compare=False)
    aliases: tuple[str, ...]
    group: str
    decimals: int
    sentence_name: str = ""

    @property
    def in_sentence(self) -> str:
        return self.sentence_name or self.name

    def unit_spec(self, unit: str) -> UnitSpec | None:
        """The conversion for ``unit`` (any accepted spelling), or None when the unit is not accepted."""
        return self.units.get(normalise_unit(unit))


def _analyte(
    key: str,
    name: str,
    canonical_unit: str,
    *,
    group: str,
    decimals: int,
    loinc: tuple[str, ...] = (),
    aliases: tuple[str, ...] = (),
    units: tuple[UnitSpec, ...] = (),
    sentence_name: str = "",
) -> Analyte:
    specs = {canonical_unit: UnitSpec(canonical_unit), **{spec.unit: spec for spec in units}}
    return Analyte(
        key=key,
        name=name,
        loinc=loinc,
        canonical_unit=canonical_unit,
        units=MappingProxyType(specs),
        aliases=(key, *aliases),
        group=group,
        decimals=decimals,
        sentence_name=sentence_name,
    )


_LIPID_MMOL = UnitSpec("mmol/L", multiply=38.67)  # cholesterol: mmol/L = mg/dL x 0.02586 (/ 38.67)
_CRP_MG_DL = UnitSpec("mg/dL", multiply=10)  # mg/L = mg/dL x 10
_IRON_UMOL = UnitSpec("umol/L", divide=0.1791)  # umol/L = ug/dL x 0.1791; TIBC is reported as iron bound

_CATALOGUE: tuple[Analyte, ...] = (
    # Glycaemia
    _analyte(
        "hba1c",
        "HbA1c",
        "%",
        group=GLYCAEMIA,
        decimals=1,
        loinc=("4548-4", "59261-8"),
        aliases=("a1c", "hgba1c", "glycated_haemoglobin", "glycated_hemoglobin"),
        # IFCC/NGSP master equation: NGSP % = 0.0915 x IFCC + 2.15 (inverse IFCC = 10.929 x (NGSP - 2.15)).
        units=(UnitSpec("mmol/mol", multiply=0.0915, offset=2.15),),
    ),
    _analyte(
        "glucose",
        "Glucose",
        "mg/dL",
        group=GLYCAEMIA,
        decimals=0,
        loinc=("2345-7", "1558-6"),
        aliases=("glu", "fpg", "fbg", "fasting_glucose", "plasma_glucose"),
        units=(UnitSpec("mmol/L", multiply=18.016),),  # mmol/L = mg/dL / 18.016
        sentence_name="glucose",
    ),
    _analyte(
        "insulin",
        "Insulin",
        "u[IU]/mL",
        group=GLYCAEMIA,
        decimals=1,
        loinc=("20448-7",),
        aliases=("fasting_insulin",),
        units=(
            UnitSpec("m[IU]/L"),  # 1 mIU/L = 1 uIU/mL
            UnitSpec(
                "pmol/L",
                divide=6.00,
                note="Converted at 6.00 pmol/L per uIU/mL; some assays use 6.945 (about 15% different).",
            ),
        ),
        sentence_name="insulin",
    ),
    # Lipids
    _analyte(
        "triglycerides",
        "Triglycerides",
        "mg/dL",
        group=LIPIDS,
        decimals=0,
        loinc=("2571-8",),
        aliases=("triglyceride", "tg", "trig", "trigs"),
        # mmol/L = mg/dL x 0.01129 (/ 88.5); section 3.3 converts "TG x 88.5", the factor used both ways.
        units=(UnitSpec("mmol/L", multiply=88.5),),
        sentence_name="triglyceride",  # "1.7 is not a plausible triglyceride in mg/dL" (LOINC's singular)
    ),
    _analyte(
        "hdl",
        "HDL cholesterol",
        "mg/dL",
        group=LIPIDS,
        decimals=0,
        loinc=("2085-9",),
        aliases=("hdl_c", "hdl_cholesterol"),
        units=(_LIPID_MMOL,),
    ),
    _analyte(
        "cholesterol_total",
        "Total cholesterol",
        "mg/dL",
        group=LIPIDS,
        decimals=0,
        loinc=("2093-3",),
        aliases=("total_cholesterol", "tc", "chol", "cholesterol"),
        units=(_LIPID_MMOL,),
        sentence_name="total cholesterol",
    ),
    _analyte(
        "ldl",
        "LDL cholesterol",
        "mg/dL",
        group=LIPIDS,
        decimals=0,
        loinc=("13457-7",),
        aliases=("ldl_c", "ldl_cholesterol"),
        units=(_LIPID_MMOL,),
    ),
    # Inflammation
    _analyte(
        "hscrp",
        "hs-CRP",
        "mg/L",
        group=INFLAMMATION,
        decimals=1,
        loinc=("30522-7",),
        aliases=("hs_crp", "crp_hs", "high_sensitivity_crp"),
        units=(_CRP_MG_DL,),
    ),
    _analyte(
        "crp",
        "CRP",
        "mg/L",
        group=INFLAMMATION,
        decimals=1,
        loinc=("1988-5",),
        aliases=("c_reactive_protein",),
        units=(_CRP_MG_DL,),
    ),
    _analyte("il6", "IL-6", "pg/mL", group=INFLAMMATION, decimals=1, loinc=("26881-3",), aliases=("interleukin_6",)),
    _analyte("esr", "ESR", "mm/h", group=INFLAMMATION, decimals=0, loinc=("30341-2",), aliases=("sed_rate",)),
    _analyte(
        "wbc",
        "WBC",
        "10*3/uL",
        group=INFLAMMATION,
        decimals=1,
        loinc=("6690-2",),
        aliases=("leukocytes", "white_cell_count", "white_blood_cells"),
        units=(UnitSpec("10*9/L"),),  # 10^3 per uL = 10^9 per L exactly
    ),
    # Thyroid
    _analyte(
        "tsh",
        "TSH",
        "m[IU]/L",
        group=THYROID,
        decimals=2,
        loinc=("3016-3",),
        aliases=("thyrotropin",),
        units=(UnitSpec("u[IU]/mL"),),  # mIU/L = uIU/mL (1:1)
    ),
    _analyte(
        "ft4",
        "Free T4",
        "ng/dL",
        group=THYROID,
        decimals=2,
        loinc=("3024-7",),
        aliases=("free_t4", "free_thyroxine"),
        units=(UnitSpec("pmol/L", divide=12.87),),  # pmol/L = ng/dL x 12.87
        sentence_name="free T4",
    ),
    _analyte(
        "ft3",
        "Free T3",
        "pg/mL",
        group=THYROID,
        decimals=1,
        loinc=("3051-0",),
        aliases=("free_t3", "free_triiodothyronine"),
        units=(UnitSpec("pmol/L", divide=1.536),),  # pmol/L = pg/mL x 1.536
        sentence_name="free T3",
    ),
    _analyte(
        "anti_tpo",
        "Anti-TPO",
        "[IU]/mL",
        group=THYROID,
        decimals=0,
        loinc=("8099-4",),
        aliases=("tpo_ab", "tpo_antibodies", "thyroid_peroxidase_antibodies"),
        units=(UnitSpec("k[IU]/L"),),  # kIU/L = IU/mL exactly
        sentence_name="anti-TPO",
    ),
    _analyte(
        "anti_tg",
        "Anti-thyroglobulin",
        "[IU]/mL",
        group=THYROID,
        decimals=0,
        loinc=("8098-6",),
        aliases=("tg_ab", "anti_thyroglobulin", "thyroglobulin_antibodies"),
        units=(UnitSpec("k[IU]/L"),),
        sentence_name="anti-thyroglobulin",
    ),
    # Vitamins and minerals
    _analyte(
        "b12",
        "Vitamin B12",
        "pg/mL",
        group=VITAMINS_MINERALS,
        decimals=0,
        loinc=("2132-9", "14685-3"),
        aliases=("vitamin_b12", "vit_b12", "cobalamin"),
        # pg/mL = pmol/L x 1.355 (inverse stated as x 0.7378); ng/L = pg/mL.
        units=(UnitSpec("ng/L"), UnitSpec("pmol/L", multiply=1.355)),
        sentence_name="vitamin B12",
    ),
    _analyte(
        "folate",
        "Folate",
        "ng/mL",
        group=VITAMINS_MINERALS,
        decimals=1,
        loinc=("2284-8",),
        aliases=("serum_folate", "folic_acid"),
        units=(UnitSpec("ug/L"), UnitSpec("nmol/L", divide=2.266)),  # nmol/L = ng/mL x 2.266
        sentence_name="folate",
    ),
    _analyte(
        "mma",
        "Methylmalonic acid",
        "umol/L",
        group=VITAMINS_MINERALS,
        decimals=3,
        loinc=("13964-2",),
        aliases=("methylmalonic_acid", "methylmalonate"),
        units=(UnitSpec("nmol/L", divide=1000),),  # nmol/L = umol/L x 1000
        sentence_name="methylmalonic acid",
    ),
    _analyte(
        "homocysteine",
        "Homocysteine",
        "umol/L",
        group=VITAMINS_MINERALS,
        decimals=1,
        loinc=("13965-9",),
        aliases=("hcy", "thcy", "total_homocysteine"),
        units=(UnitSpec("mg/L", divide=0.1352),),  # mg/L = umol/L x 0.1352
        sentence_name="homocysteine",
    ),
    _analyte(
        "vitamin_d",
        "25-OH vitamin D",
        "ng/mL",
        group=VITAMINS_MINERALS,
        decimals=1,
        loinc=("62292-8", "1989-3"),
        aliases=("vitd", "vit_d", "25ohd", "25_hydroxyvitamin_d", "calcidiol"),
        units=(UnitSpec("nmol/L", divide=2.496),),  # nmol/L = ng/mL x 2.496
    ),
    _analyte(
        "magnesium",
        "Magnesium",
        "mmol/L",
        group=VITAMINS_MINERALS,
        decimals=2,
        loinc=("19123-9", "2601-3"),
        aliases=("mg", "serum_magnesium"),
        # mmol/L = mg/dL x 0.4114; mEq/L = mmol/L x 2.
        units=(UnitSpec("mg/dL", multiply=0.4114), UnitSpec("mEq/L", divide=2)),
        sentence_name="magnesium",
    ),
    _analyte(
        "zinc",
        "Zinc",
        "ug/dL",
        group=VITAMINS_MINERALS,
        decimals=0,
        loinc=("5763-8",),
        aliases=("zn", "serum_zinc"),
        units=(UnitSpec("umol/L", divide=0.1530),),  # umol/L = ug/dL x 0.1530
        sentence_name="zinc",
    ),
    _analyte(
        "omega3_index",
        "Omega-3 index",
        "%",
        group=VITAMINS_MINERALS,
        decimals=1,
        loinc=(),  # no LOINC code verified (section 9)
        aliases=("omega_3_index", "o3i"),
        sentence_name="omega-3 index",
    ),
    # Iron studies
    _analyte(
        "ferritin",
        "Ferritin",
        "ng/mL",
        group=IRON_STUDIES,
        decimals=0,
        loinc=("2276-4",),
        aliases=("serum_ferritin",),
        units=(UnitSpec("ug/L"),),  # ug/L = ng/mL (1:1)
        sentence_name="ferritin",
    ),
    _analyte(
        "iron",
        "Iron",
        "ug/dL",
        group=IRON_STUDIES,
        decimals=0,
        loinc=("2498-4",),
        aliases=("fe", "serum_iron"),
        units=(_IRON_UMOL,),
        sentence_name="iron",
    ),
    _analyte(
        "tibc",
        "TIBC",
        "ug/dL",
        group=IRON_STUDIES,
        decimals=0,
        loinc=("2500-7",),
        aliases=("total_iron_binding_capacity", "iron_binding_capacity"),
        units=(_IRON_UMOL,),
    ),
    _analyte(
        "tsat",
        "Transferrin saturation",
        "%",
        group=IRON_STUDIES,
        decimals=0,
        loinc=("2502-3",),
        aliases=("transferrin_saturation", "iron_saturation"),
        units=(UnitSpec("1", multiply=100),),  # a fraction: 0.25 = 25 %
        sentence_name="transferrin saturation",
    ),
    # Hormones
    _analyte(
        "testosterone",
        "Testosterone",
        "ng/dL",
        group=HORMONES,
        decimals=0,
        loinc=("2986-8",),
        aliases=("total_testosterone", "testo"),
        # ng/dL = nmol/L x 28.84 (inverse stated as x 0.03467).
        units=(UnitSpec("nmol/L", multiply=28.84),),
        sentence_name="testosterone",
    ),
    _analyte(
        "free_testosterone",
        "Free testosterone",
        "pg/mL",
        group=HORMONES,
        decimals=1,
        loinc=("2991-8",),
        aliases=("free_testo",),
        sentence_name="free testosterone",
    ),
    _analyte("shbg", "SHBG", "nmol/L", group=HORMONES, decimals=0, loinc=("13967-5",), aliases=()),
    _analyte(
        "cortisol",
        "Cortisol",
        "ug/dL",
        group=HORMONES,
        decimals=1,
        loinc=("2143-6",),
        aliases=("morning_cortisol", "am_cortisol"),
        units=(UnitSpec("nmol/L", divide=27.59),),  # nmol/L = ug/dL x 27.59
        sentence_name="cortisol",
    ),
    _analyte(
        "estradiol",
        "Estradiol",
        "pg/mL",
        group=HORMONES,
        decimals=0,
        loinc=("2243-4",),
        aliases=("oestradiol", "e2"),
        units=(UnitSpec("pmol/L", divide=3.671),),  # pmol/L = pg/mL x 3.671
        sentence_name="estradiol",
    ),
    _analyte(
        "fsh",
        "FSH",
        "m[IU]/mL",
        group=HORMONES,
        decimals=1,
        loinc=("15067-2",),
        aliases=("follitropin",),
        units=(UnitSpec("[IU]/L"),),  # IU/L = mIU/mL exactly
    ),
    _analyte(
        "lh",
        "LH",
        "m[IU]/mL",
        group=HORMONES,
        decimals=1,
        loinc=("10501-5",),
        aliases=("lutropin",),
        units=(UnitSpec("[IU]/L"),),
    ),
    _analyte(
        "prolactin",
        "Prolactin",
        "ng/mL",
        group=HORMONES,
        decimals=1,
        loinc=("2842-3",),
        aliases=("prl",),
        units=(
            UnitSpec("ug/L"),  # ug/L = ng/mL (1:1)
            UnitSpec(
                "m[IU]/L",
                divide=21.2,
                note="Converted at 21.2 mIU/L per ng/mL (WHO 3rd IS 84/500); the factor is assay-specific.",
            ),
        ),
        sentence_name="prolactin",
    ),
    # Drug levels
    _analyte(
        "lithium",
        "Lithium",
        "mmol/L",
        group=DRUG_LEVELS,
        decimals=2,
        loinc=("14334-7",),
        aliases=("li", "serum_lithium"),
        units=(UnitSpec("mEq/L"),),  # mmol/L = mEq/L
        sentence_name="lithium",
    ),
)

#: Every analyte by key, in display order (grouped).
ANALYTES: Mapping[str, Analyte] = MappingProxyType({a.key: a for a in _CATALOGUE})

# LOINC 1558-6 is "Fasting glucose [Mass/volume] in Serum or Plasma": the code itself documents fasting.
_FASTING_LOINC = frozenset({"1558-6"})

#: Section 9 codes of body measurements (keys are the ``check_measurement`` fields). The waist and blood
#: pressure codes are [U] in the reference (standard US Core vital-sign codes).
MEASUREMENT_LOINC: Mapping[str, str] = MappingProxyType(
    {
        "8302-2": "height_cm",
        "29463-7": "weight_kg",
        "39156-5": "bmi",
        "8280-0": "waist_cm",
        "8480-6": "systolic",
        "8462-4": "diastolic",
    }
)


def _squash(text: str) -> str:
    """Alias matching ignores case, spaces and punctuation: 'hs-CRP', 'HS CRP' and 'hscrp' are one name."""
    return re.sub(r"[^0-9a-z]", "", text.lower())


def _build_indexes() -> tuple[dict[str, Analyte], dict[str, Analyte]]:
    by_loinc: dict[str, Analyte] = {}
    by_alias: dict[str, Analyte] = {}
    for analyte in _CATALOGUE:
        for code in analyte.loinc:
            if by_loinc.setdefault(code, analyte) is not analyte:
                raise ValueError(f"LOINC {code} is catalogued twice")
        for alias in (*analyte.aliases, analyte.name):
            if by_alias.setdefault(_squash(alias), analyte) is not analyte:
                raise ValueError(f"alias {alias!r} names two analytes")
    return by_loinc, by_alias


_BY_LOINC, _BY_ALIAS = _build_indexes()


def find_analyte(code_or_alias: str) -> Analyte | None:
    """The analyte for a LOINC code (any of its section 9 codes) or an alias or display name, else None.

    Caveat: the legacy vitamin D code 1989-3 is accepted as 25-OH vitamin D, but the reference tags it [U]
    (public tables disagree on whether it is total or D3 only); an importer should say so.
    """
    text = (code_or_alias or "").strip()
    if not text:
        return None
    return _BY_LOINC.get(text) or _BY_ALIAS.get(_squash(text))


# Section 9 gives molar codes beside the mass codes; a result reported in a molar unit carries the molar code.
_LOINC_BY_UNIT = {
    ("hba1c", "mmol/mol"): "59261-8",  # HbA1c by IFCC protocol
    ("b12", "pmol/L"): "14685-3",  # cobalamin [Moles/volume]
    ("magnesium", "mmol/L"): "2601-3",  # magnesium [Moles/volume]
    ("magnesium", "mEq/L"): "2601-3",
}


def loinc_for(key: str, unit: str) -> str:
    """The section 9 LOINC code for a result reported in ``unit``: the molar or IFCC code where section 9 has
    one for that unit, else the analyte's preferred code ("" for the omega-3 index, which has none)."""
    analyte = _analyte_for(key)
    return _LOINC_BY_UNIT.get((key, normalise_unit(unit))) or (analyte.loinc[0] if analyte.loinc else "")


def loinc_implies_fasting(code: str) -> bool:
    """True when the LOINC code itself says the sample was fasting (1558-6, fasting glucose)."""
    return (code or "").strip() in _FASTING_LOINC


def _analyte_for(key: str) -> Analyte:
    try:
        return ANALYTES[key]
    except KeyError:
        raise KeyError(f"unknown analyte key {key!r}") from None


def _spec(analyte: Analyte, unit: str) -> UnitSpec:
    spec = analyte.unit_spec(unit)
    if spec is None:
        raise ValueError(f"{(unit or '').strip() or 'no unit'} is not an accepted unit for {analyte.in_sentence}")
    return spec


def to_canonical(key: str, value: float, unit: str) -> float:
    """``value`` in ``unit`` (any accepted spelling) converted to the analyte's canonical unit, 6 decimals.

    Raises KeyError for an unknown analyte and ValueError for a unit the analyte does not accept.
    """
    return _spec(_analyte_for(key), unit).to_canonical(value)


def from_canonical(key: str, value: float, unit: str) -> float:
    """A canonical-unit ``value`` expressed in ``unit``, rounded to 6 decimals."""
    return _spec(_analyte_for(key), unit).from_canonical(value)


def convert(key: str, value: float, from_unit: str, to_unit: str) -> float:
    """``value`` from one accepted unit of the analyte to another (through the canonical unit)."""
    return from_canonical(key, to_canonical(key, value, from_unit), to_unit)


def _fixed(value: float, decimals: int) -> str:
    """Round half up (as clinicians and laboratories do), not half to even."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return str(abs(rounded) if rounded.is_zero() else rounded)  # never "-0.0"


def format_value(key: str, value: float) -> str:
    """A canonical-unit value with the analyte's display precision: HbA1c 6.542 -> '6.5', glucose 100.9 -> '101'."""
    return _fixed(value, _analyte_for(key).decimals)


# ---------------------------------------------------------------------------------------------------------
# Entry problems


class ProblemCode(StrEnum):
    """Why an entered value is held or refused (stable codes for forms, importers and the JSON API)."""

    UNIT_NOT_ACCEPTED = "unit_not_accepted"  # refused: unit missing or not accepted for this analyte
    IMPLAUSIBLE = "implausible"  # G-01: refused, outside the hard limits
    UNIT_MIXUP = "unit_mixup"  # G-02: implausible as entered, plausible in the suggested unit; held
    CONFIRM_UNIT = "confirm_unit"  # G-02: plausible but typical of another unit; held until confirmed
    NOT_FINITE = "not_finite"  # refused: NaN or infinity
    NEGATIVE = "negative"  # refused


@dataclass(frozen=True, slots=True)
class EntryProblem:
    """One reason an entered value cannot be stored as it stands.

    ``message`` is a complete clinician-facing sentence. For a mix-up, ``suggested_unit`` is the probable
    true unit (UCUM) and ``converted_value`` the value in the canonical unit if that unit were right.
    """

    code: ProblemCode
    message: str
    suggested_unit: str | None = None
    converted_value: float | None = None


# ---------------------------------------------------------------------------------------------------------
# Hard limits (G-01) and mix-up zones (G-02), section 8


@dataclass(frozen=True, slots=True)
class _Zone:
    """A band of entered values typical of another unit, e.g. ``20 < x <= 200`` % -> mmol/mol."""

    low: float | None
    low_inclusive: bool
    high: float | None
    high_inclusive: bool
    suggested_unit: str
    male_only: bool = False

    def contains(self, x: float) -> bool:
        if self.low is not None and (x < self.low or (x == self.low and not self.low_inclusive)):
            return False
        return not (self.high is not None and (x > self.high or (x == self.high and not self.high_inclusive)))


_NUMBER = r"(\d+(?:\.\d+)?)"
_ZONE_RE = re.compile(rf"^(?:{_NUMBER} (<=?) )?x(?: ([<>]=?) {_NUMBER})?$")


def _zone(interval: str, suggested_unit: str, *, male_only: bool = False) -> _Zone:
    """A zone written as in section 8: ``"20 < x <= 200"``, ``"1.0 <= x < 20"``, ``"x > 300"``."""
    match = _ZONE_RE.match(interval)
    if match is None:
        raise ValueError(f"cannot read zone {interval!r}")
    low_text, low_op, op, number = match.groups()
    low = float(low_text) if low_text else None
    low_inclusive = low_op == "<="
    high: float | None = None
    high_inclusive = False
    if op in (">", ">="):
        low, low_inclusive = float(number), op == ">="
    elif op:
        high, high_inclusive = float(number), op == "<="
    return _Zone(low, low_inclusive, high, high_inclusive, suggested_unit, male_only)


@dataclass(frozen=True, slots=True)
class _Gate:
    """Section 8 for one analyte: hard limits in the canonical unit, limits the reference states for another
    unit, and mix-up zones by entered unit."""

    limits: tuple[float, float] | None = None
    unit_limits: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    zones: Mapping[str, tuple[_Zone, ...]] = field(default_factory=dict)


_GATES: dict[str, _Gate] = {
    "hba1c": _Gate(
        (3.0, 20.0),
        {"mmol/mol": (9, 195)},
        {"%": (_zone("20 < x <= 200", "mmol/mol"),), "mmol/mol": (_zone("3 <= x <= 20", "%"),)},
    ),
    "glucose": _Gate(
        (20, 1000),
        {"mmol/L": (1.1, 55.5)},
        {"mg/dL": (_zone("1.0 <= x < 20", "mmol/L"),), "mmol/L": (_zone("56 <= x <= 1000", "mg/dL"),)},
    ),
    # Section 8 says "> 300 with normal glucose": the glucose is not known here, so the zone always applies
    # and a confirmed unit releases a value inside the hard limits.
    "insulin": _Gate((0.2, 500), zones={"u[IU]/mL": (_zone("x > 300", "pmol/L"),)}),
    "triglycerides": _Gate((10, 10000), zones={"mg/dL": (_zone("0.1 <= x < 10", "mmol/L"),)}),
    "hdl": _Gate((5, 200), zones={"mg/dL": (_zone("0.1 <= x < 5", "mmol/L"),)}),
    "cholesterol_total": _Gate((40, 1000), zones={"mg/dL": (_zone("1 <= x < 40", "mmol/L"),)}),
    # Section 8 has no LDL row. LDL is part of the total cholesterol, so the total's upper limit bounds it; no
    # lower limit or mix-up zone, since LDL below 40 mg/dL is common on lipid-lowering treatment.
    "ldl": _Gate((0, 1000)),
    "hscrp": _Gate((0, 500)),
    # Section 8 lists hs-CRP only; conventional CRP is the same protein and its sepsis range is the reason
    # for the 500 mg/L limit, so the same limits apply.
    "crp": _Gate((0, 500)),
    "tsh": _Gate((0.001, 500)),
    "ft4": _Gate((0.1, 8.0), zones={"ng/dL": (_zone("8 < x <= 100", "pmol/L"),)}),
    "ft3": _Gate((0.5, 30)),
    "b12": _Gate((30, 10000)),
    "folate": _Gate((0.5, 60), zones={"ng/mL": (_zone("40 < x <= 60", "nmol/L"),)}),
    "ferritin": _Gate((1, 100000)),
    "iron": _Gate((5, 1000), zones={"ug/dL": (_zone("5 <= x < 20", "umol/L"),)}),
    "tsat": _Gate((1, 100), zones={"%": (_zone("0.01 <= x < 1", "1"),)}),
    "vitamin_d": _Gate((2, 250), zones={"ng/mL": (_zone("150 < x <= 250", "nmol/L"),)}),
    "magnesium": _Gate((0.2, 8.0), zones={"mmol/L": (_zone("1.3 < x <= 3.0", "mg/dL"),)}),
    "zinc": _Gate((10, 500), zones={"ug/dL": (_zone("5 <= x < 25", "umol/L"),)}),
    "homocysteine": _Gate((1, 500)),
    "mma": _Gate((0.01, 100), zones={"umol/L": (_zone("50 <= x <= 5000", "nmol/L"),)}),
    "omega3_index": _Gate((1, 20)),
    # The row is "adult male"; the hard limits are applied to everyone (they are wide enough for women), the
    # zone only to men because female values overlap it.
    "testosterone": _Gate((1, 3000), zones={"ng/dL": (_zone("2 <= x <= 50", "nmol/L", male_only=True),)}),
    "cortisol": _Gate((0.2, 100), zones={"ug/dL": (_zone("100 < x <= 2000", "nmol/L"),)}),
    # "> 500 without known adenoma": a known prolactinoma is the clinician's reason to confirm the unit.
    "prolactin": _Gate((0.5, 20000), zones={"ng/mL": (_zone("x > 500", "m[IU]/L"),)}),
    "estradiol": _Gate((1, 60000)),
    "lithium": _Gate((0, 5)),
    # No section 8 row (so only unit, finiteness and sign are checked): il6, esr, wbc, anti_tpo, anti_tg, tibc,
    # free_testosterone, shbg, fsh, lh.
}


@dataclass(frozen=True, slots=True)
class _UnitGate:
    limits: tuple[float, float] | None
    zones: tuple[_Zone, ...]


def _three_significant(value: float) -> float:
    """Three significant figures, rounding half up, but never coarser than whole numbers (7380.07 -> 7380)."""
    if value == 0:
        return 0.0
    decimals = max(0, 2 - math.floor(math.log10(abs(value))))
    return float(Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def _resolve_gates() -> dict[tuple[str, str], _UnitGate]:
    """Limits and zones for every accepted unit.

    Limits for another unit are the reference's own where it states them, otherwise the canonical limits
    converted and rounded (see :func:`_three_significant`); the enforced limits are the ones the message
    shows. Zones are those section 8 states for the unit; a unit numerically identical to the canonical one
    (ug/L for ng/mL) shares the canonical unit's zones, since the same number is equally ambiguous.
    """
    resolved: dict[tuple[str, str], _UnitGate] = {}
    for key, gate in _GATES.items():
        analyte = ANALYTES[key]
        for unit, spec in analyte.units.items():
            limits = gate.unit_limits.get(unit)
            if limits is None and gate.limits is not None:
                low, high = (spec.from_canonical(limit) for limit in gate.limits)
                limits = gate.limits if spec.is_identity else (_three_significant(low), _three_significant(high))
            zones = gate.zones.get(unit) or (gate.zones.get(analyte.canonical_unit, ()) if spec.is_identity else ())
            resolved[key, unit] = _UnitGate(limits, tuple(zones))
    return resolved


_UNIT_GATES = _resolve_gates()
_NO_GATE = _UnitGate(None, ())


def plausible_range(key: str, unit: str) -> tuple[float, float] | None:
    """The hard limits (G-01) for ``unit`` of the analyte, or None when the reference sets none."""
    analyte = _analyte_for(key)
    return _UNIT_GATES.get((analyte.key, _spec(analyte, unit).unit), _NO_GATE).limits


# ---------------------------------------------------------------------------------------------------------
# Messages


def _number(value: float) -> str:
    """A number as entered: 48 not 48.0, 5.6, 0.001."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    text = repr(value)
    if "e" in text:
        text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text


def _article(phrase: str) -> str:
    """'A' or 'An' by sound: an iron, an HbA1c, an MMA, a 25-OH vitamin D, a magnesium."""
    first_word = phrase.split()[0] if phrase.split() else ""
    is_acronym = any(char.isupper() for char in first_word[1:])
    if phrase[:1].lower() in "aeiou" or (is_acronym and first_word[:1].upper() in "AEFHILMNORSX"):
        return "An"
    return "A"


def _join(words: Iterable[str]) -> str:
    items = list(words)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} or {items[-1]}"


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


@dataclass(frozen=True, slots=True)
class _Subject:
    """What the message builders need to know about an analyte or a body measurement."""

    name: str  # sentence-initial ("Glucose", "hs-CRP", "Height")
    in_sentence: str  # "glucose", "hs-CRP", "height"
    canonical_unit: str
    decimals: int
    units: Mapping[str, UnitSpec]

    def canonical_text(self, value: float) -> str:
        return f"{_fixed(value, self.decimals)} {unit_label(self.canonical_unit)}"


def _zone_problem(
    subject: _Subject, value: float, unit: str, zone: _Zone, *, plausible_as_entered: bool
) -> EntryProblem:
    suggested = zone.suggested_unit
    converted = subject.units[suggested].to_canonical(value)
    entered, written, proposed = _number(value), unit_label(unit), unit_label(suggested)
    same_as_canonical = suggested == subject.canonical_unit
    if plausible_as_entered:
        context = " in a man" if zone.male_only else ""
        opening = f"{_article(subject.in_sentence)} {subject.in_sentence} of {entered} {written} is unusual{context}"
        if same_as_canonical:
            message = f"{opening}; it may have been {entered} {proposed}. Confirm the unit or choose {proposed}."
        else:
            message = (
                f"{opening}; {entered} {proposed} would be {subject.canonical_text(converted)}. "
                f"Confirm the unit or choose {proposed}."
            )
        return EntryProblem(ProblemCode.CONFIRM_UNIT, message, suggested, converted)
    opening = f"{entered} is not a plausible {subject.in_sentence} in {written}"
    if same_as_canonical:
        message = f"{opening}; did you mean {entered} {proposed}?"
    elif suggested == "1":
        message = f"{opening}; as a fraction it would be {subject.canonical_text(converted)}. Did you mean a fraction?"
    else:
        message = f"{opening}; in {proposed} it would be {subject.canonical_text(converted)}. Did you mean {proposed}?"
    return EntryProblem(ProblemCode.UNIT_MIXUP, message, suggested, converted)


def _gate_problems(
    subject: _Subject, value: float, unit: str, gate: _UnitGate, *, unit_confirmed: bool, male: bool
) -> list[EntryProblem]:
    """Sign, then G-02, then G-01, for a finite value in an accepted unit."""
    written = unit_label(unit)
    if value < 0:
        message = f"{subject.name} cannot be negative ({_number(value)} {written} was entered)."
        return [EntryProblem(ProblemCode.NEGATIVE, message)]
    inside = gate.limits is None or gate.limits[0] <= value <= gate.limits[1]
    if not unit_confirmed:
        zone_problems = [
            _zone_problem(subject, value, unit, zone, plausible_as_entered=inside)
            for zone in gate.zones
            if zone.contains(value) and (male or not zone.male_only)
        ]
        if zone_problems:
            return zone_problems
    if not inside and gate.limits is not None:
        low, high = (_number(limit) for limit in gate.limits)
        message = (
            f"{_number(value)} {written} is outside the plausible range for {subject.in_sentence} "
            f"({low}-{high} {written})."
        )
        return [EntryProblem(ProblemCode.IMPLAUSIBLE, message)]
    return []


def _not_finite(subject: _Subject) -> EntryProblem:
    return EntryProblem(ProblemCode.NOT_FINITE, f"The value entered for {subject.in_sentence} is not a finite number.")


# ---------------------------------------------------------------------------------------------------------
# Checking laboratory values

_COMPARATORS = frozenset({"<", "<=", ">", ">="})


def _lab_subject(analyte: Analyte) -> _Subject:
    return _Subject(analyte.name, analyte.in_sentence, analyte.canonical_unit, analyte.decimals, analyte.units)


def check_lab_value(
    key: str,
    value: float,
    unit: str,
    *,
    sex: str | None = None,
    unit_confirmed: bool = False,
    comparator: str | None = None,
) -> list[EntryProblem]:
    """Every problem with a laboratory result as entered; an empty list means it can be stored.

    Checks, in order: the unit is accepted (a refusal is returned alone), the number is finite and not
    negative, then G-02 (a value in a mix-up zone is held: ``unit_mixup`` when it is implausible as entered,
    ``confirm_unit`` when it is plausible but typical of another unit) and G-01 (``implausible`` outside the
    hard limits). ``unit_confirmed=True`` means the user has confirmed the unit, so G-02 is skipped and G-01
    still applies. A censored result (``comparator`` "<", "<=", ">", ">=") is a detection or reporting
    limit, so only the unit and the sign are checked. ``sex`` ("male"/"female") matters for testosterone.
    """
    analyte = _analyte_for(key)
    if comparator is not None and comparator not in _COMPARATORS:
        raise ValueError(f"unknown comparator {comparator!r}")
    subject = _lab_subject(analyte)
    spec = analyte.unit_spec(unit)
    if spec is None:
        written = (unit or "").strip()
        choices = _join(unit_label(u) for u in analyte.units)
        if written:
            message = f"The unit {written} is not accepted for {analyte.in_sentence}; use {choices}."
        else:
            message = f"A unit is required for {analyte.in_sentence}; use {choices}."
        return [EntryProblem(ProblemCode.UNIT_NOT_ACCEPTED, message)]
    value = float(value)
    if not math.isfinite(value):
        return [_not_finite(subject)]
    gate = _UNIT_GATES.get((analyte.key, spec.unit), _NO_GATE)
    if comparator is not None:
        gate = _NO_GATE
    male = (sex or "").strip().lower() == "male"
    return _gate_problems(subject, value, spec.unit, gate, unit_confirmed=unit_confirmed, male=male)


# ---------------------------------------------------------------------------------------------------------
# Body measurements and scores


@dataclass(frozen=True, slots=True)
class _Measure:
    subject: _Subject
    gate: _UnitGate


def _measure(
    name: str,
    unit: str,
    decimals: int,
    limits: tuple[float, float],
    *,
    zones: tuple[_Zone, ...] = (),
    other_units: tuple[UnitSpec, ...] = (),
) -> _Measure:
    units = MappingProxyType({unit: UnitSpec(unit), **{spec.unit: spec for spec in other_units}})
    return _Measure(_Subject(_capitalised(name), name, unit, decimals, units), _UnitGate(limits, zones))


_METRES = UnitSpec("m", multiply=100)  # exact metric prefix
_INCHES = UnitSpec("[in_i]", multiply=2.54)  # the international inch is exactly 2.54 cm

_MEASURES: dict[str, _Measure] = {
    "height_cm": _measure(
        "height",
        "cm",
        0,
        (100, 250),
        zones=(_zone("1.0 <= x <= 2.5", "m"), _zone("39 <= x <= 98", "[in_i]")),
        other_units=(_METRES, _INCHES),
    ),
    "weight_kg": _measure("weight", "kg", 1, (25, 400)),  # pound/kg confusion is caught by the BMI limits
    "bmi": _measure("BMI", "kg/m2", 1, (10, 100)),
    "waist_cm": _measure(
        "waist circumference", "cm", 0, (40, 250), zones=(_zone("40 <= x < 55", "[in_i]"),), other_units=(_INCHES,)
    ),
    "systolic": _measure("systolic blood pressure", "mm[Hg]", 0, (50, 300)),
    "diastolic": _measure("diastolic blood pressure", "mm[Hg]", 0, (20, 200)),
}


def check_measurement(field: str, value: float, *, unit_confirmed: bool = False) -> list[EntryProblem]:
    """Problems with a body measurement in its field's unit (height_cm, weight_kg, bmi, waist_cm, systolic,
    diastolic): section 8 limits and zones, with the same codes and order as :func:`check_lab_value`.

    A height of 1.0-2.5 is taken for metres and 39-98 for inches (both outside the plausible range in cm, so
    ``unit_mixup``); a waist of 40 to under 55 cm is plausible but held as possible inches (``confirm_unit``).
    """
    try:
        measure = _MEASURES[field]
    except KeyError:
        raise ValueError(f"unknown measurement field {field!r}") from None
    value = float(value)
    if not math.isfinite(value):
        return [_not_finite(measure.subject)]
    unit = measure.subject.canonical_unit
    return _gate_problems(measure.subject, value, unit, measure.gate, unit_confirmed=unit_confirmed, male=False)


def check_blood_pressure(systolic: float, diastolic: float) -> list[EntryProblem]:
    """The cross-field check: a diastolic at or above the systolic is refused as probably swapped.

    Check each value on its own with :func:`check_measurement` as well.
    """
    systolic, diastolic = float(systolic), float(diastolic)
    if not (math.isfinite(systolic) and math.isfinite(diastolic)) or diastolic < systolic:
        return []
    message = (
        f"Diastolic blood pressure {_number(diastolic)} mmHg is not below systolic {_number(systolic)} mmHg; "
        "the two values may have been swapped."
    )
    return [EntryProblem(ProblemCode.IMPLAUSIBLE, message)]


#: Instrument -> (display name, maximum total); every total runs from 0 (section 8).
_SCORES: dict[str, tuple[str, int]] = {
    "phq9": ("PHQ-9", 27),
    "epds": ("EPDS", 30),
    "qidssr16": ("QIDS-SR16", 27),
    "madrs": ("MADRS", 60),
    "hamd17": ("HAM-D17", 52),
}


def check_score(instrument: str, total: float) -> list[EntryProblem]:
    """Problems with a questionnaire total: a whole number from 0 to the instrument's maximum.

    ``instrument`` is "PHQ-9", "EPDS", "QIDS-SR16", "MADRS" or "HAM-D17" (case and punctuation ignored).
    """
    try:
        name, maximum = _SCORES[_squash(instrument)]
    except KeyError:
        raise ValueError(f"unknown instrument {instrument!r}") from None
    total = float(total)
    if not math.isfinite(total):
        return [EntryProblem(ProblemCode.NOT_FINITE, f"The {name} total entered is not a finite number.")]
    if total < 0:
        message = f"The {name} total cannot be negative ({_number(total)} was entered)."
        return [EntryProblem(ProblemCode.NEGATIVE, message)]
    if not total.is_integer() or total > maximum:
        message = f"The {name} total must be a whole number from 0 to {maximum}; {_number(total)} was entered."
        return [EntryProblem(ProblemCode.IMPLAUSIBLE, message)]
    return []
