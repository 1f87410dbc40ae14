"""Build the rules engine's frozen snapshot from the database (the only bridge between models and rules)."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from patients.models import (
    DosePeriod,
    Fasting,
    Intake,
    Medicine,
    OtherTreatment,
    Patient,
    PregnancyStatus,
    ScaleScore,
)

from .rules import snapshot as s
from .rules.analytes import to_canonical

_FASTING = {Fasting.YES: True, Fasting.NO: False, Fasting.UNKNOWN: None}


def with_snapshot_data(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Prefetch everything :func:`build_snapshot` reads: a fixed number of queries for any number of patients."""
    return patients.select_related("intake", "clinic").prefetch_related(
        "medicines",
        "measurements",
        "lab_results",
        Prefetch("trials__dose_periods", queryset=DosePeriod.objects.order_by("start", "pk")),
        "augmentations",
        "other_treatments",
        "scale_scores",
    )


def build_snapshot(patient: Patient) -> s.Snapshot:
    """The patient's data as the rules engine sees it. Use on a patient from :func:`with_snapshot_data`."""
    try:
        intake = patient.intake
    except Intake.DoesNotExist:
        intake = Intake(patient=patient)
    medicines = list(patient.medicines.all())
    scores = sorted(patient.scale_scores.all(), key=lambda score: (score.administered_on, score.pk))
    return s.Snapshot(
        patient=s.PatientInfo(
            sex=s.Sex(patient.sex),
            birth_date=patient.birth_date,
            ancestry=s.Ancestry(patient.ancestry),
            pregnant=patient.pregnancy_status == PregnancyStatus.PREGNANT,
            delivery_date=patient.delivery_date,
            menstrual_status=s.MenstrualStatus(patient.menstrual_status) if patient.menstrual_status else None,
        ),
        conditions=frozenset(intake.conditions or ()),
        medicines=tuple(
            s.Medicine(
                name=m.name,
                name_text=m.name_other,
                start=m.start,
                end=m.end,
                daily_dose_mg=float(m.daily_dose_mg) if m.daily_dose_mg is not None else None,
            )
            for m in medicines
            if m.kind == Medicine.Kind.MEDICINE
        ),
        supplements=tuple(
            s.Supplement(name=m.name, name_text=m.name_other, last_taken=m.last_taken, start=m.start, end=m.end)
            for m in medicines
            if m.kind == Medicine.Kind.SUPPLEMENT
        ),
        measurements=tuple(
            s.Measurement(
                date=m.measured_on,
                weight_kg=_float(m.weight_kg),
                height_cm=_float(m.height_cm),
                waist_cm=_float(m.waist_cm),
                systolic=m.systolic,
                diastolic=m.diastolic,
            )
            for m in sorted(patient.measurements.all(), key=lambda m: (m.measured_on, m.pk))
        ),
        labs=tuple(
            s.LabValue(
                analyte=r.analyte,
                value=float(r.value_canonical),
                collected=r.collected_on,
                entered_value=float(r.value),
                entered_unit=r.unit,
                loinc=r.loinc,
                comparator=s.Comparator(r.comparator) if r.comparator else None,
                time=r.collected_at,
                fasting=_FASTING.get(r.fasting),
                reference_low=_canonical_limit(r, r.reference_low),
                reference_high=_canonical_limit(r, r.reference_high),
                source_id=str(r.pk),
            )
            for r in sorted(patient.lab_results.all(), key=lambda r: (r.collected_on, r.pk))
        ),
        episode=s.Episode(
            onset=intake.episode_onset,
            severity=s.Severity(intake.episode_severity) if intake.episode_severity else None,
        ),
        trials=tuple(
            s.Trial(
                drug=t.drug,
                drug_text=t.drug_other,
                dose_periods=tuple(
                    s.DosePeriod(daily_dose_mg=float(p.daily_dose_mg), start=p.start, end=p.end)
                    for p in t.dose_periods.all()
                ),
                adherence=s.Adherence(t.adherence),
                outcome=s.Outcome(t.outcome) if t.outcome else None,
                improvement_pct=t.improvement_pct,
                source_id=str(t.pk),
            )
            for t in sorted(patient.trials.all(), key=lambda t: t.pk)
            if t.dose_periods.all()
        ),
        augmentations=tuple(
            s.Augmentation(
                drug=a.drug,
                drug_text=a.drug_other,
                start=a.start,
                end=a.end,
                daily_dose_mg=_float(a.daily_dose_mg),
                outcome=s.Outcome(a.outcome) if a.outcome else None,
            )
            for a in sorted(patient.augmentations.all(), key=lambda a: (a.start, a.pk))
        ),
        ect=tuple(
            s.EctCourse(
                start=t.start,
                end=t.end,
                laterality=s.Laterality(t.laterality) if t.laterality else s.Laterality.UNKNOWN,
                sessions=t.sessions,
                outcome=s.Outcome(t.outcome) if t.outcome else None,
            )
            for t in sorted(patient.other_treatments.all(), key=lambda t: (t.start, t.pk))
            if t.kind == OtherTreatment.Kind.ECT
        ),
        phq9=tuple(_score(x) for x in scores if x.instrument == ScaleScore.Instrument.PHQ9),
        epds=tuple(_score(x) for x in scores if x.instrument == ScaleScore.Instrument.EPDS),
    )


def _score(score: ScaleScore) -> s.ScaleScore:
    return s.ScaleScore(
        date=score.administered_on,
        items=tuple(score.items or ()),
        total_only=score.total if score.total_only else None,
        difficulty=score.difficulty,
    )


def _float(value) -> float | None:
    return None if value is None else float(value)


def _canonical_limit(result, limit) -> float | None:
    if limit is None:
        return None
    return to_canonical(result.analyte, float(limit), result.unit)
