"""Display rows for the import previews (formatting only; the plans decide what happens)."""

from __future__ import annotations

from dataclasses import dataclass

from patients.models import Fasting
from screening.rules import analytes
from screening.rules.drugs import drug_display

from .fhir.reader import LabItem, TrialItem

_FASTING = dict(Fasting.choices)


@dataclass(frozen=True)
class LabRow:
    where: str
    name: str
    reported: str
    canonical: str
    converted: bool
    collected: str
    fasting: str
    reference: str
    notes: tuple[str, ...]


def _number(value) -> str:
    return format(value.normalize(), "f") if hasattr(value, "normalize") else str(value)


def lab_row(item: LabItem | object, where: str = "") -> LabRow:
    analyte = analytes.ANALYTES[item.analyte]
    unit = analytes.unit_label(item.unit)
    reference = ""
    if item.reference_low is not None or item.reference_high is not None:
        low = _number(item.reference_low) if item.reference_low is not None else ""
        high = _number(item.reference_high) if item.reference_high is not None else ""
        reference = f"{low}–{high} {unit}"
    when = item.collected_on.isoformat() + (f" {item.collected_at:%H:%M}" if item.collected_at else "")
    return LabRow(
        where=where or getattr(item, "where", ""),
        name=analyte.name,
        reported=f"{item.comparator}{_number(item.value)} {unit}",
        canonical=f"{item.comparator}{analytes.format_value(item.analyte, item.canonical_value)} "
        f"{analytes.unit_label(item.canonical_unit)}",
        converted=item.unit != item.canonical_unit,
        collected=when,
        fasting=_FASTING.get(item.fasting, item.fasting),
        reference=reference,
        notes=tuple(getattr(item, "notes", ())),
    )


def trial_text(item: TrialItem) -> str:
    name = item.drug_text or drug_display(item.drug)
    periods = "; ".join(
        f"{_number(p.daily_dose_mg)} mg/day from {p.start}" + (f" to {p.end}" if p.end else " (ongoing)")
        for p in item.periods
    )
    return f"{name}: {periods}"
