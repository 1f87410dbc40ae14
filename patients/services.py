"""Writes that touch several rows or need catalogue logic. Keyword-only, atomic, validated before saving."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from screening.rules import analytes

from .models import (
    AntidepressantTrial,
    Augmentation,
    Clinic,
    DosePeriod,
    Fasting,
    Intake,
    LabReport,
    LabResult,
    LabSource,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    PsychotherapyCourse,
    ScaleScore,
)

CANONICAL_PLACES = Decimal("0.000001")

DUPLICATE_MRN_MESSAGE = "This MRN is already used by another patient in this clinic."


class TrialStateError(ValueError):
    """The trial is no longer in the state the form was filled in for: most often the same change, submitted
    twice at once (a double-click, a retry), was saved by the first request. Nothing was written. The message
    is written for the clinician and holds no clinical values."""


@dataclass(frozen=True)
class LabEntry:
    """One validated row of a lab panel, as reported."""

    analyte: str
    value: Decimal
    unit: str
    comparator: str = ""
    reference_low: Decimal | None = None
    reference_high: Decimal | None = None
    loinc: str = ""
    note: str = ""
    source_identifier: str = ""


def canonical_value(analyte_key: str, value: Decimal, unit: str) -> Decimal:
    converted = analytes.to_canonical(analyte_key, float(value), unit)
    return Decimal(str(converted)).quantize(CANONICAL_PLACES)


def register_patient(*, clinic: Clinic, created_by, **fields) -> Patient:
    """Create a patient in ``clinic`` with an empty intake.

    Raises ``ValidationError`` on ``mrn`` (code ``duplicate_mrn``, the form's own error) when the clinic already
    has a patient with this MRN, including one registered by a request that ran at the same moment.
    """
    patient = Patient(clinic=clinic, created_by=created_by, **fields)
    try:
        with transaction.atomic():
            patient.full_clean()
            patient.save()
            Intake.objects.create(patient=patient)
    except (ValidationError, IntegrityError):
        # Two registrations at once both pass the form's MRN check; the unique constraint (or full_clean, if
        # the other one has committed by then) stops the second. Say so in the form's words, not as a 500.
        if Patient.objects.filter(clinic=clinic, mrn=patient.mrn).exists():
            raise ValidationError({"mrn": ValidationError(DUPLICATE_MRN_MESSAGE, code="duplicate_mrn")}) from None
        raise
    return patient


def record_lab_panel(
    *,
    patient: Patient,
    entered_by,
    collected_on: dt.date,
    collected_at: dt.time | None = None,
    fasting: str = Fasting.UNKNOWN,
    laboratory: str = "",
    entries: Iterable[LabEntry],
    source: str = LabSource.MANUAL,
) -> LabReport:
    """Store a whole report, all or nothing. Entries must already have passed the entry gates."""
    entries = list(entries)
    if not entries:
        raise ValueError("a lab panel needs at least one result")
    with transaction.atomic():
        report = LabReport(
            patient=patient,
            collected_on=collected_on,
            collected_at=collected_at,
            fasting=fasting,
            laboratory=laboratory,
            entered_by=entered_by,
        )
        report.full_clean()
        report.save()
        for entry in entries:
            analyte = analytes.ANALYTES[entry.analyte]
            result = LabResult(
                patient=patient,
                report=report,
                analyte=entry.analyte,
                loinc=entry.loinc or analytes.loinc_for(entry.analyte, entry.unit),
                comparator=entry.comparator,
                value=entry.value,
                unit=entry.unit,
                value_canonical=canonical_value(entry.analyte, entry.value, entry.unit),
                canonical_unit=analyte.canonical_unit,
                collected_on=collected_on,
                collected_at=collected_at,
                fasting=fasting,
                reference_low=entry.reference_low,
                reference_high=entry.reference_high,
                laboratory=laboratory,
                note=entry.note,
                source=source,
                source_identifier=entry.source_identifier,
                entered_by=entered_by,
            )
            result.full_clean()
            result.save()
    return report


def start_trial(
    *,
    patient: Patient,
    drug: str,
    daily_dose_mg: Decimal,
    start: dt.date,
    end: dt.date | None = None,
    drug_other: str = "",
    adherence: str = "unknown",
    outcome: str = "",
    improvement_pct: int | None = None,
    reason_stopped: str = "",
    side_effects: str = "",
) -> AntidepressantTrial:
    with transaction.atomic():
        trial = AntidepressantTrial(
            patient=patient,
            drug=drug,
            drug_other=drug_other,
            adherence=adherence,
            outcome=outcome,
            improvement_pct=improvement_pct,
            reason_stopped=reason_stopped,
            side_effects=side_effects,
        )
        trial.full_clean()
        trial.save()
        period = DosePeriod(trial=trial, daily_dose_mg=daily_dose_mg, start=start, end=end)
        period.full_clean()
        period.save()
    return trial


def _lock_trial_and_get_current_period(trial: AntidepressantTrial) -> DosePeriod | None:
    # Lock the trial row, not the latest dose period: a request waiting on the period's lock would get that
    # same period back after another request closed it and opened a newer one, and miss the newer one.
    AntidepressantTrial.objects.select_for_update().get(pk=trial.pk)
    return trial.dose_periods.order_by("-start", "-pk").first()


def change_trial_dose(*, trial: AntidepressantTrial, daily_dose_mg: Decimal, start: dt.date) -> DosePeriod:
    """Close the current dose period the day before ``start`` and open a new one; history is kept."""
    with transaction.atomic():
        current = _lock_trial_and_get_current_period(trial)
        if current is None or current.end is not None:
            raise TrialStateError("This trial had already ended; its dose was not changed.")
        if start <= current.start:
            if (current.start, current.daily_dose_mg) == (start, daily_dose_mg):
                raise TrialStateError("This dose change had already been saved; nothing was changed.")
            raise TrialStateError(
                "The dose was changed by someone else meanwhile; this change was not saved. "
                "Check the current dose and enter the change again if it is still needed."
            )
        current.end = start - dt.timedelta(days=1)
        current.full_clean()
        current.save(update_fields=["end", "updated_at"])
        period = DosePeriod(trial=trial, daily_dose_mg=daily_dose_mg, start=start)
        period.full_clean()
        period.save()
    return period


def end_trial(
    *,
    trial: AntidepressantTrial,
    end: dt.date,
    outcome: str,
    adherence: str,
    improvement_pct: int | None = None,
    reason_stopped: str = "",
    side_effects: str = "",
) -> AntidepressantTrial:
    with transaction.atomic():
        current = _lock_trial_and_get_current_period(trial)
        if current is None or current.end is not None:
            raise TrialStateError("This trial had already ended; nothing was changed.")
        current.end = end
        current.full_clean()
        current.save(update_fields=["end", "updated_at"])
        trial.outcome = outcome
        trial.adherence = adherence
        trial.improvement_pct = improvement_pct
        trial.reason_stopped = reason_stopped
        trial.side_effects = side_effects
        trial.full_clean()
        trial.save()
    return trial


def record_scale_score(
    *,
    patient: Patient,
    instrument: str,
    administered_on: dt.date,
    items: list[int] | None = None,
    total: int | None = None,
    difficulty: int | None = None,
    entered_by=None,
    source: str = LabSource.MANUAL,
    source_identifier: str = "",
) -> ScaleScore:
    """Store a PHQ-9 or EPDS. With items, the total is their sum; a bare total is kept as total-only."""
    expected = ScaleScore.ITEM_COUNT[instrument]
    if items:
        if len(items) != expected or any(not 0 <= item <= 3 for item in items):
            raise ValueError(f"{instrument} needs {expected} item answers from 0 to 3")
        total, total_only = sum(items), False
    else:
        if total is None:
            raise ValueError("a score needs item answers or a total")
        total_only = True
    score = ScaleScore(
        patient=patient,
        instrument=instrument,
        administered_on=administered_on,
        items=list(items or []),
        difficulty=difficulty if instrument == ScaleScore.Instrument.PHQ9 else None,
        total=total,
        total_only=total_only,
        entered_by=entered_by,
        source=source,
        source_identifier=source_identifier,
    )
    score.full_clean()
    score.save()
    return score


def add_augmentation(
    *,
    patient: Patient,
    strategy: str,
    drug: str,
    start: dt.date,
    drug_other: str = "",
    daily_dose_mg: Decimal | None = None,
    end: dt.date | None = None,
    outcome: str = "",
    notes: str = "",
) -> Augmentation:
    """Record an augmentation course (lithium, T3, an antipsychotic, a second antidepressant or other)."""
    with transaction.atomic():
        augmentation = Augmentation(
            patient=patient,
            strategy=strategy,
            drug=drug,
            drug_other=drug_other,
            daily_dose_mg=daily_dose_mg,
            start=start,
            end=end,
            outcome=outcome,
            notes=notes,
        )
        augmentation.full_clean()
        augmentation.save()
    return augmentation


def add_other_treatment(
    *,
    patient: Patient,
    kind: str,
    start: dt.date,
    laterality: str = "",
    end: dt.date | None = None,
    sessions: int | None = None,
    outcome: str = "",
    notes: str = "",
) -> OtherTreatment:
    """Record an ECT, rTMS, esketamine or ketamine course. Laterality is recorded for ECT only."""
    with transaction.atomic():
        treatment = OtherTreatment(
            patient=patient,
            kind=kind,
            laterality=laterality,
            start=start,
            end=end,
            sessions=sessions,
            outcome=outcome,
            notes=notes,
        )
        treatment.full_clean()
        treatment.save()
    return treatment


def add_medicine(
    *,
    patient: Patient,
    kind: str,
    name: str,
    name_other: str = "",
    daily_dose_mg: Decimal | None = None,
    dose_text: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    last_taken: dt.date | None = None,
    notes: str = "",
) -> Medicine:
    """Record a medicine or supplement other than an antidepressant trial."""
    with transaction.atomic():
        medicine = Medicine(
            patient=patient,
            kind=kind,
            name=name,
            name_other=name_other,
            daily_dose_mg=daily_dose_mg,
            dose_text=dose_text,
            start=start,
            end=end,
            last_taken=last_taken,
            notes=notes,
        )
        medicine.full_clean()
        medicine.save()
    return medicine


def end_medicine(*, medicine: Medicine, end: dt.date) -> Medicine:
    """Set the end date of a medicine or supplement."""
    with transaction.atomic():
        medicine.end = end
        medicine.full_clean()
        medicine.save(update_fields=["end", "updated_at"])
    return medicine


def record_measurement(
    *,
    patient: Patient,
    measured_on: dt.date,
    height_cm: Decimal | None = None,
    weight_kg: Decimal | None = None,
    waist_cm: Decimal | None = None,
    systolic: int | None = None,
    diastolic: int | None = None,
) -> Measurement:
    """Record body measurements and blood pressure taken on one day (values already past the entry gates)."""
    with transaction.atomic():
        measurement = Measurement(
            patient=patient,
            measured_on=measured_on,
            height_cm=height_cm,
            weight_kg=weight_kg,
            waist_cm=waist_cm,
            systolic=systolic,
            diastolic=diastolic,
        )
        measurement.full_clean()
        measurement.save()
    return measurement


def add_psychotherapy_course(
    *,
    patient: Patient,
    modality: str,
    modality_other: str = "",
    approximate_sessions: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    notes: str = "",
) -> PsychotherapyCourse:
    """Record a course of psychotherapy."""
    with transaction.atomic():
        course = PsychotherapyCourse(
            patient=patient,
            modality=modality,
            modality_other=modality_other,
            approximate_sessions=approximate_sessions,
            start=start,
            end=end,
            notes=notes,
        )
        course.full_clean()
        course.save()
    return course
