"""Writes for sign-in sessions and two-factor devices."""

from __future__ import annotations

import django_otp
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.middleware import client_address

from . import twofactor
from .models import UserSession

DEVICE_NAME = "Authenticator app"


def _live_session_keys() -> QuerySet:
    return Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")


@transaction.atomic
def record_login(*, request: HttpRequest, user) -> UserSession | None:
    """Record the session a user has just signed in with, and drop their records of ended sessions."""
    session_key = request.session.session_key
    UserSession.objects.filter(user=user).exclude(session_key__in=_live_session_keys()).delete()
    if not session_key:
        return None
    record, _ = UserSession.objects.update_or_create(
        session_key=session_key,
        defaults={
            "user": user,
            "last_ip": client_address(request),
            "user_agent": request.headers.get("User-Agent", "")[:255],
        },
    )
    return record


def forget_session(*, session_key: str | None) -> None:
    """The session has ended (logout): drop its record."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def active_sessions(user) -> QuerySet[UserSession]:
    """The user's sessions that have not expired or ended, newest first."""
    return UserSession.objects.filter(user=user, session_key__in=_live_session_keys()).order_by("-created_at")


@transaction.atomic
def end_all_sessions(*, user) -> int:
    """End every recorded session of the user, on every device, including the current one.

    Returns the number of sessions ended. The caller should also log the current request out.
    """
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    ended, _ = Session.objects.filter(session_key__in=keys).delete()
    UserSession.objects.filter(user=user).delete()
    return ended


def rotate_session_key(request: HttpRequest) -> None:
    """Give the session a new key (after the second factor, as Django does after the password), keeping its
    record in step."""
    old_key = request.session.session_key
    request.session.cycle_key()
    if old_key:
        UserSession.objects.filter(session_key=old_key).update(session_key=request.session.session_key)


def pending_totp_device(*, user) -> TOTPDevice:
    """The unconfirmed device being set up (created with a new random secret the first time)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice(user=user, name=DEVICE_NAME, confirmed=False)
        device.full_clean()
        device.save()
    return device


@transaction.atomic
def confirm_totp_device(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Confirm the device being set up with a code from the app. On success the device is the user's only
    device and the current session counts as verified with it."""
    if not device.verify_token(token):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    django_otp.login(request, device)
    twofactor.remember_has_device(request, True)
    rotate_session_key(request)
    return True


def check_code(*, device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` is a current code of the device (throttled by django-otp after wrong codes)."""
    return django_otp.verify_token(device.user, device.persistent_id, token) is not None


def verify_second_factor(*, request: HttpRequest, device: TOTPDevice, token: str) -> bool:
    """Check a code at login. On success the session counts as verified and gets a new key."""
    verified = django_otp.verify_token(request.user, device.persistent_id, token)
    if verified is None:
        return False
    django_otp.login(request, verified)
    rotate_session_key(request)
    return True


@transaction.atomic
def remove_totp_devices(*, request: HttpRequest) -> None:
    """Turn two-factor authentication off for the signed-in user."""
    TOTPDevice.objects.filter(user=request.user).delete()
    request.session.pop(django_otp.DEVICE_ID_SESSION_KEY, None)
    twofactor.remember_has_device(request, False)
