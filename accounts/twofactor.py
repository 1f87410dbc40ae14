"""Two-factor state of a request, and the QR code for setting up an authenticator app.

A user with a confirmed TOTP device must enter a code after their password before anything else
(:func:`needs_verification`). With ``REQUIRE_2FA_FOR_ADMINISTRATORS`` on, clinic administrators and superusers
without a confirmed device must set one up first (:func:`must_set_up`).

Whether the user has a confirmed device is looked up at login and kept in the session (updated when the user
sets up or removes a device), so that users without two-factor authentication pay no extra query per request.
A device added for the user elsewhere (in the admin) takes effect at their next login.
"""

from __future__ import annotations

from base64 import b32encode

import qrcode
import qrcode.constants
from django.conf import settings
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from patients import roles

SESSION_HAS_DEVICE = "accounts.has_confirmed_otp_device"


def confirmed_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if any (the app sets up at most one)."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).order_by("pk").first()


def has_confirmed_device(request: HttpRequest) -> bool:
    cached = request.session.get(SESSION_HAS_DEVICE)
    if cached is None:
        cached = user_has_device(request.user, confirmed=True)
        request.session[SESSION_HAS_DEVICE] = cached
    return cached


def remember_has_device(request: HttpRequest, value: bool | None) -> None:
    """Record in the session whether the user has a confirmed device (``None``: look it up again)."""
    if value is None:
        request.session.pop(SESSION_HAS_DEVICE, None)
    else:
        request.session[SESSION_HAS_DEVICE] = value


def is_administrator(user) -> bool:
    return user.is_superuser or user.groups.filter(name=roles.ADMINISTRATOR).exists()


def needs_verification(request: HttpRequest) -> bool:
    """Signed in with the password, but the second step (a code from the app) is still to come."""
    return has_confirmed_device(request) and not request.user.is_verified()


def must_set_up(request: HttpRequest) -> bool:
    """Two-factor authentication is required for this user's role and not yet set up."""
    if not settings.REQUIRE_2FA_FOR_ADMINISTRATORS or has_confirmed_device(request):
        return False
    return is_administrator(request.user)


def secret_for_display(device: TOTPDevice) -> str:
    """The shared secret in base32, as authenticator apps expect it typed, in groups of four."""
    secret = b32encode(device.bin_key).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_code_svg(text: str, *, label: str, module_px: int = 5) -> SafeString:
    """``text`` as a QR code in inline SVG: one path of dark modules on a white square with the quiet zone.

    Rendered on the server, so the page needs no script and loads no image from anywhere.
    """
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    matrix = qr.get_matrix()  # includes the border
    size = len(matrix)
    path = "".join(f"M{x},{y}h1v1h-1z" for y, row in enumerate(matrix) for x, dark in enumerate(row) if dark)
    pixels = size * module_px
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{pixels}" height="{pixels}" viewBox="0 0 {size} {size}"'
        f' role="img" aria-label="{escape(label)}" shape-rendering="crispEdges" class="qr-code">'
        f'<rect width="{size}" height="{size}" fill="#fff"/><path d="{path}" fill="#000"/></svg>'
    )
    return mark_safe(svg)  # noqa: S308 - only numbers and the escaped label are interpolated
