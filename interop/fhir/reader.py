"""Reading FHIR R4 resources into the app's terms: one patient's demographics, lab results, PHQ-9 scores,
antidepressant trials, other medicines and intake conditions, and every entry that cannot be used, with why.

Pure Python (no Django): the importer (:mod:`interop.services`) and the CDS Hooks service
(:mod:`interop.cds`) both call :func:`read_bundle` / :func:`read_entries`, so a resource is read the same way
whether it is stored or only screened. Every resource is validated with the ``fhir.resources.R4B`` models
first; laboratory values then pass the app's one set of entry gates
(:func:`screening.rules.analytes.check_lab_value`: accepted unit, plausibility, unit mix-up), exactly as in
the lab panel form. Nothing is dropped silently: an entry that cannot be used becomes a :class:`Problem`.

Dates are taken as the source wrote them: ``2024-05-01T23:30:00-05:00`` is 1 May at 23:30 (the local date
and time of the sample, not converted to this server's time zone).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.medication import Medication
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.medicationstatement import MedicationStatement
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.patient import Patient
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from pydantic import ValidationError

from screening.rules import analytes
from screening.rules.drugs import ANTIDEPRESSANTS, MEDICINES, OTHER_ANTIDEPRESSANT, max_plausible_dose_mg
from screening.rules.json_io import CONDITIONS

from .. import rxnorm
from . import codes

#: The largest bundle accepted, in bytes (uploads, the management command and CDS Hooks requests).
MAX_BUNDLE_BYTES = 5 * 1024 * 1024

# LabResult.value is Decimal(max_digits=14, decimal_places=4), as in the lab panel form.
VALUE_DECIMAL_PLACES = 4
VALUE_INTEGER_DIGITS = 10
SOURCE_IDENTIFIER_MAX = 200  # LabResult.source_identifier / ScaleScore.source_identifier
LABORATORY_MAX = 200
NOTE_MAX = 300

_MODELS = {
    "Patient": Patient,
    "Observation": Observation,
    "QuestionnaireResponse": QuestionnaireResponse,
    "MedicationStatement": MedicationStatement,
    "MedicationRequest": MedicationRequest,
    "Medication": Medication,
    "Condition": Condition,
}
_LAB_STATUSES = frozenset({"final", "amended", "corrected"})
_QR_STATUSES = frozenset({"completed", "amended"})
_MEDICATION_STATUSES = frozenset({"active", "completed", "stopped", "on-hold"})
_ENDED_STATUSES = frozenset({"completed", "stopped"})
_REQUEST_INTENTS = frozenset({"order", "original-order", "reflex-order", "filler-order", "instance-order", "plan"})
_COMPARATORS = frozenset({"<", "<=", ">", ">="})
_BUNDLE_TYPES = frozenset(
    {
        "document",
        "message",
        "transaction",
        "transaction-response",
        "batch",
        "batch-response",
        "history",
        "searchset",
        "collection",
    }
)
_PERIOD_DAYS = {"h": Decimal(1) / Decimal(24), "d": Decimal(1), "wk": Decimal(7)}
_DOSE_PLACES = Decimal("0.01")  # DosePeriod.daily_dose_mg has two decimal places
_VITAMIN_D_LEGACY = "1989-3"


class BundleError(ValueError):
    """The upload as a whole cannot be read. ``problems`` are field-specific messages (``entry[2].resource:
    ...``); like :class:`screening.rules.json_io.SnapshotError`, ``str()`` gives only their number (log that)."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        count = len(self.problems)
        super().__init__(f"the bundle has {count} problem{'' if count == 1 else 's'}")


class Code:
    """Stable reason codes of :class:`Problem` (the entry-gate codes of ``check_lab_value`` are used as they are)."""

    INVALID = "invalid"
    WRONG_TYPE = "wrong_resource_type"
    UNKNOWN_CODE = "unknown_code"
    OTHER_PATIENT = "other_patient"
    MISSING_DATE = "missing_date"
    DATE = "date"
    NO_VALUE = "no_value"
    NOT_FINAL = "not_final"
    DOSE = "dose"
    DUPLICATE = "duplicate"
    UNSUPPORTED = "unsupported"
    NOT_IMPORTED = "not_imported"
    ALREADY_IMPORTED = "already_imported"


@dataclass(frozen=True)
class Problem:
    """Why one entry is not used. ``where`` is its position (``entry[3]``), ``resource`` its type and id,
    ``field`` the element at fault (may be empty), ``reason`` a complete sentence."""

    where: str
    resource: str
    field: str
    reason: str
    code: str

    @property
    def path(self) -> str:
        return f"{self.where}.resource.{self.field}" if self.field else self.where


@dataclass(frozen=True)
class PatientFacts:
    """What the entry gates need to know about the patient (sex for testosterone, the birth date)."""

    sex: str | None = None
    birth_date: dt.date | None = None


@dataclass(frozen=True)
class PatientData:
    where: str
    mrn: str | None
    given_name: str
    family_name: str
    birth_date: dt.date | None
    sex: str | None
    ancestry: str = ""
    pregnancy_status: str = ""
    delivery_date: dt.date | None = None
    menstrual_status: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class LabItem:
    where: str
    resource: str
    source_identifier: str
    analyte: str
    loinc: str
    value: Decimal
    unit: str  # UCUM code as accepted by the analyte
    comparator: str
    collected_on: dt.date
    collected_at: dt.time | None
    fasting: str  # "yes", "no" or "unknown"
    reference_low: Decimal | None
    reference_high: Decimal | None
    laboratory: str
    note: str
    canonical_value: float
    canonical_unit: str
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScoreItem:
    where: str
    resource: str
    source_identifier: str
    administered_on: dt.date
    items: tuple[int, ...]
    total: int
    difficulty: int | None = None
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class DoseItem:
    daily_dose_mg: Decimal
    start: dt.date
    end: dt.date | None


@dataclass(frozen=True)
class TrialItem:
    where: str
    resource: str
    source_identifier: str
    drug: str
    drug_text: str
    periods: tuple[DoseItem, ...]
    adherence: str = "unknown"
    outcome: str = ""
    improvement_pct: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def start(self) -> dt.date:
        return self.periods[0].start

    @property
    def end(self) -> dt.date | None:
        return self.periods[-1].end


@dataclass(frozen=True)
class MedicineItem:
    """A catalogue medicine that is not an antidepressant: read for CDS screening, not imported."""

    where: str
    resource: str
    name: str
    start: dt.date | None
    end: dt.date | None
    daily_dose_mg: float | None = None


@dataclass(frozen=True)
class EpisodeItem:
    where: str
    onset: dt.date | None
    severity: str


@dataclass(frozen=True)
class ParsedBundle:
    patient: PatientData | None
    labs: tuple[LabItem, ...] = ()
    scores: tuple[ScoreItem, ...] = ()
    trials: tuple[TrialItem, ...] = ()
    medicines: tuple[MedicineItem, ...] = ()
    conditions: tuple[str, ...] = ()
    condition_entries: tuple[str, ...] = ()
    episode: EpisodeItem | None = None
    problems: tuple[Problem, ...] = ()
    entry_count: int = 0


@dataclass(frozen=True)
class Entry:
    """One resource to read: its position for messages, its fullUrl (may be empty) and the decoded JSON."""

    where: str
    full_url: str
    resource: Any


# ---------------------------------------------------------------------------------------------------------
# JSON text and the bundle


def decode_json(raw: bytes | str) -> Any:
    """The decoded JSON of an upload; :class:`BundleError` when too large, not UTF-8 or not JSON."""
    size = len(raw.encode() if isinstance(raw, str) else raw)
    if size > MAX_BUNDLE_BYTES:
        raise BundleError([f"file: {size:,} bytes is more than the {MAX_BUNDLE_BYTES // (1024 * 1024)} MB limit"])
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise BundleError(["file: is not UTF-8 text (FHIR JSON is always UTF-8)"]) from None
    try:
        return json.loads(raw, parse_float=Decimal)
    except json.JSONDecodeError as error:
        raise BundleError([f"file: malformed JSON at line {error.lineno}, column {error.colno}: {error.msg}"]) from None
    except RecursionError:
        raise BundleError(["file: malformed JSON: nested too deeply"]) from None


def read_bundle(data: Any, *, today: dt.date, known: PatientFacts | None = None) -> ParsedBundle:
    """Read a decoded Bundle for one patient. Raises :class:`BundleError` when the bundle as a whole is unusable
    (not a Bundle, invalid Bundle elements, no entries, more than one Patient); problems with single entries
    are returned in ``problems``. ``known`` gives the sex and birth date of the patient the upload is for."""
    if not isinstance(data, Mapping):
        raise BundleError(["resourceType: the file is not a JSON object; upload a FHIR Bundle"])
    kind = data.get("resourceType")
    if kind != "Bundle":
        shown = json.dumps(kind, default=str) if kind is not None else "missing"
        raise BundleError([f'resourceType: is {shown}; upload a FHIR Bundle (resourceType "Bundle")'])
    raw_entries = data.get("entry")
    if raw_entries is not None and not isinstance(raw_entries, list):
        raise BundleError(["entry: is not a list"])
    shell = {key: value for key, value in data.items() if key != "entry"}
    shell["entry"] = [
        {key: value for key, value in e.items() if key != "resource"} if isinstance(e, Mapping) else e
        for e in raw_entries or []
    ]
    problems = validation_problems(Bundle, shell, prefix="")
    if not problems and data.get("type") not in _BUNDLE_TYPES:
        problems.append(f"type: {json.dumps(data.get('type'), default=str)} is not a Bundle type")
    if problems:
        raise BundleError(problems)
    if not raw_entries:
        raise BundleError(["entry: the bundle has no entries"])
    entries = [
        Entry(f"entry[{index}]", str(e.get("fullUrl") or ""), e.get("resource")) for index, e in enumerate(raw_entries)
    ]
    return read_entries(entries, today=today, known=known)


def read_entries(
    entries: list[Entry],
    *,
    today: dt.date,
    known: PatientFacts | None = None,
    patient_reference: str | None = None,
) -> ParsedBundle:
    """Read resources of one patient. ``patient_reference`` ("Patient/123") names the patient when no Patient
    resource is among the entries (CDS Hooks gives it in the context)."""
    return _Reader(today=today, known=known, patient_reference=patient_reference).read(entries)


def validation_problems(model: type, data: Any, *, prefix: str) -> list[str]:
    """The R4 model's complaints about ``data``, one line each with the element path (empty when valid)."""
    try:
        model.model_validate(data)
    except ValidationError as error:
        return [f"{_join_path(prefix, _loc(e['loc']))}: {_first_line(e['msg'])}" for e in error.errors()[:20]]
    except Exception as error:  # the library can fail with KeyError etc. on odd input
        return [f"{prefix or 'resource'}: could not be read as FHIR R4 ({type(error).__name__})"]
    return []


def _loc(parts: Iterable[Any]) -> str:
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path or "resource"
    return f"{prefix}.{path}" if path else prefix


def _first_line(message: str) -> str:
    return " ".join(str(message).split())[:300]


# ---------------------------------------------------------------------------------------------------------
# Small readers


def codings(concept) -> list[tuple[str, str, str]]:
    """(system, code, display) of every coding of a CodeableConcept model (empty for None)."""
    if concept is None:
        return []
    return [(c.system or "", c.code or "", c.display or "") for c in concept.coding or []]


def concept_text(concept) -> str:
    if concept is None:
        return ""
    return concept.text or next((c.display for c in concept.coding or [] if c.display), "") or ""


def _codes_in(concept, system: str) -> list[str]:
    return [code for sys, code, _ in codings(concept) if sys == system and code]


def _date_and_time(value: Any) -> tuple[dt.date | None, dt.time | None]:
    """A FHIR date/dateTime as the source wrote it; partial dates (2024-05, 2024) give no date."""
    if isinstance(value, dt.datetime):
        return value.date(), value.time().replace(tzinfo=None)
    if isinstance(value, dt.date):
        return value, None
    return None, None


def _extension(resource, url: str):
    for extension in getattr(resource, "extension", None) or []:
        if extension.url == url:
            return extension
    return None


def _ext_code(resource, url: str) -> str:
    extension = _extension(resource, url)
    if extension is None:
        return ""
    return str(extension.valueCode or extension.valueString or "")


def _source_identifier(resource, full_url: str, kind: str, raw: Any) -> str:
    """What identifies the resource across imports: its first identifier (system|value), else its fullUrl,
    else Type/id, else a digest of its content. Longer than the column: a digest of that text."""
    text = ""
    for identifier in getattr(resource, "identifier", None) or []:
        if identifier.value:
            text = f"{identifier.system}|{identifier.value}" if identifier.system else identifier.value
            break
    if not text and full_url:
        text = full_url
    if not text and getattr(resource, "id", None):
        text = f"{kind}/{resource.id}"
    if not text:
        text = json.dumps(raw, sort_keys=True, default=str)
    if len(text) > SOURCE_IDENTIFIER_MAX or text.startswith("{"):
        text = "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def _decimal_problem(value: Decimal) -> str:
    exponent = value.as_tuple().exponent
    if not isinstance(exponent, int):
        return "is not a finite number"
    if -exponent > VALUE_DECIMAL_PLACES and value != value.quantize(Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)):
        return f"has more than {VALUE_DECIMAL_PLACES} decimal places"
    if value.adjusted() >= VALUE_INTEGER_DIGITS:
        return "is too large"
    return ""


def _plain_decimal(value: Decimal) -> Decimal:
    """Trailing zeros removed without an exponent: 6.1000 -> 6.1, 100 -> 100."""
    value = value.quantize(Decimal(1).scaleb(-VALUE_DECIMAL_PLACES)) if value.as_tuple().exponent < -4 else value
    normal = value.normalize()
    return normal.quantize(Decimal(1)) if normal.as_tuple().exponent > 0 else normal


_WORD = re.compile(r"[a-z0-9]+")
_RELEASE_WORDS = frozenset({"cr", "er", "xr", "xl", "controlled", "extended", "modified"})


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _contains_phrase(words: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


_AD_PHRASES = {
    key: key.split("_") for key in ANTIDEPRESSANTS if not key.endswith("_cr") and key != "selegiline_transdermal"
}
_MEDICINE_PHRASES = {
    key: key.replace("_oral", "").replace("_transdermal", "").replace("_inhaled", "").split("_") for key in MEDICINES
}


def match_drug_text(text: str) -> tuple[str, str] | None:
    """(``"antidepressant"`` or ``"medicine"``, catalogue key) for a drug named in free text, else None.

    Generic names only, as whole words ("Sertraline 50 MG Oral Tablet" -> sertraline); a controlled- or
    extended-release paroxetine or fluvoxamine is the CR row; selegiline counts only when transdermal.
    Text naming two different catalogue drugs is not matched (None): nothing is guessed.
    """
    words = _words(text)
    if not words:
        return None
    if {"olanzapine", "fluoxetine"} <= set(words):
        return "medicine", "olanzapine_fluoxetine"  # the combination, recorded as an augmentation agent
    found: set[tuple[str, str]] = set()
    for key, phrase in _AD_PHRASES.items():
        if _contains_phrase(words, phrase):
            if key in ("paroxetine", "fluvoxamine") and _RELEASE_WORDS & set(words):
                key = f"{key}_cr"
            found.add(("antidepressant", key))
    if "selegiline" in words and ({"transdermal", "patch"} & set(words)):
        found.add(("antidepressant", "selegiline_transdermal"))
    if not found:
        for key, phrase in _MEDICINE_PHRASES.items():
            if _contains_phrase(words, phrase):
                found.add(("medicine", key))
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------------------
# The reader


@dataclass
class _Validated:
    entry: Entry
    kind: str
    model: Any
    label: str


@dataclass
class _State:
    labs: list[LabItem] = field(default_factory=list)
    scores: list[ScoreItem] = field(default_factory=list)
    trials: list[TrialItem] = field(default_factory=list)
    medicines: list[MedicineItem] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    condition_entries: list[str] = field(default_factory=list)
    episode: EpisodeItem | None = None
    problems: list[Problem] = field(default_factory=list)


class _Reader:
    def __init__(self, *, today: dt.date, known: PatientFacts | None, patient_reference: str | None) -> None:
        self.today = today
        self.known = known
        self.patient_keys: set[str] = set()
        self.subject: str | None = patient_reference
        if patient_reference:
            self.patient_keys.add(patient_reference)
        self.sex: str | None = known.sex if known else None
        self.birth_date: dt.date | None = known.birth_date if known else None
        self.state = _State()
        self.index: dict[str, _Validated] = {}
        self.consumed: set[int] = set()
        self.seen_sources: dict[str, str] = {}

    def problem(self, item: _Validated | Entry, reason: str, code: str, field: str = "") -> None:
        if isinstance(item, _Validated):
            where, label = item.entry.where, item.label
        else:
            where, label = item.where, _label_of(item.resource, item.full_url)
        self.state.problems.append(Problem(where, label, field, reason, code))

    # -- dispatch --------------------------------------------------------------------------------------

    def read(self, entries: list[Entry]) -> ParsedBundle:
        validated = [v for v in (self.validate(entry) for entry in entries) if v is not None]
        for item in validated:
            self.register(item)
        patients = [v for v in validated if v.kind == "Patient"]
        if len(patients) > 1:
            where = ", ".join(p.entry.where for p in patients)
            raise BundleError([f"entry: the bundle holds {len(patients)} Patient resources ({where}); one per bundle"])
        patient = self.patient(patients[0]) if patients else None
        observations = [v for v in validated if v.kind == "Observation"]
        # Panels first, so that the results they group are read as part of them.
        for item in observations:
            if codes.PHQ9_PANEL in _codes_in(item.model.code, codes.LOINC):
                self.phq9_panel(item)
        for item in validated:
            if id(item) in self.consumed or item.kind == "Patient":
                continue
            if item.kind == "Observation":
                self.observation(item)
            elif item.kind == "QuestionnaireResponse":
                self.questionnaire_response(item)
            elif item.kind in ("MedicationStatement", "MedicationRequest"):
                self.medication_use(item)
            elif item.kind == "Condition":
                self.condition(item)
            elif item.kind == "Medication":
                continue  # read through the statements that reference it; unreferenced ones are reported below
        for item in validated:
            if item.kind == "Medication" and id(item) not in self.consumed:
                reason = "A Medication resource that no medication statement or request refers to."
                self.problem(item, reason, Code.UNSUPPORTED)
        s = self.state
        return ParsedBundle(
            patient=patient,
            labs=tuple(s.labs),
            scores=tuple(s.scores),
            trials=tuple(s.trials),
            medicines=tuple(s.medicines),
            conditions=tuple(dict.fromkeys(s.conditions)),
            condition_entries=tuple(s.condition_entries),
            episode=s.episode,
            problems=tuple(sorted(s.problems, key=lambda p: _entry_number(p.where))),
            entry_count=len(entries),
        )

    def validate(self, entry: Entry) -> _Validated | None:
        raw = entry.resource
        if not isinstance(raw, Mapping):
            self.state.problems.append(Problem(entry.where, "", "", "The entry has no resource.", Code.INVALID))
            return None
        kind = raw.get("resourceType")
        label = _label_of(raw, entry.full_url)
        model_class = _MODELS.get(kind) if isinstance(kind, str) else None
        if model_class is None:
            shown = kind if isinstance(kind, str) else "no resourceType"
            self.state.problems.append(
                Problem(entry.where, label, "resourceType", f"{shown} resources are not imported.", Code.WRONG_TYPE)
            )
            return None
        try:
            model = model_class.model_validate(raw)
        except ValidationError as error:
            reasons = "; ".join(f"{_loc(e['loc']) or 'resource'}: {_first_line(e['msg'])}" for e in error.errors()[:5])
            first = _loc(error.errors()[0]["loc"]) if error.errors() else ""
            self.state.problems.append(
                Problem(entry.where, label, first, f"Not valid FHIR R4 {kind}: {reasons}", Code.INVALID)
            )
            return None
        except Exception as error:  # the library can fail with KeyError etc. on odd input
            reason = f"Could not be read as FHIR R4 {kind} ({type(error).__name__})."
            self.state.problems.append(Problem(entry.where, label, "", reason, Code.INVALID))
            return None
        return _Validated(entry, kind, model, label)

    def register(self, item: _Validated) -> None:
        keys = {item.entry.full_url} if item.entry.full_url else set()
        if item.model.id:
            keys.add(f"{item.kind}/{item.model.id}")
        for key in keys:
            self.index[key] = item

    def resolve(self, reference: str | None) -> _Validated | None:
        if not reference:
            return None
        if reference in self.index:
            return self.index[reference]
        parts = reference.rstrip("/").split("/")
        if len(parts) >= 2:
            return self.index.get(f"{parts[-2]}/{parts[-1]}")
        return None

    def is_patients(self, reference) -> bool:
        """Does a subject reference point to this bundle's patient?"""
        text = (reference.reference or "") if reference is not None else ""
        if not text:
            return False
        if text in self.patient_keys:
            return True
        parts = text.rstrip("/").split("/")
        if len(parts) >= 2 and f"{parts[-2]}/{parts[-1]}" in self.patient_keys:
            return True
        if self.subject is None:
            # No Patient resource: the first subject names the patient; others are someone else's.
            self.subject = text
            self.patient_keys.add(text)
            return True
        return False

    def subject_ok(self, item: _Validated, reference, field: str = "subject") -> bool:
        if reference is None or not reference.reference:
            self.problem(item, "Has no subject, so it cannot be told whose result it is.", Code.OTHER_PATIENT, field)
            return False
        if not self.is_patients(reference):
            self.problem(item, f"Belongs to another patient ({reference.reference}).", Code.OTHER_PATIENT, field)
            return False
        return True

    def once(self, item: _Validated, source_identifier: str) -> bool:
        """A resource given twice in one bundle is read once."""
        first = self.seen_sources.get(source_identifier)
        if first is not None:
            self.problem(item, f"The same resource as {first} (identifier {source_identifier}).", Code.DUPLICATE)
            return False
        self.seen_sources[source_identifier] = item.entry.where
        return True

    def clinical_date(self, item: _Validated, day: dt.date | None, field: str, what: str) -> bool:
        if day is None:
            reason = f"Has no full {what} date (a year and month alone are not enough)."
            self.problem(item, reason, Code.MISSING_DATE, field)
            return False
        if day > self.today:
            self.problem(item, f"The {what} date {day} is in the future.", Code.DATE, field)
            return False
        if self.birth_date is not None and day < self.birth_date:
            self.problem(item, f"The {what} date {day} is before the patient's birth date.", Code.DATE, field)
            return False
        return True

    # -- Patient ---------------------------------------------------------------------------------------

    def patient(self, item: _Validated) -> PatientData:
        model = item.model
        if model.id:
            self.patient_keys.add(f"Patient/{model.id}")
        if item.entry.full_url:
            self.patient_keys.add(item.entry.full_url)
        self.subject = self.subject or next(iter(self.patient_keys), None) or "Patient"
        notes: list[str] = []
        sex = {"F": "female", "M": "male"}.get(_ext_code(model, codes.US_CORE_BIRTH_SEX))
        if sex is None and model.gender in ("male", "female"):
            sex = model.gender
            notes.append("Sex at birth is taken from the administrative gender; check it.")
        birth, _ = _date_and_time(model.birthDate)
        name = next((n for n in model.name or [] if n.use == "official"), None) or next(iter(model.name or []), None)
        given = " ".join(name.given or []) if name else ""
        family = (name.family or "") if name else ""
        mrn = _mrn(model)
        if self.known is None:
            self.sex, self.birth_date = sex, birth
        delivery_extension = _extension(model, codes.EXT_DELIVERY_DATE)
        delivery = _date_and_time(delivery_extension.valueDate)[0] if delivery_extension is not None else None
        return PatientData(
            where=item.entry.where,
            mrn=mrn,
            given_name=given.strip(),
            family_name=family.strip(),
            birth_date=birth,
            sex=sex,
            ancestry=_ext_code(model, codes.EXT_ANCESTRY),
            pregnancy_status=_ext_code(model, codes.EXT_PREGNANCY),
            delivery_date=delivery,
            menstrual_status=_ext_code(model, codes.EXT_MENSTRUAL_STATUS),
            notes=tuple(notes),
        )

    # -- Observations: laboratory results --------------------------------------------------------------

    def observation(self, item: _Validated) -> None:
        obs = item.model
        loinc_codes = _codes_in(obs.code, codes.LOINC)
        if codes.PHQ9_TOTAL in loinc_codes:
            self.phq9_total(item)
            return
        if set(loinc_codes) & codes.PHQ9_CODES:
            self.problem(
                item,
                "A PHQ-9 item outside a PHQ-9 panel (44249-1); send the panel with its items, or the total (44261-6).",
                Code.UNSUPPORTED,
                "code",
            )
            return
        analyte, loinc, notes = self.analyte_of(obs)
        if analyte is None:
            self.unknown_observation(item, loinc_codes)
            return
        if obs.status not in _LAB_STATUSES:
            self.problem(item, f"Status is {obs.status}; only final results are imported.", Code.NOT_FINAL, "status")
            return
        if not self.subject_ok(item, obs.subject):
            return
        lab = self.lab_value(item, obs, analyte, loinc, notes)
        if lab is not None and self.once(item, lab.source_identifier):
            self.state.labs.append(lab)

    def analyte_of(self, obs) -> tuple[analytes.Analyte | None, str, list[str]]:
        for code in _codes_in(obs.code, codes.LOINC):
            analyte = analytes.find_analyte(code)
            if analyte is not None and code in analyte.loinc:
                notes = []
                if code == _VITAMIN_D_LEGACY:
                    notes.append("LOINC 1989-3 is read as 25-OH vitamin D; some tables define it as vitamin D3 only.")
                return analyte, code, notes
        for code in _codes_in(obs.code, codes.ANALYTE_SYSTEM):
            if code in analytes.ANALYTES:
                analyte = analytes.ANALYTES[code]
                return analyte, analyte.loinc[0] if analyte.loinc else "", []
        return None, "", []

    def unknown_observation(self, item: _Validated, loinc_codes: list[str]) -> None:
        obs = item.model
        name = concept_text(obs.code)
        if any(code in analytes.MEASUREMENT_LOINC for code in loinc_codes):
            reason = f"{name or 'A vital sign'} is a body measurement; enter measurements on the patient page."
            self.problem(item, reason, Code.NOT_IMPORTED, "code")
        elif obs.hasMember and obs.valueQuantity is None:
            reason = (
                f"{name or 'A panel'} groups other results and has no value of its own; "
                "its results are listed separately."
            )
            self.problem(item, reason, Code.UNSUPPORTED, "hasMember")
        elif loinc_codes:
            shown = ", ".join(loinc_codes)
            reason = f"LOINC {shown}{f' ({name})' if name else ''} is not an analyte this app screens."
            self.problem(item, reason, Code.UNKNOWN_CODE, "code")
        else:
            reason = f"{name or 'The result'} has no LOINC code; labs are matched by LOINC only."
            self.problem(item, reason, Code.UNKNOWN_CODE, "code")

    def lab_value(
        self, item: _Validated, obs, analyte: analytes.Analyte, loinc: str, notes: list[str]
    ) -> LabItem | None:
        quantity = obs.valueQuantity
        if quantity is None or quantity.value is None:
            if obs.dataAbsentReason is not None:
                reason = f"Has no value ({concept_text(obs.dataAbsentReason) or 'data absent'})."
            elif any(getattr(obs, f"value{k}", None) is not None for k in ("String", "CodeableConcept", "Integer")):
                reason = "The value is not a quantity with a unit (valueQuantity); it cannot be checked or converted."
            else:
                reason = "Has no value."
            self.problem(item, reason, Code.NO_VALUE, "valueQuantity")
            return None
        comparator = quantity.comparator or ""
        if comparator and comparator not in _COMPARATORS:
            reason = f'The comparator "{comparator}" is not supported.'
            self.problem(item, reason, Code.UNSUPPORTED, "valueQuantity.comparator")
            return None
        value = Decimal(quantity.value)
        problem = _decimal_problem(value)
        if problem:
            self.problem(item, f"The value {problem}.", Code.INVALID, "valueQuantity.value")
            return None
        unit = _accepted_unit(analyte, quantity) or (quantity.code or quantity.unit or "")
        day, time = self.effective(obs)
        if not self.clinical_date(item, day, "effectiveDateTime", "collection"):
            return None
        gate = analytes.check_lab_value(analyte.key, float(value), unit, sex=self.sex, comparator=comparator or None)
        if gate:
            unit_refused = gate[0].code == analytes.ProblemCode.UNIT_NOT_ACCEPTED
            field = "valueQuantity.unit" if unit_refused else "valueQuantity.value"
            self.problem(item, " ".join(p.message for p in gate), str(gate[0].code), field)
            return None
        spec = analyte.unit_spec(unit)
        fasting = "unknown"
        extension = _extension(obs, codes.EXT_FASTING)
        if extension is not None and extension.valueBoolean is not None:
            fasting = "yes" if extension.valueBoolean else "no"
        if analytes.loinc_implies_fasting(loinc):
            if fasting == "no":
                reason = f"Marked not fasting, but LOINC {loinc} is a fasting sample."
                self.problem(item, reason, Code.INVALID, "extension")
                return None
            fasting = "yes"
        low, high = self.reference_range(obs, analyte, spec.unit, notes)
        laboratory = next((p.display for p in obs.performer or [] if p.display), "") or ""
        note = " ".join(n.text for n in obs.note or [] if n.text)
        if len(laboratory) > LABORATORY_MAX:
            laboratory = laboratory[: LABORATORY_MAX - 1] + "…"
            notes.append("The laboratory name was shortened.")
        if len(note) > NOTE_MAX:
            note = note[: NOTE_MAX - 1] + "…"
            notes.append(f"The note was shortened to {NOTE_MAX} characters.")
        return LabItem(
            where=item.entry.where,
            resource=item.label,
            source_identifier=_source_identifier(obs, item.entry.full_url, "Observation", item.entry.resource),
            analyte=analyte.key,
            loinc=loinc,
            value=_plain_decimal(value),
            unit=spec.unit,
            comparator=comparator,
            collected_on=day,
            collected_at=time,
            fasting=fasting,
            reference_low=low,
            reference_high=high,
            laboratory=laboratory,
            note=note,
            canonical_value=spec.to_canonical(float(value)),
            canonical_unit=analyte.canonical_unit,
            notes=tuple(notes),
        )

    def effective(self, resource) -> tuple[dt.date | None, dt.time | None]:
        value = getattr(resource, "effectiveDateTime", None)
        if value is None and getattr(resource, "effectivePeriod", None) is not None:
            value = resource.effectivePeriod.start
        if value is None and getattr(resource, "effectiveInstant", None) is not None:
            value = resource.effectiveInstant
        return _date_and_time(value)

    def reference_range(
        self, obs, analyte: analytes.Analyte, unit: str, notes: list[str]
    ) -> tuple[Decimal | None, Decimal | None]:
        ranges = [r for r in obs.referenceRange or [] if r.low is not None or r.high is not None]
        if not ranges:
            return None, None
        limits: list[Decimal | None] = []
        for quantity in (ranges[0].low, ranges[0].high):
            if quantity is None or quantity.value is None:
                limits.append(None)
                continue
            limit_unit = _accepted_unit(analyte, quantity)
            if limit_unit is None:
                written = quantity.code or quantity.unit or "no unit"
                notes.append(
                    f"The reference range was not kept: its unit ({written}) is not accepted for {analyte.in_sentence}."
                )
                return None, None
            number = Decimal(quantity.value)
            if limit_unit != unit:
                converted = analytes.convert(analyte.key, float(number), limit_unit, unit)
                number = Decimal(str(converted)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
                notes.append(f"The reference range was converted from {analytes.unit_label(limit_unit)}.")
            if _decimal_problem(number) or number < 0:
                notes.append("The reference range was not kept: a limit is not a usable number.")
                return None, None
            limits.append(_plain_decimal(number))
        low, high = limits
        if low is not None and high is not None and low > high:
            notes.append("The reference range was not kept: its lower limit is above the upper one.")
            return None, None
        return low, high

    # -- PHQ-9 -----------------------------------------------------------------------------------------

    def phq9_panel(self, item: _Validated) -> None:
        obs = item.model
        self.consumed.add(id(item))
        answers: dict[str, Any] = {}
        for component in obs.component or []:
            for code in _codes_in(component.code, codes.LOINC):
                answers[code] = component
        for member in obs.hasMember or []:
            target = self.resolve(member.reference)
            if target is None or target.kind != "Observation":
                continue
            self.consumed.add(id(target))
            for code in _codes_in(target.model.code, codes.LOINC):
                answers.setdefault(code, target.model)
        if obs.valueInteger is not None or obs.valueQuantity is not None:
            answers.setdefault(codes.PHQ9_TOTAL, obs)
        if obs.status not in _LAB_STATUSES:
            self.problem(item, f"Status is {obs.status}; only final scores are imported.", Code.NOT_FINAL, "status")
            return
        if not self.subject_ok(item, obs.subject):
            return
        day, _ = self.effective(obs)
        if not self.clinical_date(item, day, "effectiveDateTime", "administration"):
            return
        scores = {code: _answer(value) for code, value in answers.items()}
        self.add_score(item, obs, day, scores)

    def phq9_total(self, item: _Validated) -> None:
        obs = item.model
        if obs.status not in _LAB_STATUSES:
            self.problem(item, f"Status is {obs.status}; only final scores are imported.", Code.NOT_FINAL, "status")
            return
        if not self.subject_ok(item, obs.subject):
            return
        day, _ = self.effective(obs)
        if not self.clinical_date(item, day, "effectiveDateTime", "administration"):
            return
        self.add_score(item, obs, day, {codes.PHQ9_TOTAL: _answer(obs)})

    def questionnaire_response(self, item: _Validated) -> None:
        response = item.model
        answers: dict[str, int | None] = {}
        for link_id, answer in _flatten_answers(response.item or []):
            code = _phq9_code_of(link_id)
            if code is not None:
                answers[code] = _answer_of_qr(answer)
        questionnaire = (response.questionnaire or "").lower()
        if not answers and not ("44249-1" in questionnaire or "phq" in questionnaire):
            reason = "Not a PHQ-9 questionnaire response (no PHQ-9 item codes)."
            self.problem(item, reason, Code.WRONG_TYPE, "questionnaire")
            return
        if response.status not in _QR_STATUSES:
            reason = f"Status is {response.status}; only completed responses are imported."
            self.problem(item, reason, Code.NOT_FINAL, "status")
            return
        if not self.subject_ok(item, response.subject):
            return
        day, _ = _date_and_time(response.authored)
        if not self.clinical_date(item, day, "authored", "completion"):
            return
        self.add_score(item, response, day, answers)

    def add_score(self, item: _Validated, resource, day: dt.date, answers: Mapping[str, int | None]) -> None:
        notes: list[str] = []
        items = [answers.get(code) for code in codes.PHQ9_ITEMS]
        given = [value for value in items if value is not None]
        bad = [
            f"item {n}"
            for n, (code, value) in enumerate(zip(codes.PHQ9_ITEMS, items, strict=True), 1)
            if code in answers and (value is None or not 0 <= value <= 3)
        ]
        if bad:
            self.problem(item, f"PHQ-9 {', '.join(bad)}: not an answer from 0 to 3.", Code.INVALID, "component")
            return
        total = answers.get(codes.PHQ9_TOTAL)
        if codes.PHQ9_TOTAL in answers and (total is None or analytes.check_score("phq9", total)):
            self.problem(item, "The PHQ-9 total is not a whole number from 0 to 27.", Code.INVALID, "value")
            return
        difficulty = answers.get(codes.PHQ9_DIFFICULTY)
        if difficulty is not None and not 0 <= difficulty <= 3:
            difficulty = None
            notes.append("The difficulty answer was not read.")
        if len(given) == len(codes.PHQ9_ITEMS):
            if total is not None and total != sum(given):
                reason = f"The total {total} is not the sum of the items ({sum(given)})."
                self.problem(item, reason, Code.INVALID, "value")
                return
            score_items, score_total = tuple(given), sum(given)
        elif total is not None:
            if given:
                notes.append(f"Only {len(given)} of the 9 items were given; the score is kept as a total.")
            score_items, score_total, difficulty = (), total, None
        else:
            self.problem(item, f"Has {len(given)} of the 9 PHQ-9 items and no total.", Code.NO_VALUE, "component")
            return
        source = _source_identifier(resource, item.entry.full_url, item.kind, item.entry.resource)
        if not self.once(item, source):
            return
        self.state.scores.append(
            ScoreItem(item.entry.where, item.label, source, day, score_items, score_total, difficulty, tuple(notes))
        )

    # -- medicines ---------------------------------------------------------------------------------------

    def medication_use(self, item: _Validated) -> None:
        res = item.model
        is_request = item.kind == "MedicationRequest"
        concept = res.medicationCodeableConcept
        if res.medicationReference is not None:
            concept = self.medication_concept(item, res.medicationReference.reference)
        match = self.match_drug(concept)
        name = concept_text(concept) or "The medicine"
        if match is None:
            if concept is None:
                self.problem(item, "Names no medicine.", Code.UNKNOWN_CODE, "medication")
            else:
                reason = f"{name} is not an antidepressant or medicine in the app's catalogues."
                self.problem(item, reason, Code.UNKNOWN_CODE, "medication")
            return
        kind, key, drug_text = match
        if res.status not in _MEDICATION_STATUSES:
            self.problem(item, f"Status is {res.status}; only taken medicines are imported.", Code.NOT_FINAL, "status")
            return
        if is_request and res.intent not in _REQUEST_INTENTS:
            self.problem(item, f"Intent is {res.intent}; only orders and plans are read.", Code.NOT_FINAL, "intent")
            return
        if not self.subject_ok(item, res.subject):
            return
        notes: list[str] = []
        if is_request:
            notes.append("From a prescription (MedicationRequest): adherence is unknown.")
        start, end = self.medication_period(res, is_request)
        ended = res.status in _ENDED_STATUSES
        if end is not None and end > self.today:
            if ended:
                self.problem(item, f"The end date {end} is in the future.", Code.DATE, "effectivePeriod.end")
                return
            notes.append(f"The planned end date {end} was not kept; the medicine is taken as ongoing.")
            end = None
        if kind == "medicine":
            if start is not None and not self.clinical_date(item, start, "effectivePeriod.start", "start"):
                return
            self.state.medicines.append(MedicineItem(item.entry.where, item.label, key, start, end))
            return
        if not self.clinical_date(item, start, "effectivePeriod.start", "start"):
            return
        if ended and end is None:
            reason = f"Status is {res.status} but there is no end date."
            self.problem(item, reason, Code.MISSING_DATE, "effectivePeriod.end")
            return
        if end is not None and end < start:
            self.problem(item, f"The end date {end} is before the start ({start}).", Code.DATE, "effectivePeriod.end")
            return
        dosages = list(res.dosageInstruction or []) if is_request else list(res.dosage or [])
        periods = self.dose_periods(item, key, dosages, start, end)
        if periods is None:
            return
        source = _source_identifier(res, item.entry.full_url, item.kind, item.entry.resource)
        if not self.once(item, source):
            return
        improvement = _extension(res, codes.EXT_TRIAL_IMPROVEMENT)
        self.state.trials.append(
            TrialItem(
                where=item.entry.where,
                resource=item.label,
                source_identifier=source,
                drug=key,
                drug_text=drug_text,
                periods=periods,
                adherence=_ext_code(res, codes.EXT_TRIAL_ADHERENCE) or "unknown",
                outcome=_ext_code(res, codes.EXT_TRIAL_OUTCOME),
                improvement_pct=improvement.valueInteger if improvement is not None else None,
                notes=tuple(notes),
            )
        )

    def medication_concept(self, item: _Validated, reference: str | None):
        if reference and reference.startswith("#"):
            for contained in item.entry.resource.get("contained") or []:
                if isinstance(contained, Mapping) and contained.get("id") == reference[1:]:
                    try:
                        return Medication.model_validate(contained).code
                    except Exception:  # reported as "names no medicine"
                        return None
            return None
        target = self.resolve(reference)
        if target is None or target.kind != "Medication":
            return None
        self.consumed.add(id(target))
        return target.model.code

    def match_drug(self, concept) -> tuple[str, str, str] | None:
        """(kind, catalogue key, free-text name for "other") of a medication concept, or None."""
        if concept is None:
            return None
        for code in _codes_in(concept, codes.ANTIDEPRESSANT_SYSTEM):
            if code == OTHER_ANTIDEPRESSANT:
                return "antidepressant", code, concept_text(concept)
            if code in ANTIDEPRESSANTS:
                return "antidepressant", code, ""
        texts = [concept.text or ""] + [display for _, _, display in codings(concept)]
        for code in _codes_in(concept, rxnorm.SYSTEM):
            key = rxnorm.ANTIDEPRESSANT_INGREDIENTS.get(code)
            if key is not None:
                refined = next((m for m in (match_drug_text(t) for t in texts) if m and m[0] == "antidepressant"), None)
                if refined is not None and refined[1].startswith(key):
                    key = refined[1]  # paroxetine 32937 written "paroxetine CR" is the CR row
                return "antidepressant", key, ""
        for text in texts:
            match = match_drug_text(text)
            if match is not None:
                return match[0], match[1], ""
        return None

    def medication_period(self, res, is_request: bool) -> tuple[dt.date | None, dt.date | None]:
        if is_request:
            bounds = [
                d.timing.repeat.boundsPeriod
                for d in res.dosageInstruction or []
                if d.timing and d.timing.repeat and d.timing.repeat.boundsPeriod
            ]
            start = min((_date_and_time(b.start)[0] for b in bounds if b.start), default=None)
            ends = [_date_and_time(b.end)[0] for b in bounds]
            end = max(ends) if ends and all(ends) else None
            return start or _date_and_time(res.authoredOn)[0], end
        if res.effectivePeriod is not None:
            return _date_and_time(res.effectivePeriod.start)[0], _date_and_time(res.effectivePeriod.end)[0]
        return _date_and_time(res.effectiveDateTime)[0], None

    def dose_periods(
        self, item: _Validated, drug: str, dosages: list, start: dt.date, end: dt.date | None
    ) -> tuple[DoseItem, ...] | None:
        field = "dosageInstruction" if item.kind == "MedicationRequest" else "dosage"
        if not dosages:
            self.problem(item, "Has no dosage; a daily dose in mg is needed for a trial.", Code.DOSE, field)
            return None
        read: list[tuple[Decimal, Any]] = []
        for index, dosage in enumerate(dosages):
            mg, reason = _daily_mg(dosage)
            if mg is None:
                self.problem(item, f"Dosage {index + 1}: {reason}", Code.DOSE, f"{field}[{index}]")
                return None
            bounds = dosage.timing.repeat.boundsPeriod if dosage.timing and dosage.timing.repeat else None
            read.append((mg, bounds))
        bounded = [b for _, b in read if b is not None and b.start is not None]
        if bounded and len(bounded) != len(read):
            reason = "Some dosages have a period and others not; the dose history is unclear."
            self.problem(item, reason, Code.DOSE, field)
            return None
        if not bounded:
            total = sum((mg for mg, _ in read), Decimal(0))
            periods = [DoseItem(total, start, end)]
        else:
            periods = sorted(
                (DoseItem(mg, _date_and_time(b.start)[0], _date_and_time(b.end)[0]) for mg, b in read),
                key=lambda p: p.start,
            )
            if end is not None and periods[-1].end is None:
                periods[-1] = DoseItem(periods[-1].daily_dose_mg, periods[-1].start, end)
        checked: list[DoseItem] = []
        limit = max_plausible_dose_mg(drug)
        for period in periods:
            dose = period.daily_dose_mg.quantize(_DOSE_PLACES, rounding=ROUND_HALF_UP)
            if dose <= 0:
                self.problem(item, "A daily dose of 0 mg is not a dose.", Code.DOSE, field)
                return None
            if limit is not None and dose > limit:
                reason = (
                    f"{dose.normalize():f} mg/day is more than twice the usual maximum for this drug "
                    f"({limit / 2:g} mg/day); check for an extra zero or micrograms entered as milligrams."
                )
                self.problem(item, reason, Code.DOSE, field)
                return None
            if not self.clinical_date(item, period.start, field, "dose start"):
                return None
            if period.end is not None and period.end < period.start:
                self.problem(item, f"A dose period ends ({period.end}) before it starts.", Code.DATE, field)
                return None
            if period.end is not None and period.end > self.today:
                self.problem(item, f"A dose period ends in the future ({period.end}).", Code.DATE, field)
                return None
            if checked:
                before = checked[-1]
                if period.start <= before.start:
                    self.problem(item, "Two dose periods start on the same day.", Code.DOSE, field)
                    return None
                # A dose change closes the previous period the day before (as the trial form does); a gap
                # would be an interruption, which one trial cannot hold.
                if before.end is not None and before.end < period.start - dt.timedelta(days=1):
                    reason = f"The dose history has a gap ({before.end} to {period.start}); enter this trial by hand."
                    self.problem(item, reason, Code.DOSE, field)
                    return None
                checked[-1] = DoseItem(before.daily_dose_mg, before.start, period.start - dt.timedelta(days=1))
            checked.append(DoseItem(dose, period.start, period.end))
        return tuple(checked)

    # -- conditions --------------------------------------------------------------------------------------

    def condition(self, item: _Validated) -> None:
        res = item.model
        own = _codes_in(res.code, codes.CONDITION_SYSTEM)
        if not own:
            name = concept_text(res.code) or "The condition"
            reason = f"{name}: conditions are imported only in this app's own coding; record it in the intake."
            self.problem(item, reason, Code.UNKNOWN_CODE, "code")
            return
        status = _codes_in(res.clinicalStatus, codes.CONDITION_CLINICAL)
        if status and not {"active", "recurrence", "relapse"} & set(status):
            reason = f"Clinical status is {status[0]}; only active conditions are imported."
            self.problem(item, reason, Code.NOT_FINAL, "clinicalStatus")
            return
        if not self.subject_ok(item, res.subject):
            return
        code = own[0]
        if code == codes.EPISODE_CODE:
            onset, _ = _date_and_time(res.onsetDateTime)
            if onset is not None and not self.clinical_date(item, onset, "onsetDateTime", "onset"):
                return
            severity = next(iter(_codes_in(res.severity, codes.EPISODE_SEVERITY_SYSTEM)), "")
            self.state.episode = EpisodeItem(item.entry.where, onset, severity)
        elif code in CONDITIONS:
            self.state.conditions.append(code)
            self.state.condition_entries.append(item.entry.where)
        else:
            self.problem(item, f'"{code}" is not one of the intake conditions.', Code.UNKNOWN_CODE, "code")


# ---------------------------------------------------------------------------------------------------------
# Helpers


def _label_of(raw: Any, full_url: str) -> str:
    if not isinstance(raw, Mapping):
        return full_url
    kind, identifier = raw.get("resourceType"), raw.get("id")
    if isinstance(kind, str) and isinstance(identifier, str):
        return f"{kind}/{identifier}"
    return full_url or (kind if isinstance(kind, str) else "")


def _entry_number(where: str) -> tuple[int, str]:
    match = re.search(r"\[(\d+)\]", where)
    return (int(match.group(1)) if match else -1, where)


def _mrn(patient) -> str | None:
    """The medical record number: the identifier typed MR, else the only identifier."""
    identifiers = [i for i in patient.identifier or [] if i.value]
    for identifier in identifiers:
        if "MR" in _codes_in(identifier.type, codes.V2_IDENTIFIER_TYPE):
            return identifier.value.strip()
    if len(identifiers) == 1:
        return identifiers[0].value.strip()
    return None


def _accepted_unit(analyte: analytes.Analyte, quantity) -> str | None:
    """The accepted UCUM unit of a Quantity: its UCUM ``code`` first, then its human-readable ``unit``."""
    candidates = []
    if quantity.code and (quantity.system in (None, codes.UCUM)):
        candidates.append(quantity.code)
    if quantity.unit:
        candidates.append(quantity.unit)
    for candidate in candidates:
        spec = analyte.unit_spec(candidate)
        if spec is not None:
            return spec.unit
    return None


def _answer(value) -> int | None:
    """A PHQ-9 answer from an Observation or component: integer, quantity, or a LOINC answer code."""
    if value is None:
        return None
    if getattr(value, "valueInteger", None) is not None:
        return int(value.valueInteger)
    quantity = getattr(value, "valueQuantity", None)
    if quantity is not None and quantity.value is not None:
        number = Decimal(quantity.value)
        return int(number) if number == number.to_integral_value() else None
    return _coded_answer(getattr(value, "valueCodeableConcept", None))


def _coded_answer(concept) -> int | None:
    if concept is None:
        return None
    for coding in concept.coding or []:
        if coding.system in (None, codes.LOINC) and coding.code in codes.PHQ9_ANSWERS:
            return codes.PHQ9_ANSWERS[coding.code]
        ordinal = _extension(coding, codes.ORDINAL_VALUE)
        if ordinal is not None and ordinal.valueDecimal is not None:
            number = Decimal(ordinal.valueDecimal)
            if number == number.to_integral_value():
                return int(number)
    return None


def _flatten_answers(items) -> Iterator[tuple[str, Any]]:
    for item in items:
        if item.answer:
            yield item.linkId, item.answer[0]
            for answer in item.answer:
                yield from _flatten_answers(answer.item or [])
        yield from _flatten_answers(item.item or [])


def _phq9_code_of(link_id: str | None) -> str | None:
    """The PHQ-9 LOINC code a linkId stands for: "44250-9", "/44250-9" and "phq9/44250-9" all do."""
    tail = (link_id or "").strip().rstrip("/").split("/")[-1]
    return tail if tail in codes.PHQ9_CODES else None


def _answer_of_qr(answer) -> int | None:
    if answer.valueInteger is not None:
        return int(answer.valueInteger)
    if answer.valueDecimal is not None:
        number = Decimal(answer.valueDecimal)
        return int(number) if number == number.to_integral_value() else None
    if answer.valueCoding is not None:
        coding = answer.valueCoding
        if coding.code in codes.PHQ9_ANSWERS:
            return codes.PHQ9_ANSWERS[coding.code]
        ordinal = _extension(coding, codes.ORDINAL_VALUE)
        if ordinal is not None and ordinal.valueDecimal is not None:
            return int(Decimal(ordinal.valueDecimal))
    return None


def _daily_mg(dosage) -> tuple[Decimal | None, str]:
    """mg per day of one Dosage: dose x frequency / period. (None, reason) when it cannot be worked out."""
    quantity = None
    for dose_and_rate in dosage.doseAndRate or []:
        if dose_and_rate.doseQuantity is not None:
            quantity = dose_and_rate.doseQuantity
            break
    if quantity is None or quantity.value is None:
        return None, "has no dose quantity in mg."
    unit = (quantity.code or quantity.unit or "").strip()
    factor = {"mg": Decimal(1), "g": Decimal(1000)}.get(unit)
    if factor is None:
        return None, f'the dose unit "{unit or "none"}" is not mg, so mg/day cannot be worked out.'
    repeat = dosage.timing.repeat if dosage.timing is not None else None
    if repeat is None:
        return None, "has no frequency (timing.repeat), so mg/day cannot be worked out."
    frequency = Decimal(repeat.frequency or 1)
    period = Decimal(repeat.period) if repeat.period is not None else Decimal(1)
    days = _PERIOD_DAYS.get(repeat.periodUnit or "d")
    if days is None or period <= 0:
        return None, f'the period unit "{repeat.periodUnit}" is not hours, days or weeks.'
    try:
        return Decimal(quantity.value) * factor * frequency / (period * days), ""
    except (InvalidOperation, ZeroDivisionError):
        return None, "the dose is not a number."
