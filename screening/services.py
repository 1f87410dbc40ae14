"""Running the rules engine for patients stored in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from audit.services import log_bulk_create
from config.bulk import insert_new
from patients.models import Clinic, Patient

from .models import (
    DismissalReason,
    FindingReview,
    LatestScreening,
    ReviewState,
    Screening,
    ScreeningFinding,
    SummaryAccess,
)
from .queries import current_review_state, latest_screenings, with_new_data_flag
from .rules import ScreeningOptions, ScreeningResult, evaluate
from .rules.json_io import snapshot_to_dict
from .rules.snapshot import Snapshot
from .snapshots import build_snapshot, load_snapshots


def clinic_options(clinic: Clinic) -> ScreeningOptions:
    """The clinic's chosen conventions where guidelines disagree (defaults where it chose none)."""
    return ScreeningOptions.from_dict(clinic.screening_options)


@dataclass(frozen=True)
class LiveScreening:
    """A screening evaluated now and not stored: the result and the exact input it came from."""

    result: ScreeningResult
    snapshot_json: dict

    @property
    def data_fingerprint(self) -> str:
        return data_fingerprint(self.snapshot_json)


def live_screening(
    patient: Patient, *, as_of: dt.date | None = None, options: ScreeningOptions | None = None
) -> LiveScreening:
    """Evaluate the patient now; load it with :func:`screening.snapshots.with_snapshot_data`.

    ``options`` defaults to the patient's clinic conventions (callers screening many patients pass them once).
    """
    options = options if options is not None else clinic_options(patient.clinic)
    return _screen(build_snapshot(patient), as_of=as_of or timezone.localdate(), options=options)


def _screen(snapshot: Snapshot, *, as_of: dt.date, options: ScreeningOptions) -> LiveScreening:
    return LiveScreening(
        result=evaluate(snapshot, as_of=as_of, options=options), snapshot_json=snapshot_to_dict(snapshot, as_of)
    )


def screen_patient(patient: Patient, *, as_of: dt.date | None = None) -> ScreeningResult:
    return live_screening(patient, as_of=as_of).result


# ---------------------------------------------------------------------------------------------------------
# Recorded screenings


#: orjson in the form that matches ``json.dumps`` below: keys sorted, dates, times, datetimes and dataclasses
#: through ``str`` (orjson would write a datetime with a "T"), anything else JSON has no form for through ``str``.
#: Keys that are not strings make orjson refuse, leaving them to ``json.dumps``.
_ORJSON_CANONICAL = orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _has_exponent(text: bytes) -> bool:
    """Whether orjson's text may hold a number with an exponent ("1e-7" where json.dumps writes "1e-07"): an
    "e-" or "e+" after a digit. A false alarm ("type 1e-...") only costs the slower encoding. (A regular
    expression over the whole text cost as much as the encoding; these pairs are rare.)"""
    for marker in (b"e-", b"e+"):
        at = text.find(marker)
        while at > 0:
            if text[at - 1] in b"0123456789":
                return True
            at = text.find(marker, at + 2)
    return False


def _canonical_json(data) -> bytes:
    """The bytes a digest is taken of: ``json.dumps(data, sort_keys=True, separators=(",", ":"),
    default=str)`` in UTF-8 (ASCII, since non-ASCII is escaped).

    orjson writes the same bytes several times faster, except where its text can differ, which is checked
    and then left to ``json.dumps``: non-ASCII and DEL (escaped by ``json.dumps``), numbers below 0.0001
    (``json.dumps`` writes 1e-05, orjson 0.00001) and exponents. Not covered, as the documents hold neither:
    NaN and infinities (orjson writes null) and enums that are not str or int enums.
    """
    try:
        text = orjson.dumps(data, default=str, option=_ORJSON_CANONICAL)
    except orjson.JSONEncodeError:
        text = b"\x80"  # a key that is not a string, an integer beyond 64 bits: json.dumps decides
    if not text.isascii() or b"\x7f" in text or b"0.0000" in text or _has_exponent(text):
        return json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()
    return text


def _sha256(text: bytes) -> str:
    return hashlib.sha256(text).hexdigest()


def data_fingerprint(snapshot_json: dict) -> str:
    """Digest of the patient data alone (not the date), to tell whether anything changed since."""
    return _sha256(_canonical_json({key: value for key, value in snapshot_json.items() if key != "as_of"}))


def content_hash(snapshot_json: dict, result_json: dict) -> str:
    """Digest of a screening's input and result together, printed on its summary."""
    return _sha256(_canonical_json({"snapshot": snapshot_json, "result": result_json}))


def record_screening(*, patient: Patient, recorded_by, as_of: dt.date | None = None) -> Screening:
    """Evaluate the patient and store the immutable record, carrying over unchanged reviews.

    A finding whose rule, rule version and inputs are unchanged since the previous screening keeps its
    review (so clinicians are not asked twice); a finding with new inputs starts open.
    """
    return record_screenings(patients=[patient], recorded_by=recorded_by, as_of=as_of)[0]


@dataclass(frozen=True)
class _Evaluated:
    patient: Patient
    result: ScreeningResult
    result_json: dict
    snapshot_json: dict


def record_screenings(*, patients: Sequence[Patient], recorded_by, as_of: dt.date | None = None) -> list[Screening]:
    """Record one screening for each patient, all in one transaction: the batched form of :func:`record_screening`.

    The patients' data is read here, as plain rows (:func:`screening.snapshots.load_snapshots`); their
    clinic is read from each patient (``select_related("clinic")`` saves a query per clinic). Each patient is
    evaluated exactly as a single recording would be, and unchanged reviews are carried over the same way.
    The queries do not depend on the number of patients (the data, lock, previous screenings, inserts of
    screenings, latest-screening pointers, audit entries, findings, previous reviews, carried reviews), so a
    caller recording many patients should pass a few hundred at a time.
    """
    as_of = as_of or timezone.localdate()
    snapshots = load_snapshots([patient.pk for patient in patients])
    options: dict[int, ScreeningOptions] = {}
    evaluated = []
    for patient in patients:
        if patient.clinic_id not in options:
            options[patient.clinic_id] = clinic_options(patient.clinic)
        live = _screen(snapshots[patient.pk], as_of=as_of, options=options[patient.clinic_id])
        evaluated.append(_Evaluated(patient, live.result, live.result.to_dict(), live.snapshot_json))
    if not evaluated:
        return []
    patient_ids = sorted({item.patient.pk for item in evaluated})
    with transaction.atomic():
        # Lock the patients (in pk order, so two batches never deadlock) before reading their previous
        # screenings: a concurrent recording of the same patient waits, then carries over from this one.
        # FOR NO KEY UPDATE does not block lab entry, which only takes a key-share lock on the patient.
        locked = Patient.objects.select_for_update(no_key=True).filter(pk__in=patient_ids).order_by("pk")
        list(locked.values_list("pk", flat=True))
        previous = dict(
            LatestScreening.objects.filter(patient_id__in=patient_ids).values_list("patient_id", "screening_id")
        )
        recorded_at = timezone.now()
        screenings = [_new_screening(item, recorded_by=recorded_by, recorded_at=recorded_at) for item in evaluated]
        insert_new(screenings)
        # Move each patient's pointer to the new screening (the last one, should a patient come twice). By id:
        # setting a one-to-one field to an object links the two objects both ways, a cycle that only Python's
        # garbage collector can free.
        latest = {screening.patient_id: screening.pk for screening in screenings}
        LatestScreening.objects.bulk_create(
            [LatestScreening(patient_id=patient_id, screening_id=pk) for patient_id, pk in latest.items()],
            update_conflicts=True,
            unique_fields=["patient"],
            update_fields=["screening"],
        )
        # bulk_create sends no signals, so the audit entries are written here, in the same transaction. The
        # findings get none of their own: they are immutable, written with their screening, and covered by
        # its create entry (finding_count, and content_hash, the digest of the result they are copied from).
        log_bulk_create(screenings, actor=recorded_by)
        findings = [
            ScreeningFinding(
                screening=screening,
                position=position,
                rule_id=finding["rule_id"],
                rule_version=finding["rule_version"],
                category=finding["category"],
                severity=finding["severity"],
                title=finding["title"][:500],
                inputs_key=finding["inputs_key"],
                follow_up=finding["follow_up"],
            )
            for screening, item in zip(screenings, evaluated, strict=True)
            for position, finding in enumerate(item.result_json["findings"])
        ]
        insert_new(findings)
        if previous:
            log_bulk_create(_carry_over_reviews(previous, findings), actor=recorded_by)
    return screenings


def _new_screening(item: _Evaluated, *, recorded_by, recorded_at: dt.datetime) -> Screening:
    snapshot_json, result_json = item.snapshot_json, item.result_json
    screening = Screening(
        patient=item.patient,
        recorded_by=recorded_by,
        recorded_at=recorded_at,
        as_of=item.result.as_of,
        ruleset_version=item.result.ruleset_version,
        options=result_json["options"],
        snapshot=snapshot_json,
        result=result_json,
        data_fingerprint=data_fingerprint(snapshot_json),
        content_hash=content_hash(snapshot_json, result_json),
        finding_count=len(item.result.findings),
    )
    # The foreign keys are objects in hand and the code a fresh UUID (the database enforces all three);
    # checking them here would cost three queries per screening, and validating the JSON would serialise
    # the whole snapshot once more. Everything else is checked.
    screening.full_clean(exclude=["patient", "recorded_by", "options", "snapshot", "result"], validate_unique=False)
    return screening


def _carry_over_reviews(previous: dict[int, int], findings: list[ScreeningFinding]) -> list[FindingReview]:
    """Copy the latest non-open review of each unchanged finding (same rule, version and inputs) of the
    patient's previous screening (``previous``: patient pk -> screening pk) onto the new finding."""
    latest: dict[tuple[int, str, int, str], FindingReview] = {}
    reviews = FindingReview.objects.filter(finding__screening_id__in=previous.values()).annotate(
        previous_screening=F("finding__screening_id"),
        rule_id=F("finding__rule_id"),
        rule_version=F("finding__rule_version"),
        inputs_key=F("finding__inputs_key"),
    )
    for review in reviews.order_by("reviewed_at", "pk"):
        latest[(review.previous_screening, review.rule_id, review.rule_version, review.inputs_key)] = review
    carried = []
    for finding in findings:
        before = previous.get(finding.screening.patient_id)
        review = latest.get((before, finding.rule_id, finding.rule_version, finding.inputs_key))
        if review is None or review.state == ReviewState.OPEN:
            continue
        carried.append(
            FindingReview(
                finding=finding,
                state=review.state,
                dismissal_reason=review.dismissal_reason,
                follow_up=review.follow_up,
                note=review.note,
                reviewed_by_id=review.reviewed_by_id,
                reviewed_at=review.reviewed_at,
                carried_over_from=review,
            )
        )
    return insert_new(carried)


def needs_screening(patients: Sequence[Patient]) -> list[Patient]:
    """Those of ``patients`` whose data changed since their latest
    recorded screening, in the order given: never screened, a row saved since it was recorded, or a data
    fingerprint that differs (which also catches edits and deletions that leave no timestamp).

    Caveat: only the patient's data counts. A new rule-set version or changed clinic conventions do not make
    a patient "changed"; re-record everyone after those.
    """
    latest = {
        row[0]: row[1:]
        for row in with_new_data_flag(
            latest_screenings(Patient.objects.filter(pk__in=[p.pk for p in patients]))
        ).values_list("patient_id", "data_fingerprint", "new_data")
    }
    today = timezone.localdate()
    # A patient with a row saved since is changed already: only the others need their data read and compared.
    snapshots = load_snapshots([pk for pk, (_, new_data) in latest.items() if not new_data])
    changed = []
    for patient in patients:
        if patient.pk not in latest:
            changed.append(patient)
            continue
        fingerprint, new_data = latest[patient.pk]
        if new_data or data_fingerprint(snapshot_to_dict(snapshots[patient.pk], today)) != fingerprint:
            changed.append(patient)
    return changed


class ReviewError(ValueError):
    """A review that the workflow does not allow; ``field`` names the form field to attach it to."""

    def __init__(self, message: str, *, field: str, code: str):
        super().__init__(message)
        self.field = field
        self.code = code


def review_finding(
    *,
    finding: ScreeningFinding,
    reviewed_by,
    state: str,
    dismissal_reason: str = "",
    follow_up: str = "",
    note: str = "",
) -> FindingReview:
    """Record a new review state for a finding (append-only)."""
    if state == ReviewState.OPEN and _current_state(finding) == ReviewState.OPEN:
        # Re-opening an open finding would record a decision nobody made (and count it in governance).
        raise ReviewError("The finding is open: choose a decision.", field="state", code="already_open")
    if state == ReviewState.DISMISSED and not dismissal_reason:
        raise ReviewError("Choose why the finding is dismissed.", field="dismissal_reason", code="reason_required")
    if state != ReviewState.DISMISSED:
        dismissal_reason = ""
    if dismissal_reason == DismissalReason.OTHER and not note.strip():
        raise ReviewError("Describe the reason in the note.", field="note", code="note_required")
    if state == ReviewState.DISMISSED and finding.is_safety and not note.strip():
        raise ReviewError(
            "A safety finding can be dismissed only with a note explaining why.",
            field="note",
            code="safety_note_required",
        )
    if state == ReviewState.FOLLOW_UP and not follow_up.strip():
        raise ReviewError("Say what follow-up was ordered.", field="follow_up", code="follow_up_required")
    review = FindingReview(
        finding=finding,
        state=state,
        dismissal_reason=dismissal_reason,
        follow_up=follow_up.strip() if state == ReviewState.FOLLOW_UP else "",
        note=note.strip(),
        reviewed_by=reviewed_by,
        reviewed_at=timezone.now(),
    )
    review.full_clean()
    review.save()
    return review


def _current_state(finding: ScreeningFinding) -> str:
    return ScreeningFinding.objects.filter(pk=finding.pk).values_list(current_review_state(), flat=True).get()


def log_summary_access(*, screening: Screening, user, kind: str) -> SummaryAccess:
    """Record that a summary was printed or downloaded (who, when)."""
    access = SummaryAccess(screening=screening, user=user, kind=kind, at=timezone.now())
    access.full_clean()
    access.save()
    return access
