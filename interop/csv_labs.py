"""CSV lab import: the template, row-by-row validation, and the all-or-nothing commit.

One row per result. Every value passes the same entry gates as the lab panel form
(:func:`screening.rules.analytes.check_lab_value`); a file with any row error imports nothing, and the preview
lists every error with its row number (the header is row 1) and column. A row already imported (same
content, identified by a digest of it) is skipped, so importing the same file twice adds nothing. MRNs are
looked up in the chosen clinic only: an MRN of another clinic is an unknown MRN.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from patients.models import Clinic, LabResult, LabSource, Patient
from screening.rules import analytes

from .fhir.reader import LABORATORY_MAX, NOTE_MAX, VALUE_DECIMAL_PLACES, VALUE_INTEGER_DIGITS
from .services import ImportConflict, digest, record_imported_report

COLUMNS: tuple[str, ...] = (
    "mrn",
    "analyte",
    "value",
    "unit",
    "comparator",
    "collected_on",
    "collected_at",
    "fasting",
    "reference_low",
    "reference_high",
    "laboratory",
    "note",
)
REQUIRED_COLUMNS = ("mrn", "analyte", "value", "unit", "collected_on")
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

_COMPARATORS = {"": "", "<": "<", "<=": "<=", "≤": "<=", ">": ">", ">=": ">=", "≥": ">="}
_FASTING = {
    "": "unknown",
    "unknown": "unknown",
    "yes": "yes",
    "y": "yes",
    "true": "yes",
    "1": "yes",
    "fasting": "yes",
    "no": "no",
    "n": "no",
    "false": "no",
    "0": "no",
}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}(:\d{2})?")


def safe_cell(text: str) -> str:
    """A cell that spreadsheet programs will not run as a formula (OWASP CSV injection): a leading = + - @
    tab or carriage return is escaped with an apostrophe."""
    return f"'{text}" if text.startswith(_FORMULA_START) else text


def template_csv() -> str:
    """The template: the header row only (every cell passed through :func:`safe_cell`)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow([safe_cell(column) for column in COLUMNS])
    return buffer.getvalue()


class CsvFileError(ValueError):
    """The file as a whole cannot be read (encoding, header, size). ``problems`` name the row or column."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__(f"the file has {len(problems)} problem{'' if len(problems) == 1 else 's'}")


@dataclass(frozen=True)
class RowError:
    row: int
    column: str
    message: str


@dataclass(frozen=True)
class CsvRow:
    row: int
    patient_id: int
    mrn: str
    analyte: str
    loinc: str
    value: Decimal
    unit: str
    comparator: str
    collected_on: dt.date
    collected_at: dt.time | None
    fasting: str
    reference_low: Decimal | None
    reference_high: Decimal | None
    laboratory: str
    note: str
    canonical_value: float
    canonical_unit: str
    source_identifier: str


@dataclass
class CsvPlan:
    clinic: Clinic
    content_digest: str
    rows: list[CsvRow] = field(default_factory=list)
    already_imported: list[CsvRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    row_count: int = 0

    @property
    def can_commit(self) -> bool:
        return not self.errors and bool(self.rows)

    @property
    def digest(self) -> str:
        return digest(
            {
                "content": self.content_digest,
                "rows": [asdict(r) for r in self.rows],
                "errors": [asdict(e) for e in self.errors],
            }
        )

    def patients(self) -> dict[int, str]:
        return {row.patient_id: row.mrn for row in self.rows}


def plan_csv_import(*, clinic: Clinic, content: bytes | str, today: dt.date | None = None) -> CsvPlan:
    """Read and check every row. Raises :class:`CsvFileError` when the file itself cannot be read."""
    today = today or timezone.localdate()
    raw = content.encode() if isinstance(content, str) else content
    if len(raw) > MAX_BYTES:
        raise CsvFileError([f"file: {len(raw):,} bytes is more than the {MAX_BYTES // (1024 * 1024)} MB limit"])
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(["file: is not UTF-8 text; save the spreadsheet as CSV UTF-8"]) from None
    reader = csv.reader(io.StringIO(text))
    try:
        header = [column.strip().lower() for column in next(reader)]
    except StopIteration:
        raise CsvFileError(["row 1: the file is empty; start from the template"]) from None
    except csv.Error as error:
        raise CsvFileError([f"row 1: {error}"]) from None
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    duplicated = sorted({column for column in header if header.count(column) > 1})
    problems = [f"row 1: missing column {column}" for column in missing]
    problems += [f"row 1: unknown column {column!r}; the columns are {', '.join(COLUMNS)}" for column in unknown]
    problems += [f"row 1: column {column} is given twice" for column in duplicated]
    if problems:
        raise CsvFileError(problems)
    records: list[tuple[int, dict[str, str]]] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                records.append((number, {"__extra__": "1"}))
                continue
            padded = [*cells, *[""] * (len(header) - len(cells))]
            records.append((number, {column: padded[i].strip() for i, column in enumerate(header)}))
            if len(records) > MAX_ROWS:
                raise CsvFileError([f"file: more than {MAX_ROWS} rows; split it into smaller files"])
    except csv.Error as error:
        raise CsvFileError([f"row {reader.line_num}: {error}"]) from None
    if not records:
        raise CsvFileError(["row 2: the file has no results under the header"])
    plan = CsvPlan(clinic=clinic, content_digest=hashlib.sha256(raw).hexdigest(), row_count=len(records))
    mrns = {record.get("mrn", "") for _, record in records}
    patients = {p.mrn: p for p in Patient.objects.filter(clinic=clinic, mrn__in=mrns)}
    seen: dict[str, int] = {}
    for number, record in records:
        row = _read_row(plan, number, record, patients, today)
        if row is None:
            continue
        if row.source_identifier in seen:
            plan.errors.append(RowError(number, "", f"the same result as row {seen[row.source_identifier]}"))
            continue
        seen[row.source_identifier] = number
        plan.rows.append(row)
    _drop_already_imported(plan)
    return plan


def _read_row(plan: CsvPlan, number: int, record: dict[str, str], patients: dict[str, Patient], today: dt.date):
    errors: list[RowError] = []

    def error(column: str, message: str) -> None:
        errors.append(RowError(number, column, message))

    if "__extra__" in record:
        plan.errors.append(RowError(number, "", "has more cells than the header has columns"))
        return None
    for column in ("laboratory", "note", "mrn", "analyte"):
        if record.get(column, "").startswith(("=", "+", "@")):
            error(column, "looks like a spreadsheet formula; enter plain text")
    mrn = record.get("mrn", "")
    patient = patients.get(mrn)
    if not mrn:
        error("mrn", "is required")
    elif patient is None:
        error("mrn", f"unknown MRN {mrn!r} in {plan.clinic.name}")
    code = record.get("analyte", "")
    analyte = analytes.find_analyte(code)
    if not code:
        error("analyte", "is required")
    elif analyte is None:
        error("analyte", f"{code!r} is not a known analyte; give a LOINC code or a name from the list")
    comparator_text, value_text = record.get("comparator", ""), record.get("value", "")
    if not comparator_text and value_text[:1] in "<>≤≥":
        split = 2 if value_text[:2] in ("<=", ">=") else 1
        comparator_text, value_text = value_text[:split], value_text[split:].strip()
    comparator = _COMPARATORS.get(comparator_text)
    if comparator is None:
        error("comparator", f"{comparator_text!r} is not one of <, <=, >, >= (or empty)")
    value = _decimal(value_text)
    if not value_text:
        error("value", "is required")
    elif value is None:
        error("value", f"{value_text!r} is not a number")
    elif problem := _size_problem(value):
        error("value", f"{value_text!r} {problem}")
    unit = record.get("unit", "")
    low, high = (_decimal(record.get(column, "")) for column in ("reference_low", "reference_high"))
    for column, limit in (("reference_low", low), ("reference_high", high)):
        text = record.get(column, "")
        if text and (limit is None or _size_problem(limit) or limit < 0):
            error(column, f"{text!r} is not a usable reference limit")
    if low is not None and high is not None and low > high:
        error("reference_high", "is below reference_low")
    collected_on = _date(record.get("collected_on", ""))
    if not record.get("collected_on"):
        error("collected_on", "is required")
    elif collected_on is None:
        error("collected_on", f"{record['collected_on']!r} is not a date (YYYY-MM-DD)")
    elif collected_on > today:
        error("collected_on", f"{collected_on} is in the future")
    elif patient is not None and collected_on < patient.birth_date:
        error("collected_on", f"{collected_on} is before the patient's birth date")
    collected_at = _time(record.get("collected_at", ""))
    if record.get("collected_at") and collected_at is None:
        error("collected_at", f"{record['collected_at']!r} is not a time (HH:MM)")
    fasting = _FASTING.get(record.get("fasting", "").lower())
    if fasting is None:
        error("fasting", f"{record['fasting']!r} is not yes, no or unknown")
    laboratory, note = record.get("laboratory", ""), record.get("note", "")
    if len(laboratory) > LABORATORY_MAX:
        error("laboratory", f"is longer than {LABORATORY_MAX} characters")
    if len(note) > NOTE_MAX:
        error("note", f"is longer than {NOTE_MAX} characters")
    spec = analyte.unit_spec(unit) if analyte is not None else None
    if analyte is not None and value is not None and comparator is not None and not errors:
        for problem in analytes.check_lab_value(
            analyte.key, float(value), unit, sex=patient.sex if patient else None, comparator=comparator or None
        ):
            column = "unit" if problem.code == analytes.ProblemCode.UNIT_NOT_ACCEPTED else "value"
            error(column, problem.message)
    if analyte is not None and code in analyte.loinc and analytes.loinc_implies_fasting(code):
        if fasting == "no":
            error("fasting", f"no contradicts LOINC {code}, which is a fasting sample")
        fasting = "yes"
    plan.errors.extend(errors)
    if errors or analyte is None or spec is None or patient is None:
        return None
    loinc = code if code in analyte.loinc else analytes.loinc_for(analyte.key, spec.unit)
    source = _row_digest(mrn, analyte.key, value, spec.unit, comparator, collected_on, collected_at)
    return CsvRow(
        row=number,
        patient_id=patient.pk,
        mrn=mrn,
        analyte=analyte.key,
        loinc=loinc,
        value=value,
        unit=spec.unit,
        comparator=comparator,
        collected_on=collected_on,
        collected_at=collected_at,
        fasting=fasting,
        reference_low=low,
        reference_high=high,
        laboratory=laboratory,
        note=note,
        canonical_value=spec.to_canonical(float(value)),
        canonical_unit=analyte.canonical_unit,
        source_identifier=source,
    )


def _row_digest(mrn, analyte, value, unit, comparator, collected_on, collected_at) -> str:
    """The identity of a result: who, what, how much, in what unit, when (not the notes)."""
    text = "|".join(
        str(part) for part in (mrn, analyte, value.normalize(), unit, comparator, collected_on, collected_at or "")
    )
    return "csv:" + hashlib.sha256(text.encode()).hexdigest()[:40]


def _drop_already_imported(plan: CsvPlan) -> None:
    known = set(
        LabResult.objects.filter(
            patient_id__in={row.patient_id for row in plan.rows},
            source=LabSource.CSV,
            source_identifier__in=[row.source_identifier for row in plan.rows],
        ).values_list("patient_id", "source_identifier")
    )
    kept = []
    for row in plan.rows:
        (plan.already_imported if (row.patient_id, row.source_identifier) in known else kept).append(row)
    plan.rows[:] = kept


def commit_csv_import(*, plan: CsvPlan, user) -> int:
    """Write every row, one lab report per patient, date, time, fasting state and laboratory; all or nothing.

    Returns the number of results written. Raises :class:`interop.services.ImportConflict` when a row was
    imported meanwhile.
    """
    if not plan.can_commit:
        raise ValueError("this plan cannot be committed")
    groups: dict[tuple, list[CsvRow]] = defaultdict(list)
    for row in plan.rows:
        groups[(row.patient_id, row.collected_on, row.collected_at, row.fasting, row.laboratory)].append(row)
    with transaction.atomic():
        patients = {p.pk: p for p in Patient.objects.select_for_update().filter(pk__in=plan.patients())}
        check = CsvPlan(clinic=plan.clinic, content_digest=plan.content_digest, rows=list(plan.rows))
        _drop_already_imported(check)
        if check.already_imported:
            raise ImportConflict("some rows were imported meanwhile")
        for rows in groups.values():
            record_imported_report(patient=patients[rows[0].patient_id], user=user, source=LabSource.CSV, labs=rows)
    return len(plan.rows)


def _decimal(text: str) -> Decimal | None:
    text = text.strip().replace(",", ".") if text.count(",") == 1 and "." not in text else text.strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def _size_problem(value: Decimal) -> str:
    if value.normalize().as_tuple().exponent < -VALUE_DECIMAL_PLACES:
        return f"has more than {VALUE_DECIMAL_PLACES} decimal places"
    if value.adjusted() >= VALUE_INTEGER_DIGITS:
        return "is too large"
    return ""


def _date(text: str) -> dt.date | None:
    if not _DATE.fullmatch(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _time(text: str) -> dt.time | None:
    if not _TIME.fullmatch(text):
        return None
    try:
        return dt.time.fromisoformat(text)
    except ValueError:
        return None
