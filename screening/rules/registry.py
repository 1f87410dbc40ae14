"""The rule set: every rule of section 11 of the clinical reference, in one explicit tuple.

Bump ``RULESET_VERSION`` whenever a rule is added, removed, or changes behaviour (and bump that rule's own
``version``). Recorded screenings keep the version they were made with.
"""

from __future__ import annotations

import datetime as dt

from . import data_gaps, inflammatory, metabolic, nutrients, thyroid_hormonal, trd
from .base import Rule
from .engine import run_rules
from .options import ScreeningOptions
from .result import ScreeningResult
from .snapshot import Snapshot

RULESET_VERSION = "2026.11.2"

RULES: tuple[Rule, ...] = (
    *metabolic.RULES,
    *inflammatory.RULES,
    *thyroid_hormonal.RULES,
    *nutrients.RULES,
    *data_gaps.RULES,
    *trd.RULES,
)

RULES_BY_ID: dict[str, Rule] = {rule.id: rule for rule in RULES}


def evaluate(snapshot: Snapshot, *, as_of: dt.date, options: ScreeningOptions | None = None) -> ScreeningResult:
    """Screen one patient as of ``as_of``. Pure: no clock, no database, no settings."""
    return run_rules(
        RULES, snapshot, as_of=as_of, options=options or ScreeningOptions(), ruleset_version=RULESET_VERSION
    )
