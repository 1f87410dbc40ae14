"""``config.bulk.insert_new``: the bulk paths' insert (COPY on PostgreSQL, bulk_create elsewhere)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.services import log_bulk_create
from config.bulk import insert_new
from screening.models import Screening, SummaryAccess
from tests import factories

pytestmark = pytest.mark.django_db


def _screening(patient, user, **overrides) -> Screening:
    fields = {
        "patient": patient,
        "recorded_by": user,
        "recorded_at": timezone.now(),
        "as_of": dt.date(2026, 11, 1),
        "ruleset_version": "test",
        "options": {"waist": "ancestry"},
        "snapshot": {"labs": [{"value": 6.1, "unit": "%", "note": "Müller «é»\u00a0'quoted' \"double\" \\\\ back"}]},
        "result": {"findings": [], "nested": {"1": [1, 2.5, None, True]}},
        "data_fingerprint": "f" * 64,
        "content_hash": "c" * 64,
        "finding_count": 0,
    }
    return Screening(**{**fields, **overrides})


def test_rows_come_back_with_their_keys_and_exactly_as_given(clinic, clinician, django_assert_num_queries):
    patients = [factories.make_patient(clinic=clinic) for _ in range(3)]
    new = [_screening(patient, clinician) for patient in patients]
    with django_assert_num_queries(factories.insert_statements()):
        inserted = insert_new(new)
    assert inserted == new
    assert all(s.pk and not s._state.adding for s in new)
    assert len({s.pk for s in new}) == 3
    for screening in new:
        stored = Screening.objects.get(pk=screening.pk)
        for field in ("patient_id", "recorded_by_id", "recorded_at", "as_of", "code", "snapshot", "result", "options"):
            assert getattr(stored, field) == getattr(screening, field), field
    # The sequence moved past the keys taken: an ordinary save afterwards does not collide.
    later = _screening(patients[0], clinician)
    Screening.objects.bulk_create([later])
    assert later.pk > max(s.pk for s in new)


def test_a_broken_row_inserts_nothing_and_raises_djangos_error(clinic, clinician):
    patient = factories.make_patient(clinic=clinic)
    first = _screening(patient, clinician)
    rows = [first, _screening(patient, clinician, code=first.code)]  # the code is unique
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(rows)
    assert not Screening.objects.exists()


def test_nothing_to_insert_is_no_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert insert_new([]) == []


def test_audit_entries_in_bulk_keep_their_json(clinic, clinician, patient):
    screening = insert_new([_screening(patient, clinician)])[0]
    (entry,) = log_bulk_create([screening], actor=clinician)
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.changes == json.loads(json.dumps(entry.changes))  # tuples come back as lists, as from JSON
    assert stored.changes["finding_count"] == [None, 0]
    assert stored.patient_id == patient.pk and stored.clinic_id == clinic.pk


def test_a_parent_saved_after_it_was_assigned_gives_its_key(clinic, clinician, patient):
    """As with bulk_create: rows built before their parent was inserted take the parent's key."""
    screening = _screening(patient, clinician)
    access = SummaryAccess(screening=screening, user=clinician, kind="pdf", at=timezone.now())
    insert_new([screening])
    insert_new([access])
    assert SummaryAccess.objects.get(pk=access.pk).screening_id == screening.pk


def test_an_unsaved_parent_is_refused(clinic, clinician, patient):
    access = SummaryAccess(screening=_screening(patient, clinician), user=clinician, kind="pdf", at=timezone.now())
    with pytest.raises(ValueError, match="unsaved related object"):
        insert_new([access])


def test_screening_documents_are_compressed_with_lz4_on_postgresql():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("column compression is a PostgreSQL setting")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT attname, attcompression FROM pg_attribute"
            " WHERE attrelid = 'screening_screening'::regclass AND attname IN ('snapshot', 'result', 'options')"
        )
        compression = dict(cursor.fetchall())
    # "l" is LZ4; "" is the server default (pglz), kept for the small options document.
    assert compression == {"snapshot": "l", "result": "l", "options": ""}
