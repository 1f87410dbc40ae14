"""The audit trail in the admin: read-only, for staff with ``audit.view_auditentry``.

auditlog's own admin already refuses add and change, and delete on its own pages, but still allows a delete
that cascades from another admin page. Here nothing can be deleted from anywhere (the foreign keys into the
trail are ``PROTECT`` or carry no cascade), so there is no delete action either.
"""

from __future__ import annotations

import auditlog.admin  # noqa: F401  (registers auditlog's admin for AUDITLOG_LOGENTRY_MODEL; replaced below)
from auditlog.admin import LogEntryAdmin
from django.contrib import admin

from .models import AuditEntry

if admin.site.is_registered(AuditEntry):
    admin.site.unregister(AuditEntry)


@admin.register(AuditEntry)
class AuditEntryAdmin(LogEntryAdmin):
    list_filter = [*LogEntryAdmin.list_filter, "clinic"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
