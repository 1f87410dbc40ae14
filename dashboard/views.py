"""The clinic dashboard: caseload counts, the worklist, labs to order and alert governance.

For users with ``patients.view_dashboard``, over their clinics (``?clinic=<code>`` narrows to one of them; a
clinic that is not theirs is a 404). Every page reflects the patients' latest **recorded** screenings and runs
a fixed number of queries whatever the number of patients. The CSV exports hand out patient identities, so
each records an access entry per patient in the audit trail.
"""

from __future__ import annotations

from django.contrib.auth.decorators import permission_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.services import log_access_many
from patients.access import clinics_for
from patients.csv_export import csv_response

from . import presenters, queries
from .forms import LabsForm, WorklistForm
from .pagination import page_with_total

PAGE_SIZE = 25
#: Worklist rows per query of row details when exporting (keeps each IN list short).
_EXPORT_CHUNK = 1000


def dashboard_scope(request) -> queries.Scope:
    """The user's clinics, narrowed to the one named by ``?clinic=<code>``; another clinic's code is a 404."""
    clinics = tuple(clinics_for(request.user).order_by("name"))
    code = request.GET.get("clinic", "")
    if not code:
        return queries.Scope(clinics)
    for clinic in clinics:
        if str(clinic.code) == code:
            return queries.Scope(clinics, clinic)
    raise Http404


TABS = [
    ("dashboard:overview", "Overview"),
    ("dashboard:worklist", "Worklist"),
    ("dashboard:labs", "Labs to order"),
    ("dashboard:governance", "Alert governance"),
]


def _context(scope: queries.Scope, **extra) -> dict:
    return {"scope": scope, "clinic_code": str(scope.selected.code) if scope.selected else "", "tabs": TABS, **extra}


def _sort_links(sort: str) -> dict[str, str]:
    """For each sortable column, the sort its header link asks for: the other direction when it is the current one."""
    return {
        f"{column}_sort": f"-{column}" if sort == column else column
        for column in ("name", "screened", "open", "severity")
    }


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def overview(request):
    scope = dashboard_scope(request)
    month_start = timezone.localtime().replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    counts = queries.caseload(scope, month_start=month_start)
    rows = presenters.category_rows(counts)
    return render(
        request,
        "dashboard/overview.html",
        _context(
            scope,
            counts=counts,
            category_rows=rows,
            category_chart=presenters.category_chart(rows),
            levels=presenters.LEVELS,
            month_start=month_start,
        ),
    )


def _worklist_form(request, scope) -> WorklistForm:
    return WorklistForm(request.GET, clinicians=list(queries.clinicians(scope)))


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def worklist(request):
    scope = dashboard_scope(request)
    form = _worklist_form(request, scope)
    if not form.is_valid():
        return render(request, "dashboard/worklist.html", _context(scope, form=form), status=400)
    filters = form.filters()
    page = page_with_total(queries.worklist(scope, filters), request.GET.get("page"), PAGE_SIZE)
    rows = list(page.object_list)
    details = queries.row_details([row["screening_id"] for row in rows])
    return render(
        request,
        "dashboard/worklist.html",
        _context(
            scope,
            form=form,
            page=page,
            rows=presenters.worklist_rows(rows, details),
            sort=filters.sort,
            **_sort_links(filters.sort),
        ),
    )


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def worklist_csv(request):
    scope = dashboard_scope(request)
    form = _worklist_form(request, scope)
    if not form.is_valid():
        return render(request, "dashboard/worklist.html", _context(scope, form=form), status=400)
    found = list(queries.worklist(scope, form.filters()))
    rows, patients = [], []
    for start in range(0, len(found), _EXPORT_CHUNK):
        chunk = found[start : start + _EXPORT_CHUNK]
        details = queries.row_details([row["screening_id"] for row in chunk])
        rows += presenters.worklist_rows(chunk, details)
        patients += [screening.patient for screening in details.screenings.values()]
    log_access_many(request, patients, what="worklist CSV export")
    return csv_response(
        f"worklist-{timezone.localdate().isoformat()}.csv",
        presenters.WORKLIST_CSV_HEADER,
        presenters.worklist_csv_rows(rows),
    )


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def labs(request):
    scope = dashboard_scope(request)
    form = LabsForm(request.GET)
    if not form.is_valid():
        return render(request, "dashboard/labs.html", _context(scope, form=form), status=400)
    rows = queries.labs_to_order(scope, rule_id=form.cleaned_data["rule"])
    page = page_with_total(rows, request.GET.get("page"), PAGE_SIZE)
    return render(
        request,
        "dashboard/labs.html",
        _context(scope, form=form, page=page, rows=presenters.labs_rows(page.object_list)),
    )


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def labs_csv(request):
    scope = dashboard_scope(request)
    form = LabsForm(request.GET)
    if not form.is_valid():
        return render(request, "dashboard/labs.html", _context(scope, form=form), status=400)
    findings = list(queries.labs_to_order(scope, rule_id=form.cleaned_data["rule"]))
    patients = {finding.screening.patient_id: finding.screening.patient for finding in findings}
    log_access_many(request, patients.values(), what="labs-to-order CSV export")
    rows = presenters.labs_rows(findings)
    return csv_response(
        f"labs-to-order-{timezone.localdate().isoformat()}.csv",
        presenters.LABS_CSV_HEADER,
        presenters.labs_csv_rows(rows),
    )


@require_GET
@permission_required("patients.view_dashboard", raise_exception=True)
def governance(request):
    scope = dashboard_scope(request)
    rows = presenters.governance_rows(queries.rule_governance(scope))
    return render(
        request,
        "dashboard/governance.html",
        _context(scope, rows=rows, chart=presenters.governance_chart(rows)),
    )
