"""The Django admin for clinics, memberships and patient data: for administrators to browse, search, filter
and export, scoped to their clinics.

What may be changed here, and why:

- Clinics (name) and clinic memberships: the admin is where these are managed.
- Patients: clerical fields only (names, MRN, gender identity, notes). The fields the rules read (birth date,
  sex, pregnancy...) are changed on the patient's page, whose form applies the clinical entry checks.
- Everything else (labs, trials, scores, treatments, intake) is view-only: new clinical data goes through the
  app's forms and services, which convert units, refuse implausible values and keep the dose history. An
  admin form would bypass all of that.

Staff who are not superusers see only their clinics' rows (:class:`ClinicScopedAdmin`); an object of another
clinic is "not found", as for any row outside an admin's queryset.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.http import HttpRequest
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.text import slugify
from django.utils.timezone import localdate

from audit.services import log_access_many
from screening.rules import drugs as drug_catalogue
from screening.rules.analytes import ANALYTES
from screening.services import clinic_options, record_screenings, screen_patient
from screening.snapshots import with_snapshot_data

from .access import clinics_for, patients_for
from .csv_export import csv_response
from .models import (
    AntidepressantTrial,
    Augmentation,
    Clinic,
    ClinicMembership,
    DosePeriod,
    Intake,
    LabReport,
    LabResult,
    Measurement,
    Medicine,
    OtherTreatment,
    Patient,
    PsychotherapyCourse,
    ScaleScore,
)

# ---------------------------------------------------------------------------------------------------------
# Shared pieces (the screening admin uses them too)


class ClinicListFilter(admin.SimpleListFilter):
    """Filter by clinic, offering only the clinics the user may see (never other clinics' names)."""

    title = "clinic"
    parameter_name = "clinic"

    def __init__(self, request, params, model, model_admin):
        self.lookup = model_admin.clinic_lookup
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        clinics = Clinic.objects.all() if request.user.is_superuser else clinics_for(request.user)
        return [(str(clinic.pk), clinic.name) for clinic in clinics.order_by("name")]

    def queryset(self, request, queryset):
        if self.value() is None:
            return queryset
        try:
            clinic_pk = int(self.value())
        except ValueError:
            return queryset.none()
        return queryset.filter(**{self.lookup: clinic_pk})


def choices_filter(field: str, title: str, choices: list[tuple[str, str]]) -> type[admin.SimpleListFilter]:
    """A list filter on ``field`` offering fixed ``choices`` (a catalogue), so the change list does not scan
    the whole table for the distinct values as Django's default filter for a plain text field does."""

    class CatalogueFilter(admin.SimpleListFilter):
        parameter_name = field

        def lookups(self, request, model_admin):
            return choices

        def queryset(self, request, queryset):
            return queryset.filter(**{field: self.value()}) if self.value() else queryset

    CatalogueFilter.title = title
    return CatalogueFilter


def export_selected_as_csv(modeladmin: admin.ModelAdmin, request: HttpRequest, queryset):
    """The change list's columns for the selected rows, as CSV (text cells neutralised against formulas).

    The file leaves the application, so each exported row is recorded in the audit trail as an access.
    """
    names = [name for name in modeladmin.get_list_display(request) if name != "action_checkbox"]
    model = modeladmin.model
    header = [strip_tags(str(label_for_field(name, model, model_admin=modeladmin))) for name in names]
    rows = list(queryset)
    log_access_many(request, rows, what="admin CSV export")
    filename = f"{slugify(model._meta.verbose_name_plural)}-{localdate().isoformat()}.csv"
    return csv_response(filename, header, (_csv_row(modeladmin, obj, names) for obj in rows))


export_selected_as_csv.short_description = "Export selected rows to CSV"
export_selected_as_csv.allowed_permissions = ("view",)


def _csv_row(modeladmin: admin.ModelAdmin, obj, names: Iterable[str]) -> list[object]:
    row = []
    for name in names:
        field, _attr, value = lookup_field(name, obj, modeladmin)
        if field is not None and getattr(field, "flatchoices", None):
            value = dict(field.flatchoices).get(value, value)
        elif isinstance(value, bool):
            value = "yes" if value else "no"
        elif value is not None and not isinstance(value, int | float | str) and hasattr(value, "_meta"):
            value = str(value)
        if isinstance(value, str):
            value = strip_tags(value)
        row.append(value)
    return row


class ClinicScopedAdmin(admin.ModelAdmin):
    """A model admin whose rows and choices are limited to the user's clinics unless they are a superuser.

    ``clinic_lookup`` is the path from the model to its clinic (``"patient__clinic"``). The clinic filter
    comes first in the change list's filters, and CSV export is offered on every change list.
    """

    clinic_lookup = "clinic"
    actions = [export_selected_as_csv]
    list_per_page = 50

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.clinic_lookup}__in": clinics_for(request.user)})

    def get_list_filter(self, request):
        return [ClinicListFilter, *super().get_list_filter(request)]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if not request.user.is_superuser:
            scoped = _scoped_choices(db_field.related_model, request.user)
            if scoped is not None:
                kwargs["queryset"] = scoped
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _scoped_choices(model, user):
    """The rows of ``model`` a non-superuser may pick in a form, or None when the model is not scoped."""
    if model is Clinic:
        return clinics_for(user)
    if model is Patient:
        return patients_for(user)
    if model is get_user_model():
        # Colleagues in the user's clinics, and accounts not yet in any clinic (new staff to add).
        colleagues = Q(memberships__clinic__in=clinics_for(user)) | Q(memberships__isnull=True)
        return model.objects.filter(colleagues).distinct().order_by("username")
    return None


class ViewOnlyAdmin(ClinicScopedAdmin):
    """Clinical data entered through the app's forms and services: viewable, searchable, exportable here."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyInlineMixin:
    """An inline of clinical data: shown on the patient's page, never added, changed or deleted there."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ViewOnlyInline(ViewOnlyInlineMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True


# ---------------------------------------------------------------------------------------------------------
# Display helpers (computed, read-only)


def _canonical(result: LabResult) -> str:
    """The value the rules read: in the analyte's canonical unit, converted once at entry."""
    text = f"{result.comparator}{result.value_canonical.normalize():f} {result.canonical_unit}"
    return f"{text} (converted from {result.unit})" if result.was_converted else text


class LabResultColumns:
    """Lab result columns shared by the patient's inline and the lab results' change list."""

    @admin.display(description="analyte", ordering="analyte")
    def analyte_name(self, obj: LabResult) -> str:
        return obj.analyte_name

    @admin.display(description="value as reported")
    def reported(self, obj: LabResult) -> str:
        return f"{obj.comparator}{obj.value.normalize():f} {obj.unit}"


class TrialColumns:
    """Antidepressant trial columns shared by the patient's inline and the trials' change list (both need
    ``patient__clinic`` selected and ``dose_periods`` prefetched)."""

    @admin.display(description="drug", ordering="drug")
    def drug_name(self, obj: AntidepressantTrial) -> str:
        return obj.drug_display

    @admin.display(description="dose periods")
    def doses(self, obj: AntidepressantTrial) -> str:
        """The dose history, oldest first."""
        return "; ".join(
            f"{period.daily_dose_mg.normalize():f} mg/day from {period.start.isoformat()}"
            + (f" to {period.end.isoformat()}" if period.end else " (ongoing)")
            for period in obj.dose_periods.all()
        )

    @admin.display(description="minimum adequate dose")
    def minimum_dose(self, obj: AntidepressantTrial) -> str:
        """The minimum adequate daily dose the engine uses for this trial: the clinic's override, else table 1.3."""
        overrides = dict(clinic_options(obj.patient.clinic).min_dose_overrides)
        row = drug_catalogue.ANTIDEPRESSANTS.get(obj.drug)
        minimum = overrides.get(obj.drug, row.min_adequate_mg if row else None)
        if minimum is None:
            return "not in table 1.3 (adequacy cannot be assessed)"
        source = "clinic convention" if obj.drug in overrides else "table 1.3"
        return f"{minimum:g} mg/day ({source})"


# ---------------------------------------------------------------------------------------------------------
# Clinics and memberships


@admin.register(Clinic)
class ClinicAdmin(ClinicScopedAdmin):
    clinic_lookup = "pk"
    list_display = ["name", "code", "created_at"]
    search_fields = ["name", "=code"]
    list_filter = [("created_at", admin.DateFieldListFilter)]
    fields = ["name", "code", "created_at", "conventions"]
    readonly_fields = ["code", "created_at", "conventions"]

    def get_list_filter(self, request):
        return list(self.list_filter)  # the clinic filter on the clinics themselves would say nothing

    @admin.display(description="screening conventions")
    def conventions(self, obj: Clinic):
        """Shown, not edited: the clinic settings page validates each choice."""
        if obj.pk is None:
            return "Set on the clinic settings page once the clinic exists."
        chosen = obj.screening_options or {}
        items = format_html_join("", "<li>{}: {}</li>", ((key, value) for key, value in sorted(chosen.items())))
        return format_html(
            '<ul class="plain">{}</ul><a href="{}">Change on the clinic settings page</a>',
            items or format_html("<li>{}</li>", "defaults (no choice recorded)"),
            reverse("screening:clinic_settings", kwargs={"clinic_code": obj.code}),
        )


@admin.register(ClinicMembership)
class ClinicMembershipAdmin(ClinicScopedAdmin):
    list_display = ["user", "user_full_name", "clinic"]
    list_select_related = ["user", "clinic"]
    search_fields = ["user__username", "user__first_name", "user__last_name", "clinic__name"]
    fields = ["user", "clinic"]

    @admin.display(description="name", ordering="user__last_name")
    def user_full_name(self, obj: ClinicMembership) -> str:
        return obj.user.get_full_name()


# ---------------------------------------------------------------------------------------------------------
# Patients and their data


class PatientAdminForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["mrn", "given_name", "family_name", "gender_identity", "notes"]

    def clean_mrn(self):
        # The clinic is not a field of this form, so Django's unique check would skip (clinic, mrn).
        mrn = self.cleaned_data["mrn"].strip()
        taken = Patient.objects.filter(clinic_id=self.instance.clinic_id, mrn=mrn).exclude(pk=self.instance.pk)
        if taken.exists():
            raise ValidationError("This MRN is already used by another patient in this clinic.", code="duplicate_mrn")
        return mrn


class IntakeInline(ViewOnlyInlineMixin, admin.StackedInline):
    model = Intake
    can_delete = False
    fields = [
        "episode_onset",
        "episode_severity",
        "conditions",
        "other_conditions",
        "sleep_hours",
        "exercise_minutes_per_week",
        "alcohol_units_per_week",
        "smoking",
        "updated_at",
    ]
    readonly_fields = fields


class LabResultInline(LabResultColumns, ViewOnlyInline):
    model = LabResult
    fields = ["collected_on", "analyte_name", "reported", "canonical", "reference", "source"]
    readonly_fields = fields
    ordering = ["-collected_on", "analyte", "-pk"]

    @admin.display(description="value the rules read")
    def canonical(self, obj: LabResult) -> str:
        return _canonical(obj)

    @admin.display(description="reference range")
    def reference(self, obj: LabResult) -> str:
        if obj.reference_low is None and obj.reference_high is None:
            return ""
        low = "" if obj.reference_low is None else f"{obj.reference_low.normalize():f}"
        high = "" if obj.reference_high is None else f"{obj.reference_high.normalize():f}"
        return f"{low}–{high} {obj.unit}"


class TrialInline(TrialColumns, ViewOnlyInline):
    model = AntidepressantTrial
    fields = ["drug_name", "doses", "minimum_dose", "adherence", "outcome", "improvement_pct"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("patient__clinic").prefetch_related("dose_periods")


class AugmentationInline(ViewOnlyInline):
    model = Augmentation
    fields = ["strategy", "drug", "daily_dose_mg", "start", "end", "outcome"]
    readonly_fields = fields


class OtherTreatmentInline(ViewOnlyInline):
    model = OtherTreatment
    fields = ["kind", "laterality", "start", "end", "sessions", "outcome"]
    readonly_fields = fields


class MedicineInline(ViewOnlyInline):
    model = Medicine
    fields = ["kind", "name", "name_other", "daily_dose_mg", "start", "end", "last_taken"]
    readonly_fields = fields


class ScaleScoreInline(ViewOnlyInline):
    model = ScaleScore
    fields = ["instrument", "administered_on", "total_display", "self_harm", "source"]
    readonly_fields = fields

    @admin.display(description="total")
    def total_display(self, obj: ScaleScore) -> str:
        return _score_total(obj)

    @admin.display(description="self-harm item")
    def self_harm(self, obj: ScaleScore):
        return obj.self_harm_item


def _score_total(score: ScaleScore) -> str:
    """The stored total (summed from the items at entry), its maximum, and the PHQ-9 band."""
    text = f"{score.total}/{ScaleScore.MAX_TOTAL[score.instrument]}"
    if score.band:
        text += f" ({score.band})"
    if score.total_only:
        text += ", total only"
    return text


class ScreenedFilter(admin.SimpleListFilter):
    title = "recorded screening"
    parameter_name = "screened"

    def lookups(self, request, model_admin):
        return [("yes", "Screened at least once"), ("no", "Never screened")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(latest_screening_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(latest_screening_at__isnull=True)
        return queryset


@admin.register(Patient)
class PatientAdmin(ClinicScopedAdmin):
    form = PatientAdminForm
    list_display = ["family_name", "given_name", "mrn", "birth_date", "sex", "clinic", "last_screened", "created_at"]
    list_display_links = ["family_name", "given_name"]
    list_select_related = ["clinic"]
    search_fields = ["family_name", "given_name", "mrn", "=code"]
    list_filter = ["sex", "pregnancy_status", ScreenedFilter, ("created_at", admin.DateFieldListFilter)]
    actions = [export_selected_as_csv, "record_screening"]
    readonly_fields = [
        "code",
        "clinic",
        "birth_date",
        "sex",
        "ancestry",
        "pregnancy_status",
        "delivery_date",
        "menstrual_status",
        "created_by",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["code", "clinic", "mrn", "given_name", "family_name", "gender_identity", "notes"]}),
        (
            "Read by the screening rules (change these on the patient's page)",
            {
                "fields": [
                    "birth_date",
                    "sex",
                    "ancestry",
                    "pregnancy_status",
                    "delivery_date",
                    "menstrual_status",
                ]
            },
        ),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    inlines = [
        IntakeInline,
        LabResultInline,
        TrialInline,
        AugmentationInline,
        OtherTreatmentInline,
        MedicineInline,
        ScaleScoreInline,
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(latest_screening_at=F("latest_screening__screening__recorded_at"))

    def has_add_permission(self, request) -> bool:
        return False  # registration (with its intake) is on the patients page

    @admin.display(description="latest screening", ordering="latest_screening_at")
    def last_screened(self, obj: Patient):
        return obj.latest_screening_at

    def save_model(self, request, obj, form, change):
        # Keep the optimistic lock meaningful: a clinician's form opened before this save sees the change.
        obj.version += 1
        super().save_model(request, obj, form, change)

    @admin.action(description="Record a screening for the selected patients", permissions=["record_screening"])
    def record_screening(self, request, queryset):
        recorded = 0
        ids = list(queryset.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(ids), 200):
            batch = Patient.objects.filter(pk__in=ids[start : start + 200]).select_related("clinic").order_by("pk")
            recorded += len(record_screenings(patients=list(batch), recorded_by=request.user))
        self.message_user(
            request,
            f"Recorded {recorded} screening{pluralize(recorded)}; review them on each patient's page.",
            messages.SUCCESS,
        )

    def has_record_screening_permission(self, request) -> bool:
        return request.user.has_perm("screening.add_screening")


@admin.register(Intake)
class IntakeAdmin(ViewOnlyAdmin):
    clinic_lookup = "patient__clinic"
    list_display = ["patient", "patient_name", "episode_onset", "episode_severity", "smoking", "updated_at"]
    list_select_related = ["patient"]
    search_fields = ["patient__family_name", "patient__given_name", "patient__mrn"]
    list_filter = ["episode_severity", "smoking", ("updated_at", admin.DateFieldListFilter)]

    @admin.display(description="name", ordering="patient__family_name")
    def patient_name(self, obj) -> str:
        return f"{obj.patient.family_name}, {obj.patient.given_name}"


class PatientDataAdmin(ViewOnlyAdmin):
    """View-only patient data with the patient's name and MRN as columns and search fields."""

    clinic_lookup = "patient__clinic"
    list_select_related = ["patient"]
    search_fields = ["patient__family_name", "patient__given_name", "patient__mrn"]

    @admin.display(description="patient", ordering="patient__family_name")
    def patient_name(self, obj) -> str:
        return _patient_label(obj.patient)


def _patient_label(patient: Patient) -> str:
    return f"{patient.family_name}, {patient.given_name} ({patient.mrn})"


@admin.register(PsychotherapyCourse)
class PsychotherapyCourseAdmin(PatientDataAdmin):
    list_display = ["patient_name", "modality", "approximate_sessions", "start", "end"]
    list_filter = ["modality", ("start", admin.DateFieldListFilter)]


@admin.register(Medicine)
class MedicineAdmin(PatientDataAdmin):
    list_display = ["patient_name", "kind", "medicine", "daily_dose_mg", "start", "end", "last_taken"]
    list_filter = ["kind", ("start", admin.DateFieldListFilter)]
    search_fields = [*PatientDataAdmin.search_fields, "name", "name_other"]

    @admin.display(description="name", ordering="name")
    def medicine(self, obj: Medicine) -> str:
        return obj.display_name


@admin.register(Measurement)
class MeasurementAdmin(PatientDataAdmin):
    list_display = ["patient_name", "measured_on", "height_cm", "weight_kg", "waist_cm", "blood_pressure"]
    list_filter = [("measured_on", admin.DateFieldListFilter)]

    @admin.display(description="blood pressure (mmHg)")
    def blood_pressure(self, obj: Measurement) -> str:
        return f"{obj.systolic}/{obj.diastolic}" if obj.systolic else ""


@admin.register(LabReport)
class LabReportAdmin(PatientDataAdmin):
    list_display = ["patient_name", "collected_on", "fasting", "laboratory", "entered_by", "created_at"]
    list_select_related = ["patient", "entered_by"]
    list_filter = ["fasting", ("collected_on", admin.DateFieldListFilter)]
    search_fields = [*PatientDataAdmin.search_fields, "laboratory"]


@admin.register(LabResult)
class LabResultAdmin(LabResultColumns, PatientDataAdmin):
    list_display = ["patient_name", "collected_on", "analyte_name", "reported", "canonical", "source", "created_at"]
    list_filter = [
        choices_filter(
            "analyte", "analyte", sorted(((key, a.name) for key, a in ANALYTES.items()), key=lambda c: c[1])
        ),
        "source",
        "fasting",
        ("collected_on", admin.DateFieldListFilter),
    ]
    search_fields = [*PatientDataAdmin.search_fields, "analyte", "loinc"]
    readonly_fields = ["canonical"]

    @admin.display(description="value the rules read (canonical unit)")
    def canonical(self, obj: LabResult) -> str:
        return _canonical(obj)


@admin.register(AntidepressantTrial)
class AntidepressantTrialAdmin(TrialColumns, PatientDataAdmin):
    list_display = ["patient_name", "drug_name", "doses", "minimum_dose", "adherence", "outcome", "improvement_pct"]
    list_select_related = ["patient__clinic"]
    list_filter = ["drug", "adherence", "outcome", ("created_at", admin.DateFieldListFilter)]
    search_fields = [*PatientDataAdmin.search_fields, "drug", "drug_other"]
    readonly_fields = ["doses", "minimum_dose", "adequacy"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("dose_periods")

    @admin.display(description="adequacy today (rules engine)")
    def adequacy(self, obj: AntidepressantTrial) -> str:
        """The engine's verdict on this trial, from a live screening of the patient with the clinic's
        conventions: the same assessment the patient page shows."""
        periods = list(obj.dose_periods.all())
        if not periods:
            return "no dose recorded"
        patient = with_snapshot_data(Patient.objects.filter(pk=obj.patient_id)).get()
        result = screen_patient(patient)
        for assessment in result.trd.trials:
            if assessment.start == periods[0].start and assessment.drug == _assessed_name(obj):
                verdict = "adequate" if assessment.adequate else "not adequate"
                if assessment.failed:
                    verdict += ", failed"
                text = (
                    f"{verdict}; {assessment.weeks_at_adequate_dose:g} weeks at or above the minimum dose; "
                    f"highest dose {assessment.max_daily_dose_mg:g} mg/day"
                )
                return format_html(
                    "{}{}", text, format_html_join("", "<br>{}", ((reason,) for reason in assessment.reasons))
                )
        return "not assessed"


def _assessed_name(trial: AntidepressantTrial) -> str:
    """The drug name as the engine reports it in a trial assessment."""
    if trial.drug == drug_catalogue.OTHER_ANTIDEPRESSANT:
        return trial.drug_other or "other antidepressant"
    return trial.drug


@admin.register(DosePeriod)
class DosePeriodAdmin(ViewOnlyAdmin):
    clinic_lookup = "trial__patient__clinic"
    list_display = ["trial", "patient_name", "drug", "daily_dose_mg", "start", "end"]
    list_select_related = ["trial__patient"]
    list_filter = [("start", admin.DateFieldListFilter)]
    search_fields = ["trial__patient__family_name", "trial__patient__given_name", "trial__patient__mrn", "trial__drug"]

    @admin.display(description="patient", ordering="trial__patient__family_name")
    def patient_name(self, obj: DosePeriod) -> str:
        return _patient_label(obj.trial.patient)

    @admin.display(description="drug", ordering="trial__drug")
    def drug(self, obj: DosePeriod) -> str:
        return obj.trial.drug_display


@admin.register(Augmentation)
class AugmentationAdmin(PatientDataAdmin):
    list_display = ["patient_name", "strategy", "drug_name", "daily_dose_mg", "start", "end", "outcome"]
    list_filter = ["strategy", "outcome", ("start", admin.DateFieldListFilter)]

    @admin.display(description="drug", ordering="drug")
    def drug_name(self, obj: Augmentation) -> str:
        return obj.drug_display


@admin.register(OtherTreatment)
class OtherTreatmentAdmin(PatientDataAdmin):
    list_display = ["patient_name", "kind", "laterality", "start", "end", "sessions", "outcome"]
    list_filter = ["kind", "outcome", ("start", admin.DateFieldListFilter)]


@admin.register(ScaleScore)
class ScaleScoreAdmin(PatientDataAdmin):
    list_display = ["patient_name", "instrument", "administered_on", "total_display", "self_harm", "source"]
    list_filter = ["instrument", "source", ("administered_on", admin.DateFieldListFilter)]
    readonly_fields = ["total_display", "self_harm"]

    @admin.display(description="total", ordering="total")
    def total_display(self, obj: ScaleScore) -> str:
        return _score_total(obj)

    @admin.display(description="self-harm item (PHQ-9 item 9, EPDS item 10)")
    def self_harm(self, obj: ScaleScore):
        return obj.self_harm_item
