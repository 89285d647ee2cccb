"""The dashboard's charts (`core.charts.Chart`) drawn as SVG on the server, for the printed summary
report (WeasyPrint lays the SVG out; the text stays text in the PDF).

Why hand-written and not matplotlib: the report needs only what the dashboard draws (bars, stacked
bars, lines, a legend, the values written on them), and SVG text that WeasyPrint sets in the page's
CJK font and keeps searchable; matplotlib writes text as paths by default, needs its own CJK font
set-up and draws ten times the markup. This stays short and has no state.

`svg(chart) -> str`: an <svg> element, `WIDTH` user units wide (the stylesheet scales it to the
column). Bars run along the horizontal axis when `chart.is_horizontal` (the regions' charts: long
names), else upwards (the weekly chart); a line chart has points with a marker per series. Every
value is written next to its bar or point ("—" where there is no figure); each series has its own
fill pattern (solid, hatched, cross-hatched, dotted) and line dash, named in the legend, so the
chart reads without colour. Chart text is escaped: names come from the database.
"""

from __future__ import annotations

from django.utils.html import escape

from core.charts import Chart, display

WIDTH = 640
FONT = 11  # the labels' font size, user units
BAR = 14  # a bar's thickness
GAP = 8  # between categories
LEGEND = 24  # the legend's height
PLOT_HEIGHT = 180  # the value axis' length of upright charts
# (fill, stroke, pattern) per series: told apart without colour by the pattern.
STYLES = (
    ("#1f4e79", "#1f4e79", ""),
    ("url(#hatch)", "#b35900", '<path d="M0,6 L6,0" stroke="#b35900" stroke-width="1.6"/>'),
    ("url(#cross)", "#333333", '<path d="M0,0 L6,6 M0,6 L6,0" stroke="#333333" stroke-width="1"/>'),
    ("url(#dots)", "#2e7d32", '<circle cx="3" cy="3" r="1.4" fill="#2e7d32"/>'),
)
PATTERN_IDS = ("", "hatch", "cross", "dots")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
MARKERS = ("circle", "square", "triangle", "diamond")


def text_width(text: str, size: float = FONT) -> float:
    """The width of `text` in user units: a CJK character is one em, anything else about 0.6 em."""
    return sum(size if ord(char) > 0x2E7F else 0.6 * size for char in text)


def _style(index: int) -> tuple[str, str]:
    fill, stroke, _pattern = STYLES[index % len(STYLES)]
    return fill, stroke


def _defs() -> str:
    patterns = "".join(
        f'<pattern id="{name}" width="6" height="6" patternUnits="userSpaceOnUse">'
        f'<rect width="6" height="6" fill="#ffffff"/>{body}</pattern>'
        for name, (_fill, _stroke, body) in zip(PATTERN_IDS, STYLES, strict=True)
        if name
    )
    return f"<defs>{patterns}</defs>"


def _text(x: float, y: float, text: str, anchor: str = "start", size: float = FONT, weight: str = "") -> str:
    bold = ' font-weight="bold"' if weight else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{bold}>{escape(text)}</text>'
    )


def _legend(chart: Chart) -> str:
    parts, x = [], 0.0
    for index, series in enumerate(chart.series):
        fill, stroke = _style(index)
        if chart.kind == "line":
            dash = DASHES[index % len(DASHES)]
            parts.append(
                f'<line x1="{x:.1f}" y1="8" x2="{x + 18:.1f}" y2="8" stroke="{stroke}" stroke-width="2"'
                f' stroke-dasharray="{dash}"/>' + _marker(index, x + 9, 8, stroke)
            )
        else:
            parts.append(f'<rect x="{x:.1f}" y="2" width="18" height="12" fill="{fill}" stroke="{stroke}"/>')
        name = str(series.name)
        parts.append(_text(x + 22, 12, name))
        x += 22 + text_width(name) + 16
    return "".join(parts)


def _marker(index: int, x: float, y: float, stroke: str) -> str:
    shape = MARKERS[index % len(MARKERS)]
    if shape == "circle":
        return (
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="#ffffff" stroke="{stroke}" stroke-width="1.5"/>'
        )
    if shape == "square":
        return f'<rect x="{x - 3.5:.1f}" y="{y - 3.5:.1f}" width="7" height="7" fill="{stroke}"/>'
    if shape == "triangle":
        return f'<path d="M{x:.1f},{y - 4.5:.1f} L{x + 4:.1f},{y + 3:.1f} L{x - 4:.1f},{y + 3:.1f} Z" fill="{stroke}"/>'
    return f'<path d="M{x:.1f},{y - 4.5:.1f} L{x + 4:.1f},{y:.1f} L{x:.1f},{y + 4.5:.1f} L{x - 4:.1f},{y:.1f} Z" fill="{stroke}"/>'


def _number(value) -> float:
    return float(value) if value is not None else 0.0


def _scale_max(chart: Chart) -> float:
    """The value axis' end: the largest bar (a stack's sum), at least 1; 100 for percentages."""
    if chart.kind == "stacked_bar":
        peak = max(
            (sum(_number(s.values[i]) for s in chart.series) for i in range(len(chart.categories))), default=0
        )
    else:
        peak = max((_number(v) for s in chart.series for v in s.values), default=0)
    if chart.unit == "%":
        peak = max(peak, 100.0)
    return peak or 1.0


def _horizontal(chart: Chart) -> tuple[str, float]:
    """Bars along the horizontal axis, one row per category; returns (body, height)."""
    stacked = chart.kind == "stacked_bar"
    label_width = min(170.0, max(text_width(str(name)) for name in chart.categories) + 8)
    room = 60.0  # right of the longest bar, for its value
    length = WIDTH - label_width - room
    peak = _scale_max(chart)
    per_row = BAR if stacked else BAR * len(chart.series)
    parts, y = [], LEGEND + 4
    for index, name in enumerate(chart.categories):
        parts.append(_text(label_width - 6, y + per_row / 2 + FONT * 0.35, str(name), anchor="end"))
        x = label_width
        for number, series in enumerate(chart.series):
            value = series.values[index]
            fill, stroke = _style(number)
            width = length * _number(value) / peak
            top = y if stacked else y + number * BAR
            if width > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{width:.1f}" height="{BAR - 2}" fill="{fill}"'
                    f' stroke="{stroke}" stroke-width="0.8"/>'
                )
            label = display(value)
            if not stacked:
                parts.append(
                    _text(
                        x + width + 4,
                        top + BAR - 4,
                        label + (chart.unit if chart.unit == "%" and value is not None else ""),
                    )
                )
            elif value and width >= text_width(label, FONT - 1) + 6:
                # the segment's value on a white box, readable on any pattern
                box = text_width(label, FONT - 1) + 4
                middle = x + width / 2
                parts.append(
                    f'<rect x="{middle - box / 2:.1f}" y="{top + 1:.1f}" width="{box:.1f}" height="{BAR - 4}" fill="#ffffff"/>'
                )
                parts.append(_text(middle, top + BAR - 4.5, label, anchor="middle", size=FONT - 1))
            if stacked:
                x += width
        if stacked:
            total = sum(_number(s.values[index]) for s in chart.series)
            parts.append(_text(x + 4, y + BAR - 4, display(total), weight="bold"))
        y += per_row + GAP
    axis = f'<line x1="{label_width:.1f}" y1="{LEGEND:.1f}" x2="{label_width:.1f}" y2="{y:.1f}" stroke="#444444"/>'
    return "".join(parts) + axis, y + 4


def _upright(chart: Chart) -> tuple[str, float]:
    """Bars (or a line's points) rising from the horizontal axis, one column per category."""
    left, bottom = 8.0, LEGEND + 14 + PLOT_HEIGHT
    column = (WIDTH - left) / len(chart.categories)
    peak = _scale_max(chart)
    stacked = chart.kind == "stacked_bar"
    bars = 1 if stacked or chart.kind == "line" else len(chart.series)
    bar = min(22.0, (column - 6) / bars)
    parts = []
    points: list[list[tuple[float, float, str] | None]] = [[] for _series in chart.series]
    for index, name in enumerate(chart.categories):
        centre = left + column * (index + 0.5)
        parts.append(_text(centre, bottom + FONT + 3, str(name), anchor="middle", size=FONT - 1))
        base = bottom
        for number, series in enumerate(chart.series):
            value = series.values[index]
            height = PLOT_HEIGHT * _number(value) / peak
            label = display(value)
            if chart.kind == "line":
                points[number].append(None if value is None else (centre, bottom - height, label))
                continue
            fill, stroke = _style(number)
            x = centre - bar * bars / 2 + (0 if stacked else number * bar)
            top = base - height
            if height > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{bar - 1:.1f}" height="{height:.1f}" fill="{fill}"'
                    f' stroke="{stroke}" stroke-width="0.8"/>'
                )
            if not stacked or (value and height >= FONT + 2):
                y = top - 3 if not stacked else top + height / 2 + FONT * 0.35
                parts.append(_text(x + (bar - 1) / 2, y, label, anchor="middle", size=FONT - 1))
            if stacked:
                base = top
    for number, line in enumerate(points):
        _fill, stroke = _style(number)
        drawn = [point for point in line if point]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _label in drawn)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{stroke}" stroke-width="1.8"'
            f' stroke-dasharray="{DASHES[number % len(DASHES)]}"/>'
        )
        for x, y, label in drawn:
            parts.append(
                _marker(number, x, y, stroke) + _text(x, y - 6, label, anchor="middle", size=FONT - 1)
            )
    axis = f'<line x1="{left}" y1="{bottom:.1f}" x2="{WIDTH}" y2="{bottom:.1f}" stroke="#444444"/>'
    return "".join(parts) + axis, bottom + FONT + 8


def svg(chart: Chart) -> str:
    """The chart as one <svg> element (see the module's docstring); its title and note are the
    caller's (the report writes them as the figure's caption)."""
    body, height = _horizontal(chart) if chart.is_horizontal else _upright(chart)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {WIDTH} {height:.0f}"'
        f' width="{WIDTH}" height="{height:.0f}" font-family="Noto Sans CJK SC" role="img"'
        f' aria-label="{escape(chart.description())}">{_defs()}{_legend(chart)}{body}</svg>'
    )
