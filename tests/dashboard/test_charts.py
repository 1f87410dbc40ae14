"""The dashboard's SVG bar charts: accessible, readable without colour, escaped, stable."""

import xml.etree.ElementTree as ET

import pytest

from dashboard.charts import PATTERNS, Bar, Segment, bar_chart_svg, stacked_bar_chart_svg

SEGMENTS = [Segment("important", "solid"), Segment("consider", "hatch"), Segment("info", "dots")]


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it is well-formed


def test_stacked_chart_is_an_image_whose_label_states_every_number():
    svg = stacked_bar_chart_svg(
        title="Open findings", bars=[Bar("Safety", [2, 0, 0]), Bar("Metabolic", [1, 4, 3])], segments=SEGMENTS
    )
    root = parse(svg)
    assert root.get("role") == "img"
    label = root.get("aria-label")
    assert label == "Open findings: Safety 2 (important 2); Metabolic 8 (important 1, consider 4, info 3)."
    assert root.find("{http://www.w3.org/2000/svg}title").text == label


def test_segments_differ_by_pattern_and_the_legend_names_them():
    svg = stacked_bar_chart_svg(title="t", bars=[Bar("Metabolic", [1, 4, 3])], segments=SEGMENTS)
    assert "<pattern" in svg
    fills = {rect.get("fill") for rect in parse(svg).iter("{http://www.w3.org/2000/svg}rect")}
    assert {PATTERNS["solid"][0]} <= fills
    assert any(fill.startswith("url(#bar-hatch-") for fill in fills)
    assert any(fill.startswith("url(#bar-dots-") for fill in fills)
    for name in ("important", "consider", "info"):
        assert f">{name}</text>" in svg


def test_each_bar_ends_in_its_total_as_text():
    svg = stacked_bar_chart_svg(title="t", bars=[Bar("Safety", [2, 1, 0])], segments=SEGMENTS)
    texts = [text.text for text in parse(svg).iter("{http://www.w3.org/2000/svg}text")]
    assert "Safety" in texts and "3" in texts


def test_user_text_is_escaped():
    svg = bar_chart_svg(title="<script>", bars=[("<b>&\x01", 1)])
    parse(svg)  # well-formed XML
    assert "<script>" not in svg and "<b>" not in svg


def test_empty_chart_says_so():
    svg = bar_chart_svg(title="Rules", bars=[])
    assert parse(svg).get("aria-label") == "Rules: nothing to show"


def test_same_data_gives_the_same_svg_and_different_data_different_ids():
    one = stacked_bar_chart_svg(title="t", bars=[Bar("a", [1, 2, 3])], segments=SEGMENTS)
    assert one == stacked_bar_chart_svg(title="t", bars=[Bar("a", [1, 2, 3])], segments=SEGMENTS)
    other = stacked_bar_chart_svg(title="t", bars=[Bar("a", [3, 2, 1])], segments=SEGMENTS)
    assert one.split('id="bar-hatch-')[1][:10] != other.split('id="bar-hatch-')[1][:10]


def test_counts_must_match_the_segments():
    with pytest.raises(ValueError, match="counts"):
        stacked_bar_chart_svg(title="t", bars=[Bar("a", [1])], segments=SEGMENTS)


def test_no_inline_style_attributes():
    svg = stacked_bar_chart_svg(title="t", bars=[Bar("a", [1, 2, 3])], segments=SEGMENTS)
    assert "style=" not in svg
