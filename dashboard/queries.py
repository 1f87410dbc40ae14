"""The dashboard's numbers and lists, aggregated in the database.

Everything reflects **recorded** screenings: a patient's current state is their latest recorded screening
(:class:`screening.models.LatestScreening`), and a finding is open while it has no review or its newest
review is "open". Data
entered since that screening counts only once it is recorded again (the worklist can show who that
applies to). Every function runs a fixed number of queries whatever the number of patients.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    Exists,
    IntegerField,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)

from patients.models import Clinic, Patient
from screening.models import FindingReview, ReviewState, Screening, ScreeningFinding
from screening.queries import (
    is_open,
    latest_screenings,
    newest_reviews,
    open_findings,
    with_data_since_latest_screening,
    with_new_data_flag,
)
from screening.rules.result import Category, Level

#: Most severe first, as the engine orders findings: safety findings (always first, never hidden) before
#: every other important one.
SAFETY_RANK = 0
SEVERITY_RANK = Case(
    When(category=Category.SAFETY.value, then=Value(SAFETY_RANK)),
    When(severity=Level.IMPORTANT.value, then=Value(1)),
    When(severity=Level.CONSIDER.value, then=Value(2)),
    default=Value(3),
    output_field=IntegerField(),
)
RANK_SEVERITY = {
    SAFETY_RANK: Level.IMPORTANT.value,
    1: Level.IMPORTANT.value,
    2: Level.CONSIDER.value,
    3: Level.INFO.value,
}


@dataclass(frozen=True)
class Scope:
    """The clinics the dashboard covers: the user's clinics, or the one of them they chose."""

    clinics: tuple[Clinic, ...]
    selected: Clinic | None = None

    @property
    def clinic_ids(self) -> list[int]:
        return [self.selected.pk] if self.selected else [clinic.pk for clinic in self.clinics]

    def patients(self) -> QuerySet[Patient]:
        return Patient.objects.filter(clinic_id__in=self.clinic_ids)

    def latest_screenings(self) -> QuerySet[Screening]:
        return latest_screenings(self.patients())


# ---------------------------------------------------------------------------------------------------------
# Counts


@dataclass(frozen=True)
class Caseload:
    patients: int
    screened: int
    meets_trd: int
    with_open_findings: int
    open_safety_findings: int
    screenings_this_month: int
    #: (category, severity) -> (patients, findings), open findings of latest screenings only
    open_by_category: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)

    @property
    def never_screened(self) -> int:
        return self.patients - self.screened


#: The rule that fires exactly when the engine's ``trd.meets_trd_definition`` is true (``_check_trd_definition``
#: in screening/rules/trd.py; a test holds the two together). Counting its finding rows reads one index instead
#: of parsing every latest screening's result JSON.
TRD_DEFINITION_RULE = "TRD-01"


def caseload(scope: Scope, *, month_start: dt.datetime) -> Caseload:
    """The dashboard counts (four queries).

    "Meets the TRD definition" is what each patient's latest recorded screening says
    (``result["trd"]["meets_trd_definition"]``, counted through its TRD-01 finding): what was recorded, not a
    re-evaluation of today's data.
    """
    latest = scope.latest_screenings()
    findings = ScreeningFinding.objects.filter(screening_id=OuterRef("pk"))
    summary = latest.aggregate(
        screened=Count("pk"),
        meets_trd=Count("pk", filter=Q(Exists(findings.filter(rule_id=TRD_DEFINITION_RULE)))),
        with_open=Count("pk", filter=Q(Exists(findings.filter(is_open())))),
    )
    by_category = {
        (row["category"], row["severity"]): (row["patients"], row["findings"])
        for row in open_findings(latest)
        .values("category", "severity")
        .annotate(patients=Count("screening_id", distinct=True), findings=Count("pk"))
        .order_by()  # the findings' default order would join every screening row for nothing
    }
    return Caseload(
        patients=scope.patients().count(),
        screened=summary["screened"],
        meets_trd=summary["meets_trd"],
        with_open_findings=summary["with_open"],
        open_safety_findings=sum(
            findings for (category, _), (_, findings) in by_category.items() if category == Category.SAFETY
        ),
        screenings_this_month=Screening.objects.filter(
            patient__clinic_id__in=scope.clinic_ids, recorded_at__gte=month_start
        ).count(),
        open_by_category=by_category,
    )


# ---------------------------------------------------------------------------------------------------------
# Worklist: patients with open findings

WORKLIST_SORTS = {
    "name": ["family_name", "given_name", "screening_id"],
    "-name": ["-family_name", "-given_name", "-screening_id"],
    "screened": ["-recorded_at", "-screening_id"],
    "-screened": ["recorded_at", "screening_id"],
    "open": ["-open_count", "family_name", "given_name", "screening_id"],
    "-open": ["open_count", "family_name", "given_name", "screening_id"],
    "severity": ["top_rank", "-open_count", "family_name", "given_name", "screening_id"],
    "-severity": ["-top_rank", "open_count", "family_name", "given_name", "screening_id"],
}


@dataclass(frozen=True)
class WorklistFilters:
    category: str = ""
    severity: str = ""
    clinician: int | None = None
    new_data_only: bool = False
    sort: str = "severity"


def _worklist_screenings(scope: Scope, filters: WorklistFilters) -> QuerySet[Screening]:
    screenings = scope.latest_screenings()
    if filters.clinician is not None:
        screenings = screenings.filter(recorded_by_id=filters.clinician)
    if filters.new_data_only:
        screenings = screenings.filter(patient__in=with_data_since_latest_screening(scope.patients()))
    return screenings


def _matching(findings: QuerySet[ScreeningFinding], filters: WorklistFilters) -> QuerySet[ScreeningFinding]:
    findings = findings.filter(is_open())
    if filters.category:
        findings = findings.filter(category=filters.category)
    if filters.severity:
        findings = findings.filter(severity=filters.severity)
    return findings


def worklist(scope: Scope, filters: WorklistFilters) -> QuerySet:
    """One row (a dict) per patient with open findings in their latest recorded screening that match the
    filters: ``screening_id``, ``open_count`` (matching open findings), ``top_rank`` (the most severe of them:
    0 = a safety finding, then important, consider, info), and the sort keys ``family_name``, ``given_name``
    and ``recorded_at``. One query; load the page's screenings with :func:`row_details`.

    ``clinician`` is who recorded that screening; ``new_data_only`` keeps patients with data saved after it
    (see :func:`screening.queries.data_saved_since`).

    The findings are grouped by screening alone and the patient's name is carried as an aggregate of its one
    value, so that PostgreSQL groups in a hash table instead of sorting every open finding with the name.
    """
    findings = _matching(ScreeningFinding.objects.filter(screening__in=_worklist_screenings(scope, filters)), filters)
    return (
        findings.values("screening_id")
        .annotate(
            open_count=Count("pk"),
            top_rank=Min(SEVERITY_RANK),
            family_name=Min("screening__patient__family_name"),
            given_name=Min("screening__patient__given_name"),
            recorded_at=Max("screening__recorded_at"),
        )
        .order_by(*WORKLIST_SORTS.get(filters.sort, WORKLIST_SORTS["severity"]))
    )


@dataclass(frozen=True)
class RowDetails:
    """What the worklist shows for a page of rows: the screenings (with patient, clinic and recorder), all
    their open categories, and whether data came in since."""

    screenings: dict[int, Screening]
    categories: dict[int, list[tuple[str, int]]]
    new_data: dict[int, bool]


def row_details(screening_ids: list[int]) -> RowDetails:
    """For a page of worklist rows (two queries)."""
    if not screening_ids:
        return RowDetails({}, {}, {})
    screenings = Screening.objects.filter(pk__in=screening_ids)
    categories: dict[int, list[tuple[str, int]]] = defaultdict(list)
    rows = open_findings(screenings).values("screening_id", "category").annotate(n=Count("pk")).order_by()
    order = {category.value: index for index, category in enumerate(Category)}
    for row in sorted(rows, key=lambda r: order.get(r["category"], 99)):
        categories[row["screening_id"]].append((row["category"], row["n"]))
    loaded = with_new_data_flag(
        screenings.select_related("patient__clinic", "recorded_by").defer("snapshot", "result", "options")
    )
    by_id = {screening.pk: screening for screening in loaded}
    new_data = {pk: screening.new_data for pk, screening in by_id.items()}
    return RowDetails(by_id, dict(categories), new_data)


def clinicians(scope: Scope) -> QuerySet:
    """People who may have recorded screenings in scope: the members of its clinics."""
    return (
        get_user_model()
        .objects.filter(memberships__clinic_id__in=scope.clinic_ids)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


# ---------------------------------------------------------------------------------------------------------
# Labs to order: open data-gap findings


def labs_to_order(scope: Scope, *, rule_id: str = "") -> QuerySet[ScreeningFinding]:
    """Open missing-or-overdue-data findings (DATA-01 to DATA-04) of latest recorded screenings, by patient
    name, with the screening, patient and clinic loaded: what is missing is the finding's title, what to
    order its follow-up."""
    findings = open_findings(scope.latest_screenings()).filter(category=Category.DATA_GAP)
    if rule_id:
        findings = findings.filter(rule_id=rule_id)
    return (
        findings.select_related("screening__patient__clinic")
        .defer("screening__snapshot", "screening__result", "screening__options")
        .order_by(
            "screening__patient__family_name", "screening__patient__given_name", "screening__patient_id", "rule_id"
        )
    )


# ---------------------------------------------------------------------------------------------------------
# Alert governance


@dataclass
class RuleStats:
    rule_id: str
    fired_latest: int = 0
    fired_all: int = 0
    #: current review state of its findings in latest screenings
    current: dict[str, int] = field(default_factory=dict)
    #: review decisions taken by clinicians (carried-over copies excluded), by state
    decisions: dict[str, int] = field(default_factory=dict)
    #: dismissal reason -> number of dismissals
    dismissal_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def decided(self) -> int:
        return sum(self.decisions.values())

    @property
    def dismissed_share(self) -> float | None:
        """Share of clinicians' decisions on this rule that were dismissals (None without decisions)."""
        if not self.decided:
            return None
        return self.decisions.get(ReviewState.DISMISSED, 0) / self.decided


def rule_governance(scope: Scope) -> list[RuleStats]:
    """Per rule: how often it fired (latest and all recorded screenings), the current review state of its
    findings in latest screenings, and the review decisions clinicians took (four queries).

    Decisions count the reviews clinicians entered; the copies carried over to later screenings for an
    unchanged finding are not counted again.
    """
    clinic_ids = scope.clinic_ids
    latest = scope.latest_screenings()
    stats: dict[str, RuleStats] = {}

    def rule(rule_id: str) -> RuleStats:
        return stats.setdefault(rule_id, RuleStats(rule_id))

    in_scope = ScreeningFinding.objects.filter(screening__patient__clinic_id__in=clinic_ids)
    for row in in_scope.values("rule_id").annotate(n=Count("pk")).order_by():
        rule(row["rule_id"]).fired_all = row["n"]
    in_latest = ScreeningFinding.objects.filter(screening__in=latest)
    for row in in_latest.values("rule_id").annotate(n=Count("pk")).order_by():
        entry = rule(row["rule_id"])
        entry.fired_latest = entry.current[ReviewState.OPEN] = row["n"]
    # Findings whose newest review is not "open" move from open to that state.
    reviewed = (
        newest_reviews()
        .filter(finding__in=in_latest)
        .exclude(state=ReviewState.OPEN)
        .values("finding__rule_id", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in reviewed:
        entry = rule(row["finding__rule_id"])
        entry.current[row["state"]] = row["n"]
        entry.current[ReviewState.OPEN] -= row["n"]
    decisions = (
        FindingReview.objects.filter(
            carried_over_from__isnull=True, finding__screening__patient__clinic_id__in=clinic_ids
        )
        .values("finding__rule_id", "state", "dismissal_reason")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in decisions:
        entry = rule(row["finding__rule_id"])
        entry.decisions[row["state"]] = entry.decisions.get(row["state"], 0) + row["n"]
        if row["dismissal_reason"]:
            reason = row["dismissal_reason"]
            entry.dismissal_reasons[reason] = entry.dismissal_reasons.get(reason, 0) + row["n"]
    return sorted(stats.values(), key=lambda s: (-s.fired_latest, -s.fired_all, s.rule_id))
