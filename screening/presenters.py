"""Shape screening results and rule metadata for display."""

from __future__ import annotations

from .rules import RULES
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
