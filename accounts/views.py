"""Account security: sessions, "log out everywhere", two-factor set-up and the code step at login.

These pages concern the signed-in user's own account only, so they need no permission beyond being signed in.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.formats import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import services, twofactor
from .forms import CodeForm


def _next_url(request: HttpRequest, default: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    allowed_hosts = {request.get_host()}
    if url_has_allowed_host_and_scheme(candidate, allowed_hosts=allowed_hosts, require_https=request.is_secure()):
        return candidate
    return resolve_url(default)


@require_GET
@never_cache
def security(request):
    sessions = services.active_sessions(request.user)
    return render(
        request,
        "accounts/security.html",
        {
            "sessions": sessions,
            "current_session_key": request.session.session_key,
            "device": twofactor.confirmed_device(request.user),
            "two_factor_required": settings.REQUIRE_2FA_FOR_ADMINISTRATORS and twofactor.is_administrator(request.user),
            "idle_minutes": settings.SESSION_COOKIE_AGE // 60,
        },
    )


@require_POST
def logout_everywhere(request):
    services.end_all_sessions(user=request.user)
    logout(request)
    messages.success(request, "You have been logged out on every device and browser.")
    return redirect("login")


@require_http_methods(["GET", "POST"])
@never_cache
def otp_setup(request):
    if twofactor.confirmed_device(request.user) is not None:
        messages.info(request, "Two-factor authentication is already on for your account.")
        return redirect("accounts:security")
    device = services.pending_totp_device(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_device(request=request, device=device, token=form.cleaned_data["code"]):
            messages.success(request, "Two-factor authentication is on. You will be asked for a code at each login.")
            return redirect(_next_url(request, "accounts:security"))
        form.add_error(
            "code",
            ValidationError(
                "That code does not match. Check the time on your phone is right and enter the newest code.",
                code="wrong_code",
            ),
        )
    return render(
        request,
        "accounts/otp_setup.html",
        {
            "form": form,
            "secret": twofactor.secret_for_display(device),
            "qr_code": twofactor.qr_code_svg(device.config_url, label="QR code to scan with your authenticator app"),
            "required": twofactor.must_set_up(request),
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )


@require_http_methods(["GET", "POST"])
@never_cache
def otp_verify(request):
    next_url = _next_url(request, settings.LOGIN_REDIRECT_URL)
    device = twofactor.confirmed_device(request.user)
    if device is None:  # removed since the session started: nothing to verify
        twofactor.remember_has_device(request, False)
        return redirect(next_url)
    if request.user.is_verified():
        return redirect(next_url)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        allowed, throttle = device.verify_is_allowed()
        if not allowed:
            form.add_error(None, ValidationError(_throttled_message(throttle), code="throttled"))
        elif services.verify_second_factor(request=request, device=device, token=form.cleaned_data["code"]):
            return redirect(next_url)
        else:
            form.add_error("code", ValidationError("That code is not right. Enter the newest code.", code="wrong_code"))
    return render(
        request,
        "accounts/otp_verify.html",
        {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")},
    )


@require_POST
def otp_disable(request):
    device = twofactor.confirmed_device(request.user)
    if device is None:
        return redirect("accounts:security")
    if settings.REQUIRE_2FA_FOR_ADMINISTRATORS and twofactor.is_administrator(request.user):
        messages.error(request, "Two-factor authentication is required for your role and cannot be turned off.")
        return redirect("accounts:security")
    form = CodeForm(request.POST)
    if form.is_valid() and services.check_code(device=device, token=form.cleaned_data["code"]):
        services.remove_totp_devices(request=request)
        messages.success(request, "Two-factor authentication is off.")
    else:
        messages.error(request, "Two-factor authentication is still on: that code was not right.")
    return redirect("accounts:security")


def _throttled_message(throttle: dict | None) -> str:
    locked_until = (throttle or {}).get("locked_until")
    if locked_until is None:
        return "Too many wrong codes. Wait a little and try again."
    return f"Too many wrong codes. Try again after {time_format(timezone.localtime(locked_until), 'H:i:s')}."
