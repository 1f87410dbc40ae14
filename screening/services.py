"""Running the rules engine for patients stored in the database."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from patients.models import Clinic, Patient

from .models import DismissalReason, FindingReview, ReviewState, Screening, ScreeningFinding, SummaryAccess
from .rules import ScreeningOptions, ScreeningResult, evaluate
from .rules.json_io import snapshot_to_dict
from .snapshots import build_snapshot, with_snapshot_data


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


def live_screening(patient: Patient, *, as_of: dt.date | None = None) -> LiveScreening:
    """Evaluate the patient now; load it with :func:`screening.snapshots.with_snapshot_data`."""
    as_of = as_of or timezone.localdate()
    snapshot = build_snapshot(patient)
    result = evaluate(snapshot, as_of=as_of, options=clinic_options(patient.clinic))
    return LiveScreening(result=result, snapshot_json=snapshot_to_dict(snapshot, as_of))


def screen_patient(patient: Patient, *, as_of: dt.date | None = None) -> ScreeningResult:
    return live_screening(patient, as_of=as_of).result


# ---------------------------------------------------------------------------------------------------------
# Recorded screenings


def _digest(data) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":"), default=str).encode()).hexdigest()


def data_fingerprint(snapshot_json: dict) -> str:
    """Digest of the patient data alone (not the date), to tell whether anything changed since."""
    return _digest({key: value for key, value in snapshot_json.items() if key != "as_of"})


def record_screening(*, patient: Patient, recorded_by, as_of: dt.date | None = None) -> Screening:
    """Evaluate the patient and store the immutable record, carrying over unchanged reviews.

    A finding whose rule, rule version and inputs are unchanged since the previous screening keeps its
    review (so clinicians are not asked twice); a finding with new inputs starts open.
    """
    patient = with_snapshot_data(Patient.objects.filter(pk=patient.pk)).get()
    live = live_screening(patient, as_of=as_of)
    result, snapshot_json = live.result, live.snapshot_json
    result_json = result.to_dict()
    with transaction.atomic():
        previous = Screening.objects.select_for_update().filter(patient=patient).order_by("-recorded_at", "-pk").first()
        screening = Screening(
            patient=patient,
            recorded_by=recorded_by,
            recorded_at=timezone.now(),
            as_of=result.as_of,
            ruleset_version=result.ruleset_version,
            options=result_json["options"],
            snapshot=snapshot_json,
            result=result_json,
            data_fingerprint=data_fingerprint(snapshot_json),
            content_hash=_digest({"snapshot": snapshot_json, "result": result_json}),
            finding_count=len(result.findings),
        )
        screening.full_clean()
        screening.save()
        findings = ScreeningFinding.objects.bulk_create(
            ScreeningFinding(
                screening=screening,
                position=position,
                rule_id=finding["rule_id"],
                rule_version=finding["rule_version"],
                category=finding["category"],
                severity=finding["severity"],
                title=finding["title"][:500],
                inputs_key=finding["inputs_key"],
                data=finding,
            )
            for position, finding in enumerate(result_json["findings"])
        )
        if previous is not None:
            _carry_over_reviews(previous, findings)
    return screening


def _carry_over_reviews(previous: Screening, findings: list[ScreeningFinding]) -> None:
    latest: dict[tuple[str, int, str], FindingReview] = {}
    reviews = FindingReview.objects.filter(finding__screening=previous).select_related("finding")
    for review in reviews.order_by("reviewed_at", "pk"):
        finding = review.finding
        latest[(finding.rule_id, finding.rule_version, finding.inputs_key)] = review
    carried = []
    for finding in findings:
        review = latest.get((finding.rule_id, finding.rule_version, finding.inputs_key))
        if review is None or review.state == ReviewState.OPEN:
            continue
        carried.append(
            FindingReview(
                finding=finding,
                state=review.state,
                dismissal_reason=review.dismissal_reason,
                follow_up=review.follow_up,
                note=review.note,
                reviewed_by=review.reviewed_by,
                reviewed_at=review.reviewed_at,
                carried_over_from=review,
            )
        )
    FindingReview.objects.bulk_create(carried)


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


def log_summary_access(*, screening: Screening, user, kind: str) -> SummaryAccess:
    """Record that a summary was printed or downloaded (who, when)."""
    access = SummaryAccess(screening=screening, user=user, kind=kind, at=timezone.now())
    access.full_clean()
    access.save()
    return access
