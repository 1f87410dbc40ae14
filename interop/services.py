"""Imports (FHIR bundles and CSV lab files), staged uploads, and CDS Hooks clients and feedback.

An import is two steps. :func:`plan_fhir_import` / :func:`interop.csv_labs.plan_csv_import` read the upload
and compare it with the database: what will be created, what matches (the patient by MRN, resources already
imported by their identifiers), and every entry that cannot be used, with the reason. The plan has a digest.
:func:`commit_fhir_import` / :func:`interop.csv_labs.commit_csv_import` then write the plan all or nothing,
through the patients services (``record_lab_panel`` with ``source="fhir"``, ``start_trial``,
``record_scale_score``), after checking again, under a lock on the patient, that nothing was imported in
between. Views re-plan from the stored upload and commit only when the digest is the one the user saw.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from patients import services as patient_services
from patients.fields import normalise_text
from patients.models import (
    Ancestry,
    Clinic,
    Intake,
    LabResult,
    LabSource,
    MenstrualStatus,
    Patient,
    PregnancyStatus,
    ScaleScore,
)
from patients.services import LabEntry

from .fhir.reader import (
    Code,
    EpisodeItem,
    LabItem,
    ParsedBundle,
    PatientData,
    PatientFacts,
    Problem,
    ScoreItem,
    TrialItem,
    decode_json,
    read_bundle,
)
from .models import CdsCard, CdsClient, CdsFeedback, ImportBatch, ImportedTrial

logger = logging.getLogger(__name__)

#: Uncommitted uploads are deleted after this long (they hold patient data).
STAGED_UPLOAD_LIFETIME = dt.timedelta(hours=24)


class ImportConflict(Exception):
    """The database changed between the preview and the commit; nothing was written."""


class AlreadyImported(Exception):
    """Another request (a double-click on Import, a retry) committed this upload first; nothing was written."""

    def __init__(self, batch: ImportBatch):
        super().__init__(f"import {batch.code} is already committed")
        self.batch = batch


def digest(data: Any) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()).hexdigest()


# ---------------------------------------------------------------------------------------------------------
# Staged uploads


def stage_upload(*, kind: str, clinic: Clinic, user, content: str, filename: str = "", patient=None) -> ImportBatch:
    """Keep an upload for its preview and commit; removes other users' and own uploads left uncommitted."""
    with transaction.atomic():
        cutoff = timezone.now() - STAGED_UPLOAD_LIFETIME
        ImportBatch.objects.filter(committed_at__isnull=True, created_at__lt=cutoff).delete()
        batch = ImportBatch(
            kind=kind,
            clinic=clinic,
            patient=patient,
            created_by=user,
            filename=filename[:200],
            content=content,
            content_digest=hashlib.sha256(content.encode()).hexdigest(),
        )
        batch.full_clean()
        batch.save()
    logger.info("import %s staged (%s, clinic %s)", batch.code, kind, clinic.pk)
    return batch


@contextmanager
def committing(batch: ImportBatch) -> Iterator[ImportBatch]:
    """Hold the upload locked while its plan is written and :func:`finish_batch` marks it, all in one
    transaction. Raises :class:`AlreadyImported` if it was committed meanwhile: two commits of the same upload
    at once would otherwise both pass the view's check, and the second fail on rows the first just wrote."""
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.is_committed:
            raise AlreadyImported(locked)
        yield locked


def finish_batch(*, batch: ImportBatch, patient: Patient | None, summary: dict[str, int]) -> ImportBatch:
    """Mark a batch committed and drop its content (the digest and counts stay)."""
    batch.committed_at = timezone.now()
    batch.result_patient = patient
    batch.summary = summary
    batch.content = ""
    batch.full_clean()
    batch.save(update_fields=["committed_at", "result_patient", "summary", "content"])
    return batch


# ---------------------------------------------------------------------------------------------------------
# FHIR import


@dataclass
class FhirPlan:
    """What a FHIR import will do. ``errors`` block the whole import; ``skipped`` lists every unused entry."""

    clinic: Clinic
    parsed: ParsedBundle
    content_digest: str
    patient: Patient | None = None  # the existing patient written to
    new_patient: PatientData | None = None  # the patient to create
    matched_by_mrn: bool = False
    labs: list[LabItem] = field(default_factory=list)
    scores: list[ScoreItem] = field(default_factory=list)
    trials: list[TrialItem] = field(default_factory=list)
    conditions: list[str] = field(default_factory=list)
    episode: EpisodeItem | None = None
    skipped: list[Problem] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def write_count(self) -> int:
        return len(self.labs) + len(self.scores) + len(self.trials) + len(self.conditions) + bool(self.episode)

    @property
    def can_commit(self) -> bool:
        return not self.errors and (self.write_count > 0 or self.new_patient is not None)

    @property
    def digest(self) -> str:
        return digest(
            {
                "content": self.content_digest,
                "patient": self.patient.pk if self.patient else None,
                "new_patient": asdict(self.new_patient) if self.new_patient else None,
                "labs": [asdict(x) for x in self.labs],
                "scores": [asdict(x) for x in self.scores],
                "trials": [asdict(x) for x in self.trials],
                "conditions": self.conditions,
                "episode": asdict(self.episode) if self.episode else None,
                "errors": self.errors,
            }
        )


def plan_fhir_import(
    *, clinic: Clinic, content: str | bytes, patient: Patient | None = None, today: dt.date | None = None
) -> FhirPlan:
    """Read a bundle for ``patient`` (patient-level import) or for the clinic (match by MRN, or create).

    Raises :class:`BundleError` when the upload as a whole cannot be read.
    """
    today = today or timezone.localdate()
    data = decode_json(content)
    known = PatientFacts(patient.sex, patient.birth_date) if patient is not None else None
    parsed = read_bundle(data, today=today, known=known)
    raw = content.encode() if isinstance(content, str) else content
    plan = FhirPlan(clinic=clinic, parsed=parsed, content_digest=hashlib.sha256(raw).hexdigest())
    plan.skipped = list(parsed.problems)
    if patient is not None:
        _check_given_patient(plan, patient)
    else:
        _resolve_patient(plan)
    target = plan.patient
    plan.labs, plan.scores, plan.trials = list(parsed.labs), list(parsed.scores), list(parsed.trials)
    if target is not None:
        _drop_already_imported(plan, target)
    for medicine in parsed.medicines:
        reason = (
            f"{medicine.name.replace('_', ' ').capitalize()} is not an antidepressant; other medicines are not "
            "imported (record them on the patient page)."
        )
        plan.skipped.append(Problem(medicine.where, medicine.resource, "medication", reason, Code.NOT_IMPORTED))
    _plan_intake(plan, target)
    plan.skipped.sort(key=lambda p: _position(p.where))
    return plan


def _position(where: str) -> int:
    digits = "".join(ch for ch in where if ch.isdigit())
    return int(digits) if digits else -1


def _check_given_patient(plan: FhirPlan, patient: Patient) -> None:
    plan.patient = patient
    data = plan.parsed.patient
    if data is None:
        return
    if data.mrn and data.mrn != patient.mrn:
        plan.errors.append(
            f"{data.where}.resource.identifier: the bundle is for MRN {data.mrn}, not this patient (MRN {patient.mrn})."
        )
    if data.birth_date and data.birth_date != patient.birth_date:
        plan.errors.append(
            f"{data.where}.resource.birthDate: {data.birth_date} differs from this patient's birth date "
            f"({patient.birth_date}); check that the bundle is for this patient."
        )
    if data.sex and data.sex != patient.sex:
        plan.errors.append(f"{data.where}.resource.gender: {data.sex} differs from this patient's sex at birth.")


def _resolve_patient(plan: FhirPlan) -> None:
    data = plan.parsed.patient
    if data is None:
        plan.errors.append("entry: the bundle has no Patient resource; an import for the clinic needs one.")
        return
    if not data.mrn:
        plan.errors.append(
            f"{data.where}.resource.identifier: no medical record number (an identifier typed MR, or a single "
            "identifier), so the patient cannot be matched."
        )
        return
    existing = Patient.objects.filter(clinic=plan.clinic, mrn=data.mrn).first()
    if existing is not None:
        plan.patient, plan.matched_by_mrn = existing, True
        _check_given_patient(plan, existing)
        return
    where = f"{data.where}.resource"
    if len(data.mrn) > Patient._meta.get_field("mrn").max_length:
        plan.errors.append(f"{where}.identifier: the MRN is longer than 64 characters.")
    if not data.given_name or not data.family_name:
        plan.errors.append(f"{where}.name: a given and a family name are needed to register the patient.")
    for part, name in (("given", data.given_name), ("family", data.family_name)):
        try:
            normalise_text(name)  # the checks a typed name passes: no control or text-direction characters
        except ValidationError as error:
            plan.errors.append(f"{where}.name: the {part} name is refused. {error.messages[0]}")
    if data.birth_date is None:
        plan.errors.append(f"{where}.birthDate: a full birth date is needed to register the patient.")
    if data.sex is None:
        plan.errors.append(f"{where}.gender: sex at birth (male or female) is needed to screen; the bundle gives none.")
    if not plan.errors:
        plan.new_patient = data


def _drop_already_imported(plan: FhirPlan, patient: Patient) -> None:
    """Resources imported before are matched by identifier and left as they are."""
    lab_ids = set(
        LabResult.objects.filter(
            patient=patient, source=LabSource.FHIR, source_identifier__in=[x.source_identifier for x in plan.labs]
        ).values_list("source_identifier", flat=True)
    )
    score_ids = set(
        ScaleScore.objects.filter(
            patient=patient, source=LabSource.FHIR, source_identifier__in=[x.source_identifier for x in plan.scores]
        ).values_list("source_identifier", flat=True)
    )
    trial_ids = set(
        ImportedTrial.objects.filter(
            patient=patient, source_identifier__in=[x.source_identifier for x in plan.trials]
        ).values_list("source_identifier", flat=True)
    )
    for items, known in ((plan.labs, lab_ids), (plan.scores, score_ids), (plan.trials, trial_ids)):
        for item in [x for x in items if x.source_identifier in known]:
            items.remove(item)
            reason = f"Already imported (identifier {item.source_identifier}); left unchanged."
            plan.skipped.append(Problem(item.where, item.resource, "", reason, Code.ALREADY_IMPORTED))


def _plan_intake(plan: FhirPlan, patient: Patient | None) -> None:
    parsed = plan.parsed
    intake = Intake.objects.filter(patient=patient).first() if patient is not None else None
    recorded = set(intake.conditions or []) if intake else set()
    plan.conditions = [code for code in parsed.conditions if code not in recorded]
    for code, where in zip(parsed.conditions, parsed.condition_entries, strict=False):
        if code in recorded:
            reason = "This condition is already recorded in the intake."
            plan.skipped.append(Problem(where, "Condition", "code", reason, Code.ALREADY_IMPORTED))
    episode = parsed.episode
    if episode is None:
        return
    if intake is not None and (intake.episode_onset or intake.episode_severity):
        if (intake.episode_onset, intake.episode_severity) != (episode.onset, episode.severity):
            reason = "The intake already records the current episode; it was kept as recorded."
            plan.skipped.append(Problem(episode.where, "Condition", "onsetDateTime", reason, Code.NOT_IMPORTED))
        return
    plan.episode = episode


def commit_fhir_import(*, plan: FhirPlan, user) -> Patient:
    """Write the plan, all or nothing. Raises :class:`ImportConflict` when an entry was imported meanwhile."""
    if not plan.can_commit:
        raise ValueError("this plan cannot be committed")
    with transaction.atomic():
        if plan.new_patient is not None:
            patient = _register(plan.clinic, plan.new_patient, user)
        else:
            patient = Patient.objects.select_for_update().get(pk=plan.patient.pk)
            check = FhirPlan(clinic=plan.clinic, parsed=plan.parsed, content_digest=plan.content_digest)
            check.labs, check.scores, check.trials = list(plan.labs), list(plan.scores), list(plan.trials)
            _drop_already_imported(check, patient)
            if check.skipped:
                raise ImportConflict("some entries were imported meanwhile")
        for group in _lab_reports(plan.labs):
            record_imported_report(patient=patient, user=user, source=LabSource.FHIR, labs=group)
        for trial in plan.trials:
            _store_trial(patient, trial)
        for score in plan.scores:
            patient_services.record_scale_score(
                patient=patient,
                instrument=ScaleScore.Instrument.PHQ9,
                administered_on=score.administered_on,
                items=list(score.items) or None,
                total=None if score.items else score.total,
                difficulty=score.difficulty,
                entered_by=user,
                source=LabSource.FHIR,
                source_identifier=score.source_identifier,
            )
        if plan.conditions or plan.episode:
            _update_intake(patient, plan.conditions, plan.episode)
    logger.info(
        "FHIR import committed for patient %s: %d labs, %d trials, %d scores",
        patient.code,
        len(plan.labs),
        len(plan.trials),
        len(plan.scores),
    )
    return patient


def fhir_summary(plan: FhirPlan) -> dict[str, int]:
    return {
        "labs": len(plan.labs),
        "trials": len(plan.trials),
        "scores": len(plan.scores),
        "conditions": len(plan.conditions),
        "skipped": len(plan.skipped),
        "patient_created": int(plan.new_patient is not None),
    }


def _register(clinic: Clinic, data: PatientData, user) -> Patient:
    fields: dict[str, Any] = {
        "mrn": data.mrn,
        "given_name": data.given_name,
        "family_name": data.family_name,
        "birth_date": data.birth_date,
        "sex": data.sex,
    }
    if data.ancestry in Ancestry.values:
        fields["ancestry"] = data.ancestry
    if data.sex == "female":
        if data.pregnancy_status in PregnancyStatus.values:
            fields["pregnancy_status"] = data.pregnancy_status
        if data.menstrual_status in MenstrualStatus.values:
            fields["menstrual_status"] = data.menstrual_status
        if data.delivery_date:
            fields["delivery_date"] = data.delivery_date
    return patient_services.register_patient(clinic=clinic, created_by=user, **fields)


def record_imported_report(*, patient: Patient, user, source: str, labs: list) -> None:
    """One lab report of imported results drawn together: FHIR ``LabItem``s or CSV rows, which carry the
    same fields (the first gives the report's date, time, fasting state and laboratory)."""
    first = labs[0]
    patient_services.record_lab_panel(
        patient=patient,
        entered_by=user,
        collected_on=first.collected_on,
        collected_at=first.collected_at,
        fasting=first.fasting,
        laboratory=first.laboratory,
        source=source,
        entries=[
            LabEntry(
                analyte=lab.analyte,
                value=lab.value,
                unit=lab.unit,
                comparator=lab.comparator,
                reference_low=lab.reference_low,
                reference_high=lab.reference_high,
                loinc=lab.loinc,
                note=lab.note,
                source_identifier=lab.source_identifier,
            )
            for lab in labs
        ],
    )


def _lab_reports(labs: list[LabItem]) -> list[list[LabItem]]:
    """Results drawn together (same date, time, fasting state and laboratory) form one report."""
    groups: dict[tuple, list[LabItem]] = defaultdict(list)
    for lab in labs:
        groups[(lab.collected_on, lab.collected_at, lab.fasting, lab.laboratory)].append(lab)
    return [groups[key] for key in sorted(groups, key=lambda k: (k[0], k[1] or dt.time(0), k[2], k[3]))]


def _store_trial(patient: Patient, item: TrialItem) -> None:
    first = item.periods[0]
    single = len(item.periods) == 1
    trial = patient_services.start_trial(
        patient=patient,
        drug=item.drug,
        drug_other=item.drug_text,
        daily_dose_mg=first.daily_dose_mg,
        start=first.start,
        end=first.end if single else None,
        adherence=item.adherence,
        outcome=item.outcome,
        improvement_pct=item.improvement_pct,
    )
    for period in item.periods[1:]:
        patient_services.change_trial_dose(trial=trial, daily_dose_mg=period.daily_dose_mg, start=period.start)
    last = item.periods[-1]
    if not single and last.end is not None:
        patient_services.end_trial(
            trial=trial,
            end=last.end,
            outcome=item.outcome,
            adherence=item.adherence,
            improvement_pct=item.improvement_pct,
        )
    link = ImportedTrial(trial=trial, patient=patient, source_identifier=item.source_identifier)
    link.full_clean()
    link.save()


def _update_intake(patient: Patient, conditions: list[str], episode: EpisodeItem | None) -> Intake:
    intake, _ = Intake.objects.select_for_update().get_or_create(patient=patient)
    intake.conditions = list(dict.fromkeys([*(intake.conditions or []), *conditions]))
    if episode is not None:
        intake.episode_onset = episode.onset
        intake.episode_severity = episode.severity
    intake.full_clean()
    intake.save()
    return intake


# ---------------------------------------------------------------------------------------------------------
# CDS Hooks clients and feedback

TOKEN_PREFIX = "cds_"  # noqa: S105 - a marker that makes leaked tokens recognisable, not a secret
_PREFIX_LENGTH = 12


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_cds_client(*, name: str, clinic: Clinic) -> tuple[CdsClient, str]:
    """Register an EHR and return it with its bearer token, which is shown once and stored only as a hash."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    client = CdsClient(name=name, clinic=clinic, token_prefix=token[:_PREFIX_LENGTH], token_hash=_hash_token(token))
    client.full_clean()
    client.save()
    logger.info("CDS Hooks client %s created", client.pk)
    return client, token


def authenticate_cds_client(token: str) -> CdsClient | None:
    """The active client whose token this is, comparing hashes in constant time; None otherwise."""
    if not token or len(token) < _PREFIX_LENGTH or len(token) > 200:
        return None
    client = CdsClient.objects.select_related("clinic").filter(token_prefix=token[:_PREFIX_LENGTH]).first()
    expected = client.token_hash if client is not None else _hash_token("no such client")
    matches = hmac.compare_digest(_hash_token(token), expected)
    if client is None or not matches or not client.is_active:
        return None
    CdsClient.objects.filter(pk=client.pk).update(last_used_at=timezone.now())
    return client


def record_cards(*, client: CdsClient, service_id: str, cards: list[tuple[str, str, int | None]]) -> None:
    """Remember the cards returned (uuid, rule id, rule version), so that feedback can name the rule."""
    now = timezone.now()
    CdsCard.objects.bulk_create(
        CdsCard(uuid=uuid, client=client, service_id=service_id, rule_id=rule_id, rule_version=version, issued_at=now)
        for uuid, rule_id, version in cards
    )


def record_feedback(*, client: CdsClient, service_id: str, items: list[dict[str, Any]]) -> list[CdsFeedback]:
    """Store feedback items already validated by the view; each names a card issued to this client."""
    cards = CdsCard.objects.filter(client=client, service_id=service_id, uuid__in=[item["card"] for item in items])
    card_by_uuid = {card.uuid: card for card in cards}
    stored = []
    with transaction.atomic():
        for item in items:
            feedback = CdsFeedback(
                card=card_by_uuid[item["card"]],
                outcome=item["outcome"],
                override_reason=item.get("override_reason", ""),
                user_comment=item.get("user_comment", ""),
                accepted_suggestions=item.get("accepted_suggestions", []),
                outcome_at=item["outcome_at"],
            )
            feedback.full_clean()
            feedback.save()
            stored.append(feedback)
    logger.info("CDS Hooks feedback from client %s: %d items", client.pk, len(stored))
    return stored
