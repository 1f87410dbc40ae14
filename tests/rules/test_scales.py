"""PHQ-9 and EPDS summaries: bands, baseline, response, remission and the self-harm item (reference section 2)."""

from __future__ import annotations

import datetime as dt

import pytest

from screening.rules.options import ScreeningOptions
from screening.rules.result import ScaleSummary
from screening.rules.scales import summarise_epds, summarise_phq9
from screening.rules.snapshot import Episode, ScaleScore

from .builders import AS_OF, epds, make_snapshot, phq9

D = dt.date
EARLY = D(2026, 6, 1)
LATE = D(2026, 10, 20)

PHQ9_BANDS = [
    (0, "none/minimal"),
    (4, "none/minimal"),
    (5, "mild"),
    (9, "mild"),
    (10, "moderate"),
    (14, "moderate"),
    (15, "moderately severe"),
    (19, "moderately severe"),
    (20, "severe"),
    (27, "severe"),
]


@pytest.mark.parametrize(("total", "band"), PHQ9_BANDS, ids=[f"{t}-{b}" for t, b in PHQ9_BANDS])
def test_phq9_band_follows_kroenke_2001(total, band):
    summary = summarise_phq9(make_snapshot(phq9=(phq9(LATE, total, item9=max(0, total - 24)),)), AS_OF)
    assert (summary.latest_total, summary.band) == (total, band)


@pytest.mark.parametrize(("total", "remission"), [(4, True), (5, False)], ids=["4-remission", "5-no-remission"])
def test_phq9_remission_is_below_5(total, remission):
    assert summarise_phq9(make_snapshot(phq9=(phq9(LATE, total),)), AS_OF).remission is remission


RESPONSE_CASES = [
    ("exactly 50% reduction is a response", 20, 10, True),
    ("49% reduction (18 -> 10 is 44%) is not", 18, 10, False),
    ("exactly 50% with an odd baseline step (18 -> 9)", 18, 9, True),
    ("one point short of 50% (20 -> 11)", 20, 11, False),
    ("worsening is not a response", 10, 15, False),
]


@pytest.mark.parametrize(
    ("baseline", "latest", "response"), [c[1:] for c in RESPONSE_CASES], ids=[c[0] for c in RESPONSE_CASES]
)
def test_phq9_response_is_at_least_50_percent_reduction(baseline, latest, response):
    summary = summarise_phq9(make_snapshot(phq9=(phq9(EARLY, baseline), phq9(LATE, latest))), AS_OF)
    assert summary.response is response
    assert summary.percent_change == pytest.approx((baseline - latest) / baseline)
    assert (summary.baseline_total, summary.baseline_date) == (baseline, EARLY)


def test_phq9_response_unknown_with_a_single_score():
    summary = summarise_phq9(make_snapshot(phq9=(phq9(LATE, 12),)), AS_OF)
    assert summary.response is None
    assert summary.percent_change is None
    assert (summary.baseline_total, summary.baseline_date) == (12, LATE)


def test_phq9_response_unknown_when_baseline_is_zero():
    summary = summarise_phq9(make_snapshot(phq9=(phq9(EARLY, 0), phq9(LATE, 0))), AS_OF)
    assert summary.response is None


def test_phq9_baseline_is_first_score_of_current_episode():
    snapshot = make_snapshot(
        episode=Episode(onset=D(2026, 5, 1)),
        phq9=(phq9(D(2026, 1, 10), 25, item9=1), phq9(D(2026, 5, 1), 16), phq9(LATE, 8)),
    )
    summary = summarise_phq9(snapshot, AS_OF)
    assert (summary.baseline_total, summary.baseline_date) == (16, D(2026, 5, 1))
    assert summary.response is True


def test_phq9_baseline_is_first_score_on_record_when_onset_unknown():
    snapshot = make_snapshot(phq9=(phq9(LATE, 8), phq9(D(2026, 1, 10), 25, item9=None), phq9(D(2026, 5, 1), 16)))
    summary = summarise_phq9(snapshot, AS_OF)
    assert (summary.baseline_total, summary.baseline_date) == (25, D(2026, 1, 10))
    assert (summary.latest_total, summary.latest_date) == (8, LATE)


def test_phq9_scores_after_as_of_are_ignored():
    snapshot = make_snapshot(phq9=(phq9(LATE, 12), phq9(AS_OF + dt.timedelta(days=1), 3, item9=2)))
    summary = summarise_phq9(snapshot, AS_OF)
    assert (summary.latest_total, summary.remission, summary.self_harm_item_positive) == (12, False, False)


def test_phq9_score_on_as_of_is_used():
    summary = summarise_phq9(make_snapshot(phq9=(phq9(LATE, 12), phq9(AS_OF, 3))), AS_OF)
    assert (summary.latest_total, summary.latest_date) == (3, AS_OF)


@pytest.mark.parametrize(("item9", "positive"), [(0, False), (1, True), (3, True)], ids=["0", "1", "3"])
def test_phq9_item9_positive_from_one(item9, positive):
    summary = summarise_phq9(make_snapshot(phq9=(phq9(LATE, 12, item9=item9),)), AS_OF)
    assert summary.self_harm_item_positive is positive


def test_phq9_item9_unknown_when_latest_has_only_a_total():
    snapshot = make_snapshot(phq9=(phq9(EARLY, 14, item9=2), phq9(LATE, 12, item9=None)))
    summary = summarise_phq9(snapshot, AS_OF)
    assert summary.self_harm_item_positive is None
    assert summary.total_only is True
    assert summary.latest_total == 12


def test_phq9_without_scores_is_empty():
    assert summarise_phq9(make_snapshot(), AS_OF) == ScaleSummary()


def test_phq9_score_without_items_or_total_is_ignored():
    snapshot = make_snapshot(phq9=(phq9(EARLY, 14), ScaleScore(date=LATE)))
    assert summarise_phq9(snapshot, AS_OF).latest_total == 14


EPDS_BANDS = [
    (9, 13, "below cut-off"),
    (10, 13, "possible depression"),
    (12, 13, "possible depression"),
    (13, 13, "probable depression"),
    (9, 10, "below cut-off"),
    (10, 10, "probable depression"),
]


@pytest.mark.parametrize(("total", "cutoff", "band"), EPDS_BANDS, ids=[f"{t}-cutoff{c}-{b}" for t, c, b in EPDS_BANDS])
def test_epds_band_uses_clinic_cutoff(total, cutoff, band):
    options = ScreeningOptions(epds_probable_cutoff=cutoff)
    summary = summarise_epds(make_snapshot(epds=(epds(LATE, total),)), AS_OF, options)
    assert summary.band == band


@pytest.mark.parametrize(("item10", "positive"), [(0, False), (1, True)], ids=["0", "1"])
def test_epds_item10_positive_from_one(item10, positive):
    summary = summarise_epds(make_snapshot(epds=(epds(LATE, 11, item10=item10),)), AS_OF, ScreeningOptions())
    assert summary.self_harm_item_positive is positive


def test_epds_response_computed_and_remission_not_reported():
    snapshot = make_snapshot(epds=(epds(EARLY, 20), epds(LATE, 10)))
    summary = summarise_epds(snapshot, AS_OF, ScreeningOptions())
    assert summary.response is True
    assert summary.remission is None


def test_epds_and_phq9_are_summarised_separately():
    snapshot = make_snapshot(phq9=(phq9(EARLY, 20),), epds=(epds(LATE, 5),))
    assert summarise_phq9(snapshot, AS_OF).latest_total == 20
    assert summarise_epds(snapshot, AS_OF, ScreeningOptions()).latest_total == 5
