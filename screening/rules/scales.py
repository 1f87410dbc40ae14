"""Depression rating scales: PHQ-9 and EPDS summaries (clinical reference section 2 and 7.4).

A summary describes the latest administration on or before ``as_of``: its total and band, the change from
the first score of the current episode (the baseline), response, remission and the self-harm item.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from .options import ScreeningOptions
from .result import ScaleSummary
from .snapshot import ScaleScore, Snapshot

# PHQ-9 severity bands (Kroenke, Spitzer & Williams 2001): lower bound of each band, in points.
PHQ9_BANDS: tuple[tuple[int, str], ...] = (
    (20, "severe"),
    (15, "moderately severe"),
    (10, "moderate"),
    (5, "mild"),
    (0, "none/minimal"),
)
PHQ9_REMISSION_BELOW_POINTS = 5  # remission < 5 (i.e. <= 4)
PHQ9_SELF_HARM_ITEM = 9

EPDS_POSSIBLE_POINTS = 10  # ">= 10 possible depression", widely used [U]
EPDS_SELF_HARM_ITEM = 10

RESPONSE_REDUCTION = 0.5  # response = >= 50% reduction from baseline (same instrument)


def scores_up_to(scores: Iterable[ScaleScore], as_of: dt.date) -> list[ScaleScore]:
    """Usable administrations dated on or before ``as_of``, oldest first (a score with no total is dropped)."""
    usable = [s for s in scores if s.date <= as_of and (s.has_items or s.total_only is not None)]
    return sorted(usable, key=lambda s: s.date)


def item_score(score: ScaleScore, item: int) -> int | None:
    """The answer to item ``item`` (1-based), or ``None`` when only a total is known."""
    if len(score.items) < item:
        return None
    return score.items[item - 1]


def phq9_band(total: int) -> str:
    """Kroenke 2001: 0-4 none/minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe, 20-27 severe."""
    for low, band in PHQ9_BANDS:
        if total >= low:
            return band
    return PHQ9_BANDS[-1][1]


def epds_band(total: int, options: ScreeningOptions) -> str:
    """'probable depression' at or above the clinic's cut-off (13 by default), 'possible depression' from 10."""
    if total >= options.epds_probable_cutoff:
        return "probable depression"
    if total >= EPDS_POSSIBLE_POINTS:
        return "possible depression"
    return "below cut-off"


def summarise_phq9(snapshot: Snapshot, as_of: dt.date) -> ScaleSummary:
    """Latest PHQ-9 with its Kroenke 2001 band, response (>= 50% reduction) and remission (< 5)."""
    return _summarise(
        snapshot.phq9,
        snapshot,
        as_of,
        band=phq9_band,
        self_harm_item=PHQ9_SELF_HARM_ITEM,
        remission_below=PHQ9_REMISSION_BELOW_POINTS,
    )


def summarise_epds(snapshot: Snapshot, as_of: dt.date, options: ScreeningOptions) -> ScaleSummary:
    """Latest EPDS with its band and response (>= 50% reduction).

    Remission is not reported: the reference defines no EPDS remission cut-off. Response uses the >= 50%
    reduction that section 2 gives for every instrument with a response definition.
    """
    return _summarise(
        snapshot.epds,
        snapshot,
        as_of,
        band=lambda total: epds_band(total, options),
        self_harm_item=EPDS_SELF_HARM_ITEM,
        remission_below=None,
    )


def _summarise(
    scores: Iterable[ScaleScore],
    snapshot: Snapshot,
    as_of: dt.date,
    *,
    band: Callable[[int], str],
    self_harm_item: int,
    remission_below: int | None,
) -> ScaleSummary:
    ordered = scores_up_to(scores, as_of)
    if not ordered:
        return ScaleSummary()
    latest = ordered[-1]
    onset = snapshot.episode.onset
    # Baseline: the first score of the current episode; with the onset unknown, the first score on record.
    episode = [s for s in ordered if onset is None or s.date >= onset]
    baseline = episode[0] if episode else None
    response = percent_change = None
    if baseline is not None and len(episode) >= 2 and baseline.total > 0:
        percent_change = (baseline.total - latest.total) / baseline.total
        # Compared without division so that exactly 50% is a response (0.5 x an integer is exact).
        response = baseline.total - latest.total >= RESPONSE_REDUCTION * baseline.total
    item = item_score(latest, self_harm_item)
    return ScaleSummary(
        latest_total=latest.total,
        latest_date=latest.date,
        band=band(latest.total),
        baseline_total=baseline.total if baseline else None,
        baseline_date=baseline.date if baseline else None,
        response=response,
        remission=None if remission_below is None else latest.total < remission_below,
        self_harm_item_positive=None if item is None else item >= 1,
        total_only=not latest.has_items,
        percent_change=percent_change,
    )
