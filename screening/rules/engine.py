"""Runs rules against a snapshot and assembles the result. See :func:`screening.rules.evaluate`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from .analytes import ANALYTES
from .base import Context, Hit, Rule, Skip
from .options import ScreeningOptions
from .result import CATEGORY_ORDER, LEVEL_RANK, Finding, NotEvaluable, ScreeningResult
from .scales import summarise_epds, summarise_phq9
from .snapshot import Snapshot

_ANALYTE_NAMES = {key: analyte.in_sentence for key, analyte in ANALYTES.items()}


def run_rules(
    rules: Iterable[Rule],
    snapshot: Snapshot,
    *,
    as_of: dt.date,
    options: ScreeningOptions,
    ruleset_version: str,
) -> ScreeningResult:
    """Run every rule; each yields a finding, a not-evaluable entry, or nothing (checked and not met)."""
    context = Context(snapshot, as_of, options, _ANALYTE_NAMES)
    findings: list[Finding] = []
    not_evaluable: list[NotEvaluable] = []
    for rule in rules:
        outcome = rule.check(rule, context)
        if isinstance(outcome, Hit):
            findings.append(_finding(rule, outcome))
        elif isinstance(outcome, Skip):
            not_evaluable.append(NotEvaluable(rule.id, rule.version, rule.category, outcome.reason))
        elif outcome is not None:
            raise TypeError(f"{rule.id} returned {outcome!r}")
    findings.sort(key=lambda f: (CATEGORY_ORDER.index(f.category), LEVEL_RANK[f.severity], f.rule_id))
    not_evaluable.sort(key=lambda n: (CATEGORY_ORDER.index(n.category), n.rule_id))
    return ScreeningResult(
        ruleset_version=ruleset_version,
        as_of=as_of,
        options=options.as_dict(),
        findings=tuple(findings),
        not_evaluable=tuple(not_evaluable),
        trd=context.trd,
        phq9=summarise_phq9(snapshot, as_of),
        epds=summarise_epds(snapshot, as_of, options),
    )


def _finding(rule: Rule, hit: Hit) -> Finding:
    return Finding(
        rule_id=rule.id,
        rule_version=rule.version,
        category=rule.category,
        severity=rule.severity,
        title=hit.title,
        detail=hit.detail,
        message=hit.message or rule.message,
        values=hit.values,
        threshold=hit.threshold,
        rationale=rule.rationale,
        source=rule.source,
        follow_up=rule.follow_up,
    )
