"""Holds a signed-in user at the two-factor step until it is done."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from . import twofactor

# What a user may still reach while the second step is pending: the step itself, and logging out.
VERIFY_ALLOWED = {"accounts:otp_verify", "logout"}
SETUP_ALLOWED = {"accounts:otp_setup", "logout"}


def _redirect(request: HttpRequest, view_name: str) -> HttpResponseRedirect:
    url = reverse(view_name)
    if request.method == "GET":
        url += "?" + urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(url)


class TwoFactorMiddleware:
    """After ``OTPMiddleware`` and ``LoginRequiredMiddleware``.

    - A user with a confirmed device who has not entered a code in this session is sent to the code page.
    - With ``REQUIRE_2FA_FOR_ADMINISTRATORS`` on, an administrator without a device is sent to the setup page.

    Every other page redirects there until it is done (``next`` keeps the page they asked for).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        view_name = request.resolver_match.view_name if request.resolver_match else ""
        if twofactor.needs_verification(request):
            return None if view_name in VERIFY_ALLOWED else _redirect(request, "accounts:otp_verify")
        if twofactor.must_set_up(request):
            return None if view_name in SETUP_ALLOWED else _redirect(request, "accounts:otp_setup")
        return None
