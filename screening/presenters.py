"""Shape screening results and rule metadata for display."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .rules import RULES, Finding, ScreeningResult
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


def rule_catalogue_groups() -> list[tuple[str, list[Rule]]]:
    groups: list[tuple[str, list[Rule]]] = []
    for category in CATEGORY_ORDER:
        rules = [rule for rule in RULES if rule.category == category]
        if rules:
            groups.append((CATEGORY_LABELS[category], rules))
    return groups


@dataclass(frozen=True)
class FindingGroup:
    category: Category
    label: str
    findings: list[Finding]


def findings_by_category(findings: Iterable[Finding]) -> list[FindingGroup]:
    """Findings grouped in display order (safety first), keeping the engine's severity order inside groups."""
    grouped: dict[Category, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.category, []).append(finding)
    return [
        FindingGroup(category, CATEGORY_LABELS[category], grouped[category])
        for category in CATEGORY_ORDER
        if category in grouped
    ]


def screening_context(result: ScreeningResult) -> dict:
    """Template context for a screening result (live or recorded)."""
    rules = {rule.id: rule for rule in RULES}
    return {
        "result": result,
        "finding_groups": findings_by_category(result.findings),
        "safety_findings": result.findings_in(Category.SAFETY),
        "not_evaluable": [(item, rules.get(item.rule_id)) for item in result.not_evaluable],
        "trd": result.trd,
        "phq9": result.phq9,
        "epds": result.epds,
    }
