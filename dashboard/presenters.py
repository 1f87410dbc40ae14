"""Shape the dashboard's numbers for its templates and CSV files."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.safestring import SafeString

from screening.models import DismissalReason, ReviewState
from screening.presenters import CATEGORY_LABELS
from screening.rules import RULES_BY_ID
from screening.rules.result import CATEGORY_ORDER, Category, Level

from .charts import Bar, Segment, stacked_bar_chart_svg
from .forms import SEVERITY_LABELS
from .queries import RANK_SEVERITY, SAFETY_RANK, Caseload, RowDetails, RuleStats

LEVELS = (Level.IMPORTANT, Level.CONSIDER, Level.INFO)
#: Severity segments: darkest for the most severe; patterns, not colours, tell them apart.
SEVERITY_SEGMENTS = [
    Segment("important", "solid"),
    Segment("consider", "hatch"),
    Segment("info", "dots"),
]
REVIEW_SEGMENTS = [
    Segment("open", "solid"),
    Segment("follow-up ordered", "cross"),
    Segment("acknowledged", "hatch"),
    Segment("dismissed", "open"),
]
REVIEW_ORDER = (ReviewState.OPEN, ReviewState.FOLLOW_UP, ReviewState.ACKNOWLEDGED, ReviewState.DISMISSED)


def category_label(category: str) -> str:
    try:
        return CATEGORY_LABELS[Category(category)]
    except ValueError:
        return category


def severity_label(severity: str) -> str:
    try:
        return SEVERITY_LABELS[Level(severity)]
    except ValueError:
        return severity


# ---------------------------------------------------------------------------------------------------------
# Overview


@dataclass(frozen=True)
class CategoryRow:
    category: str
    label: str
    #: per severity, most severe first: (severity, label, patients, findings)
    cells: list[tuple[str, str, int, int]]

    @property
    def findings(self) -> int:
        return sum(cell[3] for cell in self.cells)


def category_rows(counts: Caseload) -> list[CategoryRow]:
    """Open findings by category (safety first) and severity; categories without open findings left out."""
    rows = []
    for category in CATEGORY_ORDER:
        cells = [
            (level.value, SEVERITY_LABELS[level], *counts.open_by_category.get((category.value, level.value), (0, 0)))
            for level in LEVELS
        ]
        if any(cell[3] for cell in cells):
            rows.append(CategoryRow(category.value, CATEGORY_LABELS[category], cells))
    return rows


def category_chart(rows: list[CategoryRow]) -> SafeString:
    return stacked_bar_chart_svg(
        title="Open findings in latest recorded screenings, by category and severity",
        bars=[Bar(row.label, [cell[3] for cell in row.cells]) for row in rows],
        segments=SEVERITY_SEGMENTS,
    )


# ---------------------------------------------------------------------------------------------------------
# Worklist


@dataclass(frozen=True)
class WorklistRow:
    patient_url: str
    screening_url: str
    family_name: str
    given_name: str
    mrn: str
    clinic: str
    recorded_at: object
    recorded_by: str
    open_count: int
    top_severity: str
    safety: bool  # an open safety finding (a self-harm answer), shown and sorted before everything else
    categories: list[tuple[str, int]]
    new_data: bool

    @property
    def name(self) -> str:
        return f"{self.family_name}, {self.given_name}"

    @property
    def top_severity_label(self) -> str:
        label = severity_label(self.top_severity)
        return f"{label} (safety)" if self.safety else label

    @property
    def categories_text(self) -> str:
        return "; ".join(f"{category_label(category)} {count}" for category, count in self.categories)


def worklist_rows(rows, details: RowDetails) -> list[WorklistRow]:
    """Rows of :func:`dashboard.queries.worklist` with their :func:`~dashboard.queries.row_details`."""
    shown = []
    for row in rows:
        screening = details.screenings[row["screening_id"]]
        patient, recorder = screening.patient, screening.recorded_by
        shown.append(
            WorklistRow(
                patient_url=patient.get_absolute_url(),
                screening_url=screening.get_absolute_url(),
                family_name=patient.family_name,
                given_name=patient.given_name,
                mrn=patient.mrn,
                clinic=patient.clinic.name,
                recorded_at=screening.recorded_at,
                recorded_by=recorder.get_full_name() or recorder.get_username(),
                open_count=row["open_count"],
                top_severity=RANK_SEVERITY[row["top_rank"]],
                safety=row["top_rank"] == SAFETY_RANK,
                categories=details.categories.get(screening.pk, []),
                new_data=details.new_data.get(screening.pk, False),
            )
        )
    return shown


WORKLIST_CSV_HEADER = [
    "Family name",
    "Given name",
    "MRN",
    "Clinic",
    "Latest screening",
    "Recorded by",
    "Open findings (matching the filters)",
    "Highest severity",
    "Open findings by category",
    "Data newer than the screening",
]


def worklist_csv_rows(rows: list[WorklistRow]):
    for row in rows:
        yield [
            row.family_name,
            row.given_name,
            row.mrn,
            row.clinic,
            timezone.localtime(row.recorded_at).date(),
            row.recorded_by,
            row.open_count,
            row.top_severity_label,
            row.categories_text,
            "yes" if row.new_data else "no",
        ]


# ---------------------------------------------------------------------------------------------------------
# Labs to order


@dataclass(frozen=True)
class LabRow:
    patient_url: str
    family_name: str
    given_name: str
    mrn: str
    birth_date: object
    clinic: str
    rule_id: str
    missing: str
    to_order: str
    recorded_at: object


def labs_rows(findings) -> list[LabRow]:
    """Rows of :func:`dashboard.queries.labs_to_order` (findings with screening, patient and clinic)."""
    rows = []
    for finding in findings:
        patient = finding.screening.patient
        rows.append(
            LabRow(
                patient_url=patient.get_absolute_url(),
                family_name=patient.family_name,
                given_name=patient.given_name,
                mrn=patient.mrn,
                birth_date=patient.birth_date,
                clinic=patient.clinic.name,
                rule_id=finding.rule_id,
                missing=finding.title,
                to_order=finding.follow_up or "",
                recorded_at=finding.screening.recorded_at,
            )
        )
    return rows


LABS_CSV_HEADER = [
    "Family name",
    "Given name",
    "MRN",
    "Date of birth",
    "Clinic",
    "Rule",
    "Missing or overdue",
    "To order",
    "Screening recorded",
]


def labs_csv_rows(rows: list[LabRow]):
    for row in rows:
        yield [
            row.family_name,
            row.given_name,
            row.mrn,
            row.birth_date,
            row.clinic,
            row.rule_id,
            row.missing,
            row.to_order,
            timezone.localtime(row.recorded_at).date(),
        ]


# ---------------------------------------------------------------------------------------------------------
# Governance

REVIEW_LABELS = dict(ReviewState.choices)
DISMISSAL_LABELS = dict(DismissalReason.choices)


@dataclass(frozen=True)
class GovernanceRow:
    stats: RuleStats
    title: str
    category: str
    severity: str
    current: list[tuple[str, int]]
    decisions: list[tuple[str, int]]
    reasons: list[tuple[str, int]]

    @property
    def dismissed_percent(self) -> str:
        share = self.stats.dismissed_share
        return "" if share is None else f"{share * 100:.0f} %"


def governance_rows(stats: list[RuleStats]) -> list[GovernanceRow]:
    rows = []
    for entry in stats:
        rule = RULES_BY_ID.get(entry.rule_id)
        rows.append(
            GovernanceRow(
                stats=entry,
                title=rule.message_outline if rule else "(rule no longer in the current rule set)",
                category=category_label(rule.category) if rule else "",
                severity=severity_label(rule.severity) if rule else "",
                current=[(REVIEW_LABELS[state], entry.current.get(state, 0)) for state in REVIEW_ORDER],
                decisions=[(REVIEW_LABELS[state], entry.decisions.get(state, 0)) for state in REVIEW_ORDER],
                reasons=sorted(
                    ((DISMISSAL_LABELS.get(reason, reason), n) for reason, n in entry.dismissal_reasons.items()),
                    key=lambda item: -item[1],
                ),
            )
        )
    return rows


def governance_chart(rows: list[GovernanceRow]) -> SafeString:
    fired = [row for row in rows if row.stats.fired_latest]
    return stacked_bar_chart_svg(
        title="Findings in latest recorded screenings, by rule and current review state",
        bars=[Bar(row.stats.rule_id, [count for _, count in row.current]) for row in fired],
        segments=REVIEW_SEGMENTS,
    )
