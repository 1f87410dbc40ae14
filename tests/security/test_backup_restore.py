"""pg_dump / restore round trip: every table's row count and a recorded screening survive."""

import shutil
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest
from django.db import connection

from screening import services
from tests import factories

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="backups are for PostgreSQL"),
    pytest.mark.skipif(shutil.which("pg_dump") is None, reason="pg_dump is not installed"),
]


def url_for(name: str) -> str:
    settings = connection.settings_dict
    user = settings["USER"] or "postgres"
    password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
    host = settings["HOST"] or "/var/run/postgresql"
    port = settings["PORT"] or "5432"
    if host.startswith("/"):
        return f"postgresql://{user}{password}@/{name}?host={host}&port={port}"
    return f"postgresql://{user}{password}@{host}:{port}/{name}"


def table_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as conn:
        tables = [
            row[0]
            for row in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'public' order by 1"
            )
        ]
        return {table: conn.execute(f'select count(*) from "{table}"').fetchone()[0] for table in tables}  # noqa: S608


def test_backup_restores_every_row_and_the_screening(tmp_path, clinic, clinician):
    patient = factories.make_patient(clinic=clinic, given_name="Zoë")
    factories.add_labs(
        patient,
        ("hba1c", "48", "mmol/mol"),
        ("tsh", "12", "m[IU]/L"),
        collected_on=patient.birth_date.replace(year=2026),
    )
    screening = services.record_screening(patient=patient, recorded_by=clinician)
    source_url = url_for(connection.settings_dict["NAME"])
    dump = tmp_path / "backup.dump"
    subprocess.run([ROOT / "scripts" / "backup.sh", source_url, dump], check=True, capture_output=True)  # noqa: S603

    restored_name = f"restore_check_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
        admin.execute(f'create database "{restored_name}"')
    try:
        restored_url = url_for(restored_name)
        subprocess.run([ROOT / "scripts" / "restore.sh", dump, restored_url], check=True, capture_output=True)  # noqa: S603
        assert table_counts(restored_url) == table_counts(source_url)
        with psycopg.connect(restored_url) as conn:
            content_hash, result = conn.execute(
                "select content_hash, result from screening_screening where code = %s", [screening.code]
            ).fetchone()
        assert content_hash == screening.content_hash
        assert result == screening.result
        refused = subprocess.run([ROOT / "scripts" / "restore.sh", dump, restored_url], capture_output=True)  # noqa: S603
        assert refused.returncode == 2, "restoring over a non-empty database must be refused"
    finally:
        with psycopg.connect(url_for("postgres"), autocommit=True) as admin:
            admin.execute(f'drop database if exists "{restored_name}"')
