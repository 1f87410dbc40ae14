from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from patients.access import get_patient_for_user

from . import presenters, queries
from .forms import TrailFilterForm
from .services import log_access

PAGE_SIZE = 50


@require_GET
@permission_required("patients.view_audit_trail", raise_exception=True)
def trail(request):
    """The audit trail of the user's clinics, filtered; a patient of another clinic is a 404."""
    form = TrailFilterForm(request.GET or None)
    entries = queries.entries_for(request.user)
    patient = None
    if form.is_bound and not form.is_valid():
        entries = entries.none()
    elif form.is_bound:
        filters = dict(form.cleaned_data)
        if code := filters.pop("patient"):
            patient = get_patient_for_user(request.user, code)
            log_access(request, patient, what="audit trail")
        entries = queries.filter_entries(entries, patient=patient, **filters)
    page = queries.page_of(entries, request.GET.get("page"), size=PAGE_SIZE)
    return render(
        request,
        "audit/trail.html",
        {"form": form, "page": page, "rows": presenters.entry_rows(page.object_list), "patient": patient},
    )
