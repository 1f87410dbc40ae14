"""The JSON form of a snapshot (docs/screening-json.md): strict parsing, and the way back.

:func:`parse_snapshot` checks everything and reports every problem at once, one line each, naming the field
(``labs[2].unit: ...``), the way Django's password validators collect every error instead of stopping at the
first. Laboratory values pass the same gates and conversion as the web forms (G-01 and G-02 through
:func:`screening.rules.analytes.check_lab_value`), so the same number in the same unit is accepted, held or
refused with the same sentence everywhere. :func:`snapshot_to_dict` writes a snapshot back in the same
format, so a stored snapshot can be screened again: ``parse_snapshot(snapshot_to_dict(s, d)) == (s, d)``.

Pure Python, like the rest of the package: the date a snapshot is judged against is its ``as_of``, never
the clock.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import math
import re
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from enum import StrEnum
from typing import Any, TypeVar

from .analytes import (
    ANALYTES,
    Analyte,
    ProblemCode,
    check_blood_pressure,
    check_lab_value,
    check_measurement,
    check_score,
    find_analyte,
    loinc_implies_fasting,
)
from .drugs import (
    ANTIDEPRESSANTS,
    AUGMENTATION_AGENTS,
    MEDICINES,
    PLAUSIBLE_DOSE_FACTOR,
    SUPPLEMENTS,
    drug_display,
    max_plausible_dose_mg,
)
from .snapshot import (
    Adherence,
    Ancestry,
    Augmentation,
    Comparator,
    DosePeriod,
    EctCourse,
    Episode,
    LabValue,
    Laterality,
    Measurement,
    Medicine,
    MenstrualStatus,
    Outcome,
    PatientInfo,
    ScaleScore,
    Severity,
    Sex,
    Snapshot,
    Supplement,
    Trial,
)

__all__ = [
    "CONDITIONS",
    "OTHER",
    "SnapshotError",
    "loads",
    "parse_snapshot",
    "snapshot_to_dict",
]

#: Co-occurring condition codes (the intake form's choices, ``patients.models.Condition``).
CONDITIONS: tuple[str, ...] = (
    "anxiety",
    "ocd",
    "ptsd",
    "bipolar_spectrum",
    "adhd",
    "eating_disorder",
    "substance_use",
    "borderline_pd",
    "psychotic_disorder",
    "type1_diabetes",
    "type2_diabetes",
    "thyroid_disease",
    "hypertension",
    "other",
)

#: A drug, medicine or supplement outside the catalogues; its name goes in ``drug_text`` / ``name_text``.
OTHER = "other"

PHQ9_ITEM_COUNT = 9
EPDS_ITEM_COUNT = 10
ITEM_SCORE_MAX = 3  # every PHQ-9 and EPDS item, and the PHQ-9 difficulty question, score 0-3
IMPROVEMENT_PCT_LIMITS = (-100, 100)  # as the trial form: 100 = full recovery, negative = worse
MAX_AGE_YEARS = 120  # as the patient form
MIN_YEARS_BIRTH_TO_DELIVERY = 9  # as the patient form: an earlier delivery date is a typing error

# Field names of each object, in the order snapshot_to_dict writes them.
_TOP_FIELDS = (
    "as_of",
    "patient",
    "conditions",
    "medicines",
    "supplements",
    "measurements",
    "labs",
    "episode",
    "trials",
    "augmentations",
    "ect",
    "phq9",
    "epds",
)
_PATIENT_FIELDS = ("sex", "birth_date", "ancestry", "pregnant", "delivery_date", "menstrual_status")
_MEDICINE_FIELDS = ("name", "name_text", "daily_dose_mg", "start", "end")
_SUPPLEMENT_FIELDS = ("name", "name_text", "last_taken", "start", "end")
_MEASURES = ("weight_kg", "height_cm", "waist_cm")
_MEASUREMENT_FIELDS = ("date", *_MEASURES, "systolic", "diastolic", "unit_confirmed")
_LAB_FIELDS = (
    "analyte",
    "value",
    "unit",
    "comparator",
    "collected",
    "time",
    "fasting",
    "reference_low",
    "reference_high",
    "unit_confirmed",
    "source_id",
)
_EPISODE_FIELDS = ("onset", "severity")
_DOSE_FIELDS = ("daily_dose_mg", "start", "end")
_TRIAL_FIELDS = (
    "drug",
    "drug_text",
    *_DOSE_FIELDS,
    "doses",
    "adherence",
    "outcome",
    "improvement_pct",
    "source_id",
)
_AUGMENTATION_FIELDS = ("drug", "drug_text", "daily_dose_mg", "start", "end", "outcome")
_ECT_FIELDS = ("start", "end", "laterality", "sessions", "outcome")
_PHQ9_FIELDS = ("date", "items", "total", "difficulty")
_EPDS_FIELDS = ("date", "items", "total")

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


class SnapshotError(ValueError):
    """The input is not a valid snapshot. ``problems`` holds one message per problem, each naming its field.

    The messages quote the values sent (they are for the person who sent them), so ``str()`` of the exception
    gives only their number: log that, never ``problems``.
    """

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"the snapshot has {count} problem{'' if count == 1 else 's'}")


# ---------------------------------------------------------------------------------------------------------
# JSON text


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers keys given more than once (``json`` silently keeps the last)."""

    duplicate_keys: tuple[str, ...] = ()


def _object_from_pairs(pairs: list[tuple[str, Any]]) -> _JsonObject:
    obj = _JsonObject()
    repeated: list[str] = []
    for key, value in pairs:
        if key in obj and key not in repeated:
            repeated.append(key)
        obj[key] = value
    if repeated:
        obj.duplicate_keys = tuple(repeated)
    return obj


def loads(text: str) -> Any:
    """Decode JSON text for :func:`parse_snapshot`, which then also reports keys given twice in one object.

    Malformed JSON raises :class:`SnapshotError` with the line and column. ``NaN`` and ``Infinity`` decode
    (Python's ``json`` accepts them) so that :func:`parse_snapshot` can refuse them naming the field.
    """
    try:
        return json.loads(text, object_pairs_hook=_object_from_pairs)
    except json.JSONDecodeError as error:
        raise SnapshotError([f"malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"]) from None
    except RecursionError:
        raise SnapshotError(["malformed JSON: nested too deeply"]) from None


# ---------------------------------------------------------------------------------------------------------
# Parsing


def parse_snapshot(data: Any) -> tuple[Snapshot, dt.date]:
    """The snapshot and its ``as_of`` date from decoded JSON (docs/screening-json.md).

    Raises :class:`SnapshotError` listing every problem found, each as ``path: message``. Lab values are
    converted to the analyte's canonical unit; limits and unit mix-ups follow section 8 of the clinical
    reference exactly as the web forms apply them.
    """
    return _Reader().snapshot(data)


def _show(value: Any) -> str:
    """A value as it appeared in the JSON, shortened: "sertralin", 48, true, NaN."""
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= 60 else f"{text[:57]}..."


def _num(value: float) -> str:
    """A number as entered: 48 not 48.0."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e15 else repr(float(value))


def _suggestion(word: str, choices: Collection[str]) -> str:
    close = difflib.get_close_matches(word.strip().lower(), list(choices), n=1, cutoff=0.75)
    return f"; did you mean {_show(close[0])}?" if close else ""


class _Fields:
    """One JSON object being read: where it is, and what it holds."""

    def __init__(self, path: str, data: Mapping[str, Any]) -> None:
        self.path = path
        self.data = data

    def at(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def get(self, key: str) -> Any:
        """The value of ``key``; ``None`` when absent or null (both mean "not recorded")."""
        return self.data.get(key)


class _Reader:
    """Reads one snapshot, collecting every problem; the reading methods return ``None`` for a bad value."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.as_of: dt.date | None = None
        self.birth_date: dt.date | None = None
        self.sex: Sex | None = None

    def add(self, path: str, message: str) -> None:
        self.problems.append(f"{path or 'input'}: {message}")

    # -- the document ----------------------------------------------------------------------------------

    def snapshot(self, data: Any) -> tuple[Snapshot, dt.date]:
        top = self.object("", data, _TOP_FIELDS, what="a JSON object")
        if top is None:
            raise SnapshotError(self.problems)
        self.as_of = self.date(top, "as_of", required=True, clinical=False)
        patient = self.patient(top)
        snapshot = Snapshot(
            patient=patient,  # type: ignore[arg-type]  # None only when a problem has been recorded
            conditions=frozenset(self.conditions(top)),
            medicines=tuple(self.each(top, "medicines", self.medicine)),
            supplements=tuple(self.each(top, "supplements", self.supplement)),
            measurements=tuple(self.each(top, "measurements", self.measurement)),
            labs=tuple(self.each(top, "labs", self.lab)),
            episode=self.episode(top),
            trials=tuple(self.each(top, "trials", self.trial)),
            augmentations=tuple(self.each(top, "augmentations", self.augmentation)),
            ect=tuple(self.each(top, "ect", self.ect_course)),
            phq9=tuple(self.each(top, "phq9", self.phq9)),
            epds=tuple(self.each(top, "epds", self.epds)),
        )
        if self.problems or patient is None or self.as_of is None:
            raise SnapshotError(self.problems)
        return snapshot, self.as_of

    def patient(self, top: _Fields) -> PatientInfo | None:
        if not self.required(top, "patient"):
            return None
        f = self.object(top.at("patient"), top.get("patient"), _PATIENT_FIELDS)
        if f is None:
            return None
        self.sex = sex = self.choice(f, "sex", Sex, required=True)
        birth = self.date(f, "birth_date", required=True, clinical=False)
        if birth is not None and self.as_of is not None:
            if birth > self.as_of:
                self.add(f.at("birth_date"), f"{birth} is after as_of ({self.as_of})")
            elif PatientInfo(Sex.FEMALE, birth).age_on(self.as_of) > MAX_AGE_YEARS:
                self.add(f.at("birth_date"), f"the patient would be over {MAX_AGE_YEARS} on as_of ({self.as_of})")
            else:
                self.birth_date = birth
        ancestry = self.choice(f, "ancestry", Ancestry, default=Ancestry.UNKNOWN)
        pregnant = self.boolean(f, "pregnant")
        delivery = self.date(f, "delivery_date")
        menstrual = self.choice(f, "menstrual_status", MenstrualStatus)
        if sex is Sex.MALE:
            for key, present in (("pregnant", pregnant), ("delivery_date", delivery), ("menstrual_status", menstrual)):
                if present:
                    self.add(f.at(key), "is recorded only for female sex")
        born = self.birth_date
        if delivery is not None and born is not None and delivery.year - born.year < MIN_YEARS_BIRTH_TO_DELIVERY:
            self.add(f.at("delivery_date"), f"{delivery} is implausibly soon after the birth date")
        return PatientInfo(
            sex=sex,  # type: ignore[arg-type]  # None only when a problem has been recorded
            birth_date=birth,  # type: ignore[arg-type]
            ancestry=ancestry or Ancestry.UNKNOWN,
            pregnant=pregnant,
            delivery_date=delivery,
            menstrual_status=menstrual,
        )

    def conditions(self, top: _Fields) -> list[str]:
        codes: list[str] = []
        for path, value in self.array(top, "conditions"):
            if isinstance(value, str) and value in CONDITIONS:
                codes.append(value)
            else:
                self.add(path, f"{_show(value)} is not one of {', '.join(CONDITIONS)}")
        return codes

    def episode(self, top: _Fields) -> Episode:
        if top.get("episode") is None:
            return Episode()
        f = self.object(top.at("episode"), top.get("episode"), _EPISODE_FIELDS)
        if f is None:
            return Episode()
        return Episode(onset=self.date(f, "onset"), severity=self.choice(f, "severity", Severity))

    # -- medicines and supplements ---------------------------------------------------------------------

    def medicine(self, path: str, value: Any) -> Medicine | None:
        f = self.object(path, value, _MEDICINE_FIELDS)
        if f is None:
            return None
        name = self.text(f, "name", required=True)
        if name is not None and name != OTHER and name not in MEDICINES:
            if name in ANTIDEPRESSANTS:
                self.add(f.at("name"), f"{_show(name)} is an antidepressant; record it under trials")
            elif name in SUPPLEMENTS:
                self.add(f.at("name"), f"{_show(name)} is a supplement; record it under supplements")
            else:
                self.add(f.at("name"), f"{_show(name)} is not a known medicine{_suggestion(name, MEDICINES)}")
        start, end = self.period(f)
        return Medicine(
            name=name or "",
            name_text=self.other_text(f, "name_text", name, name_key="name"),
            daily_dose_mg=self.dose(f, "daily_dose_mg"),
            start=start,
            end=end,
        )

    def supplement(self, path: str, value: Any) -> Supplement | None:
        f = self.object(path, value, _SUPPLEMENT_FIELDS)
        if f is None:
            return None
        name = self.text(f, "name", required=True)
        if name is not None and name != OTHER and name not in SUPPLEMENTS:
            if name in MEDICINES or name in ANTIDEPRESSANTS:
                self.add(f.at("name"), f"{_show(name)} is not a supplement; record it under medicines or trials")
            else:
                self.add(f.at("name"), f"{_show(name)} is not a known supplement{_suggestion(name, SUPPLEMENTS)}")
        name_text = self.other_text(f, "name_text", name, name_key="name")
        last_taken = self.date(f, "last_taken")
        start, end = self.period(f)
        return Supplement(name=name or "", name_text=name_text, last_taken=last_taken, start=start, end=end)

    # -- body measurements -----------------------------------------------------------------------------

    def measurement(self, path: str, value: Any) -> Measurement | None:
        f = self.object(path, value, _MEASUREMENT_FIELDS)
        if f is None:
            return None
        day = self.date(f, "date", required=True)
        confirmed = self.boolean(f, "unit_confirmed")
        if all(f.get(key) is None for key in (*_MEASURES, "systolic", "diastolic")):
            self.add(path, "has no values; give at least one of weight_kg, height_cm, waist_cm, systolic/diastolic")
        valid: dict[str, float] = {}
        numbers: dict[str, float | None] = {}
        for key in (*_MEASURES, "systolic", "diastolic"):
            number = self.whole(f, key) if key in ("systolic", "diastolic") else self.number(f, key)
            numbers[key] = number
            if number is None:
                continue
            problems = check_measurement(key, number, unit_confirmed=confirmed)
            for problem in problems:
                self.add(f.at(key), _entry_message(problem.message, problem.code))
            if not problems:
                valid[key] = number
        systolic, diastolic = f.get("systolic"), f.get("diastolic")
        if (systolic is None) != (diastolic is None):
            missing, given = ("diastolic", "systolic") if diastolic is None else ("systolic", "diastolic")
            self.add(f.at(missing), f"is required with {given}")
        if "systolic" in valid and "diastolic" in valid:
            for problem in check_blood_pressure(valid["systolic"], valid["diastolic"]):
                self.add(f.at("diastolic"), problem.message)
        if "weight_kg" in valid and "height_cm" in valid:
            bmi = round(valid["weight_kg"] / (valid["height_cm"] / 100) ** 2, 1)
            for problem in check_measurement("bmi", bmi):
                self.add(
                    f.at("weight_kg"),
                    f"weight {_num(valid['weight_kg'])} kg with height {_num(valid['height_cm'])} cm gives a BMI of "
                    f"{_num(bmi)}; {problem.message}",
                )
        return Measurement(
            date=day,  # type: ignore[arg-type]  # None only when a problem has been recorded
            weight_kg=_float(numbers["weight_kg"]),
            height_cm=_float(numbers["height_cm"]),
            waist_cm=_float(numbers["waist_cm"]),
            systolic=_int(numbers["systolic"]),
            diastolic=_int(numbers["diastolic"]),
        )

    # -- laboratory results ----------------------------------------------------------------------------

    def lab(self, path: str, value: Any) -> LabValue | None:
        f = self.object(path, value, _LAB_FIELDS)
        if f is None:
            return None
        code = self.text(f, "analyte", required=True)
        analyte = find_analyte(code) if code is not None else None
        if code is not None and analyte is None:
            self.add(
                f.at("analyte"),
                f"{_show(code)} is not a known analyte; give a LOINC code or a name from docs/screening-json.md",
            )
        number = self.number(f, "value", required=True)
        unit = self.text(f, "unit", required=True)
        comparator = self.choice(f, "comparator", Comparator)
        confirmed = self.boolean(f, "unit_confirmed")
        collected = self.date(f, "collected", required=True)
        time = self.time(f, "time")
        fasting = self.optional_boolean(f, "fasting")
        low = self.number(f, "reference_low")
        high = self.number(f, "reference_high")
        source_id = self.text(f, "source_id")
        for key, limit in (("reference_low", low), ("reference_high", high)):
            if limit is not None and limit < 0:
                self.add(f.at(key), f"{_num(limit)} cannot be negative")
        if low is not None and high is not None and low > high:
            self.add(f.at("reference_high"), f"{_num(high)} is below reference_low ({_num(low)})")
        if analyte is None or code is None:
            return None
        loinc = code if code in analyte.loinc else (analyte.loinc[0] if analyte.loinc else "")
        if loinc_implies_fasting(loinc):
            if fasting is False:
                self.add(f.at("fasting"), f"false contradicts LOINC {loinc}, which is a fasting sample")
            fasting = True
        if unit is None:
            return None
        spec = analyte.unit_spec(unit)
        if spec is None:
            accepted = ", ".join(analyte.units)
            self.add(
                f.at("unit"), f"{_show(unit)} is not accepted for {code} ({analyte.name}); accepted units: {accepted}"
            )
            return None
        if number is None:
            return None
        for problem in check_lab_value(
            analyte.key,
            number,
            spec.unit,
            sex=self.sex,
            unit_confirmed=confirmed,
            comparator=str(comparator) if comparator else None,
        ):
            self.add(f.at("value"), _entry_message(problem.message, problem.code))
        return LabValue(
            analyte=analyte.key,
            value=spec.to_canonical(number),
            collected=collected,  # type: ignore[arg-type]  # None only when a problem has been recorded
            entered_value=float(number),
            entered_unit=spec.unit,
            loinc=loinc,
            comparator=comparator,
            time=time,
            fasting=fasting,
            reference_low=None if low is None else spec.to_canonical(low),
            reference_high=None if high is None else spec.to_canonical(high),
            source_id=source_id,
        )

    # -- treatment -------------------------------------------------------------------------------------

    def trial(self, path: str, value: Any) -> Trial | None:
        f = self.object(path, value, _TRIAL_FIELDS)
        if f is None:
            return None
        drug = self.text(f, "drug", required=True)
        if drug is not None and drug != OTHER and drug not in ANTIDEPRESSANTS:
            self.add(f.at("drug"), f"{_show(drug)} is not a known antidepressant{_suggestion(drug, ANTIDEPRESSANTS)}")
        drug_text = self.other_text(f, "drug_text", drug, name_key="drug")
        if f.get("doses") is None:
            periods = [self.dose_period(f, drug)]
        else:
            for key in _DOSE_FIELDS:
                if f.get(key) is not None:
                    self.add(f.at(key), "give the dose history either in doses or as daily_dose_mg/start/end")
            entries = self.array(f, "doses")
            if isinstance(f.get("doses"), list | tuple) and not entries:
                self.add(f.at("doses"), "is empty; give at least one dose period")
            periods = [self.dose_period(self.object(p, v, _DOSE_FIELDS), drug) for p, v in entries]
            self.check_dose_order(f.at("doses"), periods)
        improvement = self.number(f, "improvement_pct")
        low, high = IMPROVEMENT_PCT_LIMITS
        if improvement is not None and not low <= improvement <= high:
            self.add(f.at("improvement_pct"), f"{_num(improvement)} is not a percentage from {low} to {high}")
        return Trial(
            drug=drug or "",
            dose_periods=tuple(p for p in periods if p is not None),
            adherence=self.choice(f, "adherence", Adherence, default=Adherence.UNKNOWN) or Adherence.UNKNOWN,
            outcome=self.choice(f, "outcome", Outcome),
            improvement_pct=improvement,
            drug_text=drug_text,
            source_id=self.text(f, "source_id"),
        )

    def dose_period(self, f: _Fields | None, drug: str | None) -> DosePeriod | None:
        if f is None:
            return None
        dose = self.dose(f, "daily_dose_mg", required=True, drug=drug)
        start, end = self.period(f, required=True)
        if dose is None or start is None:
            return None
        return DosePeriod(daily_dose_mg=dose, start=start, end=end)

    def check_dose_order(self, path: str, periods: list[DosePeriod | None]) -> None:
        """Dose periods in date order, none overlapping. A period may end on the day the next starts (the day of
        the change) or have no end when a later one follows (it lasts until the change)."""
        for index in range(1, len(periods)):
            before, period = periods[index - 1], periods[index]
            if before is None or period is None:
                continue
            where = f"{path}[{index}].start"
            if period.start <= before.start:
                self.add(where, f"{period.start} is not after the previous dose period's start ({before.start})")
            elif before.end is not None and before.end > period.start:
                self.add(where, f"{period.start} overlaps the previous dose period ({before.start} to {before.end})")

    def augmentation(self, path: str, value: Any) -> Augmentation | None:
        f = self.object(path, value, _AUGMENTATION_FIELDS)
        if f is None:
            return None
        drug = self.text(f, "drug", required=True)
        if drug is not None and drug != OTHER and drug not in AUGMENTATION_AGENTS and drug not in ANTIDEPRESSANTS:
            choices = [*AUGMENTATION_AGENTS, *ANTIDEPRESSANTS]
            self.add(f.at("drug"), f"{_show(drug)} is not a known augmentation agent{_suggestion(drug, choices)}")
        drug_text = self.other_text(f, "drug_text", drug, name_key="drug")
        dose = self.dose(f, "daily_dose_mg", drug=drug)
        start, end = self.period(f, required=True)
        return Augmentation(
            drug=drug or "",
            start=start,  # type: ignore[arg-type]  # None only when a problem has been recorded
            end=end,
            daily_dose_mg=dose,
            outcome=self.choice(f, "outcome", Outcome),
            drug_text=drug_text,
        )

    def ect_course(self, path: str, value: Any) -> EctCourse | None:
        f = self.object(path, value, _ECT_FIELDS)
        if f is None:
            return None
        start, end = self.period(f, required=True)
        sessions = self.whole(f, "sessions")
        if sessions is not None and sessions < 1:
            self.add(f.at("sessions"), f"{sessions} is not a number of sessions (1 or more)")
        return EctCourse(
            start=start,  # type: ignore[arg-type]  # None only when a problem has been recorded
            end=end,
            laterality=self.choice(f, "laterality", Laterality, default=Laterality.UNKNOWN) or Laterality.UNKNOWN,
            sessions=sessions,
            outcome=self.choice(f, "outcome", Outcome),
        )

    # -- rating scales ---------------------------------------------------------------------------------

    def phq9(self, path: str, value: Any) -> ScaleScore | None:
        return self.scale(path, value, instrument="PHQ-9", item_count=PHQ9_ITEM_COUNT, fields=_PHQ9_FIELDS)

    def epds(self, path: str, value: Any) -> ScaleScore | None:
        return self.scale(path, value, instrument="EPDS", item_count=EPDS_ITEM_COUNT, fields=_EPDS_FIELDS)

    def scale(
        self, path: str, value: Any, *, instrument: str, item_count: int, fields: tuple[str, ...]
    ) -> ScaleScore | None:
        f = self.object(path, value, fields)
        if f is None:
            return None
        day = self.date(f, "date", required=True)
        items: list[int] = []
        if f.get("items") is not None:
            entries = self.array(f, "items")
            if isinstance(f.get("items"), list | tuple) and len(entries) != item_count:
                self.add(f.at("items"), f"has {len(entries)} items; the {instrument} has {item_count}")
            for item_path, item in entries:
                score = self.whole_value(item_path, item)
                if score is not None and not 0 <= score <= ITEM_SCORE_MAX:
                    self.add(item_path, f"{score} is not an item score from 0 to {ITEM_SCORE_MAX}")
                elif score is not None:
                    items.append(score)
        total = self.whole(f, "total")
        if total is not None:
            for problem in check_score(instrument, total):
                self.add(f.at("total"), problem.message)
        if f.get("items") is None and f.get("total") is None:
            self.add(path, "give the item scores (items) or, when only the total is known, total")
        elif total is not None and len(items) == item_count and total != sum(items):
            self.add(f.at("total"), f"{total} is not the sum of the items ({sum(items)})")
        difficulty = self.whole(f, "difficulty") if "difficulty" in fields else None
        if difficulty is not None and not 0 <= difficulty <= ITEM_SCORE_MAX:
            self.add(f.at("difficulty"), f"{difficulty} is not an answer from 0 to {ITEM_SCORE_MAX}")
        return ScaleScore(
            date=day,  # type: ignore[arg-type]  # None only when a problem has been recorded
            items=tuple(items),
            total_only=None if f.get("items") is not None else total,
            difficulty=difficulty,
        )

    # -- structure -------------------------------------------------------------------------------------

    def object(self, path: str, value: Any, known: Sequence[str], *, what: str = "an object") -> _Fields | None:
        if not isinstance(value, Mapping):
            self.add(path, f"{_show(value)} is not {what}")
            return None
        for key in getattr(value, "duplicate_keys", ()):
            self.add(_child(path, key), "is given more than once")
        for key in value:
            if key not in known:
                hint = _suggestion(str(key), known) or f"; known fields: {', '.join(known)}"
                self.add(_child(path, str(key)), f"is not a known field{hint}")
        return _Fields(path, value)

    def array(self, f: _Fields, key: str) -> list[tuple[str, Any]]:
        """The elements of a list with their paths; absent means empty."""
        if key not in f.data:
            return []
        value = f.get(key)
        if not isinstance(value, list | tuple):
            self.add(f.at(key), f"{_show(value)} is not a list (use [] for none)")
            return []
        return [(f"{f.at(key)}[{index}]", element) for index, element in enumerate(value)]

    def each(self, top: _Fields, key: str, read: Callable[[str, Any], T | None]) -> Iterator[T]:
        for path, value in self.array(top, key):
            item = read(path, value)
            if item is not None:
                yield item

    def required(self, f: _Fields, key: str) -> bool:
        if f.get(key) is None:
            self.add(f.at(key), "is required")
            return False
        return True

    # -- values ----------------------------------------------------------------------------------------

    def text(self, f: _Fields, key: str, *, required: bool = False) -> str | None:
        value = f.get(key)
        if value is None:
            if required:
                self.required(f, key)
            return None
        if not isinstance(value, str):
            self.add(f.at(key), f"{_show(value)} is not a string")
            return None
        if not value.strip():
            self.add(f.at(key), "is empty")
            return None
        return value.strip()

    def other_text(self, f: _Fields, key: str, name: str | None, *, name_key: str) -> str:
        """The free-text name that goes with "other", required then and refused otherwise."""
        text = self.text(f, key)
        if name == OTHER and text is None and f.get(key) is None:
            self.add(f.at(key), f'is required when {name_key} is "other"')
        elif name is not None and name != OTHER and text is not None:
            self.add(f.at(key), f'is only for {name_key} "other"')
        return text or ""

    def number(self, f: _Fields, key: str, *, required: bool = False) -> float | None:
        if f.get(key) is None:
            if required:
                self.required(f, key)
            return None
        return self.number_value(f.at(key), f.get(key))

    def number_value(self, path: str, value: Any) -> float | None:
        # bool is a subclass of int in Python: true is not 1 here.
        if isinstance(value, bool):
            self.add(path, f"{_show(value)} is a boolean, not a number")
            return None
        if isinstance(value, str):
            self.add(path, f"{_show(value)} is a string, not a number")
            return None
        if not isinstance(value, int | float):
            self.add(path, f"{_show(value)} is not a number")
            return None
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            self.add(path, f"{_show(value)} is not a finite number")
            return None
        return number

    def whole(self, f: _Fields, key: str) -> int | None:
        if f.get(key) is None:
            return None
        return self.whole_value(f.at(key), f.get(key))

    def whole_value(self, path: str, value: Any) -> int | None:
        number = self.number_value(path, value)
        if number is None:
            return None
        if not number.is_integer():
            self.add(path, f"{_num(number)} is not a whole number")
            return None
        return int(number)

    def dose(self, f: _Fields, key: str, *, required: bool = False, drug: str | None = None) -> float | None:
        dose = self.number(f, key, required=required)
        if dose is None:
            return None
        if dose <= 0:
            self.add(f.at(key), f"{_num(dose)} is not a daily dose above 0 mg")
            return None
        limit = max_plausible_dose_mg(drug) if drug else None
        if limit is not None and dose > limit:
            usual = limit / PLAUSIBLE_DOSE_FACTOR
            self.add(
                f.at(key),
                f"{_num(dose)} mg/day is more than twice the usual maximum for {drug_display(drug or '')} "
                f"({_num(usual)} mg/day); check for an extra zero or micrograms entered as milligrams",
            )
            return None
        return dose

    def boolean(self, f: _Fields, key: str) -> bool:
        """true or false; absent or null is false."""
        return bool(self.optional_boolean(f, key))

    def optional_boolean(self, f: _Fields, key: str) -> bool | None:
        value = f.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.add(f.at(key), f"{_show(value)} is not true or false")
        return None

    def choice(
        self, f: _Fields, key: str, enum: type[E], *, default: E | None = None, required: bool = False
    ) -> E | None:
        value = f.get(key)
        if value is None:
            if required:
                self.required(f, key)
            return default
        choices = [member.value for member in enum]
        if isinstance(value, str) and value in choices:
            return enum(value)
        self.add(f.at(key), f"{_show(value)} is not one of {', '.join(choices)}")
        return default

    def date(self, f: _Fields, key: str, *, required: bool = False, clinical: bool = True) -> dt.date | None:
        """A YYYY-MM-DD date; a clinical date may be neither after ``as_of`` nor before the birth date."""
        value = f.get(key)
        if value is None:
            if required:
                self.required(f, key)
            return None
        day = None
        if isinstance(value, str) and _DATE.fullmatch(value):
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            self.add(f.at(key), f"{_show(value)} is not a date (YYYY-MM-DD)")
            return None
        if clinical and self.as_of is not None and day > self.as_of:
            self.add(f.at(key), f"{day} is after as_of ({self.as_of})")
        elif clinical and self.birth_date is not None and day < self.birth_date:
            self.add(f.at(key), f"{day} is before the patient's birth date")
        return day

    def period(self, f: _Fields, *, required: bool = False) -> tuple[dt.date | None, dt.date | None]:
        start = self.date(f, "start", required=required)
        end = self.date(f, "end")
        if start is not None and end is not None and end < start:
            self.add(f.at("end"), f"{end} is before start ({start})")
        return start, end

    def time(self, f: _Fields, key: str) -> dt.time | None:
        value = f.get(key)
        if value is None:
            return None
        if isinstance(value, str) and _TIME.fullmatch(value):
            try:
                return dt.time.fromisoformat(value)
            except ValueError:
                pass
        self.add(f.at(key), f"{_show(value)} is not a time of day (HH:MM)")
        return None


def _child(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _entry_message(message: str, code: ProblemCode) -> str:
    """An entry-gate message; a value held for confirmation says how to confirm it in JSON."""
    if code == ProblemCode.CONFIRM_UNIT:
        return f'{message} If the unit is right, add "unit_confirmed": true.'
    return message


def _float(value: float | None) -> float | None:
    return None if value is None else float(value)


def _int(value: float | None) -> int | None:
    return None if value is None else int(value)


# ---------------------------------------------------------------------------------------------------------
# Writing


def snapshot_to_dict(snapshot: Snapshot, as_of: dt.date) -> dict[str, Any]:
    """The snapshot in the input format of :func:`parse_snapshot`, ready for ``json.dumps``.

    Labs are written as reported (entered value and unit, reference limits converted back to that unit) under
    the LOINC code recorded, or the analyte's primary code, with ``"unit_confirmed": true`` where the value
    needed confirmation; so ``parse_snapshot(snapshot_to_dict(s, d)) == (s, d)`` for any parsed snapshot.
    """
    patient = snapshot.patient
    sex = str(patient.sex)
    return {
        "as_of": as_of.isoformat(),
        "patient": {
            "sex": sex,
            "birth_date": patient.birth_date.isoformat(),
            "ancestry": str(patient.ancestry),
            "pregnant": patient.pregnant,
            "delivery_date": _iso(patient.delivery_date),
            "menstrual_status": _enum(patient.menstrual_status),
        },
        "conditions": sorted(snapshot.conditions),
        "medicines": [
            {
                "name": m.name,
                **_text("name_text", m.name_text),
                "daily_dose_mg": _plain(m.daily_dose_mg),
                "start": _iso(m.start),
                "end": _iso(m.end),
            }
            for m in snapshot.medicines
        ],
        "supplements": [
            {
                "name": s.name,
                **_text("name_text", s.name_text),
                "last_taken": _iso(s.last_taken),
                "start": _iso(s.start),
                "end": _iso(s.end),
            }
            for s in snapshot.supplements
        ],
        "measurements": [_measurement_to_dict(m) for m in snapshot.measurements],
        "labs": [_lab_to_dict(lab, sex) for lab in snapshot.labs],
        "episode": {"onset": _iso(snapshot.episode.onset), "severity": _enum(snapshot.episode.severity)},
        "trials": [_trial_to_dict(t) for t in snapshot.trials],
        "augmentations": [
            {
                "drug": a.drug,
                **_text("drug_text", a.drug_text),
                "daily_dose_mg": _plain(a.daily_dose_mg),
                "start": a.start.isoformat(),
                "end": _iso(a.end),
                "outcome": _enum(a.outcome),
            }
            for a in snapshot.augmentations
        ],
        "ect": [
            {
                "start": c.start.isoformat(),
                "end": _iso(c.end),
                "laterality": str(c.laterality),
                "sessions": c.sessions,
                "outcome": _enum(c.outcome),
            }
            for c in snapshot.ect
        ],
        "phq9": [_score_to_dict(s, difficulty=True) for s in snapshot.phq9],
        "epds": [_score_to_dict(s, difficulty=False) for s in snapshot.epds],
    }


def _measurement_to_dict(m: Measurement) -> dict[str, Any]:
    data: dict[str, Any] = {
        "date": m.date.isoformat(),
        "weight_kg": _plain(m.weight_kg),
        "height_cm": _plain(m.height_cm),
        "waist_cm": _plain(m.waist_cm),
        "systolic": m.systolic,
        "diastolic": m.diastolic,
    }
    if any(check_measurement(key, data[key]) for key in _MEASURES if data[key] is not None):
        data["unit_confirmed"] = True
    return data


def _lab_to_dict(lab: LabValue, sex: str) -> dict[str, Any]:
    analyte = ANALYTES[lab.analyte]
    # The code recorded (1558-6 says "fasting"), else the primary code; the omega-3 index has none.
    code = lab.loinc if lab.loinc in analyte.loinc else (*analyte.loinc, analyte.key)[0]
    comparator = str(lab.comparator) if lab.comparator else None
    data: dict[str, Any] = {
        "analyte": code,
        "value": _plain(lab.entered_value),
        "unit": lab.entered_unit,
        "comparator": comparator,
        "collected": lab.collected.isoformat(),
        "time": _clock(lab.time),
        "fasting": lab.fasting,
        "reference_low": _as_entered(analyte, lab.entered_unit, lab.reference_low),
        "reference_high": _as_entered(analyte, lab.entered_unit, lab.reference_high),
    }
    if check_lab_value(lab.analyte, lab.entered_value, lab.entered_unit, sex=sex, comparator=comparator):
        data["unit_confirmed"] = True
    if lab.source_id is not None:
        data["source_id"] = lab.source_id
    return data


def _as_entered(analyte: Analyte, unit: str, canonical: float | None) -> float | int | None:
    """A canonical reference limit in the unit the result was reported in: the shortest decimal that
    converts back to exactly the stored value (4.0 mmol/L, not 3.9999999999999996)."""
    spec = analyte.unit_spec(unit)
    if canonical is None or spec is None:
        return canonical
    exact = (canonical - spec.offset) * spec.divide / spec.multiply
    for digits in range(16):
        candidate = round(exact, digits)
        if spec.to_canonical(candidate) == canonical:
            return _plain(candidate)
    return exact


def _trial_to_dict(trial: Trial) -> dict[str, Any]:
    data: dict[str, Any] = {"drug": trial.drug, **_text("drug_text", trial.drug_text)}
    periods = [
        {"daily_dose_mg": _plain(p.daily_dose_mg), "start": p.start.isoformat(), "end": _iso(p.end)}
        for p in trial.dose_periods
    ]
    if len(periods) == 1:
        data.update(periods[0])
    else:
        data["doses"] = periods
    data.update(
        {
            "adherence": str(trial.adherence),
            "outcome": _enum(trial.outcome),
            "improvement_pct": _plain(trial.improvement_pct),
        }
    )
    if trial.source_id is not None:
        data["source_id"] = trial.source_id
    return data


def _score_to_dict(score: ScaleScore, *, difficulty: bool) -> dict[str, Any]:
    data: dict[str, Any] = {"date": score.date.isoformat()}
    if score.has_items:
        data["items"] = list(score.items)
    else:
        data["total"] = score.total_only
    if difficulty:
        data["difficulty"] = score.difficulty
    return data


def _text(key: str, text: str) -> dict[str, str]:
    """The free-text name of an "other" drug, written only when there is one."""
    return {key: text} if text else {}


def _iso(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _clock(time: dt.time | None) -> str | None:
    if time is None:
        return None
    return time.strftime("%H:%M") if time.second == 0 and time.microsecond == 0 else time.isoformat()


def _enum(value: StrEnum | None) -> str | None:
    return None if value is None else str(value)


def _plain(number: float | None) -> float | int | None:
    """48.0 -> 48 (JSON reads the same number either way; the integer is what people write)."""
    if number is None:
        return None
    return int(number) if float(number).is_integer() and abs(number) < 2**53 else number
