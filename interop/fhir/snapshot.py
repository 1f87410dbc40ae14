"""The rules engine's snapshot from FHIR data read by :mod:`interop.fhir.reader` (used by CDS Hooks).

The values are the ones the importer would store: the same reader, the same canonical conversion, the same
dose-period shapes, so that screening prefetched data gives what screening the imported patient would give.
"""

from __future__ import annotations

from screening.rules import analytes
from screening.rules import snapshot as s

from .reader import ParsedBundle

_FASTING = {"yes": True, "no": False}


def snapshot_from(parsed: ParsedBundle, *, sex: str, birth_date) -> s.Snapshot:
    """A snapshot of ``parsed``; ``sex`` and ``birth_date`` are the patient's (required by the rules)."""
    patient = parsed.patient
    return s.Snapshot(
        patient=s.PatientInfo(
            sex=s.Sex(sex),
            birth_date=birth_date,
            ancestry=_enum(s.Ancestry, patient.ancestry if patient else "") or s.Ancestry.UNKNOWN,
            pregnant=bool(patient and patient.pregnancy_status == "pregnant"),
            delivery_date=patient.delivery_date if patient else None,
            menstrual_status=_enum(s.MenstrualStatus, patient.menstrual_status if patient else ""),
        ),
        conditions=frozenset(parsed.conditions),
        medicines=tuple(
            s.Medicine(name=m.name, start=m.start, end=m.end, daily_dose_mg=m.daily_dose_mg) for m in parsed.medicines
        ),
        labs=tuple(
            s.LabValue(
                analyte=lab.analyte,
                value=lab.canonical_value,
                collected=lab.collected_on,
                entered_value=float(lab.value),
                entered_unit=lab.unit,
                loinc=lab.loinc,
                comparator=s.Comparator(lab.comparator) if lab.comparator else None,
                time=lab.collected_at,
                fasting=_FASTING.get(lab.fasting),
                reference_low=_canonical(lab.analyte, lab.reference_low, lab.unit),
                reference_high=_canonical(lab.analyte, lab.reference_high, lab.unit),
                source_id=lab.source_identifier,
            )
            for lab in sorted(parsed.labs, key=lambda lab: lab.collected_on)
        ),
        episode=s.Episode(
            onset=parsed.episode.onset if parsed.episode else None,
            severity=_enum(s.Severity, parsed.episode.severity if parsed.episode else ""),
        ),
        trials=tuple(
            s.Trial(
                drug=t.drug,
                drug_text=t.drug_text,
                dose_periods=tuple(
                    s.DosePeriod(daily_dose_mg=float(p.daily_dose_mg), start=p.start, end=p.end) for p in t.periods
                ),
                adherence=_enum(s.Adherence, t.adherence) or s.Adherence.UNKNOWN,
                outcome=_enum(s.Outcome, t.outcome),
                improvement_pct=t.improvement_pct,
                source_id=t.source_identifier,
            )
            for t in parsed.trials
        ),
        phq9=tuple(
            s.ScaleScore(
                date=score.administered_on,
                items=score.items,
                total_only=None if score.items else score.total,
                difficulty=score.difficulty,
            )
            for score in sorted(parsed.scores, key=lambda score: score.administered_on)
        ),
    )


def _enum(enum, value: str):
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def _canonical(analyte: str, limit, unit: str) -> float | None:
    return None if limit is None else analytes.to_canonical(analyte, float(limit), unit)
