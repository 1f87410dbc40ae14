"""Synthetic demonstration data for ``python manage.py load_demo``.

Twelve made-up patients of a "Demo Mood Clinic". Every date is computed from the day the data is loaded
(``today``), so the "recent" results always sit inside the rules' freshness windows (clinical reference,
section 0) and the demo never goes stale. Together the patients exercise every rule family:

========== =================================================================================================
MRN        Scenario (the findings it is built to show)
========== =================================================================================================
DEMO-0001  TRD: two adequate failed trials, failed T3 augmentation, MSM 8 (moderate); metabolic syndrome,
           prediabetes-range HbA1c, HOMA-IR, TyG, TG/HDL, obesity; hs-CRP above 3 mg/L twice (INFL-01b, 02)
DEMO-0002  Pseudo-resistance: citalopram 10 mg, venlafaxine 75 mg for 3 weeks, trazodone 50 mg (TRD-02)
DEMO-0003  Safety: latest PHQ-9 item 9 = 1 (HORM-05); treated Hashimoto's, anti-TPO, low-normal folate
DEMO-0004  Everything in range: recent complete panel, censored hs-CRP "<0.3 mg/L", responding to treatment
DEMO-0005  Postpartum: EPDS 14 with item 10 = 0 four months after delivery (HORM-04b); ferritin 24
DEMO-0006  Man on oxycodone with morning (08:15) testosterone 8.1 nmol/L (HORM-01)
DEMO-0007  Lithium augmentation with TSH rising to 6.8 mIU/L (THY-01a); bilateral ECT in the episode
DEMO-0008  Metformin for six years with B12 118 pmol/L (NUTR-01a); type 2 diabetes
DEMO-0009  Omeprazole for four years and no magnesium ever (MED-02); biotin before a low-TSH/high-FT4 draw
DEMO-0010  Aripiprazole augmentation: weight up 6 % (META-08), 12-week monitoring overdue (DATA-04)
DEMO-0011  Woman of 48 with irregular cycles (HORM-06); 25(OH)D 31 nmol/L, ferritin 9 ug/L, TSAT 11 %
DEMO-0012  Data gaps: no glucose, TSH or baseline panel in 12 months; last PHQ-9 10 weeks ago
========== =================================================================================================

The values are plausible but invented; names and MRNs are obviously synthetic. Everything is written
through the same services as the forms use (:mod:`patients.services`): lab results after passing the entry
gates G-01 and G-02 as typed results do, body measurements after the section 8 limits, drug names checked
against the catalogues. Only the intake, one row saved as its form saves it, is written directly (after
``full_clean()``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from screening.rules import analytes
from screening.rules import drugs as drug_catalogue
from screening.rules.base import months_before

from . import roles, services
from .models import (
    Adherence,
    Ancestry,
    Augmentation,
    Clinic,
    ClinicMembership,
    Condition,
    EpisodeSeverity,
    Fasting,
    LabSource,
    Medicine,
    MenstrualStatus,
    OtherTreatment,
    Outcome,
    Patient,
    PsychotherapyCourse,
    ScaleScore,
    Sex,
    Smoking,
)
from .services import LabEntry

DEMO_CLINIC_NAME = "Demo Mood Clinic"
DEMO_USERNAME = "demo"
DEMO_PASSWORD_ENV = "DEMO_PASSWORD"  # noqa: S105 (the name of an environment variable, not a password)

HOSPITAL_LAB = "Demo Regional Pathology"
COMMUNITY_LAB = "Demo Community Laboratory"
SYNTHETIC_NOTE = "Synthetic demonstration record: not a real person."

# ---------------------------------------------------------------------------------------------------------
# Specification types


@dataclass(frozen=True)
class Panel:
    """One laboratory report; ``results`` are as the laboratory reported them (value, unit, comparator)."""

    collected_on: dt.date
    results: tuple[LabEntry, ...]
    collected_at: dt.time | None = None
    fasting: str = Fasting.UNKNOWN
    laboratory: str = HOSPITAL_LAB


@dataclass(frozen=True)
class Trial:
    """An antidepressant trial: ``doses`` are (mg/day, first day at that dose) in date order."""

    drug: str
    doses: tuple[tuple[str, dt.date], ...]
    end: dt.date | None = None
    adherence: str = Adherence.GOOD
    outcome: str = ""
    improvement_pct: int | None = None
    reason_stopped: str = ""
    side_effects: str = ""


@dataclass(frozen=True)
class Score:
    instrument: str
    administered_on: dt.date
    items: tuple[int, ...]


@dataclass(frozen=True)
class DemoPatient:
    """Everything about one demo patient.

    ``patient`` holds the fields for :func:`services.register_patient` and ``intake`` the intake fields; the
    other single rows are the keyword arguments (without ``patient``) of the service that records them.
    """

    mrn: str
    scenario: str
    patient: dict
    intake: dict
    medicines: tuple[dict, ...] = ()  # services.add_medicine
    measurements: tuple[dict, ...] = ()  # services.record_measurement
    panels: tuple[Panel, ...] = ()
    trials: tuple[Trial, ...] = ()
    augmentations: tuple[dict, ...] = ()  # services.add_augmentation
    treatments: tuple[dict, ...] = ()  # services.add_other_treatment
    psychotherapy: tuple[dict, ...] = ()  # services.add_psychotherapy_course
    scores: tuple[Score, ...] = ()


# ---------------------------------------------------------------------------------------------------------
# Small builders


class _Days:
    """Dates relative to ``today``."""

    def __init__(self, today: dt.date):
        self.today = today

    def days(self, n: int) -> dt.date:
        return self.today - dt.timedelta(days=n)

    def weeks(self, n: int) -> dt.date:
        return self.today - dt.timedelta(weeks=n)

    def months(self, n: int) -> dt.date:
        """The same day ``n`` calendar months ago (clamped to the month's end), as the rules count months."""
        return months_before(self.today, n)

    def born(self, age: int, birthday_days_ago: int) -> dt.date:
        """A birth date giving ``age`` completed years today, the last birthday ``birthday_days_ago`` days ago."""
        return months_before(self.today - dt.timedelta(days=birthday_days_ago), 12 * age)


def _lab(
    analyte: str,
    value: str,
    unit: str,
    comparator: str = "",
    *,
    low: str | None = None,
    high: str | None = None,
) -> LabEntry:
    return LabEntry(
        analyte=analyte,
        value=Decimal(value),
        unit=analytes.normalise_unit(unit),  # stored as the UCUM code, as the lab panel form does
        comparator=comparator,
        reference_low=Decimal(low) if low is not None else None,
        reference_high=Decimal(high) if high is not None else None,
    )


def _spread(total: int, order: tuple[int, ...], count: int) -> list[int]:
    """Item answers (0-3) summing to ``total``, filled one point at a time in ``order`` (0-based items)."""
    if total > 3 * len(order):
        raise ValueError(f"{total} points do not fit in {len(order)} items")
    items = [0] * count
    remaining = total
    while remaining:
        for index in order:
            if remaining and items[index] < 3:
                items[index] += 1
                remaining -= 1
    return items


# Depressed mood, anhedonia, fatigue, sleep, concentration, worthlessness, appetite, psychomotor.
_PHQ9_ORDER = (1, 0, 3, 2, 6, 5, 4, 7)
# Self-blame, anxiety, things on top, unhappy/sleep, anhedonia (1, 2), sad, panic, crying.
_EPDS_ORDER = (2, 3, 5, 6, 0, 1, 7, 4, 8)


def _phq9(day: dt.date, total: int, *, item9: int = 0) -> Score:
    items = _spread(total - item9, _PHQ9_ORDER, 9)
    items[8] = item9
    return Score(ScaleScore.Instrument.PHQ9, day, tuple(items))


def _epds(day: dt.date, total: int, *, item10: int = 0) -> Score:
    items = _spread(total - item10, _EPDS_ORDER, 10)
    items[9] = item10
    return Score(ScaleScore.Instrument.EPDS, day, tuple(items))


def _fields(**fields: object) -> dict[str, object]:
    """Keyword arguments for a service call, written like the call itself."""
    return fields


def _medicine(name: str, mg: str | None, text: str, start: dt.date | None, **extra: object) -> dict[str, object]:
    kind = Medicine.Kind.SUPPLEMENT if name in drug_catalogue.SUPPLEMENTS else Medicine.Kind.MEDICINE
    dose = Decimal(mg) if mg is not None else None
    return _fields(kind=kind, name=name, daily_dose_mg=dose, dose_text=text, start=start, **extra)


def _measure(
    day: dt.date,
    *,
    height: str | None = None,
    weight: str | None = None,
    waist: str | None = None,
    bp: tuple[int, int] | None = None,
) -> dict[str, object]:
    return _fields(
        measured_on=day,
        height_cm=Decimal(height) if height else None,
        weight_kg=Decimal(weight) if weight else None,
        waist_cm=Decimal(waist) if waist else None,
        systolic=bp[0] if bp else None,
        diastolic=bp[1] if bp else None,
    )


def _intake(
    *,
    onset: dt.date,
    severity: str,
    conditions: tuple[str, ...] = (),
    other: str = "",
    sleep: str,
    exercise: int,
    alcohol: str,
    smoking: str,
    diet: str = "",
    gi: str = "",
) -> dict:
    return {
        "episode_onset": onset,
        "episode_severity": severity,
        "conditions": list(conditions),
        "other_conditions": other,
        "sleep_hours": Decimal(sleep),
        "exercise_minutes_per_week": exercise,
        "alcohol_units_per_week": Decimal(alcohol),
        "smoking": smoking,
        "diet_notes": diet,
        "gastrointestinal_symptoms": gi,
    }


# ---------------------------------------------------------------------------------------------------------
# The twelve patients


def demo_patients(today: dt.date) -> tuple[DemoPatient, ...]:
    """The demo patients with every date placed relative to ``today``."""
    d = _Days(today)
    return (
        _trd_metabolic(d),
        _pseudo_resistance(d),
        _safety(d),
        _in_range(d),
        _postpartum(d),
        _low_testosterone(d),
        _lithium_thyroid(d),
        _metformin_b12(d),
        _ppi_biotin(d),
        _aripiprazole(d),
        _perimenopause_iron_vitamin_d(d),
        _data_gaps(d),
    )


def _trd_metabolic(d: _Days) -> DemoPatient:
    sertraline = d.months(19)
    venlafaxine = sertraline + dt.timedelta(weeks=13)
    vortioxetine = venlafaxine + dt.timedelta(weeks=15)
    bupropion = d.weeks(10)
    recent = d.days(21)
    return DemoPatient(
        mrn="DEMO-0001",
        scenario="TRD (MSM moderate) with metabolic syndrome and raised hs-CRP",
        patient={
            "given_name": "Søren",
            "family_name": "Ålund",
            "birth_date": d.born(52, 140),
            "sex": Sex.MALE,
            "ancestry": Ancestry.EUROPID,
            "notes": f"{SYNTHETIC_NOTE} Logistics manager; referred by primary care after two antidepressants.",
        },
        intake=_intake(
            onset=d.months(20),
            severity=EpisodeSeverity.SEVERE,
            conditions=(Condition.HYPERTENSION, Condition.ANXIETY),
            sleep="5.5",
            exercise=30,
            alcohol="14",
            smoking=Smoking.FORMER,
            diet="Irregular meals, frequent takeaway; sugary drinks most days.",
            gi="Occasional bloating.",
        ),
        medicines=(_medicine("amlodipine", "5", "5 mg once daily", d.months(38), notes="For hypertension"),),
        measurements=(
            _measure(d.months(26), height="181.0", weight="97.0", waist="101.0", bp=(142, 90)),
            _measure(d.months(13), weight="100.8", waist="104.0", bp=(136, 86)),
            _measure(recent, weight="104.5", waist="106.0", bp=(134, 84)),
        ),
        panels=(
            Panel(
                d.months(26),
                (
                    _lab("hba1c", "5.6", "%"),
                    _lab("glucose", "5.7", "mmol/L"),
                    _lab("triglycerides", "1.8", "mmol/L"),
                    _lab("hdl", "1.02", "mmol/L"),
                    _lab("cholesterol_total", "5.4", "mmol/L"),
                    _lab("tsh", "1.7", "mIU/L", low="0.4", high="4.0"),
                    _lab("hscrp", "2.6", "mg/L"),
                ),
                collected_at=dt.time(8, 20),
                fasting=Fasting.YES,
            ),
            Panel(
                d.months(13),
                (
                    _lab("hba1c", "5.8", "%"),
                    _lab("hscrp", "3.9", "mg/L"),
                    _lab("b12", "395", "pg/mL"),
                    _lab("vitamin_d", "19", "ng/mL"),
                ),
                collected_at=dt.time(11, 5),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                d.months(5),
                (_lab("hscrp", "4.8", "mg/L"), _lab("ferritin", "151", "ng/mL")),
                collected_at=dt.time(8, 40),
                fasting=Fasting.NO,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.9", "%"),
                    _lab("glucose", "6.1", "mmol/L"),
                    _lab("insulin", "18", "uIU/mL"),
                    _lab("triglycerides", "2.1", "mmol/L"),
                    _lab("hdl", "0.95", "mmol/L"),
                    _lab("cholesterol_total", "5.6", "mmol/L"),
                    _lab("ldl", "3.7", "mmol/L"),
                    _lab("hscrp", "5.6", "mg/L"),
                    _lab("tsh", "1.9", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.1", "ng/dL", low="0.8", high="1.8"),
                    _lab("b12", "420", "pg/mL"),
                    _lab("folate", "8.4", "ng/mL"),
                    _lab("ferritin", "142", "ng/mL"),
                    _lab("vitamin_d", "26", "ng/mL"),
                    _lab("magnesium", "0.82", "mmol/L"),
                ),
                collected_at=dt.time(8, 10),
                fasting=Fasting.YES,
            ),
        ),
        trials=(
            Trial(
                "sertraline",
                (
                    ("50", sertraline),
                    ("100", sertraline + dt.timedelta(weeks=2)),
                    ("150", sertraline + dt.timedelta(weeks=4)),
                ),
                end=sertraline + dt.timedelta(weeks=12),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=5,
                reason_stopped="No meaningful response after 8 weeks at 150 mg.",
                side_effects="Sexual dysfunction.",
            ),
            Trial(
                "venlafaxine",
                (
                    ("75", venlafaxine),
                    ("150", venlafaxine + dt.timedelta(weeks=2)),
                    ("225", venlafaxine + dt.timedelta(weeks=4)),
                ),
                end=venlafaxine + dt.timedelta(weeks=14),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=10,
                reason_stopped="10 % improvement after 10 weeks at 225 mg, including 6 weeks with liothyronine.",
                side_effects="Sweating; blood pressure rose.",
            ),
            Trial(
                "vortioxetine",
                (("10", vortioxetine), ("20", vortioxetine + dt.timedelta(weeks=2))),
                end=bupropion - dt.timedelta(days=1),
                outcome=Outcome.PARTIAL_RESPONSE,
                improvement_pct=30,
                reason_stopped="Partial response; anhedonia and fatigue persisted.",
            ),
            Trial("bupropion", (("150", bupropion), ("300", bupropion + dt.timedelta(weeks=2)))),
        ),
        augmentations=(
            _fields(
                strategy=Augmentation.Strategy.LIOTHYRONINE,
                drug="liothyronine",
                daily_dose_mg=Decimal("0.025"),
                start=venlafaxine + dt.timedelta(weeks=8),
                end=venlafaxine + dt.timedelta(weeks=14),
                outcome=Outcome.NO_RESPONSE,
                notes="25 micrograms daily added to venlafaxine 225 mg.",
            ),
        ),
        psychotherapy=(
            _fields(
                modality=PsychotherapyCourse.Modality.CBT,
                approximate_sessions=12,
                start=d.months(16),
                end=d.months(12),
                notes="Behavioural activation focus; attended most sessions.",
            ),
        ),
        scores=(
            _phq9(sertraline, 21),
            _phq9(sertraline + dt.timedelta(weeks=12), 20),
            _phq9(venlafaxine + dt.timedelta(weeks=14), 19),
            _phq9(d.months(6), 14),
            _phq9(bupropion, 17),
            _phq9(d.days(7), 16),
        ),
    )


def _pseudo_resistance(d: _Days) -> DemoPatient:
    citalopram = d.months(9)
    venlafaxine = citalopram + dt.timedelta(weeks=9)
    trazodone = venlafaxine + dt.timedelta(weeks=4)
    recent = d.days(30)
    return DemoPatient(
        mrn="DEMO-0002",
        scenario="Pseudo-resistance: three under-dosed or too-short trials",
        patient={
            "given_name": "Małgorzata",
            "family_name": "Wiśniewska",
            "birth_date": d.born(34, 75),
            "sex": Sex.FEMALE,
            "ancestry": Ancestry.EUROPID,
            "menstrual_status": MenstrualStatus.REGULAR,
            "notes": f"{SYNTHETIC_NOTE} Primary-school teacher; 'nothing has worked' per referral letter.",
        },
        intake=_intake(
            onset=d.months(10),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.ANXIETY,),
            sleep="6.0",
            exercise=90,
            alcohol="4",
            smoking=Smoking.NEVER,
            diet="Regular meals; skips breakfast.",
        ),
        measurements=(
            _measure(d.months(14), height="168.0", weight="63.5", waist="76.0", bp=(118, 76)),
            _measure(recent, weight="64.8", waist="77.0", bp=(120, 78)),
        ),
        panels=(
            Panel(
                d.months(14),
                (_lab("hba1c", "5.1", "%"), _lab("tsh", "2.2", "mIU/L")),
                collected_at=dt.time(10, 30),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.2", "%"),
                    _lab("glucose", "91", "mg/dL"),
                    _lab("triglycerides", "96", "mg/dL"),
                    _lab("hdl", "58", "mg/dL"),
                    _lab("cholesterol_total", "181", "mg/dL"),
                    _lab("hscrp", "1.8", "mg/L"),
                    _lab("tsh", "2.4", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.3", "ng/dL", low="0.8", high="1.8"),
                    _lab("b12", "356", "pg/mL"),
                    _lab("folate", "7.9", "ng/mL"),
                    _lab("ferritin", "41", "ng/mL"),
                    _lab("vitamin_d", "24", "ng/mL"),
                ),
                collected_at=dt.time(8, 45),
                fasting=Fasting.YES,
            ),
        ),
        trials=(
            Trial(
                "citalopram",
                (("10", citalopram),),
                end=citalopram + dt.timedelta(weeks=8),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=5,
                reason_stopped="No response; the starting dose was never increased.",
            ),
            Trial(
                "venlafaxine",
                (("75", venlafaxine),),
                end=venlafaxine + dt.timedelta(weeks=3),
                outcome=Outcome.NOT_TOLERATED,
                reason_stopped="Stopped by the patient after 3 weeks.",
                side_effects="Nausea, headache.",
            ),
            Trial(
                "trazodone",
                (("50", trazodone),),
                end=trazodone + dt.timedelta(weeks=8),
                outcome=Outcome.NO_RESPONSE,
                reason_stopped="Prescribed at night for sleep; mood unchanged.",
            ),
            Trial("sertraline", (("50", d.days(12)),)),
        ),
        scores=(
            _phq9(citalopram, 18),
            _phq9(d.months(7), 17),
            _phq9(d.months(4), 18),
            _phq9(d.days(14), 17),
        ),
    )


def _safety(d: _Days) -> DemoPatient:
    fluoxetine = d.months(8)
    escitalopram = d.months(5)
    recent = d.days(20)
    return DemoPatient(
        mrn="DEMO-0003",
        scenario="Safety: latest PHQ-9 item 9 answered 1; treated Hashimoto's thyroiditis",
        patient={
            "given_name": "Aoife",
            "family_name": "Ní Bhriain",
            "birth_date": d.born(38, 210),
            "sex": Sex.FEMALE,
            "ancestry": Ancestry.EUROPID,
            "menstrual_status": MenstrualStatus.REGULAR,
            "notes": f"{SYNTHETIC_NOTE} Nurse on rotating night shifts.",
        },
        intake=_intake(
            onset=d.months(9),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.THYROID, Condition.PTSD),
            other="Hashimoto's thyroiditis, on levothyroxine.",
            sleep="5.0",
            exercise=20,
            alcohol="10",
            smoking=Smoking.CURRENT,
            diet="Irregular meals on night shifts; few vegetables.",
        ),
        medicines=(_medicine("levothyroxine", "0.075", "75 micrograms once daily", d.months(62), notes="Hashimoto's"),),
        measurements=(_measure(recent, height="164.0", weight="70.2", waist="84.0", bp=(122, 80)),),
        panels=(
            Panel(
                d.months(25),
                (_lab("tsh", "3.1", "mIU/L", low="0.4", high="4.0"), _lab("anti_tpo", "240", "IU/mL", high="34")),
                collected_at=dt.time(9, 0),
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.3", "%"),
                    _lab("tsh", "2.4", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "15.2", "pmol/L", low="10", high="23"),
                    _lab("anti_tpo", "212", "IU/mL", high="34"),
                    _lab("hscrp", "0.9", "mg/L"),
                    _lab("b12", "345", "pg/mL"),
                    _lab("folate", "3.5", "ng/mL"),
                    _lab("ferritin", "38", "ng/mL"),
                    _lab("vitamin_d", "62", "nmol/L"),
                ),
                collected_at=dt.time(9, 10),
            ),
        ),
        trials=(
            Trial(
                "fluoxetine",
                (("20", fluoxetine), ("40", fluoxetine + dt.timedelta(weeks=3))),
                end=fluoxetine + dt.timedelta(weeks=12),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=15,
                reason_stopped="15 % improvement after 9 weeks at 40 mg.",
            ),
            Trial("escitalopram", (("10", escitalopram), ("20", escitalopram + dt.timedelta(weeks=4)))),
        ),
        psychotherapy=(
            _fields(
                modality=PsychotherapyCourse.Modality.EMDR,
                approximate_sessions=8,
                start=d.months(7),
                notes="Ongoing.",
            ),
        ),
        scores=(
            _phq9(fluoxetine, 20),
            _phq9(d.months(6), 17),
            _phq9(d.months(3), 15),
            _phq9(d.days(5), 18, item9=1),
        ),
    )


def _in_range(d: _Days) -> DemoPatient:
    escitalopram = d.weeks(14)
    recent = d.days(21)
    return DemoPatient(
        mrn="DEMO-0004",
        scenario="Everything recent and in range (censored hs-CRP); responding to treatment",
        patient={
            "given_name": "Zoë",
            "family_name": "O'Brien-Nguyễn",
            "birth_date": d.born(29, 30),
            "sex": Sex.FEMALE,
            "menstrual_status": MenstrualStatus.REGULAR,
            "notes": f"{SYNTHETIC_NOTE} Graduate student; first episode.",
        },
        intake=_intake(
            onset=d.months(6),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.ANXIETY,),
            sleep="7.0",
            exercise=150,
            alcohol="3",
            smoking=Smoking.NEVER,
            diet="Mediterranean-style; vegetarian two days a week.",
        ),
        measurements=(
            _measure(d.months(14), height="165.0", weight="61.0", waist="73.0", bp=(112, 72)),
            _measure(recent, weight="61.8", waist="74.0", bp=(114, 74)),
        ),
        panels=(
            Panel(
                d.months(14),
                (_lab("hba1c", "5.1", "%"), _lab("tsh", "2.0", "mIU/L")),
                collected_at=dt.time(11, 40),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.2", "%"),
                    _lab("glucose", "86", "mg/dL"),
                    _lab("insulin", "5.8", "uIU/mL"),
                    _lab("triglycerides", "88", "mg/dL"),
                    _lab("hdl", "64", "mg/dL"),
                    _lab("cholesterol_total", "172", "mg/dL"),
                    _lab("ldl", "90", "mg/dL"),
                    _lab("hscrp", "0.3", "mg/L", "<"),
                    _lab("tsh", "1.6", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.2", "ng/dL", low="0.8", high="1.8"),
                    _lab("b12", "512", "pg/mL"),
                    _lab("folate", "10.8", "ng/mL"),
                    _lab("ferritin", "64", "ng/mL"),
                    _lab("tsat", "29", "%"),
                    _lab("vitamin_d", "78", "nmol/L"),
                    _lab("magnesium", "0.84", "mmol/L"),
                    _lab("zinc", "88", "ug/dL"),
                ),
                collected_at=dt.time(8, 30),
                fasting=Fasting.YES,
            ),
        ),
        trials=(
            Trial(
                "escitalopram",
                (("10", escitalopram),),
                outcome=Outcome.RESPONSE,
                improvement_pct=62,
            ),
        ),
        psychotherapy=(
            _fields(
                modality=PsychotherapyCourse.Modality.CBT,
                approximate_sessions=10,
                start=d.weeks(12),
                notes="Weekly; homework done.",
            ),
        ),
        scores=(_phq9(escitalopram, 16), _phq9(d.weeks(6), 11), _phq9(d.days(7), 6)),
    )


def _postpartum(d: _Days) -> DemoPatient:
    delivery = d.months(4)
    sertraline = d.weeks(7)
    recent = d.days(18)
    return DemoPatient(
        mrn="DEMO-0005",
        scenario="Postpartum: EPDS 14 (item 10 = 0) four months after delivery",
        patient={
            "given_name": "Amélie",
            "family_name": "Okafor-Lindqvist",
            "birth_date": d.born(31, 160),
            "sex": Sex.FEMALE,
            "delivery_date": delivery,
            "menstrual_status": MenstrualStatus.AMENORRHOEA_UNDER_12_MONTHS,
            "notes": f"{SYNTHETIC_NOTE} First baby; breastfeeding. Referred by the health visitor.",
        },
        intake=_intake(
            onset=d.months(3),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.ANXIETY,),
            sleep="4.5",
            exercise=60,
            alcohol="0",
            smoking=Smoking.NEVER,
            diet="Breastfeeding; appetite reduced; prenatal vitamins stopped after delivery.",
        ),
        measurements=(
            _measure(d.months(10), height="170.0", weight="74.0", bp=(110, 70)),
            _measure(recent, weight="69.5", waist="86.0", bp=(116, 76)),
        ),
        panels=(
            Panel(
                d.months(10),
                (_lab("glucose", "4.4", "mmol/L"), _lab("tsh", "1.6", "mIU/L", low="0.4", high="4.0")),
                collected_at=dt.time(8, 50),
                fasting=Fasting.YES,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.2", "%"),
                    _lab("tsh", "1.9", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.3", "ng/dL", low="0.8", high="1.8"),
                    _lab("hscrp", "2.1", "mg/L"),
                    _lab("b12", "402", "pg/mL"),
                    _lab("folate", "12.5", "ng/mL"),
                    _lab("ferritin", "24", "ug/L"),
                    _lab("vitamin_d", "58", "nmol/L"),
                ),
                collected_at=dt.time(10, 20),
                fasting=Fasting.NO,
                laboratory=COMMUNITY_LAB,
            ),
        ),
        trials=(Trial("sertraline", (("50", sertraline), ("100", sertraline + dt.timedelta(weeks=3)))),),
        scores=(
            _epds(delivery + dt.timedelta(weeks=6), 11),
            _epds(d.days(14), 14, item10=0),
            _phq9(d.days(14), 13),
        ),
    )


def _low_testosterone(d: _Days) -> DemoPatient:
    citalopram = d.months(13)
    duloxetine = d.months(9)
    recent = d.weeks(6)
    return DemoPatient(
        mrn="DEMO-0006",
        scenario="Low morning testosterone (08:15) on long-term oxycodone",
        patient={
            "given_name": "Björn",
            "family_name": "Þórsson",
            "birth_date": d.born(46, 300),
            "sex": Sex.MALE,
            "ancestry": Ancestry.EUROPID,
            "notes": f"{SYNTHETIC_NOTE} Carpenter, off work with back pain; low energy and libido.",
        },
        intake=_intake(
            onset=d.months(14),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.OTHER,),
            other="Chronic low back pain after lumbar disc prolapse.",
            sleep="6.0",
            exercise=0,
            alcohol="8",
            smoking=Smoking.CURRENT,
            diet="Weight gain since stopping work.",
            gi="Constipation (opioid).",
        ),
        medicines=(
            _medicine("oxycodone", "20", "10 mg modified-release twice daily", d.months(40), notes="Back pain"),
        ),
        measurements=(
            _measure(d.months(20), height="183.0", weight="88.0", waist="98.0", bp=(128, 82)),
            _measure(recent, weight="92.5", waist="101.0", bp=(130, 84)),
        ),
        panels=(
            Panel(
                d.months(20),
                (_lab("hba1c", "5.4", "%"), _lab("tsh", "1.2", "mIU/L"), _lab("hscrp", "1.4", "mg/L")),
                collected_at=dt.time(14, 10),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                recent,
                (
                    _lab("testosterone", "8.1", "nmol/L", low="8.6", high="29.0"),
                    _lab("prolactin", "11", "ng/mL"),
                    _lab("lh", "2.4", "IU/L"),
                    _lab("hba1c", "5.5", "%"),
                    _lab("glucose", "5.0", "mmol/L"),
                    _lab("triglycerides", "1.1", "mmol/L"),
                    _lab("hdl", "1.2", "mmol/L"),
                    _lab("cholesterol_total", "5.0", "mmol/L"),
                    _lab("tsh", "1.5", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.1", "ng/dL", low="0.8", high="1.8"),
                    _lab("hscrp", "1.4", "mg/L"),
                    _lab("b12", "330", "pg/mL"),
                    _lab("folate", "6.2", "ng/mL"),
                    _lab("ferritin", "180", "ng/mL"),
                    _lab("vitamin_d", "21", "ng/mL"),
                ),
                collected_at=dt.time(8, 15),
                fasting=Fasting.YES,
            ),
        ),
        trials=(
            Trial(
                "citalopram",
                (("20", citalopram), ("40", citalopram + dt.timedelta(weeks=4))),
                end=citalopram + dt.timedelta(weeks=14),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=10,
                reason_stopped="No response after 10 weeks at 40 mg.",
            ),
            Trial("duloxetine", (("30", duloxetine), ("60", duloxetine + dt.timedelta(weeks=2)))),
        ),
        scores=(_phq9(citalopram, 17), _phq9(duloxetine, 16), _phq9(d.days(10), 13)),
    )


def _lithium_thyroid(d: _Days) -> DemoPatient:
    escitalopram = d.months(37)
    duloxetine = d.months(33)
    ect = d.months(29)
    nortriptyline = d.months(22)
    lithium = d.months(20)
    recent = d.weeks(7)
    return DemoPatient(
        mrn="DEMO-0007",
        scenario="Lithium augmentation with a rising TSH; bilateral ECT in the episode",
        patient={
            "given_name": "Renée",
            "family_name": "Dubois-Köhler",
            "birth_date": d.born(58, 45),
            "sex": Sex.FEMALE,
            "ancestry": Ancestry.EUROPID,
            "menstrual_status": MenstrualStatus.POSTMENOPAUSAL,
            "notes": f"{SYNTHETIC_NOTE} Retired librarian; third episode; lives with her sister.",
        },
        intake=_intake(
            onset=d.months(38),
            severity=EpisodeSeverity.SEVERE,
            conditions=(Condition.ANXIETY,),
            sleep="6.5",
            exercise=60,
            alcohol="2",
            smoking=Smoking.NEVER,
            diet="Good appetite; reports weight gain since lithium.",
            gi="",
        ),
        measurements=(
            _measure(lithium - dt.timedelta(weeks=4), height="162.0", weight="66.0", waist="82.0", bp=(124, 78)),
            _measure(recent, weight="69.5", waist="86.0", bp=(128, 80)),
        ),
        panels=(
            Panel(
                lithium - dt.timedelta(weeks=4),
                (
                    _lab("hba1c", "5.5", "%"),
                    _lab("tsh", "2.3", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.2", "ng/dL", low="0.8", high="1.8"),
                ),
                collected_at=dt.time(9, 20),
            ),
            Panel(
                d.months(14),
                (_lab("tsh", "2.9", "mIU/L", low="0.4", high="4.0"), _lab("lithium", "0.68", "mmol/L")),
                collected_at=dt.time(9, 0),
            ),
            Panel(
                d.months(8),
                (
                    _lab("tsh", "3.6", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.1", "ng/dL", low="0.8", high="1.8"),
                    _lab("lithium", "0.74", "mmol/L"),
                ),
                collected_at=dt.time(9, 15),
            ),
            Panel(
                recent,
                (
                    _lab("tsh", "6.8", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.02", "ng/dL", low="0.8", high="1.8"),
                    _lab("lithium", "0.72", "mmol/L"),
                    _lab("hba1c", "5.6", "%"),
                    _lab("hscrp", "1.1", "mg/L"),
                    _lab("b12", "410", "pg/mL"),
                    _lab("folate", "9.1", "ng/mL"),
                    _lab("ferritin", "88", "ng/mL"),
                    _lab("vitamin_d", "33", "ng/mL"),
                ),
                collected_at=dt.time(9, 30),
            ),
        ),
        trials=(
            Trial(
                "escitalopram",
                (("10", escitalopram), ("20", escitalopram + dt.timedelta(weeks=3))),
                end=escitalopram + dt.timedelta(weeks=13),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=5,
                reason_stopped="No response after 10 weeks at 20 mg.",
            ),
            Trial(
                "duloxetine",
                (("30", duloxetine), ("60", duloxetine + dt.timedelta(weeks=2))),
                end=duloxetine + dt.timedelta(weeks=14),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=15,
                reason_stopped="15 % improvement after 12 weeks at 60 mg.",
            ),
            Trial(
                "nortriptyline",
                (
                    ("50", nortriptyline),
                    ("75", nortriptyline + dt.timedelta(weeks=2)),
                    ("100", nortriptyline + dt.timedelta(weeks=4)),
                ),
                outcome=Outcome.PARTIAL_RESPONSE,
                improvement_pct=30,
            ),
        ),
        augmentations=(
            _fields(
                strategy=Augmentation.Strategy.LITHIUM,
                drug="lithium",
                daily_dose_mg=Decimal("800"),
                start=lithium,
                outcome=Outcome.PARTIAL_RESPONSE,
                notes="Lithium carbonate modified-release 800 mg at night; levels 0.6-0.8 mmol/L.",
            ),
        ),
        treatments=(
            _fields(
                kind=OtherTreatment.Kind.ECT,
                laterality=OtherTreatment.Laterality.BILATERAL,
                start=ect,
                end=ect + dt.timedelta(weeks=5),
                sessions=12,
                outcome=Outcome.RESPONSE,
                notes="Relapse about four months after the course.",
            ),
        ),
        scores=(
            _phq9(escitalopram, 23),
            _phq9(ect, 22),
            _phq9(ect + dt.timedelta(weeks=6), 9),
            _phq9(nortriptyline, 20),
            _phq9(d.months(12), 15),
            _phq9(d.days(12), 14),
        ),
    )


def _metformin_b12(d: _Days) -> DemoPatient:
    sertraline = d.months(10)
    mirtazapine = d.months(7)
    recent = d.days(28)
    return DemoPatient(
        mrn="DEMO-0008",
        scenario="Metformin for six years with a low B12 (reported in pmol/L)",
        patient={
            "given_name": "José-María",
            "family_name": "Peña Ibáñez",
            "birth_date": d.born(61, 220),
            "sex": Sex.MALE,
            "ancestry": Ancestry.EUROPID,
            "notes": f"{SYNTHETIC_NOTE} Retired bus driver; numb feet for a year.",
        },
        intake=_intake(
            onset=d.months(11),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.TYPE2_DIABETES, Condition.OTHER),
            other="Peripheral neuropathy (both feet).",
            sleep="7.0",
            exercise=45,
            alcohol="6",
            smoking=Smoking.FORMER,
            diet="Diabetic diet; eats little meat.",
        ),
        medicines=(
            _medicine("metformin", "2000", "1 g twice daily", d.months(74), notes="Type 2 diabetes"),
            _medicine("atorvastatin", "20", "20 mg at night", d.months(60)),
        ),
        measurements=(
            _measure(d.months(25), height="172.0", weight="88.0", waist="101.0", bp=(134, 84)),
            _measure(recent, weight="86.4", waist="103.0", bp=(132, 82)),
        ),
        panels=(
            Panel(
                d.months(25),
                (
                    _lab("hba1c", "50", "mmol/mol"),
                    _lab("b12", "241", "pmol/L"),
                    _lab("tsh", "1.8", "mIU/L"),
                ),
                collected_at=dt.time(10, 0),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "52", "mmol/mol"),
                    _lab("glucose", "7.6", "mmol/L"),
                    _lab("triglycerides", "1.9", "mmol/L"),
                    _lab("hdl", "1.05", "mmol/L"),
                    _lab("cholesterol_total", "4.2", "mmol/L"),
                    _lab("ldl", "2.3", "mmol/L"),
                    _lab("b12", "118", "pmol/L"),
                    _lab("mma", "0.48", "umol/L"),
                    _lab("folate", "7.2", "ng/mL"),
                    _lab("ferritin", "210", "ug/L"),
                    _lab("vitamin_d", "55", "nmol/L"),
                    _lab("tsh", "2.1", "mIU/L", low="0.4", high="4.0"),
                    _lab("hscrp", "2.4", "mg/L"),
                ),
                collected_at=dt.time(8, 5),
                fasting=Fasting.YES,
            ),
        ),
        trials=(
            Trial(
                "sertraline",
                (("50", sertraline), ("100", sertraline + dt.timedelta(weeks=4))),
                end=sertraline + dt.timedelta(weeks=12),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=20,
                reason_stopped="20 % improvement after 8 weeks at 100 mg.",
            ),
            Trial("mirtazapine", (("15", mirtazapine), ("30", mirtazapine + dt.timedelta(weeks=2)))),
        ),
        scores=(_phq9(sertraline, 17), _phq9(mirtazapine, 15), _phq9(d.days(9), 12)),
    )


def _ppi_biotin(d: _Days) -> DemoPatient:
    venlafaxine = d.months(15)
    vortioxetine = d.months(11)
    thyroid_draw = d.days(19)
    return DemoPatient(
        mrn="DEMO-0009",
        scenario="Omeprazole for four years, no magnesium; biotin taken before a thyroid draw",
        patient={
            "given_name": "Anaïs",
            "family_name": "Lefèvre",
            "birth_date": d.born(57, 95),
            "sex": Sex.FEMALE,
            "ancestry": Ancestry.EUROPID,
            "menstrual_status": MenstrualStatus.POSTMENOPAUSAL,
            "notes": f"{SYNTHETIC_NOTE} Pharmacist's assistant; palpitations mentioned once.",
        },
        intake=_intake(
            onset=d.months(16),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.OTHER,),
            other="Gastro-oesophageal reflux disease.",
            sleep="6.0",
            exercise=120,
            alcohol="7",
            smoking=Smoking.NEVER,
            diet="Avoids spicy food and coffee.",
            gi="Heartburn most days before omeprazole; now occasional.",
        ),
        medicines=(
            _medicine("omeprazole", "20", "20 mg before breakfast", d.months(50), notes="Reflux"),
            _medicine(
                "biotin",
                "10",
                "10 mg daily (hair and nails)",
                d.months(8),
                end=thyroid_draw - dt.timedelta(days=1),
                last_taken=thyroid_draw - dt.timedelta(days=1),
                notes="Stopped after the thyroid results.",
            ),
        ),
        measurements=(
            _measure(d.months(14), height="160.0", weight="62.0", waist="79.0", bp=(126, 80)),
            _measure(thyroid_draw, weight="63.1", waist="80.0", bp=(128, 82)),
        ),
        panels=(
            Panel(
                d.months(14),
                (_lab("hba1c", "5.3", "%"), _lab("tsh", "1.7", "mIU/L"), _lab("b12", "330", "pg/mL")),
                collected_at=dt.time(10, 40),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                thyroid_draw,
                (
                    _lab("tsh", "0.21", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "2.3", "ng/dL", low="0.8", high="1.8"),
                    _lab("ft3", "4.9", "pg/mL", low="2.3", high="4.2"),
                    _lab("hba1c", "5.4", "%"),
                    _lab("hscrp", "0.6", "mg/L"),
                    _lab("b12", "305", "pg/mL"),
                    _lab("folate", "8.8", "ng/mL"),
                    _lab("ferritin", "72", "ng/mL"),
                    _lab("vitamin_d", "30", "ng/mL"),
                ),
                collected_at=dt.time(9, 5),
            ),
        ),
        trials=(
            Trial(
                "venlafaxine",
                (("75", venlafaxine), ("150", venlafaxine + dt.timedelta(weeks=2))),
                end=venlafaxine + dt.timedelta(weeks=14),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=20,
                reason_stopped="20 % improvement after 12 weeks at 150 mg.",
            ),
            Trial("vortioxetine", (("10", vortioxetine), ("20", vortioxetine + dt.timedelta(weeks=3)))),
        ),
        scores=(_phq9(venlafaxine, 16), _phq9(vortioxetine, 15), _phq9(d.months(5), 12), _phq9(thyroid_draw, 11)),
    )


def _aripiprazole(d: _Days) -> DemoPatient:
    escitalopram = d.months(12)
    sertraline = d.months(10)
    aripiprazole = d.months(7)
    baseline = aripiprazole - dt.timedelta(days=5)
    return DemoPatient(
        mrn="DEMO-0010",
        scenario="Aripiprazole augmentation: 6 % weight gain, 12-week metabolic monitoring overdue",
        patient={
            "given_name": "Łukasz",
            "family_name": "Wróbel",
            "birth_date": d.born(39, 180),
            "sex": Sex.MALE,
            "ancestry": Ancestry.EUROPID,
            "notes": f"{SYNTHETIC_NOTE} Software tester; working from home.",
        },
        intake=_intake(
            onset=d.months(13),
            severity=EpisodeSeverity.SEVERE,
            conditions=(Condition.ANXIETY,),
            sleep="9.5",
            exercise=30,
            alcohol="10",
            smoking=Smoking.CURRENT,
            diet="Snacking in the evening since aripiprazole was added.",
        ),
        measurements=(
            _measure(baseline, height="180.0", weight="84.0", waist="96.0", bp=(126, 80)),
            _measure(aripiprazole + dt.timedelta(weeks=4), weight="85.2"),
            _measure(aripiprazole + dt.timedelta(weeks=8), weight="86.1"),
            _measure(d.days(14), weight="89.1"),
        ),
        panels=(
            Panel(
                baseline,
                (
                    _lab("glucose", "92", "mg/dL"),
                    _lab("triglycerides", "105", "mg/dL"),
                    _lab("hdl", "46", "mg/dL"),
                    _lab("cholesterol_total", "198", "mg/dL"),
                    _lab("ldl", "126", "mg/dL"),
                    _lab("hba1c", "5.4", "%"),
                    _lab("prolactin", "9.5", "ng/mL"),
                    _lab("tsh", "1.7", "mIU/L", low="0.4", high="4.0"),
                    _lab("hscrp", "1.2", "mg/L"),
                    _lab("b12", "390", "pg/mL"),
                    _lab("folate", "6.8", "ng/mL"),
                    _lab("ferritin", "110", "ng/mL"),
                    _lab("vitamin_d", "27", "ng/mL"),
                ),
                collected_at=dt.time(8, 30),
                fasting=Fasting.YES,
            ),
            Panel(
                d.days(14),
                (_lab("hba1c", "5.6", "%"), _lab("prolactin", "3.2", "ng/mL")),
                collected_at=dt.time(14, 30),
                fasting=Fasting.NO,
                laboratory=COMMUNITY_LAB,
            ),
        ),
        trials=(
            Trial(
                "escitalopram",
                (("10", escitalopram), ("20", escitalopram + dt.timedelta(weeks=2))),
                end=escitalopram + dt.timedelta(weeks=8),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=10,
                reason_stopped="No response after 6 weeks at 20 mg.",
            ),
            Trial(
                "sertraline",
                (
                    ("100", sertraline),
                    ("150", sertraline + dt.timedelta(weeks=3)),
                    ("200", sertraline + dt.timedelta(weeks=6)),
                ),
                outcome=Outcome.PARTIAL_RESPONSE,
                improvement_pct=30,
            ),
        ),
        augmentations=(
            _fields(
                strategy=Augmentation.Strategy.ANTIPSYCHOTIC,
                drug="aripiprazole",
                daily_dose_mg=Decimal("5"),
                start=aripiprazole,
                notes="2 mg for a week, then 5 mg; added to sertraline 200 mg.",
            ),
        ),
        scores=(_phq9(escitalopram, 20), _phq9(sertraline, 19), _phq9(aripiprazole, 16), _phq9(d.days(14), 12)),
    )


def _perimenopause_iron_vitamin_d(d: _Days) -> DemoPatient:
    escitalopram = d.months(7)
    desvenlafaxine = d.months(4)
    recent = d.days(16)
    return DemoPatient(
        mrn="DEMO-0011",
        scenario="Woman of 48 with irregular cycles; low vitamin D and iron deficiency",
        patient={
            "given_name": "Priya",
            "family_name": "Rāghavan",
            "birth_date": d.born(48, 120),
            "sex": Sex.FEMALE,
            "ancestry": Ancestry.SOUTH_ASIAN,
            "menstrual_status": MenstrualStatus.IRREGULAR,
            "notes": f"{SYNTHETIC_NOTE} Accountant; cycles irregular and heavy for a year, night sweats.",
        },
        intake=_intake(
            onset=d.months(8),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.ANXIETY,),
            other="Heavy menstrual bleeding.",
            sleep="5.5",
            exercise=60,
            alcohol="0",
            smoking=Smoking.NEVER,
            diet="Vegetarian; little dairy; rarely outdoors in daylight.",
        ),
        measurements=(
            _measure(d.months(20), height="158.0", weight="60.0", waist="78.0", bp=(118, 76)),
            _measure(recent, weight="61.5", waist="79.0", bp=(120, 78)),
        ),
        panels=(
            Panel(
                d.months(20),
                (_lab("hba1c", "5.6", "%"), _lab("tsh", "2.1", "mIU/L"), _lab("ferritin", "18", "ug/L")),
                collected_at=dt.time(9, 40),
                laboratory=COMMUNITY_LAB,
            ),
            Panel(
                recent,
                (
                    _lab("hba1c", "5.6", "%"),
                    _lab("tsh", "2.0", "mIU/L", low="0.4", high="4.0"),
                    _lab("ft4", "1.2", "ng/dL", low="0.8", high="1.8"),
                    _lab("hscrp", "0.8", "mg/L"),
                    _lab("b12", "410", "pg/mL"),
                    _lab("folate", "9.0", "ng/mL"),
                    _lab("ferritin", "9", "ug/L"),
                    _lab("iron", "38", "ug/dL"),
                    _lab("tsat", "11", "%"),
                    _lab("vitamin_d", "31", "nmol/L"),
                    _lab("fsh", "18", "IU/L"),
                    _lab("estradiol", "210", "pmol/L"),
                ),
                collected_at=dt.time(10, 45),
                fasting=Fasting.NO,
            ),
        ),
        trials=(
            Trial(
                "escitalopram",
                (("10", escitalopram), ("20", escitalopram + dt.timedelta(weeks=3))),
                end=escitalopram + dt.timedelta(weeks=12),
                outcome=Outcome.NO_RESPONSE,
                improvement_pct=15,
                reason_stopped="15 % improvement after 9 weeks at 20 mg; hot flushes worse.",
            ),
            Trial("desvenlafaxine", (("50", desvenlafaxine),)),
        ),
        scores=(_phq9(escitalopram, 16), _phq9(desvenlafaxine, 15), _phq9(recent, 14)),
    )


def _data_gaps(d: _Days) -> DemoPatient:
    return DemoPatient(
        mrn="DEMO-0012",
        scenario="Data gaps: nothing measured in the last 12 months; last PHQ-9 10 weeks ago",
        patient={
            "given_name": "Kwabena",
            "family_name": "Asante-Müller",
            "birth_date": d.born(27, 10),
            "sex": Sex.MALE,
            "ancestry": Ancestry.SUB_SAHARAN_AFRICAN,
            "notes": f"{SYNTHETIC_NOTE} Chef; missed two appointments.",
        },
        intake=_intake(
            onset=d.months(5),
            severity=EpisodeSeverity.MODERATE,
            conditions=(Condition.SUBSTANCE_USE,),
            other="Cannabis at weekends.",
            sleep="8.0",
            exercise=200,
            alcohol="12",
            smoking=Smoking.CURRENT,
        ),
        measurements=(_measure(d.months(6), height="178.0", weight="74.0", bp=(124, 78)),),
        panels=(
            Panel(
                d.months(30),
                (_lab("hba1c", "5.3", "%"), _lab("tsh", "1.4", "mIU/L")),
                collected_at=dt.time(12, 15),
                laboratory=COMMUNITY_LAB,
            ),
        ),
        trials=(Trial("fluoxetine", (("20", d.weeks(3)),)),),
        scores=(_phq9(d.months(5), 16), _phq9(d.weeks(10), 15)),
    )


# ---------------------------------------------------------------------------------------------------------
# Loading


class DemoDataError(Exception):
    """The demo definitions do not pass the app's own checks (a bug in this module, not in user input)."""


def get_or_create_clinic() -> tuple[Clinic, bool]:
    """The demo clinic, matched by name."""
    clinic = Clinic.objects.filter(name=DEMO_CLINIC_NAME).first()
    if clinic is not None:
        return clinic, False
    clinic = Clinic(name=DEMO_CLINIC_NAME)
    clinic.full_clean()
    clinic.save()
    return clinic, True


def generate_password() -> str:
    """A random password of about 128 bits, readable enough to type from the terminal."""
    return secrets.token_urlsafe(16)


def ensure_demo_user(*, clinic: Clinic, password: str | None, reset_password: bool) -> tuple[object, bool, str | None]:
    """The demo clinician (matched by username) with a clinician membership of ``clinic``.

    A new user gets ``password`` (or a generated one); an existing user keeps theirs unless
    ``reset_password``. Returns (user, created, the password set now or None when unchanged). A chosen
    password must pass the project's password validators.
    """
    user_model = get_user_model()
    with transaction.atomic():
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        created = user is None
        new_password = None
        if created:
            user = user_model(username=DEMO_USERNAME, first_name="Demo", last_name="Clinician")
        if created or reset_password:
            new_password = password or generate_password()
            validate_password(new_password, user)
            user.set_password(new_password)
            user.full_clean()
            user.save()
        if not ClinicMembership.objects.filter(user=user, clinic=clinic).exists():
            membership = ClinicMembership(user=user, clinic=clinic)
            membership.full_clean()
            membership.save()
        user.groups.add(Group.objects.get(name=roles.CLINICIAN))
    return user, created, new_password


def load_demo_patients(*, clinic: Clinic, user, today: dt.date) -> tuple[list[str], list[str]]:
    """Create every demo patient not yet in ``clinic`` (matched by MRN). Returns (created MRNs, skipped MRNs)."""
    created: list[str] = []
    skipped: list[str] = []
    for spec in demo_patients(today):
        with transaction.atomic():
            if Patient.objects.filter(clinic=clinic, mrn=spec.mrn).exists():
                skipped.append(spec.mrn)
                continue
            create_demo_patient(spec, clinic=clinic, user=user)
            created.append(spec.mrn)
    return created, skipped


def create_demo_patient(spec: DemoPatient, *, clinic: Clinic, user) -> Patient:
    """One demo patient and all their records, all or nothing."""
    with transaction.atomic():
        patient = services.register_patient(clinic=clinic, created_by=user, mrn=spec.mrn, **spec.patient)
        intake = patient.intake
        for name, value in spec.intake.items():
            setattr(intake, name, value)
        _check_catalogue(spec)
        intake.full_clean()  # a single row, saved as the intake form saves it
        intake.save()
        for fields in spec.medicines:
            services.add_medicine(patient=patient, **fields)
        for fields in spec.measurements:
            _check_measurement(fields, spec.mrn)
            services.record_measurement(patient=patient, **fields)
        for fields in spec.augmentations:
            services.add_augmentation(patient=patient, **fields)
        for fields in spec.treatments:
            services.add_other_treatment(patient=patient, **fields)
        for fields in spec.psychotherapy:
            services.add_psychotherapy_course(patient=patient, **fields)
        for panel in spec.panels:
            _check_panel(panel, patient, spec.mrn)
            services.record_lab_panel(
                patient=patient,
                entered_by=user,
                collected_on=panel.collected_on,
                collected_at=panel.collected_at,
                fasting=panel.fasting,
                laboratory=panel.laboratory,
                entries=panel.results,
                source=LabSource.DEMO,
            )
        for trial in spec.trials:
            _record_trial(patient, trial)
        for score in spec.scores:
            services.record_scale_score(
                patient=patient,
                instrument=score.instrument,
                administered_on=score.administered_on,
                items=list(score.items),
                difficulty=_difficulty(score) if score.instrument == ScaleScore.Instrument.PHQ9 else None,
                entered_by=user,
                source=LabSource.DEMO,
            )
    return patient


def _record_trial(patient: Patient, trial: Trial) -> None:
    (first_dose, first_day), *changes = trial.doses
    record = services.start_trial(
        patient=patient,
        drug=trial.drug,
        daily_dose_mg=Decimal(first_dose),
        start=first_day,
        adherence=trial.adherence,
        outcome="" if trial.end else trial.outcome,
        improvement_pct=None if trial.end else trial.improvement_pct,
    )
    for dose, day in changes:
        services.change_trial_dose(trial=record, daily_dose_mg=Decimal(dose), start=day)
    if trial.end:
        services.end_trial(
            trial=record,
            end=trial.end,
            outcome=trial.outcome,
            adherence=trial.adherence,
            improvement_pct=trial.improvement_pct,
            reason_stopped=trial.reason_stopped,
            side_effects=trial.side_effects,
        )


def _difficulty(score: Score) -> int:
    """PHQ-9 'how difficult have these problems made things', rising with the total."""
    total = sum(score.items)
    return 3 if total >= 20 else 2 if total >= 10 else 1 if total >= 5 else 0


def _check_catalogue(spec: DemoPatient) -> None:
    """Drug names must be catalogue keys and doses within the entry limit, as the forms require."""
    for medicine in spec.medicines:
        supplement = medicine["kind"] == Medicine.Kind.SUPPLEMENT
        if medicine["name"] not in (drug_catalogue.SUPPLEMENTS if supplement else drug_catalogue.MEDICINES):
            raise DemoDataError(f"{spec.mrn}: {medicine['name']!r} is not in the medicine catalogue")
    for augmentation in spec.augmentations:
        if augmentation["drug"] not in drug_catalogue.AUGMENTATION_AGENTS:
            raise DemoDataError(f"{spec.mrn}: {augmentation['drug']!r} is not an augmentation agent")
    for trial in spec.trials:
        limit = drug_catalogue.max_plausible_dose_mg(trial.drug)
        if trial.drug not in drug_catalogue.ANTIDEPRESSANTS or limit is None:
            raise DemoDataError(f"{spec.mrn}: {trial.drug!r} is not in the antidepressant table")
        if any(Decimal(dose) > Decimal(str(limit)) for dose, _ in trial.doses):
            raise DemoDataError(f"{spec.mrn}: a {trial.drug} dose is above the entry limit")


def _check_panel(panel: Panel, patient: Patient, mrn: str) -> None:
    """The entry gates G-01 and G-02 that a typed result passes before it is stored."""
    for entry in panel.results:
        problems = analytes.check_lab_value(
            entry.analyte,
            float(entry.value),
            entry.unit,
            sex=patient.sex,
            comparator=entry.comparator or None,
        )
        if problems:
            raise DemoDataError(f"{mrn}: {entry.analyte} {panel.collected_on}: {problems[0].message}")


def _check_measurement(fields: dict, mrn: str) -> None:
    """The entry gates a typed body measurement passes (section 8 limits, swapped blood pressure)."""
    problems = [
        problem
        for name in ("height_cm", "weight_kg", "waist_cm", "systolic", "diastolic")
        if fields.get(name) is not None
        for problem in analytes.check_measurement(name, float(fields[name]))
    ]
    if fields.get("systolic") is not None:
        problems += analytes.check_blood_pressure(fields["systolic"], fields["diastolic"])
    if problems:
        raise DemoDataError(f"{mrn}: measurement of {fields['measured_on']}: {problems[0].message}")
