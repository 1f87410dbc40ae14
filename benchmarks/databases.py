"""The benchmark's PostgreSQL databases: a base database holding the generated population, and a throwaway
copy of it for each run (``CREATE DATABASE ... TEMPLATE``), so every run starts from the same state
whatever the previous one recorded."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import environ
import psycopg
from psycopg import sql

_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def database_name(url: str) -> str:
    name = environ.Env.db_url_config(url)["NAME"]
    if not _NAME.match(name):
        raise ValueError(f"the benchmark database name {name!r} must match {_NAME.pattern}")
    return name


def with_name(url: str, name: str) -> str:
    """The same server and credentials, another database."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _connect(url: str, dbname: str) -> psycopg.Connection:
    config = environ.Env.db_url_config(url)
    options = {key: value for key, value in config.get("OPTIONS", {}).items() if key in ("host", "sslmode")}
    settings = {
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        **options,
    }
    return psycopg.connect(dbname=dbname, autocommit=True, **{k: v for k, v in settings.items() if v})


def server_version(url: str) -> str:
    with _connect(url, "postgres") as connection:
        full = connection.execute("SELECT version()").fetchone()[0]
    return " ".join(full.split()[:2])  # "PostgreSQL 15.20"


def exists(url: str, name: str) -> bool:
    with _connect(url, "postgres") as connection:
        return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def create(url: str, name: str, *, template: str | None = None) -> None:
    with _connect(url, "postgres") as connection:
        if template:
            _disconnect_others(connection, template)
            statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template))
        else:
            statement = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
        connection.execute(statement)


def drop(url: str, name: str) -> None:
    with _connect(url, "postgres") as connection:
        _disconnect_others(connection, name)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def _disconnect_others(connection: psycopg.Connection, name: str) -> None:
    """End leftover sessions on one of the benchmark's own databases (a copy needs its template idle)."""
    connection.execute(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
        [name],
    )


def population_size(url: str, clinic: str) -> int:
    """Patients in the population clinic of the database at ``url`` (0 when the clinic or tables are missing)."""
    with _connect(url, database_name(url)) as connection:
        if connection.execute("SELECT to_regclass('patients_patient')").fetchone()[0] is None:
            return 0
        row = connection.execute(
            "SELECT count(*) FROM patients_patient p JOIN patients_clinic c ON c.id = p.clinic_id WHERE c.name = %s",
            [clinic],
        ).fetchone()
    return row[0]


def size_text(url: str) -> str:
    with _connect(url, database_name(url)) as connection:
        return connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()[0]


def population_age_days(url: str, clinic: str) -> int | None:
    """Days since the population was generated (None when there is none)."""
    with _connect(url, database_name(url)) as connection:
        if connection.execute("SELECT to_regclass('patients_patient')").fetchone()[0] is None:
            return None
        row = connection.execute(
            "SELECT extract(day FROM now() - max(p.created_at)) FROM patients_patient p "
            "JOIN patients_clinic c ON c.id = p.clinic_id WHERE c.name = %s",
            [clinic],
        ).fetchone()
    return None if row[0] is None else int(row[0])


_COUNTS = {
    "patients": "SELECT count(*) FROM patients_patient p WHERE p.clinic_id = %s",
    "lab_results": "SELECT count(*) FROM patients_labresult r JOIN patients_patient p ON p.id = r.patient_id "
    "WHERE p.clinic_id = %s",
    "lab_reports": "SELECT count(*) FROM patients_labreport r JOIN patients_patient p ON p.id = r.patient_id "
    "WHERE p.clinic_id = %s",
    "trials": "SELECT count(*) FROM patients_antidepressanttrial t JOIN patients_patient p ON p.id = t.patient_id "
    "WHERE p.clinic_id = %s",
    "dose_periods": "SELECT count(*) FROM patients_doseperiod d JOIN patients_antidepressanttrial t "
    "ON t.id = d.trial_id JOIN patients_patient p ON p.id = t.patient_id WHERE p.clinic_id = %s",
    "scores": "SELECT count(*) FROM patients_scalescore s JOIN patients_patient p ON p.id = s.patient_id "
    "WHERE p.clinic_id = %s",
    "measurements": "SELECT count(*) FROM patients_measurement m JOIN patients_patient p ON p.id = m.patient_id "
    "WHERE p.clinic_id = %s",
}


def population_counts(url: str, clinic: str) -> dict[str, int]:
    """Rows of the population clinic, by kind."""
    with _connect(url, database_name(url)) as connection:
        clinic_id = connection.execute("SELECT id FROM patients_clinic WHERE name = %s", [clinic]).fetchone()[0]
        return {key: connection.execute(query, [clinic_id]).fetchone()[0] for key, query in _COUNTS.items()}
