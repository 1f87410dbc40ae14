"""Sets who and from where for the audit entries written while a request is handled."""

from __future__ import annotations

import ipaddress
from contextvars import ContextVar

from auditlog.middleware import AuditlogMiddleware
from django.conf import settings
from django.http import HttpRequest

_current_request: ContextVar[HttpRequest | None] = ContextVar("audit_current_request", default=None)


def current_request() -> HttpRequest | None:
    """The request being handled, for entries written outside auditlog's signals (bulk writes)."""
    return _current_request.get()


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as far as it can be trusted.

    ``X-Forwarded-For`` is set by whoever sends the request, so it is read only when ``AUDIT_TRUSTED_PROXIES``
    says how many proxies of our own stand in front; each appends the address it received from, so the
    client is that many entries from the right. Anything that is not an IP address is stored as unknown
    rather than failing the write (the column is an ``inet`` on PostgreSQL).
    """
    address = request.META.get("REMOTE_ADDR")
    proxies = settings.AUDIT_TRUSTED_PROXIES
    if proxies:
        forwarded = [part.strip() for part in request.headers.get("X-Forwarded-For", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(address or ""))
    except ValueError:
        return None


class AuditMiddleware(AuditlogMiddleware):
    """auditlog's middleware (actor and address on every entry written during the request), except that the
    address is not taken from a client-supplied header (auditlog trusts the first ``X-Forwarded-For`` entry)
    and no port is recorded (``X-Forwarded-Port`` is client-supplied too). Place after
    ``AuthenticationMiddleware``."""

    @staticmethod
    def _get_remote_addr(request: HttpRequest) -> str | None:
        return client_address(request)

    @staticmethod
    def _get_remote_port(request: HttpRequest) -> None:
        return None

    def __call__(self, request: HttpRequest):
        token = _current_request.set(request)
        try:
            return super().__call__(request)
        finally:
            _current_request.reset(token)
