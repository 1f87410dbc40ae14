"""Login and logout receivers: they only hand over to the services."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django_otp import user_has_device

from . import services, twofactor


@receiver(user_logged_in, dispatch_uid="accounts.record_login")
def _record_login(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    # Looked up now, once per login, so that pages cost no extra query for users without two-factor devices.
    twofactor.remember_has_device(request, user_has_device(user, confirmed=True))
    services.record_login(request=request, user=user)


@receiver(user_logged_out, dispatch_uid="accounts.forget_session")
def _forget_session(sender, request, user, **kwargs) -> None:
    if request is None or not hasattr(request, "session"):
        return
    services.forget_session(session_key=request.session.session_key)
