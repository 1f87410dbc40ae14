"""The SVG charts: well-formed, accessible, meaning carried by shape, pattern and words, escaped, deterministic.

Pure presentation code, so no database: every test builds plain data and parses the SVG with ElementTree.
"""

import io
import re
import xml.etree.ElementTree as ET
from datetime import date

import pytest

from screening.charts import TimelineSpan, TimelineTrial, lab_trend_svg, treatment_timeline_svg

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to prove it is well-formed


def with_class(root: ET.Element, css_class: str, tag: str = "*") -> list[ET.Element]:
    return [el for el in root.iter(tag) if css_class in el.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    return ["".join(el.itertext()) for el in root.iter(f"{SVG}text")]


def number_list(text: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", text)]


# --------------------------------------------------------------------------------------------------------------
# Lab trend sparkline
# --------------------------------------------------------------------------------------------------------------

HBA1C = [
    (date(2024, 3, 1), 5.4, None),
    (date(2024, 9, 1), 5.5, None),
    (date(2025, 4, 1), 5.6, None),
    (date(2026, 1, 10), 6.3, None),
    (date(2026, 10, 20), 6.1, None),
]


def hba1c_svg(points=HBA1C, **overrides):
    options = {"low": 4.0, "high": 5.6, "unit": "%", "title": "HbA1c"} | overrides
    return lab_trend_svg(points, **options)


def test_lab_trend_is_an_accessible_image():
    root = parse(hba1c_svg())

    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert root[0].text == root.get("aria-label")
    assert (root.get("width"), root.get("height"), root.get("viewBox")) == ("160", "40", "0 0 160 40")


def test_lab_trend_describes_the_results_in_words():
    label = parse(hba1c_svg()).get("aria-label")

    assert label == "HbA1c 5 results from 2024-03-01 to 2026-10-20, latest 6.1 %; 2 outside the reference range"


def test_lab_trend_draws_one_marker_per_result_and_emphasises_only_the_latest():
    root = parse(hba1c_svg())

    points = with_class(root, "point")
    assert len(points) == 5
    latest = with_class(root, "latest")
    assert len(latest) == 1
    assert "2026-10-20" in latest[0].find(f"{SVG}title").text


def test_results_outside_the_range_are_squares_and_the_rest_circles():
    root = parse(hba1c_svg())

    outside = with_class(root, "out-of-range")
    inside = with_class(root, "in-range")
    assert len(outside) == 2 and len(inside) == 3
    assert all(g.find(f"{SVG}rect") is not None for g in outside)
    assert all(g.find(f"{SVG}rect") is None and g.find(f"{SVG}circle") is not None for g in inside)


def test_reference_band_is_shaded_with_dashed_edges():
    root = parse(hba1c_svg())

    assert len(with_class(root, "reference-band", f"{SVG}rect")) == 1
    edges = with_class(root, "reference-edge", f"{SVG}line")
    assert len(edges) == 2
    assert all(edge.get("stroke-dasharray") for edge in edges)


def test_open_ended_range_draws_only_its_one_edge():
    root = parse(hba1c_svg(low=None, high=5.6))

    assert len(with_class(root, "reference-band")) == 1
    assert len(with_class(root, "reference-edge")) == 1


def test_no_reference_range_draws_no_band_and_says_so():
    root = parse(hba1c_svg(low=None, high=None))

    assert with_class(root, "reference-band") == []
    assert root.get("aria-label").endswith("; no reference range")
    assert with_class(root, "out-of-range") == []
    tooltips = [point.find(f"{SVG}title").text for point in with_class(root, "point")]
    assert tooltips and not any("reference range" in text for text in tooltips)


def test_a_point_within_a_range_says_so():
    root = parse(hba1c_svg(low=0, high=None))
    assert all(
        point.find(f"{SVG}title").text.endswith("not outside the reference range")
        for point in with_class(root, "point")
    )


def test_censored_results_are_open_markers_with_a_triangle_pointing_the_way():
    crp = [(date(2025, 1, 1), 0.5, "<"), (date(2025, 6, 1), 3.0, None), (date(2026, 1, 1), 200, ">")]
    root = parse(lab_trend_svg(crp, low=None, high=5, unit="mg/L", title="CRP"))

    censored = with_class(root, "censored")
    assert len(censored) == 2
    for group in censored:
        shape = group.find(f"{SVG}circle") if group.find(f"{SVG}rect") is None else group.find(f"{SVG}rect")
        assert shape.get("fill") == "#ffffff"
    below, above = censored
    below_arrow = with_class(below, "censor-arrow")[0]
    above_arrow = with_class(above, "censor-arrow")[0]
    # The triangle's tip (third vertex) is below its base for "<" and above it for ">".
    _x1, base_y, _x2, _y2, _tx, tip_y = number_list(below_arrow.get("d"))
    assert tip_y > base_y
    _x1, base_y, _x2, _y2, _tx, tip_y = number_list(above_arrow.get("d"))
    assert tip_y < base_y
    assert "latest >200 mg/L" in root.get("aria-label")
    assert "2 reported against a limit (< or >)" in root.get("aria-label")
    assert len(with_class(root, "point")) == 3


@pytest.mark.parametrize(
    ("comparator", "value", "low", "high", "outside"),
    [
        pytest.param("<", 0.5, None, 5, False, id="below-limit-with-only-an-upper-range-is-in-range"),
        pytest.param("<", 3, 5, 10, True, id="limit-below-the-lower-bound-is-outside"),
        pytest.param("<", 5, 5, 10, True, id="less-than-the-lower-bound-itself-is-outside"),
        pytest.param("<=", 5, 5, 10, False, id="at-most-the-lower-bound-could-be-in-range"),
        pytest.param("<", 12, None, 10, False, id="limit-above-the-upper-bound-is-undecided"),
        pytest.param(">", 10, 5, 10, True, id="more-than-the-upper-bound-is-outside"),
        pytest.param(">=", 10, 5, 10, False, id="at-least-the-upper-bound-could-be-in-range"),
        pytest.param(">", 3, 5, 10, False, id="limit-below-the-lower-bound-is-undecided"),
        pytest.param(None, 10, 5, 10, False, id="upper-bound-itself-is-in-range"),
        pytest.param(None, 10.01, 5, 10, True, id="just-above-the-upper-bound-is-outside"),
        pytest.param(None, 4.99, 5, 10, True, id="just-below-the-lower-bound-is-outside"),
    ],
)
def test_a_result_counts_as_outside_only_when_certainly_outside(comparator, value, low, high, outside):
    root = parse(lab_trend_svg([(date(2026, 1, 1), value, comparator)], low=low, high=high, unit="", title="X"))

    assert bool(with_class(root, "out-of-range")) is outside


def test_censored_latest_marker_stays_inside_the_canvas():
    points = [(date(2025, 1, 1), 3.0, None), (date(2026, 1, 1), 0.4, "<")]
    root = parse(lab_trend_svg(points, low=None, high=5, unit="mg/L", title="CRP"))

    (arrow,) = with_class(root, "censor-arrow")
    ys = number_list(arrow.get("d"))[1::2]
    assert min(ys) >= 0 and max(ys) <= 40


def test_one_result_is_drawn_centred_without_a_line():
    root = parse(lab_trend_svg([(date(2026, 3, 1), 42, None)], low=75, high=250, unit="nmol/L", title="Vitamin D"))

    assert root.get("aria-label") == (
        "Vitamin D 1 result on 2026-03-01, latest 42 nmol/L; 1 outside the reference range"
    )
    assert len(with_class(root, "point")) == 1
    assert root.find(f"{SVG}polyline") is None
    (square,) = with_class(root, "latest")[0].iter(f"{SVG}rect")
    assert float(square.get("x")) + float(square.get("width")) / 2 == pytest.approx(80, abs=0.01)


def test_identical_values_and_no_bounds_still_give_finite_coordinates():
    points = [(date(2025, 3, 1), 14, None), (date(2026, 3, 1), 14, None), (date(2026, 3, 1), 14, None)]
    svg = str(lab_trend_svg(points, low=None, high=None, unit="µmol/L", title="Homocysteine"))
    root = parse(svg)

    assert "nan" not in svg.lower() and "inf" not in svg.lower()
    assert len(with_class(root, "point")) == 3
    assert "3 results from 2025-03-01 to 2026-03-01" in root.get("aria-label")


def test_no_results_gives_a_small_chart_that_says_so():
    root = parse(lab_trend_svg([], low=1, high=2, unit="µg/L", title="Folate"))

    assert root.get("aria-label") == "Folate: no results"
    assert texts(root) == ["No results"]


def test_non_finite_values_are_left_out():
    points = [(date(2025, 1, 1), float("nan"), None), (date(2026, 1, 1), 2.0, None)]
    root = parse(lab_trend_svg(points, low=0.4, high=4, unit="mIU/L", title="TSH"))

    assert len(with_class(root, "point")) == 1


def test_lab_title_is_escaped():
    svg = str(hba1c_svg(title='<script>alert("x")</script>'))
    root = parse(svg)

    assert "<script>" not in svg
    assert root.get("aria-label").startswith('<script>alert("x")</script> 5 results')


def test_lab_trend_output_is_deterministic():
    assert str(hba1c_svg()) == str(hba1c_svg())
    assert str(hba1c_svg(points=list(reversed(HBA1C)))) == str(hba1c_svg())


# --------------------------------------------------------------------------------------------------------------
# Treatment timeline
# --------------------------------------------------------------------------------------------------------------

START, END = date(2023, 10, 1), date(2026, 5, 15)
TODAY = date(2026, 5, 1)

TRIALS = [
    TimelineTrial(
        "Sertraline",
        [(date(2023, 11, 10), date(2024, 1, 5), 50), (date(2024, 1, 5), date(2024, 6, 1), 100)],
        adequate=True,
        failed=True,
        minimum_mg=50,
    ),
    TimelineTrial(
        "Escitalopram",
        [(date(2024, 6, 10), date(2024, 7, 1), 5), (date(2024, 7, 1), date(2024, 9, 15), 10)],
        adequate=False,
        failed=True,
        minimum_mg=10,
    ),
    TimelineTrial(
        "Venlafaxine XR",
        [(date(2024, 9, 20), date(2024, 12, 15), 75), (date(2024, 12, 15), date(2025, 3, 30), 225)],
        adequate=True,
        failed=True,
        minimum_mg=150,
    ),
    TimelineTrial("Mirtazapine", [(date(2025, 4, 5), date(2025, 8, 1), 30)], adequate=True, failed=True),
    TimelineTrial(
        "Bupropion XL", [(date(2025, 8, 10), date(2026, 2, 1), 300)], adequate=True, failed=True, minimum_mg=150
    ),
    TimelineTrial(
        "Vortioxetine",
        [(date(2026, 2, 10), date(2026, 3, 10), 10), (date(2026, 3, 10), None, 20)],
        adequate=False,
        failed=False,
        minimum_mg=10,
    ),
]
SPANS = [
    TimelineSpan("Lithium augmentation", date(2025, 1, 10), date(2025, 3, 30), "augmentation"),
    TimelineSpan("Esketamine nasal spray", date(2026, 3, 1), None, "esketamine"),
]
SCORES = [
    (date(2023, 11, 1), 19, True),
    (date(2024, 1, 2), 21, True),
    (date(2024, 6, 1), 16, False),
    (date(2025, 1, 5), 11, False),
    (date(2026, 4, 20), 9, False),
]


def timeline(**overrides):
    options = {
        "trials": TRIALS,
        "treatments": SPANS,
        "scores": SCORES,
        "start": START,
        "end": END,
        "today": TODAY,
    } | overrides
    return treatment_timeline_svg(**options)


def view_box(root: ET.Element) -> list[float]:
    return [float(n) for n in root.get("viewBox").split()]


def test_timeline_is_an_accessible_image_with_a_summary():
    root = parse(timeline())

    assert root.get("role") == "img"
    assert root[0].tag == f"{SVG}title"
    assert root.get("aria-label") == (
        "Treatment timeline from 2023-10-01 to 2026-05-15: 6 antidepressant trials (4 adequate, 5 failed),"
        " 2 other treatments; 5 PHQ-9 scores, latest 9 (mild) on 2026-04-20;"
        " item 9 (self-harm) endorsed at 2 visits."
    )
    description = root.find(f"{SVG}desc").text
    assert "Sertraline: 50 mg/day from 2023-11-10 to 2024-01-05; 100 mg/day from 2024-01-05 to 2024-06-01" in (
        description
    )
    assert "Vortioxetine: 10 mg/day from 2026-02-10 to 2026-03-10; 20 mg/day from 2026-03-10 to ongoing" in (
        description
    )


def test_timeline_draws_one_row_per_trial_and_per_other_treatment():
    root = parse(timeline())

    rows = with_class(root, "trial-row")
    assert [row.find(f"{SVG}title").text for row in rows] == [t.label for t in TRIALS]
    assert len(with_class(root, "treatment-row")) == 2
    assert [el.text for el in with_class(root, "treatment-kind")] == ["augmentation", "esketamine"]


def test_bar_height_scales_with_dose_within_the_row():
    root = parse(timeline())

    sertraline = with_class(root, "trial-row")[0]
    low_dose, full_dose = (float(bar.get("height")) for bar in with_class(sertraline, "dose-bar"))
    assert full_dose > low_dose
    # Both bars stand on the same baseline.
    bottoms = {float(bar.get("y")) + float(bar.get("height")) for bar in with_class(sertraline, "dose-bar")}
    assert len(bottoms) == 1


def test_dose_labels_appear_on_bars_wide_enough_for_them():
    wide = TimelineTrial("Sertraline", [(date(2024, 1, 1), date(2024, 7, 1), 100)], adequate=True, failed=False)
    narrow = TimelineTrial("Sertraline", [(date(2024, 1, 1), date(2024, 1, 4), 100)], adequate=True, failed=False)

    wide_labels = [el.text for el in with_class(parse(timeline(trials=[wide])), "dose-label")]
    narrow_labels = [el.text for el in with_class(parse(timeline(trials=[narrow])), "dose-label")]
    assert wide_labels == ["100 mg"]
    assert narrow_labels == []


def test_each_trial_row_ends_in_words_not_colour():
    root = parse(timeline())

    verdicts = [el.text for el in with_class(root, "trial-status")]
    assert verdicts == ["✓ adequate", "✗ not adequate", "✓ adequate", "✓ adequate", "✓ adequate", "✗ not adequate"]
    assert len(with_class(root, "trial-failed")) == 5
    vortioxetine = with_class(root, "trial-row")[-1]
    assert with_class(vortioxetine, "trial-failed") == []


def test_periods_below_the_minimum_adequate_dose_are_hatched_and_explained():
    root = parse(timeline())

    (pattern,) = root.iter(f"{SVG}pattern")
    hatch_fill = f"url(#{pattern.get('id')})"
    under = with_class(root, "under-dose", f"{SVG}rect")
    # Escitalopram 5 mg (min 10), Venlafaxine 75 mg (min 150); Sertraline 50 mg is at its minimum.
    assert [bar.find(f"{SVG}title").text.split(":")[0] for bar in under] == ["Escitalopram", "Venlafaxine XR"]
    assert all(bar.get("fill") == hatch_fill for bar in under)
    adequate_bars = [bar for bar in with_class(root, "dose-bar") if "under-dose" not in bar.get("class")]
    assert all(bar.get("fill") != hatch_fill for bar in adequate_bars)
    assert "below the minimum adequate dose" in texts(root)


def test_without_a_minimum_dose_nothing_is_hatched():
    trial = TimelineTrial("Mirtazapine", [(date(2025, 4, 5), date(2025, 8, 1), 7.5)], adequate=False, failed=False)
    root = parse(timeline(trials=[trial]))

    assert with_class(root, "under-dose") == []
    assert "below the minimum adequate dose" not in texts(root)


def test_a_malicious_drug_name_comes_out_inert():
    evil = TimelineTrial(
        '<script>alert("x")</script>\x07',
        [(date(2024, 1, 1), date(2024, 6, 1), 20)],
        adequate=True,
        failed=False,
    )
    span = TimelineSpan("<img src=x onerror=alert(1)>", date(2024, 2, 1), None, "<b>ect</b>")
    svg = str(timeline(trials=[evil], treatments=[span]))
    root = parse(svg)

    assert "<script" not in svg and "<img" not in svg and "<b>" not in svg
    assert "\x07" not in svg
    assert with_class(root, "trial-row")[0].find(f"{SVG}title").text == '<script>alert("x")</script>'
    assert "&lt;script&gt;" in svg


def test_no_treatments_and_no_scores_gives_a_small_chart_that_says_so():
    root = parse(treatment_timeline_svg(trials=[], treatments=[], scores=[], start=START, end=END))

    assert texts(root) == ["No treatments recorded"]
    assert root.get("aria-label") == "No treatments recorded"
    assert view_box(root)[3] == 40


def test_scores_without_treatments_still_show_the_phq9_line():
    root = parse(timeline(trials=[], treatments=[]))

    assert "No treatments recorded" in texts(root)
    assert len(with_class(root, "phq9-point")) == 5


def test_a_one_period_trial_and_a_single_score_are_drawn():
    trial = TimelineTrial("Sertraline", [(date(2025, 1, 1), date(2025, 3, 1), 50)], adequate=False, failed=False)
    root = parse(timeline(trials=[trial], treatments=[], scores=[(date(2025, 2, 1), 12, False)]))

    assert len(with_class(root, "dose-bar")) == 1
    assert len(with_class(root, "phq9-point")) == 1
    assert root.find(f".//{SVG}g[@class='phq9']/{SVG}polyline") is None


def test_item9_visits_get_a_distinct_marker_an_exclamation_mark_and_a_legend():
    root = parse(timeline())

    flagged = with_class(root, "item9")
    assert len(flagged) == 2
    assert all(g.find(f"{SVG}circle") is None and g.find(f"{SVG}path") is not None for g in flagged)
    assert [el.text for el in with_class(root, "item9-flag")] == ["!", "!"]
    assert "item 9 (self-harm) endorsed" in texts(root)
    assert len(with_class(root, "phq9-point")) == 5


def test_phq9_band_edges_are_dashed_guides_with_band_names():
    root = parse(timeline())

    edges = with_class(root, "band-edge")
    assert len(edges) == 4
    assert all(edge.get("stroke-dasharray") for edge in edges)
    assert [el.text for el in with_class(root, "band")] == [
        "minimal",
        "mild",
        "moderate",
        "moderately severe",
        "severe",
    ]


def tick_labels(root: ET.Element) -> list[str]:
    return [el.text for el in with_class(root, "tick-label")]


def test_spans_under_two_years_are_ticked_by_month():
    root = parse(timeline(start=date(2025, 1, 1), end=date(2026, 2, 1), today=None))

    labels = tick_labels(root)
    assert labels[:3] == ["Jan", "2025", "Feb"]
    assert {"Jun", "Dec", "2026"} <= set(labels)


def test_spans_of_two_years_or_more_are_ticked_by_year():
    labels = tick_labels(parse(timeline()))

    assert labels == ["2024", "2025", "2026"]


def test_a_span_with_no_month_start_labels_its_ends():
    labels = tick_labels(parse(timeline(start=date(2026, 3, 3), end=date(2026, 3, 20), today=None)))

    assert labels == ["2026-03-03", "2026-03-20"]


def test_today_is_marked_and_ongoing_courses_run_to_it():
    root = parse(timeline())

    (today,) = with_class(root, "today")
    today_x = float(today.find(f"{SVG}line").get("x1"))
    assert "today" in texts(today)
    ongoing_bar = with_class(with_class(root, "trial-row")[-1], "dose-bar")[-1]
    assert float(ongoing_bar.get("x")) + float(ongoing_bar.get("width")) == pytest.approx(today_x, abs=0.02)
    assert len(with_class(root, "ongoing")) >= 2  # Vortioxetine and esketamine
    assert "ongoing" in texts(root)


def test_no_today_line_when_today_is_outside_the_chart():
    root = parse(timeline(today=date(2030, 1, 1)))

    assert with_class(root, "today") == []


def test_courses_outside_the_window_are_clipped_to_the_plot():
    early = TimelineTrial(
        "Fluoxetine",
        [(date(2020, 1, 1), date(2021, 1, 1), 20), (date(2023, 1, 1), date(2024, 1, 1), 40)],
        adequate=True,
        failed=True,
    )
    root = parse(timeline(trials=[early]))

    bars = with_class(root, "dose-bar")
    assert len(bars) == 1  # the 2020 period is wholly before the window
    plot_left = min(float(line.get("x1")) for line in with_class(root, "time-axis"))
    assert float(bars[0].get("x")) == pytest.approx(plot_left)


def test_height_grows_with_the_number_of_rows():
    few = view_box(parse(timeline(trials=TRIALS[:2], treatments=[])))[3]
    many = view_box(parse(timeline()))[3]

    assert many > few


def test_end_before_start_is_refused():
    with pytest.raises(ValueError, match="end must not be before start"):
        timeline(start=END, end=START)


def test_timeline_output_is_deterministic_and_ids_differ_between_charts():
    first, second = str(timeline()), str(timeline())
    other = parse(timeline(trials=TRIALS[:2]))

    assert first == second
    (pattern,) = parse(first).iter(f"{SVG}pattern")
    (other_pattern,) = other.iter(f"{SVG}pattern")
    assert pattern.get("id") != other_pattern.get("id")


def test_charts_render_inside_a_weasyprint_pdf_with_their_words():
    weasyprint = pytest.importorskip("weasyprint")
    pypdf = pytest.importorskip("pypdf")
    html = f"<html><body>{timeline()}<p>{hba1c_svg()}</p></body></html>"

    pdf = weasyprint.HTML(string=html).write_pdf()

    text = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for words in ("Sertraline", "✓ adequate", "✗ not adequate", "failed", "today", "2025", "moderately severe"):
        assert words in text
    assert "item 9 (self-harm) endorsed" in text
