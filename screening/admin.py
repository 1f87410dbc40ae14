"""Recorded screenings, findings, reviews and summary accesses in the Django admin: read-only.

They are the clinical record and its audit: a recorded screening is never changed, and a review is changed
only by appending a new one on the screening's page. Nobody, superusers included, can add, change or delete
them here. Staff who are not superusers see only their clinics' rows.
"""

from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html

from patients.admin import ViewOnlyAdmin, ViewOnlyInline, choices_filter

from .models import FindingReview, LatestScreening, ReviewState, Screening, ScreeningFinding, SummaryAccess
from .queries import current_review_state
from .rules import RULES


class ReadOnlyRecordAdmin(ViewOnlyAdmin):
    """View-only, and never deleted either: the clinical record and its audit."""

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


def _patient(patient) -> str:
    return f"{patient.family_name}, {patient.given_name} ({patient.mrn})"


def _pretty_json(data) -> str:
    return format_html("<pre>{}</pre>", json.dumps(data, indent=2, sort_keys=True))


class ReviewStateFilter(admin.SimpleListFilter):
    """The current state: the newest review row, or open when there is none."""

    title = "review state"
    parameter_name = "review_state"

    def lookups(self, request, model_admin):
        return ReviewState.choices

    def queryset(self, request, queryset):
        if self.value() in ReviewState.values:
            return queryset.filter(review_state=self.value())
        return queryset


class FindingInline(ViewOnlyInline):
    model = ScreeningFinding
    fields = ["position", "rule", "category", "severity", "title", "state"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(review_state=current_review_state())

    @admin.display(description="rule")
    def rule(self, obj: ScreeningFinding) -> str:
        return obj.rule_ref

    @admin.display(description="review state")
    def state(self, obj: ScreeningFinding) -> str:
        return ReviewState(obj.review_state).label


@admin.register(Screening)
class ScreeningAdmin(ReadOnlyRecordAdmin):
    clinic_lookup = "patient__clinic"
    list_display = ["code", "patient_name", "recorded_at", "recorded_by", "as_of", "ruleset_version", "finding_count"]
    list_select_related = ["patient", "recorded_by"]
    list_filter = ["ruleset_version", ("recorded_at", admin.DateFieldListFilter), ("as_of", admin.DateFieldListFilter)]
    search_fields = ["=code", "patient__family_name", "patient__given_name", "patient__mrn", "recorded_by__username"]
    date_hierarchy = "recorded_at"
    inlines = [FindingInline]
    fields = [
        "code",
        "patient",
        "recorded_by",
        "recorded_at",
        "as_of",
        "ruleset_version",
        "finding_count",
        "data_fingerprint",
        "content_hash",
        "options_json",
        "result_json",
        "snapshot_json",
    ]
    readonly_fields = fields

    @admin.display(description="patient", ordering="patient__family_name")
    def patient_name(self, obj: Screening) -> str:
        return _patient(obj.patient)

    @admin.display(description="options")
    def options_json(self, obj: Screening) -> str:
        return _pretty_json(obj.options)

    @admin.display(description="result (as the engine returned it)")
    def result_json(self, obj: Screening) -> str:
        return _pretty_json(obj.result)

    @admin.display(description="snapshot (the exact input)")
    def snapshot_json(self, obj: Screening) -> str:
        return _pretty_json(obj.snapshot)


@admin.register(ScreeningFinding)
class ScreeningFindingAdmin(ReadOnlyRecordAdmin):
    clinic_lookup = "screening__patient__clinic"
    list_display = ["rule", "category", "severity", "title", "patient_name", "recorded_at", "state"]
    list_select_related = ["screening__patient"]
    list_filter = [
        "category",
        "severity",
        ReviewStateFilter,
        choices_filter("rule_id", "rule", [(rule.id, rule.id) for rule in RULES]),
        ("screening__recorded_at", admin.DateFieldListFilter),
    ]
    search_fields = ["rule_id", "title", "screening__patient__family_name", "screening__patient__mrn"]
    fields = [
        "screening",
        "position",
        "rule",
        "category",
        "severity",
        "title",
        "inputs_key",
        "state",
        "data_json",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(review_state=current_review_state())

    @admin.display(description="rule", ordering="rule_id")
    def rule(self, obj: ScreeningFinding) -> str:
        return obj.rule_ref

    @admin.display(description="patient", ordering="screening__patient__family_name")
    def patient_name(self, obj: ScreeningFinding) -> str:
        return _patient(obj.screening.patient)

    @admin.display(description="recorded", ordering="screening__recorded_at")
    def recorded_at(self, obj: ScreeningFinding):
        return obj.screening.recorded_at

    @admin.display(description="review state", ordering="review_state")
    def state(self, obj: ScreeningFinding) -> str:
        return ReviewState(obj.review_state).label

    @admin.display(description="finding as stored")
    def data_json(self, obj: ScreeningFinding) -> str:
        return _pretty_json(obj.data)


class OriginFilter(admin.SimpleListFilter):
    title = "origin"
    parameter_name = "origin"

    def lookups(self, request, model_admin):
        return [("decision", "Decided by a reviewer"), ("carried", "Carried over to a later screening")]

    def queryset(self, request, queryset):
        if self.value() == "decision":
            return queryset.filter(carried_over_from__isnull=True)
        if self.value() == "carried":
            return queryset.filter(carried_over_from__isnull=False)
        return queryset


@admin.register(FindingReview)
class FindingReviewAdmin(ReadOnlyRecordAdmin):
    clinic_lookup = "finding__screening__patient__clinic"
    list_display = ["rule", "patient_name", "state", "dismissal_reason", "reviewed_by", "reviewed_at", "carried"]
    list_select_related = ["finding__screening__patient", "reviewed_by"]
    list_filter = ["state", "dismissal_reason", OriginFilter, ("reviewed_at", admin.DateFieldListFilter)]
    search_fields = ["finding__rule_id", "finding__screening__patient__family_name", "reviewed_by__username"]
    fields = [
        "finding",
        "state",
        "dismissal_reason",
        "follow_up",
        "note",
        "reviewed_by",
        "reviewed_at",
        "carried_over_from",
    ]
    readonly_fields = fields

    @admin.display(description="rule", ordering="finding__rule_id")
    def rule(self, obj: FindingReview) -> str:
        return obj.finding.rule_ref

    @admin.display(description="patient", ordering="finding__screening__patient__family_name")
    def patient_name(self, obj: FindingReview) -> str:
        return _patient(obj.finding.screening.patient)

    @admin.display(description="carried over", boolean=True)
    def carried(self, obj: FindingReview) -> bool:
        return obj.carried_over_from_id is not None


@admin.register(SummaryAccess)
class SummaryAccessAdmin(ReadOnlyRecordAdmin):
    clinic_lookup = "screening__patient__clinic"
    list_display = ["at", "kind", "user", "patient_name", "screening"]
    list_select_related = ["screening__patient", "user"]
    list_filter = ["kind", ("at", admin.DateFieldListFilter)]
    search_fields = ["user__username", "screening__patient__family_name", "screening__patient__mrn", "=screening__code"]
    fields = ["screening", "kind", "user", "at"]
    readonly_fields = fields

    @admin.display(description="patient", ordering="screening__patient__family_name")
    def patient_name(self, obj: SummaryAccess) -> str:
        return _patient(obj.screening.patient)


@admin.register(LatestScreening)
class LatestScreeningAdmin(ReadOnlyRecordAdmin):
    """The pointer to each patient's latest screening, kept by the recording service: shown, never edited."""

    clinic_lookup = "patient__clinic"
    list_display = ["patient_name", "screening", "recorded_at"]
    list_select_related = ["patient", "screening"]
    search_fields = ["patient__family_name", "patient__given_name", "patient__mrn"]
    fields = ["patient", "screening"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).defer("screening__snapshot", "screening__result", "screening__options")

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("screening.view_screening")

    @admin.display(description="patient", ordering="patient__family_name")
    def patient_name(self, obj: LatestScreening) -> str:
        return _patient(obj.patient)

    @admin.display(description="recorded", ordering="screening__recorded_at")
    def recorded_at(self, obj: LatestScreening):
        return obj.screening.recorded_at
