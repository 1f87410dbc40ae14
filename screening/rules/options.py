"""Per-clinic choices where guidelines disagree (clinical reference section 13).

Every field defaults to the app default named in section 13; the alternatives are the other published
conventions listed there. The chosen values are recorded in every screening result.
"""

from __future__ import annotations

import functools
from dataclasses import asdict, dataclass, fields
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class FailureDefinition(StrEnum):
    IMPROVEMENT_BELOW_25 = "lt25"  # EU-PEARL / ATRQ-based trials (default)
    IMPROVEMENT_BELOW_50 = "lt50"  # classic non-response


class TgHdlCutoff(StrEnum):
    OVERALL_3_0 = "overall_3.0"  # McLaughlin 2003 (default)
    SEX_SPECIFIC = "sex_specific"  # Murguia-Romero 2013: > 3.5 men, > 2.5 women


class WaistStandard(StrEnum):
    ETHNICITY_IDF = "ethnicity_idf"  # ethnicity-specific, IDF Europid when unknown (default)
    AHA_NHLBI = "aha_nhlbi"  # 102/88 cm for Europid and unknown ancestry


class VitaminDConvention(StrEnum):
    DEFAULT = "default"  # < 12 important, 12-19 consider, 20-29 info
    # Section 11 fixes NUTR-05a/b/c's bands and severities; this names the ES 2011 classification (< 20 deficient,
    # 21-29 insufficient) in their detail, nothing more.
    ENDOCRINE_SOCIETY_2011 = "es2011"
    IOM_2011 = "iom2011"  # < 12 important, 12-19 consider, nothing at >= 20


class B12Convention(StrEnum):
    DEFAULT = "default"  # < 200 pg/mL important, 200-299 consider
    GREY_ZONE_180_350 = "180_350"  # < 180 pg/mL important, 180-349 consider


class FerritinConvention(StrEnum):
    DEFAULT = "default"  # < 15 important, 15-29 consider, 30-69 with CRP > 5 consider (WHO 2020)
    AAFP = "aafp"  # inflammation cut-off 50 ng/mL
    BSG = "bsg"  # inflammation cut-off 100 ng/mL


@dataclass(frozen=True, slots=True)
class ScreeningOptions:
    adequate_trial_weeks: int = 6  # 6 (MGH-ATRQ, default) or 4 (EU-PEARL/ATHF)
    failure_definition: FailureDefinition = FailureDefinition.IMPROVEMENT_BELOW_25
    homa_ir_cutoff: float = 2.5  # 2.0, 2.5 (default), 2.9 or 3.0
    tyg_cutoff: float = 8.5  # full-log scale: 8.5 (default), 8.67 or 9.04
    tg_hdl: TgHdlCutoff = TgHdlCutoff.OVERALL_3_0
    waist: WaistStandard = WaistStandard.ETHNICITY_IDF
    b12: B12Convention = B12Convention.DEFAULT
    ferritin: FerritinConvention = FerritinConvention.DEFAULT
    vitamin_d: VitaminDConvention = VitaminDConvention.DEFAULT
    testosterone_cutoff_ng_dl: float = 300  # 300 (AUA, default), 264 (Endocrine Society) or 350 (EAU/BSSM)
    tsh_upper_limit: float = 4.5  # used when the laboratory gives no upper limit: 4.5 (default) or 4.0
    epds_probable_cutoff: int = 13  # >= 13 important (default); 10-12 consider
    min_dose_overrides: tuple[tuple[str, float], ...] = ()  # (generic name, mg/day) edits to table 1.3

    def as_dict(self) -> dict[str, Any]:
        data = dict(_as_dict(self))
        data["min_dose_overrides"] = dict(data["min_dose_overrides"])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> ScreeningOptions:
        """Build options from stored settings, ignoring unknown keys and rejecting unknown values."""
        if not data:
            return cls()
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}
        for key, raw in data.items():
            if key not in known:
                continue
            if key == "min_dose_overrides":
                kwargs[key] = tuple(sorted((str(k), float(v)) for k, v in dict(raw).items()))
            elif key in ALLOWED_VALUES:
                value = type(getattr(cls(), key))(raw)
                if value not in ALLOWED_VALUES[key]:
                    raise ValueError(f"{key}: {raw!r} is not one of {sorted(ALLOWED_VALUES[key])}")
                kwargs[key] = value
            else:
                kwargs[key] = type(getattr(cls(), key))(raw)
        return cls(**kwargs)


#: The alternatives a clinic may choose for each numeric option.
ALLOWED_VALUES: dict[str, tuple[Any, ...]] = {
    "adequate_trial_weeks": (6, 4),
    "homa_ir_cutoff": (2.5, 2.0, 2.9, 3.0),
    "tyg_cutoff": (8.5, 8.67, 9.04),
    "testosterone_cutoff_ng_dl": (300, 264, 350),
    "tsh_upper_limit": (4.5, 4.0),
    "epds_probable_cutoff": (13, 10),
}


@functools.lru_cache(maxsize=64)
def _as_dict(options: ScreeningOptions) -> MappingProxyType:
    data = asdict(options)
    data["min_dose_overrides"] = dict(options.min_dose_overrides)
    return MappingProxyType({key: (str(value) if isinstance(value, StrEnum) else value) for key, value in data.items()})
