"""Shape patient data for display: grouping and ordering happen here, not in templates."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from screening.rules import analytes

from .models import (
    AntidepressantTrial,
    Condition,
    DosePeriod,
    Intake,
    LabResult,
    Patient,
    ScaleScore,
)


@dataclass(frozen=True)
class AnalyteHistory:
    analyte: analytes.Analyte
    results: list[LabResult]  # newest first

    @property
    def latest(self) -> LabResult:
        return self.results[0]


def lab_histories(patient: Patient) -> list[AnalyteHistory]:
    """Every analyte with at least one result, in catalogue order, each with its results newest first."""
    by_analyte: dict[str, list[LabResult]] = {}
    for result in patient.lab_results.order_by("-collected_on", "-collected_at", "-pk"):
        by_analyte.setdefault(result.analyte, []).append(result)
    return [
        AnalyteHistory(analyte, by_analyte[key])
        for key, analyte in analytes.ANALYTES.items()
        if key in by_analyte
    ]


def patient_page(patient: Patient) -> dict:
    intake, _ = Intake.objects.get_or_create(patient=patient)
    trials = list(
        patient.trials.prefetch_related(
            Prefetch("dose_periods", queryset=DosePeriod.objects.order_by("start", "pk"))
        ).order_by("pk")
    )
    trials.sort(key=lambda t: (t.dose_periods.all()[0].start if t.dose_periods.all() else timezone.localdate()))
    scores = list(patient.scale_scores.order_by("-administered_on", "-pk"))
    condition_labels = dict(Condition.choices)
    return {
        "patient": patient,
        "age": patient.age_on(timezone.localdate()),
        "intake": intake,
        "conditions": [condition_labels.get(c, c) for c in intake.conditions],
        "histories": lab_histories(patient),
        "trials": trials,
        "augmentations": list(patient.augmentations.order_by("start", "pk")),
        "other_treatments": list(patient.other_treatments.order_by("start", "pk")),
        "phq9_scores": [s for s in scores if s.instrument == ScaleScore.Instrument.PHQ9],
        "epds_scores": [s for s in scores if s.instrument == ScaleScore.Instrument.EPDS],
        "medicines": list(patient.medicines.order_by("kind", "name", "-start")),
        "measurements": list(patient.measurements.order_by("-measured_on", "-pk")),
        "psychotherapy": list(patient.psychotherapy.order_by("-start", "pk")),
    }


def trial_span(trial: AntidepressantTrial) -> tuple:
    periods = list(trial.dose_periods.all())
    return (periods[0].start, periods[-1].end) if periods else (None, None)
