"""Clinical data model: clinics, patients, intake, labs, antidepressant trials, other treatments, scales.

One row per measured value (analyte, Decimal value as entered, unit as entered, canonical value, date);
never a column per analyte. Catalogue-backed fields (analyte, drug names) are plain strings validated
against the catalogues in :mod:`screening.rules`, so adding a drug or analyte needs no migration.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse

from screening.rules import drugs as drug_catalogue
from screening.rules.analytes import ANALYTES
from screening.rules.units import unit_label


class Clinic(models.Model):
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    screening_options = models.JSONField(
        default=dict, blank=True, help_text="Choices where guidelines disagree (see the rule catalogue)."
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("view_dashboard", "Can view the clinic dashboard and worklists"),
            ("manage_clinic", "Can change the clinic's screening conventions and members"),
            ("view_audit_trail", "Can browse the audit trail"),
        ]

    def __str__(self) -> str:
        return self.name


class ClinicMembership(models.Model):
    """Where a user works. What they may do there comes from their role group (see :mod:`patients.roles`)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    clinic = models.ForeignKey(Clinic, on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "clinic"], name="unique_membership")]

    def __str__(self) -> str:
        return f"membership {self.pk}"


class Sex(models.TextChoices):
    FEMALE = "female", "Female"
    MALE = "male", "Male"


class Ancestry(models.TextChoices):
    """Groups of the harmonized metabolic-syndrome criteria; used only for waist and BMI cut-offs."""

    UNKNOWN = "unknown", "Unknown / not recorded"
    EUROPID = "europid", "Europid"
    SOUTH_ASIAN = "south_asian", "South Asian"
    CHINESE = "chinese", "Chinese"
    JAPANESE = "japanese", "Japanese"
    CENTRAL_SOUTH_AMERICAN = "central_south_american", "Central or South American"
    SUB_SAHARAN_AFRICAN = "sub_saharan_african", "Sub-Saharan African"
    MIDDLE_EASTERN = "middle_eastern", "Middle Eastern (Arab)"


class PregnancyStatus(models.TextChoices):
    NOT_PREGNANT = "not_pregnant", "Not pregnant"
    PREGNANT = "pregnant", "Pregnant"
    UNKNOWN = "unknown", "Unknown"


class MenstrualStatus(models.TextChoices):
    REGULAR = "regular", "Regular cycles"
    IRREGULAR = "irregular", "Irregular cycles"
    AMENORRHOEA_UNDER_12_MONTHS = "amenorrhoea_under_12_months", "No period for less than 12 months"
    POSTMENOPAUSAL = "postmenopausal", "Postmenopausal (no period for 12 months or more)"


class Patient(models.Model):
    clinic = models.ForeignKey(Clinic, on_delete=models.PROTECT, related_name="patients")
    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    mrn = models.CharField("medical record number", max_length=64)
    given_name = models.CharField(max_length=150)
    family_name = models.CharField(max_length=150)
    birth_date = models.DateField()
    sex = models.CharField("sex at birth", max_length=10, choices=Sex.choices)
    gender_identity = models.CharField(max_length=100, blank=True)
    ancestry = models.CharField(
        max_length=30,
        choices=Ancestry.choices,
        default=Ancestry.UNKNOWN,
        help_text="Used only to choose waist and BMI cut-offs.",
    )
    pregnancy_status = models.CharField(
        max_length=20, choices=PregnancyStatus.choices, default=PregnancyStatus.NOT_PREGNANT
    )
    delivery_date = models.DateField(null=True, blank=True, help_text="Most recent delivery (postpartum window).")
    menstrual_status = models.CharField(max_length=40, choices=MenstrualStatus.choices, blank=True)
    notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Optimistic-locking counter.")

    class Meta:
        ordering = ["family_name", "given_name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["clinic", "mrn"], name="unique_mrn_per_clinic"),
            models.CheckConstraint(
                condition=Q(delivery_date__isnull=True) | Q(delivery_date__gt=F("birth_date")),
                name="delivery_after_birth",
            ),
        ]
        indexes = [models.Index(fields=["clinic", "family_name", "given_name"])]

    def __str__(self) -> str:
        return f"patient {self.code}"

    def get_absolute_url(self) -> str:
        return reverse("patients:detail", kwargs={"code": self.code})

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    def age_on(self, day) -> int:
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - before_birthday


class Condition(models.TextChoices):
    ANXIETY = "anxiety", "Anxiety disorder"
    OCD = "ocd", "Obsessive-compulsive disorder"
    PTSD = "ptsd", "PTSD / trauma"
    BIPOLAR = "bipolar_spectrum", "Bipolar spectrum"
    ADHD = "adhd", "ADHD"
    EATING_DISORDER = "eating_disorder", "Eating disorder"
    SUBSTANCE_USE = "substance_use", "Substance use disorder"
    BORDERLINE = "borderline_pd", "Borderline personality disorder"
    PSYCHOTIC = "psychotic_disorder", "Psychotic disorder"
    TYPE1_DIABETES = "type1_diabetes", "Type 1 diabetes"
    TYPE2_DIABETES = "type2_diabetes", "Type 2 diabetes"
    THYROID = "thyroid_disease", "Thyroid disease"
    HYPERTENSION = "hypertension", "Hypertension"
    OTHER = "other", "Other"


class EpisodeSeverity(models.TextChoices):
    SUBSYNDROMAL = "subsyndromal", "Subsyndromal"
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe without psychosis"
    SEVERE_PSYCHOTIC = "severe_psychotic", "Severe with psychosis"


class Smoking(models.TextChoices):
    UNKNOWN = "", "Not recorded"
    NEVER = "never", "Never"
    FORMER = "former", "Former"
    CURRENT = "current", "Current"


class Intake(models.Model):
    patient = models.OneToOneField(Patient, on_delete=models.CASCADE, related_name="intake")
    episode_onset = models.DateField("current episode onset", null=True, blank=True)
    episode_severity = models.CharField(
        "severity at baseline (clinician-rated)", max_length=20, choices=EpisodeSeverity.choices, blank=True
    )
    conditions = models.JSONField("co-occurring conditions", default=list, blank=True)
    other_conditions = models.CharField(max_length=300, blank=True)
    sleep_hours = models.DecimalField(
        "sleep (hours per night)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("24"))],
    )
    exercise_minutes_per_week = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10080)]
    )
    alcohol_units_per_week = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("500"))],
    )
    smoking = models.CharField(max_length=10, choices=Smoking.choices, blank=True)
    diet_notes = models.TextField(blank=True)
    gastrointestinal_symptoms = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Optimistic-locking counter.")

    def __str__(self) -> str:
        return f"intake {self.pk}"


class PsychotherapyCourse(models.Model):
    class Modality(models.TextChoices):
        CBT = "cbt", "CBT"
        DBT = "dbt", "DBT"
        ACT = "act", "ACT"
        EMDR = "emdr", "EMDR"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="psychotherapy")
    modality = models.CharField(max_length=10, choices=Modality.choices)
    modality_other = models.CharField("other modality", max_length=100, blank=True)
    approximate_sessions = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(1000)])
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="psychotherapy_dates_in_order",
            )
        ]

    def __str__(self) -> str:
        return f"psychotherapy {self.pk}"


class Medicine(models.Model):
    """A medicine or supplement other than an antidepressant trial (the rules read several of them)."""

    class Kind(models.TextChoices):
        MEDICINE = "medicine", "Medicine"
        SUPPLEMENT = "supplement", "Supplement"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="medicines")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.MEDICINE)
    name = models.CharField(max_length=60, help_text="Generic name from the catalogue, or 'other'.")
    name_other = models.CharField("other name", max_length=100, blank=True)
    daily_dose_mg = models.DecimalField(max_digits=10, decimal_places=3, null=True, blank=True)
    dose_text = models.CharField("dose as written", max_length=100, blank=True)
    start = models.DateField(null=True, blank=True)
    end = models.DateField(null=True, blank=True)
    last_taken = models.DateField(null=True, blank=True, help_text="For biotin: the date last taken.")
    notes = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")

    class Meta:
        ordering = ["kind", "name", "-start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(start__isnull=True) | Q(end__gte=F("start")),
                name="medicine_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(daily_dose_mg__isnull=True) | Q(daily_dose_mg__gt=0), name="medicine_dose_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"medicine {self.pk}"

    @property
    def display_name(self) -> str:
        if self.name == "other":
            return self.name_other or "Other"
        return drug_catalogue.drug_display(self.name)


class Measurement(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    height_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    waist_cm = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    systolic = models.PositiveSmallIntegerField("systolic BP (mmHg)", null=True, blank=True)
    diastolic = models.PositiveSmallIntegerField("diastolic BP (mmHg)", null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")

    class Meta:
        ordering = ["-measured_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(height_cm__isnull=False)
                | Q(weight_kg__isnull=False)
                | Q(waist_cm__isnull=False)
                | Q(systolic__isnull=False),
                name="measurement_not_empty",
            ),
            models.CheckConstraint(
                condition=Q(systolic__isnull=True, diastolic__isnull=True)
                | Q(systolic__isnull=False, diastolic__isnull=False, diastolic__lt=F("systolic")),
                name="blood_pressure_complete_and_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"measurement {self.pk}"


class Fasting(models.TextChoices):
    UNKNOWN = "unknown", "Not documented"
    YES = "yes", "Fasting"
    NO = "no", "Not fasting"


class Comparator(models.TextChoices):
    NONE = "", "="
    LT = "<", "<"
    LE = "<=", "≤"
    GT = ">", ">"
    GE = ">=", "≥"


class LabSource(models.TextChoices):
    MANUAL = "manual", "Entered by hand"
    CSV = "csv", "CSV import"
    FHIR = "fhir", "FHIR import"
    DEMO = "demo", "Demo data"


class LabReport(models.Model):
    """One laboratory report (a panel of results drawn together)."""

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="lab_reports")
    collected_on = models.DateField()
    collected_at = models.TimeField("collection time", null=True, blank=True)
    fasting = models.CharField(max_length=10, choices=Fasting.choices, default=Fasting.UNKNOWN)
    laboratory = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-collected_on", "-pk"]

    def __str__(self) -> str:
        return f"lab report {self.pk}"


class LabResult(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="lab_results")
    report = models.ForeignKey(LabReport, on_delete=models.CASCADE, null=True, blank=True, related_name="results")
    analyte = models.CharField(max_length=40, help_text="Analyte key from the catalogue.")
    loinc = models.CharField("LOINC code", max_length=20, blank=True)
    comparator = models.CharField(max_length=2, choices=Comparator.choices, blank=True)
    value = models.DecimalField("value as reported", max_digits=14, decimal_places=4)
    unit = models.CharField("unit as reported", max_length=20)
    value_canonical = models.DecimalField(max_digits=20, decimal_places=6)
    canonical_unit = models.CharField(max_length=20)
    collected_on = models.DateField()
    collected_at = models.TimeField(null=True, blank=True)
    fasting = models.CharField(max_length=10, choices=Fasting.choices, default=Fasting.UNKNOWN)
    reference_low = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    reference_high = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    laboratory = models.CharField(max_length=200, blank=True)
    note = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=10, choices=LabSource.choices, default=LabSource.MANUAL)
    source_identifier = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-collected_on", "analyte", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(value__gte=0), name="lab_value_not_negative"),
            models.CheckConstraint(
                condition=Q(reference_low__isnull=True)
                | Q(reference_high__isnull=True)
                | Q(reference_high__gte=F("reference_low")),
                name="lab_reference_limits_in_order",
            ),
            models.UniqueConstraint(
                fields=["patient", "source", "source_identifier"],
                condition=~Q(source_identifier=""),
                name="unique_imported_lab_result",
            ),
        ]
        indexes = [models.Index(fields=["patient", "analyte", "-collected_on"])]

    def __str__(self) -> str:
        return f"lab result {self.pk}"

    @property
    def analyte_name(self) -> str:
        analyte = ANALYTES.get(self.analyte)
        return analyte.name if analyte else self.analyte

    @property
    def was_converted(self) -> bool:
        return self.unit != self.canonical_unit

    @property
    def unit_label(self) -> str:
        """The unit as people write it ("mIU/L"), not its UCUM code ("m[IU]/L")."""
        return unit_label(self.unit)

    @property
    def canonical_unit_label(self) -> str:
        return unit_label(self.canonical_unit)


class Adherence(models.TextChoices):
    GOOD = "good", "Good"
    PARTIAL = "partial", "Partial"
    POOR = "poor", "Poor"
    UNKNOWN = "unknown", "Unknown"


class Outcome(models.TextChoices):
    REMISSION = "remission", "Remission"
    RESPONSE = "response", "Response"
    PARTIAL_RESPONSE = "partial_response", "Partial response"
    NO_RESPONSE = "no_response", "No response"
    NOT_TOLERATED = "not_tolerated", "Not tolerated"
    TOO_EARLY = "too_early", "Too early to tell"


class AntidepressantTrial(models.Model):
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="trials")
    drug = models.CharField(max_length=60, help_text="Generic name from the catalogue, or 'other'.")
    drug_other = models.CharField("other drug", max_length=100, blank=True)
    adherence = models.CharField(max_length=10, choices=Adherence.choices, default=Adherence.UNKNOWN)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    improvement_pct = models.SmallIntegerField(
        "improvement on a rating scale (%)",
        null=True,
        blank=True,
        validators=[MinValueValidator(-100), MaxValueValidator(100)],
        help_text="Fall in score from the start of the trial, if measured (25 % = a quarter lower).",
    )
    reason_stopped = models.CharField(max_length=300, blank=True)
    side_effects = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")
    version = models.PositiveIntegerField(default=1, editable=False, help_text="Optimistic-locking counter.")

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(improvement_pct__isnull=True) | Q(improvement_pct__gte=-100, improvement_pct__lte=100),
                name="trial_improvement_in_range",
            )
        ]

    def __str__(self) -> str:
        return f"trial {self.pk}"

    @property
    def drug_display(self) -> str:
        if self.drug == drug_catalogue.OTHER_ANTIDEPRESSANT:
            return self.drug_other or "Other"
        return drug_catalogue.drug_display(self.drug)


class DosePeriod(models.Model):
    """A stretch of one trial at one daily dose; a dose change closes one period and opens the next."""

    trial = models.ForeignKey(AntidepressantTrial, on_delete=models.CASCADE, related_name="dose_periods")
    daily_dose_mg = models.DecimalField(max_digits=8, decimal_places=2)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(daily_dose_mg__gt=0), name="dose_positive"),
            models.CheckConstraint(condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="dose_dates_in_order"),
        ]

    def __str__(self) -> str:
        return f"dose period {self.pk}"


class Augmentation(models.Model):
    class Strategy(models.TextChoices):
        LITHIUM = "lithium", "Lithium"
        LIOTHYRONINE = "liothyronine", "Liothyronine (T3)"
        ANTIPSYCHOTIC = "antipsychotic", "Atypical antipsychotic"
        ANTIDEPRESSANT = "antidepressant", "Another antidepressant (combination)"
        OTHER = "other", "Other"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="augmentations")
    strategy = models.CharField(max_length=20, choices=Strategy.choices)
    drug = models.CharField(max_length=60, help_text="Generic name from the catalogue, or 'other'.")
    drug_other = models.CharField("other drug", max_length=100, blank=True)
    daily_dose_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="augmentation_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(daily_dose_mg__isnull=True) | Q(daily_dose_mg__gt=0), name="augmentation_dose_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"augmentation {self.pk}"

    @property
    def drug_display(self) -> str:
        if self.drug == "other":
            return self.drug_other or "Other"
        return drug_catalogue.drug_display(self.drug)


class OtherTreatment(models.Model):
    """ECT, rTMS, esketamine or ketamine courses."""

    class Kind(models.TextChoices):
        ECT = "ect", "ECT"
        RTMS = "rtms", "rTMS"
        ESKETAMINE = "esketamine", "Esketamine"
        KETAMINE = "ketamine", "Ketamine"

    class Laterality(models.TextChoices):
        BILATERAL = "bilateral", "Bilateral"
        UNILATERAL = "unilateral", "Unilateral"

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="other_treatments")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    laterality = models.CharField("ECT laterality", max_length=12, choices=Laterality.choices, blank=True)
    start = models.DateField()
    end = models.DateField(null=True, blank=True)
    sessions = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(500)])
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    notes = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True, help_text="When the row was created or last saved.")

    class Meta:
        ordering = ["start", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")), name="treatment_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(kind="ect") | Q(laterality=""), name="laterality_only_for_ect"),
        ]

    def __str__(self) -> str:
        return f"treatment {self.pk}"


class ScaleScore(models.Model):
    """A PHQ-9 or EPDS administration. The total is computed from the items, never typed, except for
    totals imported from elsewhere (``total_only``)."""

    class Instrument(models.TextChoices):
        PHQ9 = "phq9", "PHQ-9"
        EPDS = "epds", "EPDS"

    ITEM_COUNT = {Instrument.PHQ9: 9, Instrument.EPDS: 10}
    MAX_TOTAL = {Instrument.PHQ9: 27, Instrument.EPDS: 30}

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="scale_scores")
    instrument = models.CharField(max_length=5, choices=Instrument.choices)
    administered_on = models.DateField()
    items = models.JSONField(default=list, blank=True)
    difficulty = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(3)])
    total = models.PositiveSmallIntegerField()
    total_only = models.BooleanField(default=False, help_text="Only the total is known (imported score).")
    source = models.CharField(max_length=10, choices=LabSource.choices, default=LabSource.MANUAL)
    source_identifier = models.CharField(max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-administered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(instrument="phq9", total__lte=27) | Q(instrument="epds", total__lte=30),
                name="scale_total_in_range",
            ),
        ]
        indexes = [models.Index(fields=["patient", "instrument", "-administered_on"])]

    def __str__(self) -> str:
        return f"scale score {self.pk}"

    @property
    def self_harm_item(self) -> int | None:
        """PHQ-9 item 9 or EPDS item 10 (thoughts of self-harm), when items were recorded."""
        if not self.items:
            return None
        return self.items[-1]

    @property
    def band(self) -> str:
        from screening.rules.scales import phq9_band

        return phq9_band(self.total) if self.instrument == self.Instrument.PHQ9 else ""
