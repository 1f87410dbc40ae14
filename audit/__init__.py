"""Audit trail of patient data: who created, changed, deleted or viewed what, when and from where.

Changes are recorded by django-auditlog from model signals (see :mod:`audit.registry`); views record reads with
:func:`audit.services.log_access`. Entries are kept in :class:`audit.models.AuditEntry`, auditlog's log entry
with the patient and clinic attached so that the trail can be filtered and scoped by clinic.
"""
