import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def clinic(db):
    return factories.make_clinic("Northside Mood Clinic")


@pytest.fixture
def other_clinic(db):
    return factories.make_clinic("Riverside Clinic")


@pytest.fixture
def clinician(clinic):
    return factories.make_user(clinic=clinic, username="clinician", first_name="Casey", last_name="Doctor")


@pytest.fixture
def stranger(other_clinic):
    """A clinician of another clinic: must never see this clinic's patients."""
    return factories.make_user(clinic=other_clinic, username="stranger")


@pytest.fixture
def patient(clinic, clinician):
    return factories.make_patient(clinic=clinic, created_by=clinician)


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login
