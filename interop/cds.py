"""CDS Hooks (``patient-view``): screen the data the EHR prefetched and answer with cards.

The prefetched Patient, Observations and MedicationStatements are read by the same FHIR reader as the
importer (:mod:`interop.fhir.reader`), turned into the engine's snapshot and evaluated by the same rules
(:func:`screening.rules.evaluate`) with the client's clinic conventions. Nothing from the request is stored
except the cards' rule ids (for feedback); nothing clinical is logged.

Indicators: a finding of the safety category is ``critical``; ``consider`` and ``important`` findings are
``warning``; ``info`` findings are ``info``. Override reasons are the app's dismissal reasons.

Authentication differs from the CDS Hooks specification's signed JWT: each EHR has a bearer token
(``Authorization: Bearer ...``) issued by ``manage.py create_cds_client``.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.dateparse import parse_datetime

from screening.models import DismissalReason
from screening.rules import RULESET_VERSION, Category, Finding, Level, ScreeningOptions, evaluate

from .fhir import codes
from .fhir.reader import BundleError, Entry, read_entries
from .fhir.snapshot import snapshot_from

SERVICE_ID = "trd-screening"
HOOK = "patient-view"
SUMMARY_MAX = 139  # the specification: "<140 characters"

PREFETCH = {
    "patient": "Patient/{{context.patientId}}",
    "labs": "Observation?patient={{context.patientId}}&category=laboratory",
    "phq9": (
        f"Observation?patient={{{{context.patientId}}}}&code={codes.LOINC}|{codes.PHQ9_PANEL},"
        f"{codes.LOINC}|{codes.PHQ9_TOTAL}"
    ),
    "medications": "MedicationStatement?patient={{context.patientId}}",
}

# Problems with a catalogue lab result that the clinician should hear about (not "not a screened analyte").
_DATA_QUALITY_CODES = frozenset(
    {"unit_not_accepted", "implausible", "unit_mixup", "confirm_unit", "not_finite", "negative", "missing_date"}
)


class HookError(Exception):
    """A request the service cannot answer: ``status`` is the HTTP status, ``message`` names the field."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def discovery() -> dict[str, Any]:
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "TRD screening prompts",
                "description": (
                    "Screens a patient with treatment-resistant depression for metabolic, inflammatory, hormonal "
                    "and nutrient factors, PHQ-9 safety answers and antidepressant trial adequacy. Screening "
                    "prompts for clinician review; not diagnoses or treatment recommendations."
                ),
                "prefetch": PREFETCH,
            }
        ]
    }


@dataclass(frozen=True)
class IssuedCard:
    card: dict[str, Any]
    rule_id: str
    rule_version: int | None


def patient_view(body: Any, *, options: ScreeningOptions, today: dt.date) -> list[IssuedCard]:
    """The cards for one ``patient-view`` request (decoded JSON). Raises :class:`HookError`."""
    if not isinstance(body, Mapping):
        raise HookError("request: the body is not a JSON object")
    if body.get("hook") != HOOK:
        raise HookError(f"hook: this service answers {HOOK}")
    if not isinstance(body.get("hookInstance"), str) or not body["hookInstance"].strip():
        raise HookError("hookInstance: is required")
    context = body.get("context")
    if not isinstance(context, Mapping) or not isinstance(context.get("patientId"), str) or not context["patientId"]:
        raise HookError("context.patientId: is required")
    prefetch = body.get("prefetch")
    if prefetch is None:
        raise HookError("prefetch: is required; this service does not query the FHIR server", status=412)
    if not isinstance(prefetch, Mapping):
        raise HookError("prefetch: is not an object")
    patient = prefetch.get("patient")
    if patient is None:
        raise HookError("prefetch.patient: is required (Patient/{{context.patientId}})", status=412)
    if not isinstance(patient, Mapping) or patient.get("resourceType") != "Patient":
        raise HookError("prefetch.patient: is not a Patient resource")
    if patient.get("id") not in (None, context["patientId"]):
        raise HookError("prefetch.patient.id: is not context.patientId")
    entries = [Entry("prefetch.patient", "", patient)]
    for key, value in prefetch.items():
        if key == "patient" or value is None:
            continue
        entries += _entries(key, value)
    try:
        parsed = read_entries(entries, today=today, patient_reference=f"Patient/{context['patientId']}")
    except BundleError as error:
        raise HookError("; ".join(error.problems)) from None
    data = parsed.patient
    if data is None or data.sex is None or data.birth_date is None:
        return [_notice("Screening not possible: the patient's sex at birth and birth date are needed.", "info")]
    snapshot = snapshot_from(parsed, sex=data.sex, birth_date=data.birth_date)
    result = evaluate(snapshot, as_of=today, options=options)
    cards = [_finding_card(finding) for finding in result.findings]
    refused = [p for p in parsed.problems if p.code in _DATA_QUALITY_CODES]
    if refused:
        count = len(refused)
        cards.append(
            _notice(
                f"{count} laboratory result{'s' if count != 1 else ''} could not be used (unit, plausibility or date).",
                "info",
                detail="\n".join(f"- {_md(p.resource or p.where)}: {_md(p.reason)}" for p in refused),
            )
        )
    return cards


def _entries(key: str, value: Any) -> list[Entry]:
    if not isinstance(value, Mapping):
        raise HookError(f"prefetch.{key}: is not a FHIR resource or Bundle")
    if value.get("resourceType") != "Bundle":
        return [Entry(f"prefetch.{key}", "", value)]
    entries = value.get("entry") or []
    if not isinstance(entries, list):
        raise HookError(f"prefetch.{key}.entry: is not a list")
    result = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, Mapping):
            raise HookError(f"prefetch.{key}.entry[{index}]: is not an object")
        search = entry.get("search")
        if isinstance(search, Mapping) and search.get("mode") == "outcome":
            continue  # a search message (OperationOutcome), not patient data
        result.append(Entry(f"prefetch.{key}.entry[{index}]", str(entry.get("fullUrl") or ""), entry.get("resource")))
    return result


def indicator(finding: Finding) -> str:
    if finding.category == Category.SAFETY:
        return "critical"
    return "info" if finding.severity == Level.INFO else "warning"


def summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_MAX else text[: SUMMARY_MAX - 1].rstrip() + "…"


def override_reasons() -> list[dict[str, str]]:
    return [
        {"code": value, "system": codes.DISMISSAL_REASON_SYSTEM, "display": label}
        for value, label in DismissalReason.choices
    ]


def _finding_card(finding: Finding) -> IssuedCard:
    lines = [f"**{_md(finding.title)}**"]
    if finding.detail:
        lines += ["", _md(finding.detail)]
    if finding.values:
        lines += ["", "Values used:"]
        for value in finding.values:
            lines.append(f"- {_md(value.display)}" + (f" ({value.date.isoformat()})" if value.date else ""))
    if finding.threshold:
        lines += ["", f"Threshold: {_md(finding.threshold)}"]
    if finding.follow_up:
        lines += ["", f"Follow-up: {_md(finding.follow_up)}"]
    lines += [
        "",
        f"*Screening prompt for clinician review, not a diagnosis. Rule {finding.rule_ref}, "
        f"rule set {RULESET_VERSION}.*",
    ]
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(finding.title),
        "indicator": indicator(finding),
        "detail": "\n".join(lines),
        "source": {"label": finding.source or "TRD screening rules"},
        "overrideReasons": override_reasons(),
    }
    return IssuedCard(card, finding.rule_id, finding.rule_version)


def _notice(text: str, level: str, *, detail: str = "") -> IssuedCard:
    card = {
        "uuid": str(uuid.uuid4()),
        "summary": summary(text),
        "indicator": level,
        "source": {"label": "TRD screening"},
    }
    if detail:
        card["detail"] = detail
    return IssuedCard(card, "", None)


_MARKDOWN = re.compile(r"([\\`*_\[\]<>#|])")


def _md(text: str) -> str:
    """Text with Markdown's special characters escaped, so values such as "<3 mg/L" display as written."""
    return _MARKDOWN.sub(r"\\\1", text)


# ---------------------------------------------------------------------------------------------------------
# Feedback


def parse_feedback(body: Any) -> list[dict[str, Any]]:
    """Validated feedback items (card uuid, outcome, reason, comment, accepted suggestions, time)."""
    if not isinstance(body, Mapping) or not isinstance(body.get("feedback"), list) or not body["feedback"]:
        raise HookError("feedback: a non-empty list is required")
    items = []
    for index, raw in enumerate(body["feedback"]):
        path = f"feedback[{index}]"
        if not isinstance(raw, Mapping):
            raise HookError(f"{path}: is not an object")
        try:
            card = uuid.UUID(str(raw.get("card")))
        except ValueError:
            raise HookError(f"{path}.card: is not a card uuid") from None
        outcome = raw.get("outcome")
        if outcome not in ("accepted", "overridden"):
            raise HookError(f"{path}.outcome: is not accepted or overridden")
        moment = parse_datetime(raw["outcomeTimestamp"]) if isinstance(raw.get("outcomeTimestamp"), str) else None
        if moment is None or moment.tzinfo is None:
            raise HookError(f"{path}.outcomeTimestamp: is not a date and time with a time zone")
        reason, comment = "", ""
        override = raw.get("overrideReason")
        if override is not None:
            if not isinstance(override, Mapping):
                raise HookError(f"{path}.overrideReason: is not an object")
            coding = override.get("reason") or {}
            reason = str(coding.get("code") or "") if isinstance(coding, Mapping) else ""
            if reason and reason not in DismissalReason.values:
                raise HookError(f"{path}.overrideReason.reason.code: is not one of the service's override reasons")
            comment = str(override.get("userComment") or "")[:2000]
        if outcome == "accepted" and reason:
            raise HookError(f"{path}.overrideReason: is only for overridden cards")
        suggestions = raw.get("acceptedSuggestions") or []
        if not isinstance(suggestions, list):
            raise HookError(f"{path}.acceptedSuggestions: is not a list")
        items.append(
            {
                "card": card,
                "outcome": outcome,
                "override_reason": reason,
                "user_comment": comment,
                "accepted_suggestions": suggestions[:20],
                "outcome_at": moment,
            }
        )
    return items
