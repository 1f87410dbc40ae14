"""Login lockout after repeated failures (django-axes), per username and address and per address."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests import factories

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
OFFICE = "198.51.100.10"
ELSEWHERE = "203.0.113.20"
WRONG_PASSWORD = "wrong-password-123"


@pytest.fixture
def limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 8
    settings.AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
    settings.ACCOUNT_HELP_CONTACT = "the IT service desk on extension 4321"
    return settings


def attempt(client, username: str, password: str = WRONG_PASSWORD, address: str = OFFICE, **headers):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address, **headers)


def test_project_defaults():
    from config import settings as project_settings

    assert project_settings.AXES_FAILURE_LIMIT == 5
    assert project_settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert project_settings.AXES_RESET_ON_SUCCESS is True
    assert project_settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"], "ip_address"]
    assert project_settings.LOGIN_ADDRESS_FAILURE_LIMIT > project_settings.AXES_FAILURE_LIMIT


def test_wrong_passwords_below_the_limit_show_the_login_form_again(client, limits, clinician):
    for _ in range(4):
        response = attempt(client, "clinician")
        assert response.status_code == 200
        assert "Please enter a correct username and password" in response.text

    assert attempt(client, "clinician", factories.PASSWORD).status_code == 302


def test_the_fifth_wrong_password_locks_the_username_out_from_that_address(client, limits, clinician):
    for _ in range(4):
        attempt(client, "clinician")

    locked = attempt(client, "clinician")

    assert locked.status_code == 429
    assert "Account temporarily locked" in locked.text
    # Even the right password is refused now, from that address.
    assert attempt(client, "clinician", factories.PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_username_locked_at_one_address_can_still_log_in_from_another(client, limits, clinician):
    for _ in range(5):
        attempt(client, "clinician")

    assert attempt(client, "clinician", factories.PASSWORD, address=ELSEWHERE).status_code == 302


def test_other_users_at_the_same_address_are_not_locked_by_one_users_failures(client, limits, clinician, clinic):
    factories.make_user(clinic=clinic, username="colleague")
    for _ in range(5):
        attempt(client, "clinician")

    assert attempt(client, "colleague", factories.PASSWORD).status_code == 302


def test_many_usernames_from_one_address_lock_that_address_out(client, limits, clinician):
    for number in range(7):
        assert attempt(client, f"guess{number}").status_code == 200

    locked = attempt(client, "guess7")

    assert locked.status_code == 429
    assert "Account temporarily locked" in locked.text
    assert attempt(client, "clinician", factories.PASSWORD).status_code == 429
    assert attempt(client, "clinician", factories.PASSWORD, address=ELSEWHERE).status_code == 302


def test_the_lockout_page_says_until_when_and_whom_to_contact_without_script(client, limits, clinician):
    for _ in range(5):
        response = attempt(client, "clinician")

    text = response.text
    assert "too many unsuccessful attempts" in text
    assert re.search(r"try again after <strong>\d\d:\d\d</strong> \(30 minutes from now\)", text)
    assert "the IT service desk on extension 4321" in text
    assert reverse("login") in text
    assert not re.search(r"<script(?![^>]*\bsrc=)", text), "no inline script"
    assert " onclick=" not in text


def test_a_successful_login_clears_the_failures(client, limits, clinician):
    for _ in range(4):
        attempt(client, "clinician")

    assert attempt(client, "clinician", factories.PASSWORD).status_code == 302
    assert not AccessAttempt.objects.exists()
    client.logout()
    for _ in range(4):
        assert attempt(client, "clinician").status_code == 200


def test_the_lockout_ends_after_the_cool_off(client, limits, clinician):
    for _ in range(5):
        attempt(client, "clinician")
    AccessAttempt.objects.update(attempt_time=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))

    assert attempt(client, "clinician", factories.PASSWORD).status_code == 302


def test_behind_a_proxy_failures_count_against_the_client_address_not_a_spoofed_one(client, limits, clinician):
    limits.AUDIT_TRUSTED_PROXIES = 1
    proxy = "10.0.0.2"
    for number in range(5):
        # The client puts a different fake address in front each time; the proxy appends the real one.
        response = attempt(client, "clinician", address=proxy, HTTP_X_FORWARDED_FOR=f"192.0.2.{number}, {OFFICE}")

    assert response.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {OFFICE}
    # Another client behind the same proxy is not affected.
    other = attempt(client, "clinician", factories.PASSWORD, address=proxy, HTTP_X_FORWARDED_FOR=ELSEWHERE)
    assert other.status_code == 302
