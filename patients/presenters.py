"""Shape patient data for display: grouping and ordering happen here, not in templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from decimal import Decimal

from django.utils import timezone

from screening.charts import lab_trend_svg
from screening.rules import analytes, drugs

from .forms.records import body_mass_index
from .forms.scales import INSTRUMENTS
from .models import (
    AntidepressantTrial,
    Condition,
    DosePeriod,
    Intake,
    LabResult,
    Measurement,
    Patient,
    ScaleScore,
)


@dataclass(frozen=True)
class AnalyteHistory:
    analyte: analytes.Analyte
    results: list[LabResult]  # newest first
    flagged_by: tuple[str, ...] = ()  # rule ids of live findings that used the latest result

    @property
    def latest(self) -> LabResult:
        return self.results[0]

    @property
    def out_of_lab_range(self) -> bool | None:
        """Against the laboratory's own limits for the latest result; None when the report gave none."""
        latest = self.latest
        if latest.reference_low is None and latest.reference_high is None:
            return None
        below = latest.reference_low is not None and latest.value < latest.reference_low and latest.comparator != ">"
        above = latest.reference_high is not None and latest.value > latest.reference_high and latest.comparator != "<"
        return below or above

    def trend_svg(self):
        points = [
            (r.collected_on, float(r.value_canonical), r.comparator or None)
            for r in sorted(self.results, key=lambda r: (r.collected_on, r.pk))
        ]
        latest = self.latest
        low, high = (
            (analytes.to_canonical(latest.analyte, float(limit), latest.unit) if limit is not None else None)
            for limit in (latest.reference_low, latest.reference_high)
        )
        return lab_trend_svg(
            points, low=low, high=high, unit=analytes.unit_label(latest.canonical_unit), title=self.analyte.name
        )


def with_screening_flags(histories: list[AnalyteHistory], result: dict) -> list[AnalyteHistory]:
    """Mark each analyte's latest result with the ids of the live findings that used it."""
    used_by: dict[str, list[str]] = {}
    for finding in result["findings"]:
        for value in finding["values"]:
            if value.get("source_id"):
                used_by.setdefault(value["source_id"], []).append(finding["rule_id"])
    return [
        replace(history, flagged_by=tuple(dict.fromkeys(used_by.get(str(history.latest.pk), ()))))
        for history in histories
    ]


def lab_histories(patient: Patient) -> list[AnalyteHistory]:
    """Every analyte with at least one result, in catalogue order, each with its results newest first."""
    by_analyte: dict[str, list[LabResult]] = {}
    results = sorted(patient.lab_results.all(), key=lambda r: (r.collected_on, r.collected_at or dt.time(), r.pk))
    for result in reversed(results):
        by_analyte.setdefault(result.analyte, []).append(result)
    return [AnalyteHistory(analyte, by_analyte[key]) for key, analyte in analytes.ANALYTES.items() if key in by_analyte]


def patient_page(patient: Patient) -> dict:
    """Context for the patient page. Reads related rows with ``.all()``, so a patient loaded through
    :func:`screening.snapshots.with_snapshot_data` (plus ``psychotherapy``) renders with no further queries."""
    try:
        intake = patient.intake
    except Intake.DoesNotExist:
        intake, _ = Intake.objects.get_or_create(patient=patient)
    trials = sorted(
        patient.trials.all(),
        key=lambda t: (t.dose_periods.all()[0].start if t.dose_periods.all() else dt.date.max, t.pk),
    )
    scores = sorted(patient.scale_scores.all(), key=lambda s: (s.administered_on, s.pk), reverse=True)
    phq9 = [s for s in scores if s.instrument == ScaleScore.Instrument.PHQ9]
    epds = [s for s in scores if s.instrument == ScaleScore.Instrument.EPDS]
    measurements = sorted(patient.measurements.all(), key=lambda m: (m.measured_on, m.pk), reverse=True)
    condition_labels = dict(Condition.choices)
    return {
        "patient": patient,
        "age": patient.age_on(timezone.localdate()),
        "intake": intake,
        "conditions": [condition_labels.get(c, c) for c in intake.conditions],
        "histories": lab_histories(patient),
        "trials": trials,
        "augmentations": sorted(patient.augmentations.all(), key=lambda a: (a.start, a.pk)),
        "other_treatments": sorted(patient.other_treatments.all(), key=lambda t: (t.start, t.pk)),
        "phq9_scores": phq9,
        "epds_scores": epds,
        "medicines": sorted(
            patient.medicines.all(), key=lambda m: (m.kind, m.name, -(m.start or dt.date.min).toordinal())
        ),
        "measurements": measurements,
        "psychotherapy": sorted(
            patient.psychotherapy.all(), key=lambda c: (-(c.start or dt.date.min).toordinal(), c.pk)
        ),
        "trial_rows": trial_rows(trials),
        "phq9_rows": scale_rows(phq9),
        "epds_rows": scale_rows(epds),
        "measurement_rows": measurement_rows(measurements),
        "bmi": latest_bmi(measurements),
    }


def trial_span(trial: AntidepressantTrial) -> tuple:
    periods = list(trial.dose_periods.all())
    return (periods[0].start, periods[-1].end) if periods else (None, None)


def _mg(value: Decimal) -> str:
    """100.00 -> "100", 37.50 -> "37.5" (never "1E+2")."""
    return format(value.normalize(), "f")


def dose_history(periods: list[DosePeriod]) -> str:
    """Dose periods in order: "50 mg from 2025-01-10; 100 mg from 2025-02-07 to 2025-04-01".

    A period that ends the day before the next one starts (every change made in the app) shows no end date;
    a gap between periods, and the end of the last period, are shown.
    """
    parts = []
    for index, period in enumerate(periods):
        text = f"{_mg(period.daily_dose_mg)} mg from {period.start:%Y-%m-%d}"
        following = periods[index + 1] if index + 1 < len(periods) else None
        contiguous = following is not None and period.end == following.start - dt.timedelta(days=1)
        if period.end is not None and not contiguous:
            text += f" to {period.end:%Y-%m-%d}"
        parts.append(text)
    return "; ".join(parts)


@dataclass(frozen=True)
class TrialRow:
    trial: AntidepressantTrial
    drug_class: str
    doses: str
    start: dt.date | None
    end: dt.date | None
    ongoing: bool


def trial_rows(trials: list[AntidepressantTrial]) -> list[TrialRow]:
    """Display rows for trials whose ``dose_periods`` were prefetched in date order (no further queries)."""
    rows = []
    for trial in trials:
        periods = list(trial.dose_periods.all())
        catalogue = drugs.ANTIDEPRESSANTS.get(trial.drug)
        rows.append(
            TrialRow(
                trial=trial,
                drug_class=catalogue.drug_class if catalogue else "not in catalogue",
                doses=dose_history(periods),
                start=periods[0].start if periods else None,
                end=periods[-1].end if periods else None,
                ongoing=bool(periods) and periods[-1].end is None,
            )
        )
    return rows


@dataclass(frozen=True)
class ScaleRow:
    score: ScaleScore
    item_number: int  # the self-harm item: PHQ-9 item 9, EPDS item 10
    self_harm: int | None  # None when only the total is known
    self_harm_answer: str

    @property
    def self_harm_endorsed(self) -> bool:
        return bool(self.self_harm)


def _self_harm_answer(score: ScaleScore) -> tuple[int, int | None, str]:
    instrument = INSTRUMENTS[score.instrument]
    value = score.self_harm_item
    answers = dict(instrument.items[instrument.self_harm_item - 1].answers)
    return instrument.self_harm_item, value, answers.get(value, "") if value is not None else ""


def scale_rows(scores) -> list[ScaleRow]:
    return [ScaleRow(score, *_self_harm_answer(score)) for score in scores]


def scale_saved_message(score: ScaleScore) -> str:
    """The confirmation after saving a scale; a positive self-harm item is stated plainly, never implied."""
    instrument = INSTRUMENTS[score.instrument]
    maximum = ScaleScore.MAX_TOTAL[score.instrument]
    band = f" ({score.band})" if score.band else ""
    message = f"{instrument.name} of {score.administered_on:%Y-%m-%d} saved: total {score.total} of {maximum}{band}."
    number, value, answer = _self_harm_answer(score)
    if value:
        message += (
            f" Item {number} (thoughts of self-harm) was answered “{answer}” ({value}): thoughts of self-harm "
            "were endorsed and need review now per local protocol."
        )
    return message


@dataclass(frozen=True)
class MeasurementRow:
    measurement: Measurement
    bmi: Decimal | None
    bmi_height_on: dt.date | None  # when the height used for the BMI was measured


def measurement_rows(measurements: list[Measurement]) -> list[MeasurementRow]:
    """Measurements newest first, each weight with its BMI from the latest height measured on or before it."""
    by_date = sorted(measurements, key=lambda m: (m.measured_on, m.pk))
    height: Measurement | None = None
    rows: dict[int, MeasurementRow] = {}
    for measurement in by_date:
        if measurement.height_cm is not None:
            height = measurement
        bmi = None
        if measurement.weight_kg is not None and height is not None:
            bmi = body_mass_index(height.height_cm, measurement.weight_kg)
        rows[measurement.pk] = MeasurementRow(measurement, bmi, height.measured_on if bmi is not None else None)
    return [rows[m.pk] for m in measurements]


@dataclass(frozen=True)
class BodyMassIndex:
    value: Decimal
    weight: Measurement
    height: Measurement


def latest_bmi(measurements: list[Measurement]) -> BodyMassIndex | None:
    """BMI from the latest recorded weight and the latest recorded height, whatever their dates (shown)."""
    weight = next((m for m in measurements if m.weight_kg is not None), None)
    height = next((m for m in measurements if m.height_cm is not None), None)
    if weight is None or height is None:
        return None
    return BodyMassIndex(body_mass_index(height.height_cm, weight.weight_kg), weight, height)
