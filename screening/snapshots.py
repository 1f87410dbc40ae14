"""Build the rules engine's frozen snapshot from the database (the only bridge between models and rules)."""

from __future__ import annotations

from collections.abc import Collection

from django.db.models import Prefetch, QuerySet

from patients.models import (
    AntidepressantTrial,
    Augmentation,
    DosePeriod,
    Fasting,
    Intake,
    LabResult,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    PregnancyStatus,
    ScaleScore,
)

from .rules import snapshot as s
from .rules.analytes import to_canonical

_FASTING = {Fasting.YES: True, Fasting.NO: False, Fasting.UNKNOWN: None}


#: What the snapshot reads of each table holding a patient's data: the related name on ``Patient``, the
#: model, and its fields. :func:`build_snapshot` reads them from prefetched model instances,
#: :func:`load_snapshots` as plain rows; :func:`_snapshot` takes either, by attribute.
_TABLES = (
    ("medicines", Medicine, ("id", "kind", "name", "name_other", "start", "end", "daily_dose_mg", "last_taken")),
    (
        "measurements",
        Measurement,
        ("id", "measured_on", "weight_kg", "height_cm", "waist_cm", "systolic", "diastolic"),
    ),
    (
        "lab_results",
        LabResult,
        (
            "id",
            "analyte",
            "value",
            "unit",
            "value_canonical",
            "comparator",
            "collected_on",
            "collected_at",
            "fasting",
            "reference_low",
            "reference_high",
            "loinc",
        ),
    ),
    ("trials", AntidepressantTrial, ("id", "drug", "drug_other", "adherence", "outcome", "improvement_pct")),
    ("augmentations", Augmentation, ("id", "drug", "drug_other", "start", "end", "daily_dose_mg", "outcome")),
    ("other_treatments", OtherTreatment, ("id", "kind", "start", "end", "laterality", "sessions", "outcome")),
    (
        "scale_scores",
        ScaleScore,
        ("id", "instrument", "administered_on", "items", "total", "total_only", "difficulty"),
    ),
)
_PATIENT_FIELDS = ("id", "sex", "birth_date", "ancestry", "pregnancy_status", "delivery_date", "menstrual_status")
_INTAKE_FIELDS = ("conditions", "episode_onset", "episode_severity")
_DOSE_FIELDS = ("trial_id", "daily_dose_mg", "start", "end")
_DOSE_ORDER = ("start", "pk")


def with_snapshot_data(patients: QuerySet[Patient]) -> QuerySet[Patient]:
    """Prefetch everything :func:`build_snapshot` reads: a fixed number of queries for any number of patients."""
    return patients.select_related("intake", "clinic").prefetch_related(
        *(name for name, _, _ in _TABLES if name != "trials"),
        Prefetch("trials__dose_periods", queryset=DosePeriod.objects.order_by(*_DOSE_ORDER)),
    )


def build_snapshot(patient: Patient) -> s.Snapshot:
    """The patient's data as the rules engine sees it. Use on a patient from :func:`with_snapshot_data`
    (pages that show the same rows); :func:`load_snapshots` builds the same snapshots for many patients."""
    try:
        intake = patient.intake
    except Intake.DoesNotExist:
        intake = None
    rows = {name: list(getattr(patient, name).all()) for name, _, _ in _TABLES}
    doses = {trial.id: list(trial.dose_periods.all()) for trial in rows["trials"]}
    return _snapshot(patient, intake, rows, doses)


def load_snapshots(patient_ids: Collection[int]) -> dict[int, s.Snapshot]:
    """The snapshots of many patients (patient pk -> snapshot), read as plain rows in a fixed number of
    queries: the bulk form of :func:`build_snapshot`, which gives the same snapshot for the same data.

    No model instances: for a batch of a few hundred patients, building (and later collecting) the tens of
    thousands of instances a prefetch makes cost more than evaluating the rules.
    """
    ids = list(patient_ids)
    patients = Patient.objects.filter(pk__in=ids).values_list(*_PATIENT_FIELDS, named=True)
    intakes = {
        row.patient_id: row
        for row in Intake.objects.filter(patient_id__in=ids).values_list("patient_id", *_INTAKE_FIELDS, named=True)
    }
    rows: dict[str, dict[int, list]] = {}
    for name, model, fields in _TABLES:
        rows[name] = _by_owner(
            model.objects.filter(patient_id__in=ids).values_list("patient_id", *fields, named=True), "patient_id"
        )
    doses = _by_owner(
        DosePeriod.objects.filter(trial__patient_id__in=ids)
        .order_by(*_DOSE_ORDER)
        .values_list(*_DOSE_FIELDS, named=True),
        "trial_id",
    )
    return {
        patient.id: _snapshot(
            patient, intakes.get(patient.id), {name: rows[name].get(patient.id, []) for name in rows}, doses
        )
        for patient in patients
    }


def _by_owner(rows, key: str) -> dict[int, list]:
    grouped: dict[int, list] = {}
    for row in rows:
        grouped.setdefault(getattr(row, key), []).append(row)
    return grouped


def _snapshot(patient, intake, rows: dict[str, list], doses: dict[int, list]) -> s.Snapshot:
    """The snapshot from the patient's fields, its intake (``None`` when there is none), its related rows
    (``rows``: related name -> rows in the model's default order) and each trial's dose periods (``doses``:
    trial pk -> dose periods by start). Rows are model instances or named rows with the same attributes."""
    medicines = rows["medicines"]
    scores = sorted(rows["scale_scores"], key=lambda score: (score.administered_on, score.id))
    return s.Snapshot(
        patient=s.PatientInfo(
            sex=s.Sex(patient.sex),
            birth_date=patient.birth_date,
            ancestry=s.Ancestry(patient.ancestry),
            pregnant=patient.pregnancy_status == PregnancyStatus.PREGNANT,
            delivery_date=patient.delivery_date,
            menstrual_status=s.MenstrualStatus(patient.menstrual_status) if patient.menstrual_status else None,
        ),
        conditions=frozenset(intake.conditions or ()) if intake else frozenset(),
        medicines=tuple(
            s.Medicine(
                name=m.name,
                name_text=m.name_other,
                start=m.start,
                end=m.end,
                daily_dose_mg=_float(m.daily_dose_mg),
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
            for m in sorted(rows["measurements"], key=lambda m: (m.measured_on, m.id))
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
                source_id=str(r.id),
            )
            for r in sorted(rows["lab_results"], key=lambda r: (r.collected_on, r.id))
        ),
        episode=s.Episode(
            onset=intake.episode_onset if intake else None,
            severity=s.Severity(intake.episode_severity) if intake and intake.episode_severity else None,
        ),
        trials=tuple(
            s.Trial(
                drug=t.drug,
                drug_text=t.drug_other,
                dose_periods=tuple(
                    s.DosePeriod(daily_dose_mg=float(p.daily_dose_mg), start=p.start, end=p.end) for p in doses[t.id]
                ),
                adherence=s.Adherence(t.adherence),
                outcome=s.Outcome(t.outcome) if t.outcome else None,
                improvement_pct=t.improvement_pct,
                source_id=str(t.id),
            )
            for t in sorted(rows["trials"], key=lambda t: t.id)
            if doses.get(t.id)
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
            for a in sorted(rows["augmentations"], key=lambda a: (a.start, a.id))
        ),
        ect=tuple(
            s.EctCourse(
                start=t.start,
                end=t.end,
                laterality=s.Laterality(t.laterality) if t.laterality else s.Laterality.UNKNOWN,
                sessions=t.sessions,
                outcome=s.Outcome(t.outcome) if t.outcome else None,
            )
            for t in sorted(rows["other_treatments"], key=lambda t: (t.start, t.id))
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
