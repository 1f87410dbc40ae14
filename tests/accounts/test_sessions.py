"""Idle expiry, browser-close sessions, the list of sessions and "log out everywhere"."""

from __future__ import annotations

import datetime as dt
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import UserSession
from tests import factories

pytestmark = pytest.mark.django_db

USER_AGENT = "Mozilla/5.0 (Windows NT 10.0) TestBrowser/1.0"


def log_in(user, address: str = "198.51.100.7") -> Client:
    client = Client(HTTP_USER_AGENT=USER_AGENT, REMOTE_ADDR=address)
    response = client.post(reverse("login"), {"username": user.username, "password": factories.PASSWORD})
    assert response.status_code == 302
    return client


def test_idle_timeout_is_fifteen_minutes_by_default_and_sessions_end_with_the_browser():
    from config import settings as project_settings

    assert project_settings.SESSION_COOKIE_AGE == 15 * 60
    assert project_settings.SESSION_SAVE_EVERY_REQUEST is True
    assert project_settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True


def test_the_session_cookie_lasts_only_until_the_browser_closes(clinician):
    client = Client()
    response = client.post(reverse("login"), {"username": "clinician", "password": factories.PASSWORD})

    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == ""
    assert cookie["max-age"] == ""
    assert cookie["httponly"] is True


def test_each_request_renews_the_idle_expiry(clinician):
    client = log_in(clinician)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() + dt.timedelta(minutes=1))

    assert client.get(reverse("patients:list")).status_code == 200

    assert Session.objects.get(session_key=key).expire_date > timezone.now() + dt.timedelta(minutes=14)


def test_an_idle_session_returns_to_the_login_page_keeping_the_page_asked_for(clinician):
    client = log_in(clinician)
    assert client.get(reverse("patients:list")).status_code == 200
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - dt.timedelta(seconds=1)
    )

    response = client.get("/patients/?q=smith")

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={quote('/patients/?q=smith', safe='/')}"


def test_login_records_the_session_with_address_and_browser(clinician):
    client = log_in(clinician, address="198.51.100.7")

    record = UserSession.objects.get(user=clinician)
    assert record.session_key == client.session.session_key
    assert record.last_ip == "198.51.100.7"
    assert record.user_agent == USER_AGENT


def test_logging_out_forgets_the_session(clinician):
    client = log_in(clinician)
    client.post(reverse("logout"))

    assert not UserSession.objects.filter(user=clinician).exists()


def test_the_security_page_lists_the_users_active_sessions_only(clinician, clinic):
    first = log_in(clinician, address="198.51.100.7")
    log_in(clinician, address="203.0.113.9")
    expired = log_in(clinician, address="192.0.2.44")
    Session.objects.filter(session_key=expired.session.session_key).update(expire_date=timezone.now())
    log_in(factories.make_user(clinic=clinic, username="colleague"), address="192.0.2.99")

    page = first.get(reverse("accounts:security")).text

    assert "198.51.100.7" in page
    assert "203.0.113.9" in page
    assert "192.0.2.44" not in page
    assert "192.0.2.99" not in page
    assert page.count("<strong>This session</strong>") == 1


def test_log_out_everywhere_ends_every_session_of_the_user(clinician, clinic):
    here = log_in(clinician)
    there = log_in(clinician, address="203.0.113.9")
    colleague = log_in(factories.make_user(clinic=clinic, username="colleague"))
    assert there.get(reverse("patients:list")).status_code == 200

    response = here.post(reverse("accounts:logout_everywhere"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert there.get(reverse("patients:list")).status_code == 302
    assert here.get(reverse("patients:list")).status_code == 302
    assert colleague.get(reverse("patients:list")).status_code == 200
    assert not UserSession.objects.filter(user=clinician).exists()


def test_log_out_everywhere_says_so_on_the_login_page(clinician):
    client = log_in(clinician)

    response = client.post(reverse("accounts:logout_everywhere"), follow=True)

    assert "You have been logged out on every device and browser." in response.text


class TestAccess:
    @pytest.mark.parametrize("name", ["accounts:security", "accounts:logout_everywhere"])
    def test_anonymous_users_are_sent_to_log_in(self, client, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_log_out_everywhere_only_accepts_post(self, client_for, clinician):
        assert client_for(clinician).get(reverse("accounts:logout_everywhere")).status_code == 405

    def test_security_page_only_accepts_get(self, client_for, clinician):
        assert client_for(clinician).post(reverse("accounts:security")).status_code == 405

    def test_every_role_can_see_their_own_account_security(self, client_for, clinic):
        from patients import roles

        for role in (roles.CLINICIAN, roles.ADMINISTRATOR, roles.REVIEWER, None):
            user = factories.make_user(clinic=clinic, role=role)
            assert client_for(user).get(reverse("accounts:security")).status_code == 200
