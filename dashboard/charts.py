"""Server-rendered SVG bar charts for the clinic dashboard, in the style of :mod:`screening.charts`.

Plain data in, a ``SafeString`` of SVG out: no models, no database, no JavaScript. Every bar carries its count
in words at its end and every segment is told apart by pattern and outline, never by colour alone, so the
charts read the same in grayscale and in print. The SVG has ``role="img"`` and an ``aria-label`` that states
every number. The charts restate the tables beside them; they summarise and do not interpret.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.safestring import SafeString

from screening.charts import (
    _UID,
    GRID,
    INK,
    MUTED,
    PAPER,
    SPAN_FILL,
    _clean,
    _e,
    _finish,
    _n,
    _svg_open,
    _text,
    _text_width,
    _truncate,
)

__all__ = ["PATTERNS", "Bar", "Segment", "bar_chart_svg", "stacked_bar_chart_svg"]

_FONT = 12.0
_FONT_SMALL = 11.0
_ROW_H = 24.0
_BAR_H = 14.0
_LABEL_W = 200.0
_COUNT_W = 56.0
_LEGEND_LINE = 18.0

#: Fills that stay distinct in grayscale: (fill attribute, <pattern> body or "" for a flat fill).
PATTERNS: dict[str, tuple[str, str]] = {
    "solid": (INK, ""),
    "hatch": (
        f"url(#bar-hatch-{_UID})",
        f'<pattern id="bar-hatch-{_UID}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{PAPER}"/>'
        f'<path d="M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5" stroke="{INK}" stroke-width="1.1"/></pattern>',
    ),
    "dots": (
        f"url(#bar-dots-{_UID})",
        f'<pattern id="bar-dots-{_UID}" patternUnits="userSpaceOnUse" width="5" height="5">'
        f'<rect width="5" height="5" fill="{PAPER}"/><circle cx="2.5" cy="2.5" r="1.1" fill="{INK}"/></pattern>',
    ),
    "cross": (
        f"url(#bar-cross-{_UID})",
        f'<pattern id="bar-cross-{_UID}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{PAPER}"/>'
        f'<path d="M0,3 L6,3 M3,0 L3,6" stroke="{INK}" stroke-width="0.9"/></pattern>',
    ),
    "grey": (SPAN_FILL, ""),
    "open": (PAPER, ""),
}


@dataclass(frozen=True)
class Segment:
    """One part of a stacked bar: its legend label and its pattern (a key of :data:`PATTERNS`)."""

    label: str
    pattern: str


@dataclass(frozen=True)
class Bar:
    """One row: a label and one count per segment, in the order of the chart's segments."""

    label: str
    counts: Sequence[int]

    @property
    def total(self) -> int:
        return sum(self.counts)


def bar_chart_svg(*, title: str, bars: Sequence[tuple[str, int]], width: int = 640) -> SafeString:
    """Horizontal bars, one per ``(label, count)``, each ending in its count."""
    return stacked_bar_chart_svg(
        title=title,
        bars=[Bar(label, (count,)) for label, count in bars],
        segments=[Segment("count", "grey")],
        width=width,
        legend=False,
    )


def stacked_bar_chart_svg(
    *,
    title: str,
    bars: Sequence[Bar],
    segments: Sequence[Segment],
    width: int = 640,
    legend: bool = True,
) -> SafeString:
    """Horizontal stacked bars: one row per :class:`Bar`, one patterned segment per :class:`Segment`.

    Bars share one scale (the largest total fills the plot width); the total is written after each bar and
    every count is in the ``aria-label``. Rows are drawn in the order given.
    """
    width = max(int(width), 320)
    clean_title = _clean(title).strip()
    if not bars:
        label = f"{clean_title}: nothing to show"
        return _finish(
            [
                _svg_open(width, 40, label, "chart chart-bars chart-empty", scalable=True),
                _text(width / 2, 24, "Nothing to show", size=_FONT, anchor="middle", fill=MUTED),
                "</svg>",
            ]
        )
    for bar in bars:
        if len(bar.counts) != len(segments):
            raise ValueError(f"bar {bar.label!r} has {len(bar.counts)} counts for {len(segments)} segments")

    plot_x0 = _LABEL_W
    plot_w = width - _LABEL_W - _COUNT_W - 8
    largest = max((bar.total for bar in bars), default=0) or 1
    top = 8.0
    body: list[str] = []
    used: set[str] = set()
    for index, bar in enumerate(bars):
        y = top + index * _ROW_H
        mid = y + _ROW_H / 2
        shown = _truncate(_clean(bar.label).strip() or "(unnamed)", _LABEL_W - 14, _FONT)
        body.append(_text(8, mid + 4, shown, size=_FONT))
        x = plot_x0
        for segment, count in zip(segments, bar.counts, strict=True):
            if count <= 0:
                continue
            used.add(segment.pattern)
            seg_w = count / largest * plot_w
            fill = PATTERNS[segment.pattern][0]
            body.append(
                f'<rect x="{_n(x)}" y="{_n(mid - _BAR_H / 2)}" width="{_n(max(seg_w, 1.5))}" height="{_n(_BAR_H)}"'
                f' fill="{fill}" stroke="{INK}" stroke-width="0.8"><title>{_e(_segment_text(bar, segment, count))}'
                "</title></rect>"
            )
            x += seg_w
        body.append(_text(x + 6, mid + 4, str(bar.total), size=_FONT, font_weight="bold"))
        body.append(f'<line x1="8" y1="{_n(y + _ROW_H)}" x2="{_n(width - 8)}" y2="{_n(y + _ROW_H)}" stroke="{GRID}"/>')
    rows_bottom = top + len(bars) * _ROW_H
    legend_svg, bottom = _legend(segments, used, rows_bottom + 6, width) if legend else ("", rows_bottom)
    height = bottom + 8
    defs = "".join(PATTERNS[key][1] for key in sorted(used) if PATTERNS[key][1])
    return _finish(
        [
            _svg_open(width, height, _summary(clean_title, bars, segments), "chart chart-bars", scalable=True),
            f"<defs>{defs}</defs>" if defs else "",
            f'<line x1="{_n(plot_x0)}" y1="{_n(top)}" x2="{_n(plot_x0)}" y2="{_n(rows_bottom)}" stroke="{INK}"/>',
            *body,
            legend_svg,
            "</svg>",
        ]
    )


def _segment_text(bar: Bar, segment: Segment, count: int) -> str:
    return f"{bar.label}: {count} {segment.label}"


def _summary(title: str, bars: Sequence[Bar], segments: Sequence[Segment]) -> str:
    parts = []
    for bar in bars:
        text = f"{_clean(bar.label).strip()} {bar.total}"
        if len(segments) > 1:
            detail = ", ".join(f"{seg.label} {count}" for seg, count in zip(segments, bar.counts, strict=True) if count)
            if detail:
                text += f" ({detail})"
        parts.append(text)
    return f"{title}: " + "; ".join(parts) + "."


def _legend(segments: Sequence[Segment], used: set[str], top: float, width: int) -> tuple[str, float]:
    entries = [segment for segment in segments if segment.pattern in used]
    if not entries:
        return "", top
    parts = ['<g class="legend">']
    x, y = 8.0, top + 12
    for segment in entries:
        entry_w = 22 + 6 + _text_width(segment.label, _FONT_SMALL)
        if x > 8 and x + entry_w > width - 8:
            x, y = 8.0, y + _LEGEND_LINE
        fill = PATTERNS[segment.pattern][0]
        parts.append(
            f'<g class="legend-entry" transform="translate({_n(x)},{_n(y)})">'
            f'<rect x="0" y="-9" width="22" height="11" fill="{fill}" stroke="{INK}" stroke-width="0.8"/>'
            + _text(28, 0, segment.label, size=_FONT_SMALL)
            + "</g>"
        )
        x += entry_w + 18
    parts.append("</g>")
    return "".join(parts), y + 6
