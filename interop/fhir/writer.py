"""A patient's record, and optionally one recorded screening, as a FHIR R4 Bundle (type ``collection``).

Demographics (Patient), intake conditions and the current episode (Condition), labs (Observation with LOINC
and UCUM, as reported, with comparator and reference range), antidepressant trials (MedicationStatement, one
dosage per dose period), PHQ-9 (Observation, panel 44249-1 with item and total components), and the findings
of a recorded screening (DetectedIssue: severity, detail, the Observations used as evidence, the rule as
``code`` (``rule_id@version`` in ``code.text``), the citation in an extension, and the clinician review as
``mitigation``). Every bundle is validated with the ``fhir.resources.R4B`` models before it leaves.

Resource ids are stable (``lab-12``) and every reference uses the entry's ``urn:uuid:`` fullUrl, derived
from the patient's code, so exporting twice gives the same references.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from decimal import Decimal
from typing import Any

from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from patients.models import Ancestry, Condition, Fasting, Intake, Patient, ScaleScore
from screening.models import FindingReview, Screening
from screening.rules import analytes
from screening.rules.drugs import drug_display

from .. import rxnorm
from . import codes

_NAMESPACE = uuid.UUID("6f1d7a52-3c1e-4b7e-9a55-6a2f0e1b7c42")
_SEVERITY = {"important": "high", "consider": "moderate", "info": "low"}
_EPISODE_SEVERITY_LABELS = dict(Intake._meta.get_field("episode_severity").choices)


class ExportError(RuntimeError):
    """The bundle built does not validate against the R4 models (a programming error, never user input)."""


def export_bundle(patient: Patient, *, screening: Screening | None = None) -> dict[str, Any]:
    """The patient's record as a Bundle; with ``screening``, its findings as DetectedIssue resources.

    Load ``patient`` with :func:`screening.snapshots.with_snapshot_data` to keep the query count fixed.
    """
    writer = _Writer(patient)
    entries = [writer.patient_entry(), *writer.conditions(), *writer.labs(), *writer.trials(), *writer.phq9()]
    if screening is not None:
        entries += writer.detected_issues(screening)
    data = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid5(_NAMESPACE, f"{patient.code}/bundle/{screening.code if screening else ''}")),
        "type": "collection",
        "timestamp": timezone.now().isoformat(timespec="seconds"),
        "entry": entries,
    }
    try:
        Bundle.model_validate(data)
    except Exception as error:
        raise ExportError(f"the exported bundle does not validate: {type(error).__name__}") from error
    return data


def dumps(data: dict[str, Any]) -> str:
    """JSON text of an exported bundle (decimals written as numbers)."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return _number(value)
    raise TypeError(f"cannot write {type(value).__name__}")


def _number(value: Decimal | float | int) -> int | float:
    value = Decimal(str(value)).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def _coding(system: str, code: str, display: str = "") -> dict[str, str]:
    return {"system": system, "code": code, **({"display": display} if display else {})}


def _quantity(value: Decimal, unit: str, comparator: str = "") -> dict[str, Any]:
    quantity: dict[str, Any] = {"value": _number(value)}
    if comparator:
        quantity["comparator"] = comparator
    quantity.update({"unit": analytes.unit_label(unit), "system": codes.UCUM, "code": unit})
    return quantity


class _Writer:
    def __init__(self, patient: Patient) -> None:
        self.patient = patient
        self.patient_url = self.url("patient", patient.code)
        self.lab_urls: dict[str, str] = {}

    def url(self, kind: str, key: Any) -> str:
        return f"urn:uuid:{uuid.uuid5(_NAMESPACE, f'{self.patient.code}/{kind}/{key}')}"

    def subject(self) -> dict[str, str]:
        return {"reference": self.patient_url}

    @staticmethod
    def entry(url: str, resource: dict[str, Any]) -> dict[str, Any]:
        return {"fullUrl": url, "resource": resource}

    # -- demographics and intake -----------------------------------------------------------------------

    def patient_entry(self) -> dict[str, Any]:
        p = self.patient
        extensions = [{"url": codes.US_CORE_BIRTH_SEX, "valueCode": {"female": "F", "male": "M"}[p.sex]}]
        if p.ancestry and p.ancestry != Ancestry.UNKNOWN:
            extensions.append({"url": codes.EXT_ANCESTRY, "valueCode": p.ancestry})
        if p.pregnancy_status:
            extensions.append({"url": codes.EXT_PREGNANCY, "valueCode": p.pregnancy_status})
        if p.delivery_date:
            extensions.append({"url": codes.EXT_DELIVERY_DATE, "valueDate": p.delivery_date.isoformat()})
        if p.menstrual_status:
            extensions.append({"url": codes.EXT_MENSTRUAL_STATUS, "valueCode": p.menstrual_status})
        resource = {
            "resourceType": "Patient",
            "id": str(p.code),
            "extension": extensions,
            "identifier": [
                {
                    "use": "usual",
                    "type": {"coding": [_coding(codes.V2_IDENTIFIER_TYPE, "MR", "Medical record number")]},
                    "system": f"urn:trd-screening:clinic:{p.clinic.code}:mrn",
                    "value": p.mrn,
                }
            ],
            "name": [{"use": "official", "family": p.family_name, "given": [p.given_name]}],
            "gender": p.sex,
            "birthDate": p.birth_date.isoformat(),
        }
        return self.entry(self.patient_url, resource)

    def conditions(self) -> list[dict[str, Any]]:
        try:
            intake = self.patient.intake
        except Intake.DoesNotExist:
            return []
        labels = dict(Condition.choices)
        entries = []
        for code in intake.conditions or []:
            text = intake.other_conditions if code == Condition.OTHER and intake.other_conditions else labels[code]
            entries.append(self.entry(self.url("condition", code), self.condition(code, labels[code], text)))
        if intake.episode_onset or intake.episode_severity:
            resource = self.condition(codes.EPISODE_CODE, "Current depressive episode", "Current depressive episode")
            if intake.episode_onset:
                resource["onsetDateTime"] = intake.episode_onset.isoformat()
            if intake.episode_severity:
                label = _EPISODE_SEVERITY_LABELS[intake.episode_severity]
                code = _coding(codes.EPISODE_SEVERITY_SYSTEM, intake.episode_severity, label)
                resource["severity"] = {"coding": [code], "text": label}
            entries.append(self.entry(self.url("condition", codes.EPISODE_CODE), resource))
        return entries

    def condition(self, code: str, display: str, text: str) -> dict[str, Any]:
        return {
            "resourceType": "Condition",
            "id": f"condition-{code}".replace("_", "-"),
            "clinicalStatus": {"coding": [_coding(codes.CONDITION_CLINICAL, "active", "Active")]},
            "category": [{"coding": [_coding(codes.CONDITION_CATEGORY, "problem-list-item", "Problem List Item")]}],
            "code": {"coding": [_coding(codes.CONDITION_SYSTEM, code, display)], "text": text},
            "subject": self.subject(),
        }

    # -- labs --------------------------------------------------------------------------------------------

    def labs(self) -> list[dict[str, Any]]:
        entries = []
        for result in sorted(self.patient.lab_results.all(), key=lambda r: (r.collected_on, r.pk)):
            url = self.url("lab", result.pk)
            self.lab_urls[str(result.pk)] = url
            entries.append(self.entry(url, self.observation(result)))
        return entries

    def observation(self, result) -> dict[str, Any]:
        analyte = analytes.ANALYTES[result.analyte]
        loinc = result.loinc or (analyte.loinc[0] if analyte.loinc else "")
        if loinc:
            coding = _coding(codes.LOINC, loinc, analyte.name)
        else:
            coding = _coding(codes.ANALYTE_SYSTEM, analyte.key, analyte.name)
        resource: dict[str, Any] = {
            "resourceType": "Observation",
            "id": f"lab-{result.pk}",
            "identifier": [{"system": codes.LAB_RESULT_ID_SYSTEM, "value": f"{self.patient.code}/{result.pk}"}],
            "status": "final",
            "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "laboratory", "Laboratory")]}],
            "code": {"coding": [coding], "text": analyte.name},
            "subject": self.subject(),
            "effectiveDateTime": _when(result.collected_on, result.collected_at),
            "valueQuantity": _quantity(result.value, result.unit, result.comparator),
        }
        if result.fasting in (Fasting.YES, Fasting.NO) and not analytes.loinc_implies_fasting(loinc):
            resource["extension"] = [{"url": codes.EXT_FASTING, "valueBoolean": result.fasting == Fasting.YES}]
        limits = {}
        if result.reference_low is not None:
            limits["low"] = _quantity(result.reference_low, result.unit)
        if result.reference_high is not None:
            limits["high"] = _quantity(result.reference_high, result.unit)
        if limits:
            resource["referenceRange"] = [limits]
        if result.laboratory:
            resource["performer"] = [{"display": result.laboratory}]
        if result.note:
            resource["note"] = [{"text": result.note}]
        return resource

    # -- trials ------------------------------------------------------------------------------------------

    def trials(self) -> list[dict[str, Any]]:
        entries = []
        for trial in sorted(self.patient.trials.all(), key=lambda t: t.pk):
            periods = list(trial.dose_periods.all())
            if periods:
                entries.append(self.entry(self.url("trial", trial.pk), self.medication_statement(trial, periods)))
        return entries

    def medication_statement(self, trial, periods) -> dict[str, Any]:
        text = trial.drug_display if trial.drug != "other" else (trial.drug_other or "Other antidepressant")
        coding = [_coding(codes.ANTIDEPRESSANT_SYSTEM, trial.drug, drug_display(trial.drug))]
        if trial.drug in rxnorm.CODE_FOR_DRUG:
            coding.append(_coding(rxnorm.SYSTEM, rxnorm.CODE_FOR_DRUG[trial.drug]))
        extensions = [{"url": codes.EXT_TRIAL_ADHERENCE, "valueCode": trial.adherence}]
        if trial.outcome:
            extensions.append({"url": codes.EXT_TRIAL_OUTCOME, "valueCode": trial.outcome})
        if trial.improvement_pct is not None:
            extensions.append({"url": codes.EXT_TRIAL_IMPROVEMENT, "valueInteger": trial.improvement_pct})
        effective = {"start": periods[0].start.isoformat()}
        if periods[-1].end:
            effective["end"] = periods[-1].end.isoformat()
        return {
            "resourceType": "MedicationStatement",
            "id": f"trial-{trial.pk}",
            "extension": extensions,
            "identifier": [{"system": codes.TRIAL_ID_SYSTEM, "value": f"{self.patient.code}/{trial.pk}"}],
            "status": "active" if periods[-1].end is None else "completed",
            "medicationCodeableConcept": {"coding": coding, "text": text},
            "subject": self.subject(),
            "effectivePeriod": effective,
            "dosage": [self.dosage(index, period) for index, period in enumerate(periods, 1)],
        }

    @staticmethod
    def dosage(sequence: int, period) -> dict[str, Any]:
        bounds = {"start": period.start.isoformat()}
        if period.end:
            bounds["end"] = period.end.isoformat()
        dose = _number(period.daily_dose_mg)
        return {
            "sequence": sequence,
            "text": f"{dose:g} mg daily",
            "timing": {"repeat": {"boundsPeriod": bounds, "frequency": 1, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": dose, "unit": "mg", "system": codes.UCUM, "code": "mg"}}],
        }

    # -- PHQ-9 -------------------------------------------------------------------------------------------

    def phq9(self) -> list[dict[str, Any]]:
        entries = []
        scores = sorted(self.patient.scale_scores.all(), key=lambda x: (x.administered_on, x.pk))
        for score in scores:
            if score.instrument == ScaleScore.Instrument.PHQ9:
                entries.append(self.entry(self.url("phq9", score.pk), self.phq9_observation(score)))
        return entries

    def phq9_observation(self, score) -> dict[str, Any]:
        components = []
        if score.items:
            components += [
                {"code": {"coding": [_coding(codes.LOINC, code)]}, "valueInteger": value}
                for code, value in zip(codes.PHQ9_ITEMS, score.items, strict=True)
            ]
        total = _coding(codes.LOINC, codes.PHQ9_TOTAL, "PHQ-9 total score")
        components.append({"code": {"coding": [total]}, "valueInteger": score.total})
        if score.items and score.difficulty is not None:
            components.append(
                {"code": {"coding": [_coding(codes.LOINC, codes.PHQ9_DIFFICULTY)]}, "valueInteger": score.difficulty}
            )
        return {
            "resourceType": "Observation",
            "id": f"phq9-{score.pk}",
            "identifier": [{"system": codes.SCORE_ID_SYSTEM, "value": f"{self.patient.code}/{score.pk}"}],
            "status": "final",
            "category": [{"coding": [_coding(codes.OBSERVATION_CATEGORY, "survey", "Survey")]}],
            "code": {
                "coding": [_coding(codes.LOINC, codes.PHQ9_PANEL, "PHQ-9 quick depression assessment panel")],
                "text": "PHQ-9",
            },
            "subject": self.subject(),
            "effectiveDateTime": score.administered_on.isoformat(),
            "component": components,
        }

    # -- a recorded screening ------------------------------------------------------------------------------

    def detected_issues(self, screening: Screening) -> list[dict[str, Any]]:
        findings = list(screening.findings.order_by("position"))
        latest: dict[int, FindingReview] = {}
        reviews = FindingReview.objects.filter(finding__screening=screening).select_related("reviewed_by")
        for review in reviews.order_by("reviewed_at", "pk"):
            latest[review.finding_id] = review
        return [
            self.entry(self.url("finding", f"{screening.code}/{f.position}"), self.detected_issue(screening, f, latest))
            for f in findings
        ]

    def detected_issue(self, screening: Screening, finding, latest: dict[int, FindingReview]) -> dict[str, Any]:
        data = finding.data
        references, displays = [], []
        for value in data.get("values", []):
            url = self.lab_urls.get(str(value.get("source_id") or ""))
            if url is not None:
                references.append({"reference": url, "display": value.get("display", "")})
            else:
                displays.append({"display": value.get("display") or value.get("label", "")})
        detail = " ".join(part for part in (data.get("title"), data.get("detail")) if part)
        if data.get("threshold"):
            detail += f" Threshold: {data['threshold']}."
        if data.get("follow_up"):
            detail += f" Follow-up: {data['follow_up']}"
        extensions = [{"url": codes.EXT_CITATION, "valueString": data.get("source") or "not stated"}]
        if data.get("threshold"):
            extensions.append({"url": codes.EXT_THRESHOLD, "valueString": data["threshold"]})
        resource: dict[str, Any] = {
            "resourceType": "DetectedIssue",
            "id": f"finding-{finding.pk}",
            "extension": extensions,
            "identifier": [{"system": codes.FINDING_ID_SYSTEM, "value": f"{screening.code}/{finding.position}"}],
            "status": "final",
            "code": {
                "coding": [_coding(codes.RULE_SYSTEM, finding.rule_id, finding.title[:250])],
                "text": finding.rule_ref,
            },
            "severity": _SEVERITY[finding.severity],
            "patient": self.subject(),
            "identifiedDateTime": screening.recorded_at.isoformat(timespec="seconds"),
            "author": {"display": f"TRD screening rules {screening.ruleset_version} ({finding.rule_ref})"},
            "detail": detail.strip(),
        }
        if references:
            resource["implicated"] = [{"reference": r["reference"]} for r in references]
        if references or displays:
            resource["evidence"] = [{"detail": references + displays}]
        review = latest.get(finding.pk)
        if review is not None and review.state != "open":
            resource["mitigation"] = [self.mitigation(review)]
        return resource

    @staticmethod
    def mitigation(review: FindingReview) -> dict[str, Any]:
        label = review.get_state_display()
        text = label
        if review.dismissal_reason:
            text += f": {review.get_dismissal_reason_display()}"
        if review.follow_up:
            text += f": {review.follow_up}"
        coding = [_coding(codes.REVIEW_STATE_SYSTEM, review.state, label)]
        if review.dismissal_reason:
            coding.append(
                _coding(codes.DISMISSAL_REASON_SYSTEM, review.dismissal_reason, review.get_dismissal_reason_display())
            )
        reviewer = review.reviewed_by.get_full_name() or review.reviewed_by.get_username()
        return {
            "action": {"coding": coding, "text": text},
            "date": review.reviewed_at.isoformat(timespec="seconds"),
            "author": {"display": reviewer},
        }


def _when(day: dt.date, time: dt.time | None) -> str:
    """A date, or a dateTime in the server's time zone when the collection time is known (FHIR requires an
    offset with a time)."""
    if time is None:
        return day.isoformat()
    moment = timezone.make_aware(dt.datetime.combine(day, time), timezone.get_current_timezone())
    return moment.isoformat()
