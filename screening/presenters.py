"""Shape screening results and rule metadata for display."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils.safestring import SafeString

from .charts import TimelineSpan, TimelineTrial, treatment_timeline_svg
from .forms import CHOICES, LABELS, choice_label
from .models import FindingReview, ReviewState, Screening, ScreeningFinding
from .rules import RULES, drugs
from .rules.base import Rule
from .rules.result import CATEGORY_ORDER, Category

CATEGORY_LABELS = {
    Category.SAFETY: "Safety",
    Category.METABOLIC: "Metabolic",
    Category.INFLAMMATORY: "Inflammatory",
    Category.HORMONAL: "Thyroid and hormonal",
    Category.NUTRIENT: "Nutrients",
    Category.MEDICATION: "Medication monitoring",
    Category.DATA_GAP: "Missing or overdue data",
    Category.TRD: "Treatment resistance",
}


def settings_used(options: dict) -> list[tuple[str, str]]:
    """(label, chosen value) of each clinic convention a result was computed with, in the words and order of
    the clinic settings form. The minimum-dose overrides are not listed here."""
    return [(LABELS[name], choice_label(name, options[name])) for name in CHOICES if name in options]


def rule_catalogue_groups() -> list[tuple[str, list[Rule]]]:
    groups: list[tuple[str, list[Rule]]] = []
    for category in CATEGORY_ORDER:
        rules = [rule for rule in RULES if rule.category == category]
        if rules:
            groups.append((CATEGORY_LABELS[category], rules))
    return groups


@dataclass(frozen=True)
class FindingGroup:
    category: str
    label: str
    findings: list[dict]


def findings_by_category(findings: Iterable[dict]) -> list[FindingGroup]:
    """Findings grouped in display order (safety first), keeping the engine's severity order inside groups."""
    grouped: dict[str, list[dict]] = {}
    for finding in findings:
        grouped.setdefault(finding["category"], []).append(finding)
    return [
        FindingGroup(category.value, CATEGORY_LABELS[category], grouped[category.value])
        for category in CATEGORY_ORDER
        if category.value in grouped
    ]


def screening_context(result: dict) -> dict:
    """Template context for a screening result in its JSON form.

    Live results (``ScreeningResult.to_dict()``) and recorded ones (``Screening.result``) render through
    the same templates, so a recorded screening looks exactly as it did when it was reviewed.
    """
    messages = {rule.id: rule.message for rule in RULES}
    return {
        "result": result,
        "finding_groups": findings_by_category(result["findings"]),
        "safety_findings": [f for f in result["findings"] if f["category"] == Category.SAFETY],
        "not_evaluable": [dict(item, message=messages.get(item["rule_id"], "")) for item in result["not_evaluable"]],
        "trd": result["trd"],
        "phq9": result["phq9"],
        "epds": result["epds"],
    }


@dataclass
class RecordedFinding:
    """A stored finding with its review history and, on the review page, its form."""

    row: ScreeningFinding
    history: list[FindingReview]
    form: object | None = None

    @property
    def data(self) -> dict:
        return self.row.data

    @property
    def current(self) -> FindingReview | None:
        return self.history[-1] if self.history else None

    @property
    def state(self) -> str:
        return self.current.state if self.current else ReviewState.OPEN

    @property
    def state_label(self) -> str:
        return ReviewState(self.state).label


@dataclass(frozen=True)
class RecordedGroup:
    label: str
    findings: list[RecordedFinding]


def recorded_findings(screening: Screening, *, forms: dict[int, object] | None = None) -> list[RecordedFinding]:
    rows = screening.findings.order_by("position").prefetch_related(
        Prefetch("reviews", queryset=FindingReview.objects.select_related("reviewed_by").order_by("reviewed_at", "pk"))
    )
    forms = forms or {}
    return [RecordedFinding(row, list(row.reviews.all()), forms.get(row.pk)) for row in rows]


def recorded_groups(findings: list[RecordedFinding]) -> list[RecordedGroup]:
    grouped: dict[str, list[RecordedFinding]] = {}
    for finding in findings:
        grouped.setdefault(finding.data["category"], []).append(finding)
    return [
        RecordedGroup(CATEGORY_LABELS[category], grouped[category.value])
        for category in CATEGORY_ORDER
        if category.value in grouped
    ]


@dataclass(frozen=True)
class Comparison:
    """How the live screening differs from the last recorded one."""

    last: Screening | None
    new_data: bool = False
    new_findings: tuple[str, ...] = ()
    resolved_findings: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        return self.last is None or self.new_data or bool(self.new_findings or self.resolved_findings)


def compare_with_last(last: Screening | None, *, live_result: dict, live_fingerprint: str) -> Comparison:
    if last is None:
        return Comparison(last=None)

    def keyed(findings):
        return {(f["rule_id"], f["inputs_key"]): f for f in findings}

    live = keyed(live_result["findings"])
    recorded = keyed(last.result["findings"])
    return Comparison(
        last=last,
        new_data=live_fingerprint != last.data_fingerprint,
        new_findings=tuple(f"{f['rule_id']}: {f['title']}" for key, f in live.items() if key not in recorded),
        resolved_findings=tuple(f"{f['rule_id']}: {f['title']}" for key, f in recorded.items() if key not in live),
    )


@dataclass(frozen=True)
class ScoreRow:
    administered_on: str
    total: int
    self_harm_item: int | None
    total_only: bool


def recorded_scores(snapshot_json: dict, instrument: str = "phq9") -> list[ScoreRow]:
    """PHQ-9 (or EPDS) administrations as they were when the screening was recorded, newest first."""
    rows = []
    for entry in snapshot_json.get(instrument, []):
        items = entry.get("items") or []
        rows.append(
            ScoreRow(
                administered_on=entry["date"],
                total=sum(items) if items else int(entry.get("total") or 0),
                self_harm_item=items[-1] if items else None,
                total_only=not items,
            )
        )
    return sorted(rows, key=lambda row: row.administered_on, reverse=True)


def reviewer_names(findings: list[RecordedFinding]) -> list[str]:
    names: dict[int, str] = {}
    for item in findings:
        for review in item.history:
            user = review.reviewed_by
            names.setdefault(user.pk, user.get_full_name() or user.get_username())
    return list(names.values())


# ---------------------------------------------------------------------------------------------------------
# Charts


def _date(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def treatment_timeline(snapshot_json: dict, result: dict, *, width: int = 900) -> SafeString:
    """The drug-o-gram with PHQ-9 on the same axis, drawn from a screening's own input and result.

    Live and recorded screenings both pass their JSON, so a printed summary shows the history as it was.
    """
    as_of = _date(result["as_of"])
    assessments = {(t["drug"], t["start"]): t for t in result["trd"]["trials"]}
    trials = []
    for entry in snapshot_json.get("trials", []):
        doses = entry.get("doses") or [
            {"daily_dose_mg": entry["daily_dose_mg"], "start": entry["start"], "end": entry.get("end")}
        ]
        assessment = assessments.get((entry["drug"], doses[0]["start"]), {})
        trials.append(
            TimelineTrial(
                label=drugs.drug_display(entry["drug"])
                if entry["drug"] != "other"
                else entry.get("drug_text", "Other"),
                periods=[(_date(d["start"]), _date(d.get("end")), float(d["daily_dose_mg"])) for d in doses],
                adequate=bool(assessment.get("adequate")),
                failed=bool(assessment.get("failed")),
                minimum_mg=assessment.get("minimum_adequate_dose_mg"),
            )
        )
    spans = [
        TimelineSpan(
            label=f"{drugs.drug_display(a['drug'])} augmentation",
            start=_date(a["start"]),
            end=_date(a.get("end")),
            kind="augmentation",
        )
        for a in snapshot_json.get("augmentations", [])
    ]
    spans += [
        TimelineSpan(
            label=f"ECT ({e.get('laterality', 'unknown')})",
            start=_date(e["start"]),
            end=_date(e.get("end")),
            kind="ect",
        )
        for e in snapshot_json.get("ect", [])
    ]
    scores = []
    for entry in snapshot_json.get("phq9", []):
        items = entry.get("items") or []
        total = sum(items) if items else int(entry.get("total") or 0)
        scores.append((_date(entry["date"]), total, bool(items and items[-1] > 0)))
    dates = [p[0] for t in trials for p in t.periods] + [s.start for s in spans] + [s[0] for s in scores]
    start = min([*dates, as_of - dt.timedelta(days=365)])
    return treatment_timeline_svg(
        trials=trials, treatments=spans, scores=scores, start=start, end=as_of, width=width, today=as_of
    )


def with_last_reviews(result: dict, last: Screening | None) -> dict:
    """Copy of a live result whose findings carry the review of the same unchanged finding in ``last``."""
    if last is None:
        return result
    latest: dict[tuple[str, str], FindingReview] = {}
    reviews = FindingReview.objects.filter(finding__screening=last).select_related("finding", "reviewed_by")
    for review in reviews.order_by("reviewed_at", "pk"):
        latest[(review.finding.rule_id, review.finding.inputs_key)] = review
    findings = []
    for finding in result["findings"]:
        review = latest.get((finding["rule_id"], finding["inputs_key"]))
        if review is not None:
            finding = {**finding, "review": review}
        findings.append(finding)
    return {**result, "findings": findings}
