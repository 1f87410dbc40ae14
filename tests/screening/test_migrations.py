"""Migration ``screening.0005``: a finding's JSON moves out of its row into the screening's result only, and
back when the migration is reversed, with nothing lost either way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("screening", "0004_lz4_documents")]
AFTER = [("screening", "0005_finding_data_in_result_only")]

FINDINGS = [
    {"rule_id": "META-01a", "title": "HbA1c in the prediabetes range", "follow_up": "Repeat HbA1c in 12 months."},
    {"rule_id": "DATA-01", "title": "No TSH on record", "follow_up": ""},
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_finding_json_moves_into_the_result_and_back(clinic, clinician):
    patient = factories.make_patient(clinic=clinic)
    apps = migrate(BEFORE)
    try:
        screening_model = apps.get_model("screening", "Screening")
        finding_model = apps.get_model("screening", "ScreeningFinding")
        screening = screening_model.objects.create(
            patient_id=patient.pk,
            recorded_by_id=clinician.pk,
            recorded_at=timezone.now(),
            as_of=dt.date(2026, 11, 1),
            ruleset_version="test",
            options={},
            snapshot={"labs": []},
            result={"findings": FINDINGS},
            data_fingerprint="f" * 64,
            content_hash="c" * 64,
            finding_count=len(FINDINGS),
        )
        for position, data in enumerate(FINDINGS):
            finding_model.objects.create(
                screening=screening,
                position=position,
                rule_id=data["rule_id"],
                rule_version=1,
                category="metabolic",
                severity="moderate",
                title=data["title"],
                inputs_key="k" * 32,
                data=data,
            )

        migrate(AFTER)
        from screening.models import ScreeningFinding

        moved = list(ScreeningFinding.objects.filter(screening_id=screening.pk).order_by("position"))
        assert [finding.follow_up for finding in moved] == [data["follow_up"] for data in FINDINGS]
        assert [finding.data for finding in moved] == FINDINGS

        apps = migrate(BEFORE)
        restored = apps.get_model("screening", "ScreeningFinding").objects.filter(screening_id=screening.pk)
        assert [finding.data for finding in restored.order_by("position")] == FINDINGS
    finally:
        migrate(AFTER)
