"""Optional TOTP two-factor authentication (django-otp): set-up, the code step at login, and the requirement
for clinic administrators."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import UserSession
from patients import roles
from tests import factories

pytestmark = pytest.mark.django_db

SETUP = "/accounts/two-factor/setup/"
VERIFY = "/accounts/two-factor/verify/"


def code_for(device: TOTPDevice, *, offset: int = 0) -> str:
    """The code the user's app shows now (``offset`` steps away, to make a wrong one)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset):06d}"


def wrong_code_for(device: TOTPDevice) -> str:
    # Outside the accepted window (tolerance 1 step either side).
    return code_for(device, offset=5)


def log_in(user, *, next_url: str = "") -> tuple[Client, object]:
    client = Client()
    response = client.post(
        reverse("login") + (f"?next={quote(next_url)}" if next_url else ""),
        {"username": user.username, "password": factories.PASSWORD, "next": next_url},
    )
    assert response.status_code == 302
    return client, response


def confirmed_device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


@pytest.fixture
def no_throttle(settings):
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


class TestSetUp:
    def test_the_setup_page_shows_the_secret_and_an_inline_svg_qr_code(self, client_for, clinician):
        response = client_for(clinician).get(SETUP)

        assert response.status_code == 200
        device = TOTPDevice.objects.get(user=clinician)
        assert device.confirmed is False
        secret = response.context["secret"].replace(" ", "")
        assert f"secret={secret}" in device.config_url
        assert "otpauth://totp/" in device.config_url
        page = response.text
        svg = page[page.index("<svg") : page.index("</svg>") + len("</svg>")]
        root = ET.fromstring(svg)  # noqa: S314 - the app's own markup
        assert root.tag == "{http://www.w3.org/2000/svg}svg"
        assert root.get("role") == "img"
        assert "style" not in svg
        assert "<img" not in page
        assert response["Cache-Control"].startswith("max-age=0")

    def test_reloading_the_setup_page_keeps_the_same_secret(self, client_for, clinician):
        client = client_for(clinician)
        first = client.get(SETUP).context["secret"]

        assert client.get(SETUP).context["secret"] == first
        assert TOTPDevice.objects.filter(user=clinician).count() == 1

    def test_a_wrong_code_does_not_turn_it_on(self, client_for, clinician):
        client = client_for(clinician)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=clinician)

        response = client.post(SETUP, {"code": wrong_code_for(device)})

        assert response.status_code == 200
        assert "That code does not match" in response.text
        device.refresh_from_db()
        assert device.confirmed is False

    def test_a_malformed_code_is_a_field_error(self, client_for, clinician):
        client = client_for(clinician)
        client.get(SETUP)

        response = client.post(SETUP, {"code": "12ab56"})

        assert response.status_code == 200
        assert response.context["form"].errors["code"] == ["Enter the six digits the app shows."]

    def test_the_right_code_turns_it_on_and_counts_as_verified(self, client_for, clinician):
        client = client_for(clinician)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=clinician)

        response = client.post(SETUP, {"code": code_for(device)})

        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:security")
        device.refresh_from_db()
        assert device.confirmed is True
        assert client.get(reverse("patients:list")).status_code == 200
        assert "On: after your password" in client.get(reverse("accounts:security")).text

    def test_it_can_be_turned_off_with_a_current_code(self, clinician, no_throttle):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)
        client.post(VERIFY, {"code": code_for(device, offset=-1)})

        response = client.post(reverse("accounts:otp_disable"), {"code": code_for(device)})

        assert response.status_code == 302
        assert not TOTPDevice.objects.filter(user=clinician).exists()
        assert client.get(reverse("patients:list")).status_code == 200

    def test_a_wrong_code_does_not_turn_it_off(self, clinician, no_throttle):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)
        client.post(VERIFY, {"code": code_for(device)})

        client.post(reverse("accounts:otp_disable"), {"code": wrong_code_for(device)})

        assert TOTPDevice.objects.filter(user=clinician, confirmed=True).exists()


class TestLoginWithACode:
    def test_after_the_password_every_page_leads_to_the_code_step(self, clinician):
        confirmed_device_for(clinician)
        client, response = log_in(clinician, next_url="/patients/?q=smith")

        assert response["Location"] == "/patients/?q=smith"
        for url in ("/patients/?q=smith", reverse("accounts:security"), reverse("screening:catalogue"), SETUP):
            redirected = client.get(url)
            assert redirected.status_code == 302, url
            assert redirected["Location"] == f"{VERIFY}?next={quote(url, safe='')}"
        assert client.post(reverse("accounts:logout_everywhere")).status_code == 302
        assert UserSession.objects.filter(user=clinician).exists(), "the POST went to the code step, not through"

    def test_the_code_page_looks_like_the_login_page(self, clinician):
        confirmed_device_for(clinician)
        client, _ = log_in(clinician)

        page = client.get(f"{VERIFY}?next=/patients/").text

        assert "Enter your code" in page
        assert 'autocomplete="one-time-code"' in page
        assert '<input type="hidden" name="next" value="/patients/">' in page

    def test_a_valid_code_lets_the_user_in_and_goes_to_the_page_asked_for(self, clinician):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)
        password_step_key = client.session.session_key

        response = client.post(VERIFY, {"code": code_for(device), "next": "/patients/?q=smith"})

        assert response.status_code == 302
        assert response["Location"] == "/patients/?q=smith"
        assert client.get(reverse("patients:list")).status_code == 200
        # A new session key after the second factor, and the session record follows it.
        assert client.session.session_key != password_step_key
        assert not Session.objects.filter(session_key=password_step_key).exists()
        assert UserSession.objects.get(user=clinician).session_key == client.session.session_key

    def test_an_invalid_code_is_refused_and_the_user_stays_at_the_code_step(self, clinician):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)

        response = client.post(VERIFY, {"code": wrong_code_for(device)})

        assert response.status_code == 200
        assert "That code is not right" in response.text
        assert client.get(reverse("patients:list"))["Location"].startswith(VERIFY)

    def test_right_after_a_wrong_code_even_the_right_one_waits(self, clinician):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)
        client.post(VERIFY, {"code": wrong_code_for(device)})

        response = client.post(VERIFY, {"code": code_for(device)})

        assert response.status_code == 200
        assert "Too many wrong codes" in response.text
        assert client.get(reverse("patients:list"))["Location"].startswith(VERIFY)

    def test_a_valid_code_after_an_invalid_one_works_once_the_wait_is_over(self, clinician, no_throttle):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)
        client.post(VERIFY, {"code": wrong_code_for(device)})

        assert client.post(VERIFY, {"code": code_for(device)}).status_code == 302
        assert client.get(reverse("patients:list")).status_code == 200

    def test_a_code_cannot_be_used_twice(self, clinician, no_throttle):
        device = confirmed_device_for(clinician)
        first, _ = log_in(clinician)
        code = code_for(device)
        assert first.post(VERIFY, {"code": code}).status_code == 302

        second, _ = log_in(clinician)

        assert second.post(VERIFY, {"code": code}).status_code == 200

    def test_the_code_step_never_redirects_to_another_site(self, clinician):
        device = confirmed_device_for(clinician)
        client, _ = log_in(clinician)

        response = client.post(VERIFY, {"code": code_for(device), "next": "https://evil.example/"})

        assert response["Location"] == reverse("patients:list")

    def test_users_can_log_out_from_the_code_step(self, clinician):
        confirmed_device_for(clinician)
        client, _ = log_in(clinician)

        response = client.post(reverse("logout"))

        assert response["Location"] == reverse("login")
        assert "_auth_user_id" not in client.session

    def test_users_without_a_device_are_never_asked_for_a_code(self, clinician):
        client, _ = log_in(clinician)

        assert client.get(reverse("patients:list")).status_code == 200
        assert client.get(VERIFY)["Location"] == reverse("patients:list")

    def test_anonymous_users_are_sent_to_log_in(self, client):
        for url in (VERIFY, SETUP, reverse("accounts:otp_disable")):
            assert client.get(url)["Location"].startswith(reverse("login")), url


class TestRequiredForAdministrators:
    @pytest.fixture
    def administrator(self, clinic):
        return factories.make_user(clinic=clinic, role=roles.ADMINISTRATOR, username="admin-user")

    def test_administrators_without_a_device_must_set_it_up_first(self, settings, administrator):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = True
        client, _ = log_in(administrator)

        for url in (reverse("patients:list"), reverse("accounts:security"), VERIFY):
            response = client.get(url)
            assert response.status_code == 302, url
            assert response["Location"] == f"{SETUP}?next={quote(url, safe='')}"
        page = client.get(SETUP).text
        assert "Your role requires two-factor authentication" in page

    def test_once_set_up_administrators_can_work(self, settings, administrator):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = True
        client, _ = log_in(administrator)
        client.get(SETUP)
        device = TOTPDevice.objects.get(user=administrator)

        response = client.post(SETUP, {"code": code_for(device), "next": "/patients/"})

        assert response["Location"] == "/patients/"
        assert client.get(reverse("patients:list")).status_code == 200

    def test_administrators_cannot_turn_it_off_while_it_is_required(self, settings, administrator, no_throttle):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = True
        device = confirmed_device_for(administrator)
        client, _ = log_in(administrator)
        client.post(VERIFY, {"code": code_for(device, offset=-1)})

        client.post(reverse("accounts:otp_disable"), {"code": code_for(device)})

        assert TOTPDevice.objects.filter(user=administrator, confirmed=True).exists()

    def test_superusers_must_set_it_up_too(self, settings, clinic):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = True
        superuser = factories.make_user(clinic=clinic, role=None, username="root-user", is_superuser=True)
        client, _ = log_in(superuser)

        assert client.get(reverse("patients:list"))["Location"].startswith(SETUP)

    def test_clinicians_are_not_required_to(self, settings, clinician):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = True
        client, _ = log_in(clinician)

        assert client.get(reverse("patients:list")).status_code == 200

    def test_nobody_is_required_to_when_the_setting_is_off(self, settings, administrator):
        settings.REQUIRE_2FA_FOR_ADMINISTRATORS = False
        client, _ = log_in(administrator)

        assert client.get(reverse("patients:list")).status_code == 200
        assert client.get(SETUP).status_code == 200

    def test_the_setting_is_off_by_default(self):
        from config import settings as project_settings

        assert project_settings.REQUIRE_2FA_FOR_ADMINISTRATORS is False
