"""Units of measure: the UCUM spellings the app uses, normalisation of what people and laboratories type, and
the conversion of one accepted unit to an analyte's canonical unit.

UCUM is case-sensitive (``mg`` is milligram, ``Mg`` megagram; ``mmol/L`` and ``mol/L`` differ by 1000). The
normaliser therefore ignores case only where that cannot change the meaning: the base units (``dl`` is
``dL``) and a spelling written entirely in capitals (``MG/DL``, UCUM's own case-insensitive form, common in
older HL7 feeds). A lower-case SI prefix written as a capital in mixed-case text (``Mg/dL``, ``Mmol/L``) is
not guessed at; the text comes back unchanged and the caller's acceptance check refuses it.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

#: Converted values are rounded to this many decimal places, so that float artefacts never decide which
#: side of a threshold a value falls (0.3 mg/dL x 10 is exactly 3.0 mg/L).
DECIMALS = 6


@dataclass(frozen=True, slots=True)
class UnitSpec:
    """One accepted unit of an analyte and its conversion to the canonical unit.

    ``canonical = value x multiply / divide + offset``. The numbers are the clinical reference's factors as
    written (section 6.2): folate ``nmol/L = ng/mL x 2.266`` is ``UnitSpec("nmol/L", divide=2.266)``. The same
    factor is used in both directions, so a round trip returns the number entered. ``note`` is a caveat
    for the user interface (an assay-specific factor, for example).
    """

    unit: str
    multiply: float = 1.0
    divide: float = 1.0
    offset: float = 0.0
    note: str = ""

    @property
    def is_identity(self) -> bool:
        """True when the unit is numerically identical to the canonical unit (``ug/L`` for ``ng/mL``)."""
        return self.multiply == 1 and self.divide == 1 and self.offset == 0

    def to_canonical(self, value: float) -> float:
        return round(value * self.multiply / self.divide + self.offset, DECIMALS)

    def from_canonical(self, value: float) -> float:
        return round((value - self.offset) * self.divide / self.multiply, DECIMALS)


# ---------------------------------------------------------------------------------------------------------
# The units the app knows, and the other ways people write them

#: UCUM code -> further spellings (besides the code itself, the code without brackets, and any case or
#: micro-sign variant, which are derived automatically).
_SPELLINGS_BY_UNIT: dict[str, tuple[str, ...]] = {
    "%": (),
    "1": (),  # a fraction (transferrin saturation 0.25 = 25 %)
    "mmol/mol": (),
    "mg/dL": (),
    "mg/L": (),
    "ug/dL": (),
    "ug/L": (),
    "ng/dL": (),
    "ng/mL": (),
    "ng/L": (),
    "pg/mL": (),
    "mmol/L": (),
    "umol/L": (),
    "nmol/L": (),
    "pmol/L": (),
    "mEq/L": (),
    "[IU]/mL": (),
    "[IU]/L": (),
    "k[IU]/L": (),
    # TSH, prolactin and insulin are calibrated in international units; "mU/L", "uU/mL" and "mU/mL" are the
    # usual British and American spellings of the same units (UCUM's U, the enzyme unit, is never meant).
    "m[IU]/L": ("mU/L",),
    "m[IU]/mL": ("mU/mL",),
    "u[IU]/mL": ("uU/mL",),
    "mm/h": ("mm/hr", "mm/1h"),
    "10*3/uL": ("10^3/uL", "x10^3/uL", "x10*3/uL", "10e3/uL", "x10e3/uL", "10³/uL", "x10³/uL", "K/uL"),
    "10*9/L": ("10^9/L", "x10^9/L", "x10*9/L", "10e9/L", "x10e9/L", "10⁹/L", "x10⁹/L"),
    "mm[Hg]": (),
    "cm": (),
    "kg": (),
    "kg/m2": ("kg/m^2", "kg/m²"),
    "m": (),
    "[in_i]": (),
}

#: Every UCUM code the app uses.
UCUM_UNITS: frozenset[str] = frozenset(_SPELLINGS_BY_UNIT)

#: How a unit is written in clinician-facing text (the reference's own spelling: mIU/L, uIU/mL, mmHg).
_LABELS = {
    "1": "fraction",
    "m": "metres",
    "[in_i]": "inches",
    "10*3/uL": "10^3/uL",
    "10*9/L": "10^9/L",
}

# Prefixes whose capital is a different UCUM symbol (M mega, U unit, N newton, P peta, K kelvin).
_CASE_SENSITIVE_PREFIXES = "munpk"
_TYPOGRAPHY = str.maketrans({"µ": "u", "μ": "u", "×": "x"})
_MC_MICRO = re.compile(r"mc(?=g|mol|iu|u/|\[iu\])", re.IGNORECASE)


def _build_spellings() -> dict[str, str]:
    table: dict[str, str] = {}
    for ucum, extras in _SPELLINGS_BY_UNIT.items():
        for spelling in (ucum, ucum.replace("[", "").replace("]", ""), *extras):
            key = spelling.lower()
            if table.setdefault(key, ucum) != ucum:
                raise ValueError(f"unit spelling {spelling!r} is ambiguous: {table[key]} or {ucum}")
    return table


_SPELLINGS = _build_spellings()


def _micro(match: re.Match[str]) -> str:
    """'mcg' -> 'ug' (keeping the capitals of an all-capitals 'MCG'); a mixed 'Mc' is left for refusal."""
    text = match.group()
    return {"mc": "u", "MC": "U"}.get(text, text)


def normalise_unit(text: str) -> str:
    """The UCUM code for a unit as typed or reported, or the stripped text unchanged when not recognised.

    ``mIU/L`` and ``mU/L`` -> ``m[IU]/L``; ``uIU/mL``, ``µIU/mL`` -> ``u[IU]/mL``; ``mcg/L``, ``µg/L`` -> ``ug/L``;
    ``mg/dl``, ``MG/DL`` -> ``mg/dL``; ``mmHg`` -> ``mm[Hg]``. ``Mg/dL`` is returned as ``Mg/dL`` (megagram),
    and ``mol/L`` stays ``mol/L``: an unrecognised unit is refused by the analyte's acceptance check.
    """
    stripped = (text or "").strip()
    if stripped in UCUM_UNITS:
        return stripped
    compact = _MC_MICRO.sub(_micro, "".join(stripped.split()).translate(_TYPOGRAPHY))
    ucum = _SPELLINGS.get(compact.lower())
    if ucum is None or not _prefixes_match(compact, ucum):
        return stripped
    return ucum


def _prefixes_match(written: str, ucum: str) -> bool:
    """A written lower-case SI prefix must not be a capital, except in an all-capitals spelling."""
    if written.isupper() and len(written) > 1:  # "MG/DL"; but a lone "M" is not metres
        return True
    for written_part, ucum_part in zip(written.split("/"), ucum.split("/"), strict=False):
        first = ucum_part[:1]
        if first and first in _CASE_SENSITIVE_PREFIXES and not written_part.startswith(first):
            return False
    return True


@functools.lru_cache(maxsize=256)
def unit_label(unit: str) -> str:
    """A UCUM code as clinicians write it: ``m[IU]/L`` -> ``mIU/L``, ``mm[Hg]`` -> ``mmHg``, ``1`` -> ``fraction``."""
    return _LABELS.get(unit) or unit.replace("[", "").replace("]", "")
