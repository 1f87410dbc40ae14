"""The SQLite settings let two requests that write at the same moment both succeed, one after the other.

Runs only when the tests run on SQLite: it opens two connections with the app's own SQLite settings to a
database file (the in-memory test database is one connection's, and ignores WAL).
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection
from django.db.backends.sqlite3.base import DatabaseWrapper

pytestmark = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite settings only")


@pytest.fixture
def file_database(settings, tmp_path, django_db_blocker):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"

    def connect() -> DatabaseWrapper:
        return DatabaseWrapper({**settings.DATABASES["default"], "NAME": str(tmp_path / "db.sqlite3")})

    with django_db_blocker.unblock():  # a database of the test's own, not the test database
        setup = connect()
        with setup.cursor() as cursor:
            cursor.execute("CREATE TABLE submission (n integer)")
        setup.close()
        yield connect


def test_second_writer_waits_for_the_first_instead_of_failing(file_database):
    first_has_read = threading.Event()
    outcome: dict[str, object] = {}

    def write_after_reading(name: str, hold: threading.Event | None = None) -> None:
        # What a view's service does: read inside a transaction, then write.
        db = file_database()  # a connection per thread, as per request
        try:
            with db.cursor() as cursor:
                cursor.execute(f"BEGIN {db.transaction_mode}")
                cursor.execute("SELECT count(*) FROM submission")
                outcome[f"{name}_saw"] = cursor.fetchone()[0]
                if hold is not None:
                    hold.set()
                    threading.Event().wait(0.3)  # the other request arrives meanwhile
                cursor.execute("INSERT INTO submission VALUES (1)")
                cursor.execute("COMMIT")
            outcome[name] = "saved"
        except Exception as error:  # the failure is what is being checked
            outcome[name] = repr(error)
        finally:
            db.close()

    one = threading.Thread(target=write_after_reading, args=("first", first_has_read))
    one.start()
    first_has_read.wait(5)
    two = threading.Thread(target=write_after_reading, args=("second",))
    two.start()
    one.join(10)
    two.join(30)

    assert outcome["first"] == "saved"
    assert outcome["second"] == "saved"
    assert (outcome["first_saw"], outcome["second_saw"]) == (0, 1)  # the second saw the first's write


def test_file_database_uses_write_ahead_log(file_database):
    db = file_database()
    with db.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
    db.close()
