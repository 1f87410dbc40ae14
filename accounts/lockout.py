"""Login lockout: how failed logins are counted (django-axes handler) and the page a locked-out user sees.

Failures are counted two ways within the cool-off window (``AXES_COOLOFF_TIME``):

- per username and address together, against ``AXES_FAILURE_LIMIT`` (5 by default): someone guessing one
  account's password;
- per address alone, against ``LOGIN_ADDRESS_FAILURE_LIMIT`` (20 by default): someone trying many usernames.
  The limit is higher because a whole clinic often reaches the app from one address (NAT), and a few typing
  mistakes by colleagues must not lock everyone out.

django-axes compares one number with one limit, so the address count is scaled onto the username limit:
``address_failures * AXES_FAILURE_LIMIT // LOGIN_ADDRESS_FAILURE_LIMIT`` reaches ``AXES_FAILURE_LIMIT``
exactly when ``address_failures`` reaches ``LOGIN_ADDRESS_FAILURE_LIMIT``.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username, get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone


class LoginAttemptHandler(AxesDatabaseHandler):
    """django-axes' database handler with a separate, higher limit for failures per address alone."""

    def get_failures(self, request: HttpRequest, credentials: dict | None = None) -> int:
        attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
        if settings.AXES_COOLOFF_TIME is not None:
            attempts = attempts.filter(attempt_time__gte=get_cool_off_threshold(request))
        username = get_client_username(request, credentials)
        totals = attempts.aggregate(
            by_username=Sum("failures_since_start", filter=Q(username=username)),
            by_address=Sum("failures_since_start"),
        )
        by_username, by_address = totals["by_username"] or 0, totals["by_address"] or 0
        limit = get_failure_limit(request, credentials)
        address_limit = max(settings.LOGIN_ADDRESS_FAILURE_LIMIT, 1)
        return max(by_username, by_address * limit // address_limit)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: dict | None = None
) -> HttpResponse:
    """The lockout page (``AXES_LOCKOUT_CALLABLE``): the account is locked for now, until when, and whom to ask.

    Every further attempt while locked out restarts the wait (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT``),
    so the time to retry is counted from now.
    """
    cool_off = get_cool_off(request)
    context = {
        "cool_off_minutes": round(cool_off.total_seconds() / 60) if cool_off else None,
        "retry_at": timezone.now() + cool_off if cool_off else None,
        "help_contact": settings.ACCOUNT_HELP_CONTACT,
    }
    return render(request, "registration/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
