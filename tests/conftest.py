"""Fixtures for the Django tests. Imports of Django code stay inside fixtures so that the pure rules tests
(tests/rules) also run without Django: ``pytest tests/rules -p no:django``."""

import pytest


@pytest.fixture(autouse=True)
def _test_settings(request):
    if request.node.path.parent.name == "rules":
        return  # pure tests: no Django settings to adjust
    settings = request.getfixturevalue("settings")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The test client speaks plain HTTP; production settings would redirect every request to HTTPS.
    settings.SECURE_SSL_REDIRECT = False
    # Tests render pages without running collectstatic first.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, made flushable on PostgreSQL.

    django-auditlog's migrations create its own ``auditlog_logentry`` table even though ``LogEntry`` is swapped
    for ``audit.AuditEntry``. Django's flush (run after every transactional test, and so after every browser
    test) truncates only the tables of installed models, and PostgreSQL refuses to truncate
    ``django_content_type`` and the user table while that unused table references them. Production never
    truncates, so the table is dropped in the test database only.
    """
    from django.db import connection

    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("DROP TABLE IF EXISTS auditlog_logentry")


@pytest.fixture
def clinic(db):
    from tests import factories

    return factories.make_clinic("Northside Mood Clinic")


@pytest.fixture
def other_clinic(db):
    from tests import factories

    return factories.make_clinic("Riverside Clinic")


@pytest.fixture
def clinician(clinic):
    from tests import factories

    return factories.make_user(clinic=clinic, username="clinician", first_name="Casey", last_name="Doctor")


@pytest.fixture
def stranger(other_clinic):
    """A clinician of another clinic: must never see this clinic's patients."""
    from tests import factories

    return factories.make_user(clinic=other_clinic, username="stranger")


@pytest.fixture
def patient(clinic, clinician):
    from tests import factories

    return factories.make_patient(clinic=clinic, created_by=clinician)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
