"""Server-rendered SVG charts for the patient overview and the printed summary.

Pure presentation: plain data in, a ``SafeString`` of SVG out. No models, no database, no clock, no JavaScript.
The charts are drawn for paper as much as for the screen, so:

- every distinction is made by shape, pattern or words, never by colour alone, and all of it survives grayscale;
- only SVG features that both browsers and WeasyPrint's own SVG renderer draw are used (presentation attributes,
  no CSS classes for styling, no ``<marker>``, no ``patternTransform``, no ``dominant-baseline``);
- the output is a pure function of the input (same data, byte-identical SVG), so the printed summary is stable;
- user text (drug names, labels) is escaped and stripped of characters that are not allowed in XML.

The charts restate data that the page also shows as text; they summarise, they do not interpret. The PHQ-9 band
names are the published severity bands (Kroenke 2001), shown for orientation, not as a diagnosis.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

__all__ = ["TimelineSpan", "TimelineTrial", "lab_trend_svg", "treatment_timeline_svg"]

# Generic families last: browsers use the platform UI font, WeasyPrint falls through to what fontconfig has.
FONT_STACK = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', sans-serif"

INK = "#1a1a1a"  # strokes, markers, main text
MUTED = "#555555"  # secondary text; 7:1 contrast on white
GUIDE = "#8c8c8c"  # dashed guide lines
GRID = "#e2e2e2"  # gridlines and row rules
BAND_FILL = "#e9e9e9"  # lab reference band
DOSE_FILL = "#9db0c6"  # a muted blue-grey: mid-grey in print; hatch (not colour) marks under-dose periods
SPAN_FILL = "#dcdcdc"
PAPER = "#ffffff"

# Characters that XML 1.0 forbids even as references; free text could carry them (pasted from other systems).
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# Marks the places where the chart's own id goes; user text cannot contain it because _clean strips NUL.
_UID = "\x00uid\x00"


# --------------------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------------------


def _clean(text: object) -> str:
    return _XML_INVALID.sub("", str(text))


def _e(text: object) -> str:
    """Escape text for an XML text node or a double-quoted attribute."""
    return str(escape(_clean(text)))


def _n(x: float) -> str:
    """A coordinate with at most two decimals and no trailing zeros, so output is short and stable."""
    s = f"{x:.2f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def _fmt_value(value: float) -> str:
    """A measured value or dose as a clinician would write it: 6.1, 0.87, 100, 37.5, 0.012."""
    small = value != 0 and abs(value) < 0.1
    s = f"{value:.3g}" if small else f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _with_unit(text: str, unit: str) -> str:
    return f"{text} {unit}" if unit else text


def _as_date(value: date) -> date:
    return value.date() if isinstance(value, datetime) else value


def _plural(count: int, singular: str, plural: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


_NARROW = frozenset("fijlrtI.,:;!|'()[]/ ")
_WIDE = frozenset("mwMW@%")  # ~1 em in DejaVu Sans
_SYMBOLS = frozenset("<>=+~#")


def _text_width(text: str, size: float, *, bold: bool = False) -> float:
    """A deliberately generous estimate of rendered text width (DejaVu Sans is among the widest fallbacks)."""
    units = 0.0
    for ch in text:
        if ch in _NARROW:
            units += 0.34
        elif ch in _WIDE:
            units += 1.0
        elif ch in _SYMBOLS:
            units += 0.84
        elif ch.isupper() or ch.isdigit():
            units += 0.66
        else:
            units += 0.6
    return units * size * (1.12 if bold else 1.0)


def _truncate(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    if _text_width(text, size, bold=bold) <= max_width:
        return text
    while text and _text_width(text + "…", size, bold=bold) > max_width:
        text = text[:-1]
    return text.rstrip() + "…"


def _text(
    x: float, y: float, content: str, *, size: float, anchor: str = "start", css_class: str = "", **attrs: str
) -> str:
    """A text element; ``content`` is escaped, ``attrs`` are our own constants (font_weight -> font-weight)."""
    extra = "".join(f' {name.replace("_", "-")}="{value}"' for name, value in attrs.items())
    if anchor != "start":
        extra = f' text-anchor="{anchor}"' + extra
    if css_class:
        extra = f' class="{css_class}"' + extra
    return f'<text x="{_n(x)}" y="{_n(y)}" font-size="{_n(size)}"{extra}>{_e(content)}</text>'


def _svg_open(width: float, height: float, label: str, css_class: str, *, scalable: bool) -> str:
    if scalable:
        # Shrinks to the column (or the printed page) and never grows past its design width: the class
        # carries "max-width: 100%; height: auto" (static/css/app.css, static/css/print.css), which keeps the
        # proportions of the viewBox. No style attribute: the Content Security Policy refuses inline styles.
        css_class = f"{css_class} chart-scalable"
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_n(width)}" height="{_n(height)}"'
        f' viewBox="0 0 {_n(width)} {_n(height)}"'
        f' role="img" aria-label="{_e(label)}" class="{css_class}" font-family="{FONT_STACK}" fill="{INK}">'
        f"<title>{_e(label)}</title>"
    )


def _finish(parts: list[str]) -> SafeString:
    svg = "".join(parts)
    if _UID in svg:
        # Ids are document-wide when SVG is inlined in HTML: derive them from the content so two different
        # charts on one page never share a pattern id, and the same chart always gets the same one.
        uid = hashlib.sha256(svg.encode()).hexdigest()[:10]
        svg = svg.replace(_UID, uid)
    return mark_safe(svg)  # noqa: S308 - every piece of user text above went through _e()


# --------------------------------------------------------------------------------------------------------------
# Lab trend sparkline
# --------------------------------------------------------------------------------------------------------------

_COMPARATORS = {"<": "<", "<=": "<=", "≤": "<=", ">": ">", ">=": ">=", "≥": ">="}


def _certainly_outside(value: float, comparator: str | None, low: float | None, high: float | None) -> bool:
    """Whether a result is certainly outside the reference range.

    A censored result ("<0.5") only counts as outside when the reporting limit itself puts it outside
    (for example "<3" against a lower limit of 5); "<10" against an upper limit of 5 could be either, so it
    is not counted. The chart never claims more than the report says.
    """
    if comparator in ("<", "<="):
        if low is None:
            return False
        return value <= low if comparator == "<" else value < low
    if comparator in (">", ">="):
        if high is None:
            return False
        return value >= high if comparator == ">" else value > high
    return (low is not None and value < low) or (high is not None and value > high)


@dataclass(frozen=True)
class _LabPoint:
    on: date
    value: float
    comparator: str | None  # normalised: "<", "<=", ">", ">=", another reported string, or None
    outside: bool

    @property
    def censored(self) -> bool:
        return self.comparator is not None

    def display(self, unit: str) -> str:
        prefix = self.comparator or ""
        return _with_unit(f"{prefix}{_fmt_value(self.value)}", unit)


def _lab_points(
    points: Sequence[tuple[date, float, str | None]], low: float | None, high: float | None
) -> list[_LabPoint]:
    cleaned = []
    for on, value, comparator in points:
        number = float(value)
        if not math.isfinite(number):
            continue
        comp = (comparator or "").strip() or None
        comp = _COMPARATORS.get(comp, comp) if comp else None
        cleaned.append(_LabPoint(_as_date(on), number, comp, _certainly_outside(number, comp, low, high)))
    return sorted(cleaned, key=lambda p: p.on)  # stable: same-day results keep the caller's order


def lab_trend_svg(
    points: Sequence[tuple[date, float, str | None]],
    *,
    low: float | None,
    high: float | None,
    unit: str,
    title: str,
    width: int = 160,
    height: int = 40,
) -> SafeString:
    """A sparkline of one analyte's results, in the analyte's canonical unit.

    ``points`` are ``(date, value, comparator)``; comparator is "<", "<=", ">", ">=" (or None) for results
    reported against a limit. Drawing:

    - the reference range (``low``/``high``, either may be None) is a light band with dashed edges;
      an open-ended range shades to the edge of the chart;
    - results in range are filled circles, results outside are filled squares (shape, not colour);
    - censored results are open markers with a small triangle pointing the way the true value lies;
    - the latest result is drawn larger with a ring around it.

    Caveat: the band is the reference range passed in (usually the lab's or the clinical reference's); a value
    inside it is not "normal" for every patient, and a censored value is only called outside when its limit is.
    """
    if low is not None and high is not None and low > high:
        low, high = high, low
    pts = _lab_points(points, low, high)
    width = max(int(width), 40)
    height = max(int(height), 20)
    clean_title = _clean(title).strip()

    if not pts:
        label = f"{clean_title}: no results"
        return _finish(
            [
                _svg_open(width, height, label, "chart chart-lab-trend", scalable=False),
                _text(width / 2, height / 2 + 4, "No results", size=10, anchor="middle", fill=MUTED),
                "</svg>",
            ]
        )

    latest = pts[-1]
    outside = sum(p.outside for p in pts)
    censored = sum(p.censored for p in pts)
    if len(pts) == 1:
        summary = f"{clean_title} 1 result on {latest.on.isoformat()}, latest {latest.display(unit)}"
    else:
        summary = (
            f"{clean_title} {len(pts)} results from {pts[0].on.isoformat()} to {latest.on.isoformat()},"
            f" latest {latest.display(unit)}"
        )
    if low is None and high is None:
        summary += "; no reference range"
    elif outside:
        summary += f"; {outside} outside the reference range"
    else:
        summary += "; none outside the reference range"
    if censored:
        summary += f"; {censored} reported against a limit (< or >)"
    summary = summary.strip()

    # Geometry. Vertical padding leaves room for the latest point's ring and for censoring triangles.
    pad_x = 6.0
    pad_top = max([6.5] + [_marker_reach(p, p is latest) for p in pts if p.comparator in (">", ">=")])
    pad_bottom = max([6.5] + [_marker_reach(p, p is latest) for p in pts if p.comparator in ("<", "<=")])
    x0, x1 = pad_x, width - pad_x
    y_top, y_bottom = pad_top, height - pad_bottom
    domain = [p.value for p in pts] + [b for b in (low, high) if b is not None]
    v_min, v_max = min(domain), max(domain)
    if v_max - v_min <= 1e-9 * max(1.0, abs(v_max)):
        half = abs(v_max) * 0.1 or 1.0
        v_min, v_max = v_min - half, v_max + half

    def sy(value: float) -> float:
        return y_bottom - (value - v_min) / (v_max - v_min) * (y_bottom - y_top)

    span_days = (latest.on - pts[0].on).days

    def sx(on: date) -> float:
        if span_days == 0:
            return (x0 + x1) / 2
        return x0 + (on - pts[0].on).days / span_days * (x1 - x0)

    parts = [_svg_open(width, height, summary, "chart chart-lab-trend", scalable=False)]

    if low is not None or high is not None:
        band_top = sy(high) if high is not None else 0.0
        band_bottom = sy(low) if low is not None else float(height)
        parts.append(
            f'<rect class="reference-band" x="0" y="{_n(band_top)}" width="{_n(width)}"'
            f' height="{_n(max(band_bottom - band_top, 0.5))}" fill="{BAND_FILL}" stroke="none"/>'
        )
        for bound in (high, low):
            if bound is not None:
                y = _n(sy(bound))
                parts.append(
                    f'<line class="reference-edge" x1="0" y1="{y}" x2="{_n(width)}" y2="{y}"'
                    f' stroke="{GUIDE}" stroke-width="0.8" stroke-dasharray="2 2"/>'
                )

    if len(pts) > 1:
        coords = " ".join(f"{_n(sx(p.on))},{_n(sy(p.value))}" for p in pts)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{MUTED}" stroke-width="1"'
            ' stroke-linejoin="round" stroke-linecap="round"/>'
        )

    has_range = low is not None or high is not None
    for index, point in enumerate(pts):
        is_latest = index == len(pts) - 1
        marker = _lab_marker(point, sx(point.on), sy(point.value), is_latest=is_latest, unit=unit, has_range=has_range)
        parts.append(marker)

    parts.append("</svg>")
    return _finish(parts)


_MARKER_R = 2.4  # circle radius; squares have side 2 * _MARKER_R * 0.96, so they look the same size
_LATEST_SCALE = 1.4
_RING_GAP = 2.0
_ARROW_GAP, _ARROW_LEN = 1.0, 3.2


def _marker_reach(point: _LabPoint, is_latest: bool) -> float:
    """How far a marker (with ring and censoring triangle) reaches from its centre, vertically."""
    reach = _MARKER_R * (_LATEST_SCALE if is_latest else 1.0) + (_RING_GAP if is_latest else 0.0)
    if point.comparator in ("<", "<=", ">", ">="):
        reach += _ARROW_GAP + _ARROW_LEN
    return reach + 0.8  # half a stroke and a hair of air


def _lab_marker(point: _LabPoint, cx: float, cy: float, *, is_latest: bool, unit: str, has_range: bool) -> str:
    scale = _LATEST_SCALE if is_latest else 1.0
    fill = PAPER if point.censored else INK
    classes = ["point", "out-of-range" if point.outside else "in-range"]
    if point.censored:
        classes.append("censored")
    if is_latest:
        classes.append("latest")
    tooltip = f"{point.on.isoformat()}: {point.display(unit)}"
    if point.outside:
        tooltip += ", outside the reference range"
    elif has_range:
        tooltip += ", not outside the reference range"  # a censored value may not be known to be within it

    shapes = []
    if point.outside:
        side = 2 * _MARKER_R * 0.96 * scale
        shapes.append(
            f'<rect x="{_n(cx - side / 2)}" y="{_n(cy - side / 2)}" width="{_n(side)}" height="{_n(side)}"'
            f' fill="{fill}" stroke="{INK}" stroke-width="1"/>'
        )
        reach = side / 2
    else:
        radius = _MARKER_R * scale
        shapes.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(radius)}" fill="{fill}" stroke="{INK}" stroke-width="1"/>'
        )
        reach = radius
    if is_latest:
        shapes.append(
            f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="{_n(reach + _RING_GAP)}" fill="none" stroke="{INK}"'
            ' stroke-width="0.75"/>'
        )
        reach += _RING_GAP
    if point.comparator in ("<", "<=", ">", ">="):
        # The true value lies beyond the reporting limit: a small triangle points that way.
        down = point.comparator.startswith("<")
        base = cy + reach + _ARROW_GAP if down else cy - reach - _ARROW_GAP
        tip = base + _ARROW_LEN if down else base - _ARROW_LEN
        shapes.append(
            f'<path class="censor-arrow" d="M{_n(cx - 2.4)},{_n(base)} L{_n(cx + 2.4)},{_n(base)}'
            f' L{_n(cx)},{_n(tip)} Z" fill="{INK}" stroke="none"/>'
        )
    return f'<g class="{" ".join(classes)}"><title>{_e(tooltip)}</title>{"".join(shapes)}</g>'


# --------------------------------------------------------------------------------------------------------------
# Treatment timeline (drug-o-gram) with PHQ-9 below
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineTrial:
    """One antidepressant trial as one row: dose periods, and the adequacy verdict already decided elsewhere.

    ``periods`` are ``(start, end, daily_mg)``; ``end`` None means ongoing. ``minimum_mg`` is the minimum
    adequate daily dose for the drug, or None when the reference gives none (then nothing is hatched).
    """

    label: str
    periods: Sequence[tuple[date, date | None, float]]
    adequate: bool
    failed: bool
    minimum_mg: float | None = None


@dataclass(frozen=True)
class TimelineSpan:
    """A non-antidepressant treatment course drawn as its own row (augmentation, ECT, rTMS, esketamine, ketamine)."""

    label: str
    start: date
    end: date | None
    kind: str


SPAN_KIND_LABELS = {
    "augmentation": "augmentation",
    "ect": "ECT",
    "rtms": "rTMS",
    "esketamine": "esketamine",
    "ketamine": "ketamine",
}

# PHQ-9 total score bands (Kroenke, Spitzer & Williams 2001): lower edge, upper edge, name.
PHQ9_BANDS = (
    (0, 4, "minimal"),
    (5, 9, "mild"),
    (10, 14, "moderate"),
    (15, 19, "moderately severe"),
    (20, 27, "severe"),
)
PHQ9_MAX = 27

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

# Layout, in user units (CSS px at the default width of 900).
_MIN_WIDTH = 480
_LABEL_W = 186  # drug names: "Esketamine nasal spray" fits in bold
_STATUS_W = 136  # "✓ adequate" / "failed", span kinds, PHQ-9 band names
_TOP = 26  # "today" label and section heading
_ROW_H = 38  # trial rows: name and minimum dose on two lines, verdict and "failed" on two lines
_SPAN_ROW_H = 32  # other treatments: one line
_BAR_MAX = 16
_BAR_MIN = 4
_SECTION_H = 22
_PHQ_H = 150
_AXIS_H = 36
_LEGEND_LINE = 20
_FONT = 12.5
_FONT_SMALL = 11
_FONT_AXIS = 11


def _phq9_band(score: int) -> str:
    for lower, upper, name in PHQ9_BANDS:
        if lower <= score <= upper:
            return name
    return "out of range"


@dataclass(frozen=True)
class _Tick:
    x: float
    major: bool
    label: str = ""
    sublabel: str = ""


def _month_starts(start: date, end: date, every: int = 1) -> list[date]:
    year, month = start.year, start.month
    if start.day != 1:
        month += 1
        if month > 12:
            year, month = year + 1, 1
    result = []
    while date(year, month, 1) <= end:
        if (month - 1) % every == 0:
            result.append(date(year, month, 1))
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return result


def _time_ticks(start: date, end: date, sx: Callable[[date], float], plot_w: float) -> list[_Tick]:
    """Month ticks for spans under two years, year ticks otherwise; labels thinned so they never collide."""
    days = max((end - start).days, 1)
    ticks: list[_Tick] = []
    if days < 730:
        px_per_month = plot_w / (days / 30.44)
        step = next((s for s in (1, 2, 3, 6) if s * px_per_month >= 30), 12)
        first_year_labelled = False
        for month_start in _month_starts(start, end):
            labelled = (month_start.month - 1) % step == 0
            sublabel = ""
            if labelled and (month_start.month == 1 or not first_year_labelled):
                sublabel = str(month_start.year)
                first_year_labelled = True
            ticks.append(_Tick(sx(month_start), labelled, _MONTHS[month_start.month - 1] if labelled else "", sublabel))
    else:
        px_per_year = plot_w / (days / 365.25)
        step = next((s for s in (1, 2, 5, 10, 20, 50) if s * px_per_year >= 44), 100)
        quarter_marks = px_per_year / 4 >= 8
        for quarter_start in _month_starts(start, end, every=3):
            if quarter_start.month == 1:
                labelled = quarter_start.year % step == 0
                ticks.append(_Tick(sx(quarter_start), labelled, str(quarter_start.year) if labelled else ""))
            elif quarter_marks:
                ticks.append(_Tick(sx(quarter_start), False))
    if not any(t.label for t in ticks):
        # Too short a span for a labelled tick: name the ends instead.
        ticks.append(_Tick(sx(start), True, start.isoformat()))
        ticks.append(_Tick(sx(end), True, end.isoformat()))
    return ticks


def _chevron(x: float, y_mid: float, half: float) -> str:
    """A small right-pointing triangle after a bar: the course is ongoing."""
    return (
        f'<path class="ongoing" d="M{_n(x + 1)},{_n(y_mid - half)} L{_n(x + 1 + half * 1.2)},{_n(y_mid)}'
        f' L{_n(x + 1)},{_n(y_mid + half)} Z" fill="{INK}" stroke="none"/>'
    )


def _swatch_bar(x: float, y: float, fill: str) -> str:
    return f'<rect x="{_n(x)}" y="{_n(y - 9)}" width="22" height="11" fill="{fill}" stroke="{INK}" stroke-width="0.8"/>'


def _item9_marker(cx: float, cy: float, *, size: float = 5.5) -> str:
    return (
        f'<path d="M{_n(cx)},{_n(cy - size)} L{_n(cx + size)},{_n(cy + size * 0.8)}'
        f' L{_n(cx - size)},{_n(cy + size * 0.8)} Z" fill="{INK}" stroke="{PAPER}" stroke-width="1"/>'
    )


def _empty_timeline(width: int) -> SafeString:
    message = "No treatments recorded"
    return _finish(
        [
            _svg_open(width, 40, message, "chart chart-timeline chart-empty", scalable=True),
            _text(width / 2, 25, message, size=_FONT, anchor="middle", fill=MUTED),
            "</svg>",
        ]
    )


def treatment_timeline_svg(
    *,
    trials: Sequence[TimelineTrial],
    treatments: Sequence[TimelineSpan],
    scores: Sequence[tuple[date, int, bool]],
    start: date,
    end: date,
    width: int = 900,
    today: date | None = None,
) -> SafeString:
    """A drug-o-gram: one row per antidepressant trial and per other treatment, PHQ-9 totals below, one time axis.

    - Dose bars: bar height is the daily dose relative to the highest dose of that drug (so rows are comparable
      in shape, not in mg); dose labels appear where they fit. Periods below ``minimum_mg`` are hatched.
    - Each trial row ends in words: "✓ adequate" or "✗ not adequate", and "failed" when the trial failed.
      The verdicts are inputs; this function does not judge adequacy.
    - PHQ-9: a line with dashed guides at 5, 10, 15 and 20 and the band names beside them; a visit where
      item 9 (thoughts of self-harm) was above 0 is a triangle with "!" over it, never hidden.
    - ``today`` (default ``end``) draws a dashed "today" line; ongoing courses run to it and end in a triangle.

    Anything outside ``start``..``end`` is clipped. With nothing to draw, a small SVG says so.
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        raise ValueError("end must not be before start")
    today = _as_date(today) if today is not None else end
    width = max(int(width), _MIN_WIDTH)
    in_window = [(_as_date(on), int(total), bool(item9)) for on, total, item9 in scores]
    in_window = sorted((s for s in in_window if start <= s[0] <= end), key=lambda s: s[0])
    if not trials and not treatments and not in_window:
        return _empty_timeline(width)

    plot_left = float(_LABEL_W)
    plot_right = float(width - _STATUS_W)
    plot_w = plot_right - plot_left
    span_days = max((end - start).days, 1)

    def sx(on: date) -> float:
        clamped = min(max(on, start), end)
        return plot_left + (clamped - start).days / span_days * plot_w

    status_x = plot_right + 12
    body: list[str] = []  # drawn after the gridlines
    desc: list[str] = []
    legend_used: set[str] = set()

    # ---- treatment rows -------------------------------------------------------------------------------------
    y = float(_TOP)
    if trials:
        body.append(_text(8, y - 8, "Antidepressant trials", size=_FONT_SMALL, font_weight="bold", fill=MUTED))
    for trial in trials:
        body.append(_trial_row(trial, y, sx, start, end, today, status_x, desc, legend_used))
        y += _ROW_H
    if treatments:
        y += 6 if trials else 0
        body.append(_text(8, y + 14, "Other treatments", size=_FONT_SMALL, font_weight="bold", fill=MUTED))
        y += _SECTION_H
        for span in treatments:
            body.append(_span_row(span, y, sx, start, end, today, status_x, desc, legend_used))
            y += _SPAN_ROW_H
    if not trials and not treatments:
        body.append(_text(8, y + 20, "No treatments recorded", size=_FONT, fill=MUTED))
        y += _ROW_H
    rows_bottom = y

    # ---- PHQ-9 panel ----------------------------------------------------------------------------------------
    y += 14
    phq_top = y
    if in_window:
        axis_y = phq_top + _PHQ_H
        body.append(_phq9_panel(in_window, phq_top, axis_y, sx, plot_left, plot_right, status_x, desc))
        legend_used.update({"phq9", "item9"})
    else:
        axis_y = phq_top + 30
        body.append(_text(8, phq_top + 18, "PHQ-9", size=_FONT_SMALL, font_weight="bold", fill=MUTED))
        body.append(_text(plot_left, phq_top + 18, "No PHQ-9 scores in this period", size=_FONT_SMALL, fill=MUTED))

    # ---- time axis, gridlines, today ------------------------------------------------------------------------
    ticks = _time_ticks(start, end, sx, plot_w)
    grid: list[str] = []
    axis: list[str] = [
        f'<line class="time-axis" x1="{_n(plot_left)}" y1="{_n(axis_y)}" x2="{_n(plot_right)}" y2="{_n(axis_y)}"'
        f' stroke="{INK}" stroke-width="1"/>'
    ]
    for tick in ticks:
        if tick.major:
            grid.append(
                f'<line x1="{_n(tick.x)}" y1="{_TOP - 2}" x2="{_n(tick.x)}" y2="{_n(axis_y)}"'
                f' stroke="{GRID}" stroke-width="1"/>'
            )
        length = 5 if tick.major else 3
        axis.append(
            f'<line x1="{_n(tick.x)}" y1="{_n(axis_y)}" x2="{_n(tick.x)}" y2="{_n(axis_y + length)}"'
            f' stroke="{INK}" stroke-width="1"/>'
        )
        if tick.label:
            axis.append(
                _text(tick.x, axis_y + 17, tick.label, size=_FONT_AXIS, anchor="middle", css_class="tick-label")
            )
        if tick.sublabel:
            axis.append(
                _text(
                    tick.x,
                    axis_y + 31,
                    tick.sublabel,
                    size=_FONT_AXIS,
                    anchor="middle",
                    font_weight="bold",
                    css_class="tick-label",
                )
            )
    if start <= today <= end:
        tx = sx(today)
        label_x = min(max(tx, plot_left + 16), plot_right - 16)
        body.append(
            f'<g class="today"><line x1="{_n(tx)}" y1="{_TOP - 6}" x2="{_n(tx)}" y2="{_n(axis_y)}" stroke="{INK}"'
            f' stroke-width="1" stroke-dasharray="5 3"/>'
            + _text(label_x, _TOP - 9, "today", size=_FONT_SMALL, anchor="middle", font_weight="bold")
            + "</g>"
        )

    # ---- legend ---------------------------------------------------------------------------------------------
    legend_top = axis_y + _AXIS_H + 8
    legend, legend_bottom = _legend(legend_used, legend_top, width)
    height = legend_bottom + 8

    label = _timeline_summary(trials, treatments, in_window, start, end)
    parts = [
        _svg_open(width, height, label, "chart chart-timeline", scalable=True),
        f"<desc>{_e(' '.join(desc))}</desc>" if desc else "",
        "<defs>"
        f'<pattern id="hatch-{_UID}" patternUnits="userSpaceOnUse" width="6" height="6">'
        f'<rect width="6" height="6" fill="{PAPER}"/>'
        f'<path d="M-1,1 L1,-1 M0,6 L6,0 M5,7 L7,5" stroke="{INK}" stroke-width="1.1"/>'
        "</pattern></defs>",
        *grid,
        f'<line x1="8" y1="{_n(rows_bottom)}" x2="{_n(width - 8)}" y2="{_n(rows_bottom)}" stroke="{GRID}"/>',
        *body,
        *axis,
        legend,
        "</svg>",
    ]
    return _finish(parts)


def _row_heading(label: str, sublabel: str, y: float) -> str:
    shown = _truncate(_clean(label).strip() or "(unnamed)", _LABEL_W - 16, _FONT, bold=True)
    parts = [_text(8, y + 19, shown, size=_FONT, font_weight="bold")]
    if sublabel:
        parts.append(_text(8, y + 33, sublabel, size=_FONT_SMALL, fill=MUTED))
    return "".join(parts)


def _row_rule(y: float, width_to: float) -> str:
    return f'<line x1="8" y1="{_n(y)}" x2="{_n(width_to)}" y2="{_n(y)}" stroke="{GRID}" stroke-width="1"/>'


def _clip(begin: date, finish: date | None, start: date, end: date, today: date) -> tuple[date, date, bool] | None:
    """The visible part of a course, and whether to mark it ongoing; None when nothing of it is visible."""
    ongoing = finish is None
    finish = min(today, end) if finish is None else _as_date(finish)
    begin = _as_date(begin)
    if finish < begin or finish < start or begin > end:
        return None
    return max(begin, start), min(finish, end), ongoing


def _trial_row(
    trial: TimelineTrial,
    y: float,
    sx: Callable[[date], float],
    start: date,
    end: date,
    today: date,
    status_x: float,
    desc: list[str],
    legend_used: set[str],
) -> str:
    name = _clean(trial.label).strip() or "(unnamed)"
    minimum = trial.minimum_mg
    sublabel = f"min. {_fmt_value(minimum)} mg/day" if minimum is not None else ""
    parts = [f'<g class="trial-row"><title>{_e(name)}</title>', _row_heading(name, sublabel, y)]
    doses = [float(d) for _, _, d in trial.periods if math.isfinite(float(d))]
    row_max = max([d for d in doses if d > 0], default=1.0)
    bar_bottom = y + 13 + _BAR_MAX
    legend_used.add("dose")

    period_texts = []
    for begin, finish, dose in sorted(trial.periods, key=lambda p: _as_date(p[0])):
        dose = float(dose)
        if not math.isfinite(dose):
            continue
        under = minimum is not None and dose < minimum
        until = "ongoing" if finish is None else _as_date(finish).isoformat()
        period_text = f"{_fmt_value(dose)} mg/day from {_as_date(begin).isoformat()} to {until}"
        if under:
            period_text += " (below the minimum adequate dose)"
        period_texts.append(period_text)
        visible = _clip(begin, finish, start, end, today)
        if visible is None:
            continue
        x_from, x_to = sx(visible[0]), sx(visible[1])
        bar_w = max(x_to - x_from, 1.5)
        bar_h = _BAR_MIN + (_BAR_MAX - _BAR_MIN) * max(dose, 0) / row_max
        top = bar_bottom - bar_h
        fill = f"url(#hatch-{_UID})" if under else DOSE_FILL
        if under:
            legend_used.add("hatch")
        parts.append(
            f'<rect class="dose-bar{" under-dose" if under else ""}" x="{_n(x_from)}" y="{_n(top)}"'
            f' width="{_n(bar_w)}" height="{_n(bar_h)}" fill="{fill}" stroke="{INK}" stroke-width="0.8">'
            f"<title>{_e(name)}: {_e(period_text)}</title></rect>"
        )
        for text in (f"{_fmt_value(dose)} mg", _fmt_value(dose)):
            if _text_width(text, 10) + 4 <= bar_w:  # leave a gap before the next period's label
                parts.append(_text(x_from + 1.5, top - 2.5, text, size=10, css_class="dose-label"))
                break
        if visible[2]:  # ongoing: runs to today and says so with a triangle
            parts.append(_chevron(x_to, bar_bottom - bar_h / 2, min(bar_h / 2 + 1, 5)))
            legend_used.add("ongoing")

    verdict = "✓ adequate" if trial.adequate else "✗ not adequate"
    parts.append(_text(status_x, y + 19, verdict, size=_FONT, css_class="trial-status"))
    if trial.failed:
        parts.append(_text(status_x, y + 33, "failed", size=_FONT, font_weight="bold", css_class="trial-failed"))
    parts.append(_row_rule(y + _ROW_H, status_x + _STATUS_W - 20))
    parts.append("</g>")

    verdict_words = "adequate" if trial.adequate else "not adequate"
    desc.append(
        f"{name}: {'; '.join(period_texts) or 'no dose periods'}; {verdict_words}{'; failed' if trial.failed else ''}."
    )
    return "".join(parts)


def _span_row(
    span: TimelineSpan,
    y: float,
    sx: Callable[[date], float],
    start: date,
    end: date,
    today: date,
    status_x: float,
    desc: list[str],
    legend_used: set[str],
) -> str:
    name = _clean(span.label).strip() or "(unnamed)"
    kind = SPAN_KIND_LABELS.get(span.kind, _clean(span.kind))
    until = "ongoing" if span.end is None else _as_date(span.end).isoformat()
    text = f"{name} ({kind}) from {_as_date(span.start).isoformat()} to {until}"
    parts = [f'<g class="treatment-row"><title>{_e(text)}</title>', _row_heading(name, "", y)]
    bar_bottom = y + 13 + _BAR_MAX
    visible = _clip(span.start, span.end, start, end, today)
    legend_used.add("span")
    if visible is not None:
        x_from, x_to = sx(visible[0]), sx(visible[1])
        parts.append(
            f'<rect class="treatment-bar" x="{_n(x_from)}" y="{_n(bar_bottom - _BAR_MAX)}"'
            f' width="{_n(max(x_to - x_from, 1.5))}" height="{_BAR_MAX}" fill="{SPAN_FILL}" stroke="{INK}"'
            f' stroke-width="0.8"/>'
        )
        if visible[2]:  # ongoing: runs to today and says so with a triangle
            parts.append(_chevron(x_to, bar_bottom - _BAR_MAX / 2, 5))
            legend_used.add("ongoing")
    parts.append(_text(status_x, y + 19, kind, size=_FONT, fill=MUTED, css_class="treatment-kind"))
    parts.append(_row_rule(y + _SPAN_ROW_H, status_x + _STATUS_W - 20))
    parts.append("</g>")
    desc.append(text + ".")
    return "".join(parts)


def _phq9_panel(
    scores: list[tuple[date, int, bool]],
    top: float,
    axis_y: float,
    sx: Callable[[date], float],
    plot_left: float,
    plot_right: float,
    status_x: float,
    desc: list[str],
) -> str:
    y_max = top + 12  # room for the "!" above a score of 27
    y_zero = axis_y - 7

    def sy(score: float) -> float:
        return y_zero - score / PHQ9_MAX * (y_zero - y_max)

    parts = ['<g class="phq9">', _text(8, top + 12, "PHQ-9 total", size=_FONT, font_weight="bold")]
    parts.append(_text(8, top + 27, "0–27, higher is worse", size=_FONT_SMALL, fill=MUTED))
    for value in (0, 5, 10, 15, 20, PHQ9_MAX):
        parts.append(_text(plot_left - 6, sy(value) + 4, str(value), size=_FONT_AXIS, anchor="end", fill=MUTED))
    for lower, _upper, _name in PHQ9_BANDS[1:]:
        yy = _n(sy(lower))
        parts.append(
            f'<line class="band-edge" x1="{_n(plot_left)}" y1="{yy}" x2="{_n(plot_right)}" y2="{yy}"'
            f' stroke="{GUIDE}" stroke-width="0.8" stroke-dasharray="4 3"/>'
        )
    for lower, upper, name in PHQ9_BANDS:
        upper_edge = PHQ9_MAX if upper == PHQ9_MAX else upper + 1
        parts.append(
            _text(status_x, sy((lower + upper_edge) / 2) + 4, name, size=_FONT_SMALL, fill=MUTED, css_class="band")
        )

    clamped = [(on, min(max(total, 0), PHQ9_MAX), item9) for on, total, item9 in scores]
    if len(clamped) > 1:
        coords = " ".join(f"{_n(sx(on))},{_n(sy(total))}" for on, total, _ in clamped)
        parts.append(
            f'<polyline points="{coords}" fill="none" stroke="{INK}" stroke-width="1.5" stroke-linejoin="round"/>'
        )
    for on, total, item9 in clamped:
        cx, cy = sx(on), sy(total)
        tooltip = f"{on.isoformat()}: PHQ-9 {total} ({_phq9_band(total)})"
        if item9:
            tooltip += "; item 9 (self-harm) endorsed"
            parts.append(
                f'<g class="phq9-point item9"><title>{_e(tooltip)}</title>{_item9_marker(cx, cy)}'
                + _text(cx, cy - 8, "!", size=13, anchor="middle", font_weight="bold", css_class="item9-flag")
                + "</g>"
            )
        else:
            parts.append(
                f'<g class="phq9-point"><title>{_e(tooltip)}</title>'
                f'<circle cx="{_n(cx)}" cy="{_n(cy)}" r="3" fill="{INK}" stroke="{PAPER}" stroke-width="1"/></g>'
            )
    parts.append("</g>")
    endorsed = [on.isoformat() for on, _, item9 in clamped if item9]
    text = "PHQ-9: " + "; ".join(f"{on.isoformat()} {total}" for on, total, _ in clamped) + "."
    if endorsed:
        text += f" Item 9 (self-harm) endorsed on {', '.join(endorsed)}."
    desc.append(text)
    return "".join(parts)


def _legend(used: set[str], top: float, width: int) -> tuple[str, float]:
    """Lay out the legend entries in reading order, wrapping to new lines; return the SVG and its bottom edge."""
    entries: list[tuple[str, str, float]] = []  # (swatch svg at origin 0, text, swatch width)
    if "dose" in used:
        entries.append(
            (
                _swatch_bar(0, 0, DOSE_FILL),
                "daily dose (bar height relative to the highest dose of that drug)",
                22,
            )
        )
    if "hatch" in used:
        entries.append((_swatch_bar(0, 0, f"url(#hatch-{_UID})"), "below the minimum adequate dose", 22))
    if "span" in used:
        entries.append((_swatch_bar(0, 0, SPAN_FILL), "other treatment course", 22))
    if "ongoing" in used:
        entries.append((_chevron(0, -3.5, 5), "ongoing", 10))
    if "phq9" in used:
        entries.append(
            (
                f'<line x1="0" y1="-3.5" x2="22" y2="-3.5" stroke="{INK}" stroke-width="1.5"/>'
                f'<circle cx="11" cy="-3.5" r="3" fill="{INK}" stroke="{PAPER}" stroke-width="1"/>',
                "PHQ-9 total",
                22,
            )
        )
    if "item9" in used:
        entries.append(
            (
                _item9_marker(6, -3.5, size=5) + _text(15, 0, "!", size=13, font_weight="bold"),
                "item 9 (self-harm) endorsed",
                20,
            )
        )
    if not entries:
        return "", top

    parts = ['<g class="legend">']
    x, y = 8.0, top + 12
    for swatch, text, swatch_w in entries:
        entry_w = swatch_w + 6 + _text_width(text, _FONT_SMALL)
        if x > 8 and x + entry_w > width - 8:
            x, y = 8.0, y + _LEGEND_LINE
        parts.append(
            f'<g class="legend-entry" transform="translate({_n(x)},{_n(y)})">{swatch}'
            + _text(swatch_w + 6, 0, text, size=_FONT_SMALL)
            + "</g>"
        )
        x += entry_w + 18
    parts.append("</g>")
    return "".join(parts), y + 6


def _timeline_summary(
    trials: Sequence[TimelineTrial],
    treatments: Sequence[TimelineSpan],
    scores: list[tuple[date, int, bool]],
    start: date,
    end: date,
) -> str:
    adequate = sum(t.adequate for t in trials)
    failed = sum(t.failed for t in trials)
    text = f"Treatment timeline from {start.isoformat()} to {end.isoformat()}: "
    if trials:
        text += f"{_plural(len(trials), 'antidepressant trial')} ({adequate} adequate, {failed} failed)"
    else:
        text += "no antidepressant trials"
    if treatments:
        text += f", {_plural(len(treatments), 'other treatment')}"
    if scores:
        last_on, last_total, _ = scores[-1]
        last_total = min(max(last_total, 0), PHQ9_MAX)
        text += (
            f"; {_plural(len(scores), 'PHQ-9 score')}, latest {last_total} ({_phq9_band(last_total)})"
            f" on {last_on.isoformat()}"
        )
        endorsed = sum(item9 for _, _, item9 in scores)
        if endorsed:
            text += f"; item 9 (self-harm) endorsed at {_plural(endorsed, 'visit')}"
    else:
        text += "; no PHQ-9 scores in this period"
    return text + "."
