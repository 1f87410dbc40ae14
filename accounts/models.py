from __future__ import annotations

from django.conf import settings
from django.db import models


class UserSession(models.Model):
    """One signed-in session of a user, recorded at login so that the user can see their sessions and end
    all of them ("log out everywhere"). The session itself lives in ``django.contrib.sessions``; a record
    whose session has expired or been deleted is stale and is pruned at the user's next login."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="login_sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "user session"

    def __str__(self) -> str:
        return f"Session {self.pk} of user {self.user_id}"
