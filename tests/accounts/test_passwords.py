"""Password hashing and strength rules."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from config import settings as project_settings
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def project_hashers(settings):
    """The project's hashers (the test settings fixture switches to MD5 for speed)."""
    settings.PASSWORD_HASHERS = project_settings.PASSWORD_HASHERS


def test_argon2_is_the_first_hasher_and_the_others_stay_for_upgrades():
    assert project_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "django.contrib.auth.hashers.PBKDF2PasswordHasher" in project_settings.PASSWORD_HASHERS


def test_new_passwords_are_hashed_with_argon2(project_hashers):
    user = factories.make_user(username="newcomer")

    assert user.password.startswith("argon2$argon2id$")
    assert user.check_password(factories.PASSWORD)


def test_an_older_hash_is_upgraded_to_argon2_at_login(project_hashers, client):
    user = factories.make_user(username="veteran")
    user.password = make_password(factories.PASSWORD, hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])

    response = client.post(reverse("login"), {"username": "veteran", "password": factories.PASSWORD})

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "code"),
    [
        pytest.param("Xk3!tz9", "password_too_short", id="shorter-than-12"),
        pytest.param("password1234", "password_too_common", id="common"),
        pytest.param("483920175533", "password_entirely_numeric", id="numeric"),
        pytest.param("casey.doctor.2024", "password_too_similar", id="like-the-username"),
    ],
)
def test_weak_passwords_are_refused(password, code):
    user = get_user_model()(username="casey.doctor", first_name="Casey", last_name="Doctor")

    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=user)

    assert code in {error.code for error in refused.value.error_list}


def test_a_long_uncommon_password_is_accepted():
    validate_password("orbit-lantern-saffron-71", user=get_user_model()(username="casey.doctor"))
