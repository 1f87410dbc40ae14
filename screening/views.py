from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.services import PDF_DOWNLOAD, PRINT_VIEW, RECORDED_SCREENING, log_access
from patients.access import clinics_for, get_patient_for_user

from . import services
from .access import get_finding_for_user, get_screening_for_user
from .forms import ClinicOptionsForm
from .models import ReviewState, SummaryAccess
from .pdf import PdfUnavailable, render_pdf
from .presenters import (
    recorded_findings,
    recorded_groups,
    recorded_scores,
    reviewer_names,
    rule_catalogue_groups,
    screening_context,
    settings_used,
    treatment_timeline,
)
from .review_forms import ReviewForm
from .rules import RULESET_VERSION

logger = logging.getLogger(__name__)


@require_GET
def rule_catalogue(request):
    return render(
        request,
        "screening/catalogue.html",
        {"groups": rule_catalogue_groups(), "ruleset_version": RULESET_VERSION},
    )


@require_http_methods(["GET", "POST"])
def clinic_settings(request, clinic_code):
    clinic = get_object_or_404(clinics_for(request.user), code=clinic_code)
    editable = request.user.has_perm("patients.manage_clinic")
    if request.method == "POST" and not editable:
        raise PermissionDenied("Only clinic administrators can change the screening conventions.")
    form = ClinicOptionsForm(request.POST or None, options=services.clinic_options(clinic), editable=editable)
    if request.method == "POST" and form.is_valid():
        clinic.screening_options = form.to_options()
        clinic.save(update_fields=["screening_options"])
        messages.success(request, "Screening conventions saved. They apply to every screening from now on.")
        return redirect("screening:clinic_settings", clinic_code=clinic.code)
    return render(request, "screening/clinic_settings.html", {"form": form, "clinic": clinic, "editable": editable})


@require_POST
@permission_required("screening.add_screening", raise_exception=True)
def record(request, code):
    patient = get_patient_for_user(request.user, code)
    screening = services.record_screening(patient=patient, recorded_by=request.user)
    messages.success(
        request,
        f"Screening recorded with {screening.finding_count} finding{pluralize(screening.finding_count)}. "
        "Review each finding below.",
    )
    return redirect(screening)


@require_GET
@permission_required("screening.view_screening", raise_exception=True)
def screening_detail(request, code):
    screening = get_screening_for_user(request.user, code)
    log_access(request, screening, what=RECORDED_SCREENING)
    return render(request, "screening/detail.html", _recorded_context(request.user, screening))


@require_POST
@permission_required("screening.add_findingreview", raise_exception=True)
def review(request, code, finding_id):
    finding = get_finding_for_user(request.user, code, finding_id)
    form = ReviewForm(request.POST, finding=finding)
    if form.is_valid():
        try:
            services.review_finding(
                finding=finding,
                reviewed_by=request.user,
                state=form.cleaned_data["state"],
                dismissal_reason=form.cleaned_data["dismissal_reason"],
                follow_up=form.cleaned_data["follow_up"],
                note=form.cleaned_data["note"],
            )
        except services.ReviewError as error:
            form.add_error(error.field, ValidationError(str(error), code=error.code))
        else:
            messages.success(request, f"{finding.rule_id}: review saved.")
            # Back to the finding just reviewed (its article id), not to the top of a long page.
            return redirect(f"{finding.screening.get_absolute_url()}#finding-{finding.rule_id}")
    screening = finding.screening
    context = _recorded_context(request.user, screening, forms={finding.pk: form})
    return render(request, "screening/detail.html", context, status=400)


@require_GET
@permission_required("screening.view_screening", raise_exception=True)
def print_view(request, code):
    screening = get_screening_for_user(request.user, code)
    services.log_summary_access(screening=screening, user=request.user, kind=SummaryAccess.Kind.PRINT)
    log_access(request, screening, what=PRINT_VIEW)
    return render(request, "screening/print.html", _print_context(request, screening, for_pdf=False))


@require_GET
@permission_required("screening.view_screening", raise_exception=True)
def pdf(request, code):
    screening = get_screening_for_user(request.user, code)
    html = render_to_string("screening/print.html", _print_context(request, screening, for_pdf=True), request)
    try:
        document = render_pdf(html)
    except PdfUnavailable as error:
        logger.error("PDF summary unavailable on this server: %s", error)
        context = {"screening": screening, "patient": screening.patient}
        return render(request, "screening/pdf_unavailable.html", context, status=503)
    services.log_summary_access(screening=screening, user=request.user, kind=SummaryAccess.Kind.PDF)
    log_access(request, screening, what=PDF_DOWNLOAD)
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="screening-{screening.as_of}-{screening.code}.pdf"'
    return response


def _print_context(request, screening, *, for_pdf: bool) -> dict:
    context = _recorded_context(request.user, screening, with_forms=False)
    paper = "letter" if request.GET.get("paper") == "letter" else "a4"
    context.update(
        {
            "for_pdf": for_pdf,
            "paper": paper,
            "age": screening.patient.age_on(screening.as_of),
            "phq9_scores": recorded_scores(screening.snapshot, "phq9"),
            "reviewers": reviewer_names(context["recorded_findings"]),
            "settings_used": settings_used(screening.result.get("options", {})),
            "timeline_svg": treatment_timeline(screening.snapshot, screening.result, width=700),
        }
    )
    return context


def _recorded_context(user, screening, *, forms=None, with_forms: bool = True) -> dict:
    findings = recorded_findings(screening, forms=forms)
    can_review = with_forms and can_review_in(user, screening.patient.clinic)
    if can_review:
        for item in findings:
            if item.form is None:
                # An open finding starts with no decision chosen, so saving without one is an error, not "open".
                initial = {} if item.state == ReviewState.OPEN else {"state": item.state}
                item.form = ReviewForm(finding=item.row, initial=initial)
    context = screening_context(screening.result)
    context.update(
        {
            "screening": screening,
            "patient": screening.patient,
            "recorded_findings": findings,
            "recorded_groups": recorded_groups(findings),
            "open_count": sum(1 for item in findings if item.state == ReviewState.OPEN),
            "can_review": can_review,
        }
    )
    return context


def can_review_in(user, clinic) -> bool:
    """Clinicians review findings; administrators and read-only reviewers see the reviews."""
    return user.has_perm("screening.add_findingreview")
