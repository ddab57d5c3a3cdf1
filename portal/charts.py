"""Server-side SVG charts: geometry computed here, drawn by `templates/stats/_charts.html`.

Charts are plain data (rectangles, ticks and labels in SVG user units) so the template
draws them without any script or style attribute; colours come from CSS classes. Every
chart carries a title and a description for its text alternative, and the pages put
the numbers in a table after it. A suppressed count (None, shown "<5") draws no bar but
keeps its label, so the chart never shows more than the table.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from moderation.stats.suppress import MARKER

WIDTH = 640
HEIGHT = 300


@dataclass(frozen=True)
class Series:
    """One set of values, drawn in one colour (`index` picks the CSS class)."""

    name: str
    values: Sequence[int | float | None]


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    value_text: str
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"


@dataclass(frozen=True)
class GridLine:
    x1: float
    y1: float
    x2: float
    y2: float
    label: Label


@dataclass(frozen=True)
class LegendEntry:
    x: float
    y: float
    series: int
    text: str


@dataclass(frozen=True)
class Chart:
    """A chart ready to draw; `id` prefixes the ids of its title and description."""

    id: str
    title: str
    description: str
    width: int
    height: int
    bars: list[Bar]
    labels: list[Label]
    grid: list[GridLine]
    legend: list[LegendEntry]
    kind: str  # "columns" or "rows"

    @property
    def empty(self) -> bool:
        return not self.labels


def nice_step(value: float) -> float:
    """A round step (1, 2 or 5 times a power of ten) at least `value`; whole for counts."""
    if value <= 1:
        return 1
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power  # pragma: no cover - the loop always returns


def text_width(text: str, size: float = 12) -> float:
    """A rough width of `text` in SVG units (CJK characters are about twice as wide)."""
    return sum(size if ord(ch) > 0x2e80 else size * 0.6 for ch in text)


def shorten(text: str, width: float) -> str:
    """A label that fits `width` SVG units (the table keeps the full text)."""
    if text_width(text) <= width:
        return text
    while text and text_width(text + "…") > width:
        text = text[:-1]
    return text + "…"


def _value_text(value: int | float | None, percent: bool) -> str:
    if value is None:
        return MARKER if not percent else "–"
    if percent:
        return f"{value:.1f}%"
    return str(value)


def _legend(series: Sequence[Series], top: float) -> list[LegendEntry]:
    out, x = [], 48.0
    for index, item in enumerate(series):
        out.append(LegendEntry(x, top, index, item.name))
        x += 20 + text_width(item.name) + 24
    return out


def column_chart(chart_id: str, title: str, description: str, categories: Sequence[str],
                 series: Sequence[Series]) -> Chart:
    """Grouped vertical bars: one group per category, one bar per series."""
    left, right, top, bottom = 48.0, 12.0, 40.0, 44.0
    plot_w, plot_h = WIDTH - left - right, HEIGHT - top - bottom
    known = [v for s in series for v in s.values if v is not None]
    step = nice_step(max(known, default=0) / 4)
    ticks = max(1, math.ceil(max(known, default=0) / step))
    scale_max = step * ticks
    group_w = plot_w / max(len(categories), 1)
    bar_w = min(32.0, group_w * 0.8 / max(len(series), 1))
    base_y = top + plot_h
    bars, labels = [], []
    for index, category in enumerate(categories):
        group_x = left + index * group_w
        start = group_x + (group_w - bar_w * len(series)) / 2
        for s_index, item in enumerate(series):
            value = item.values[index]
            height = 0.0 if value is None else plot_h * value / scale_max
            x = start + s_index * bar_w
            bars.append(Bar(round(x, 1), round(base_y - height, 1), round(bar_w - 2, 1),
                            round(height, 1), s_index, _value_text(value, False),
                            round(x + (bar_w - 2) / 2, 1), round(base_y - height - 4, 1)))
        labels.append(Label(round(group_x + group_w / 2, 1), base_y + 18,
                            shorten(category, group_w - 4)))
    grid = []
    for tick in range(ticks + 1):
        y = round(base_y - plot_h * tick / ticks, 1)
        text = f"{step * tick:g}"
        grid.append(GridLine(left, y, WIDTH - right, y, Label(left - 6, y + 4, text, "end")))
    return Chart(chart_id, title, description, WIDTH, HEIGHT, bars, labels, grid,
                 _legend(series, 16), "columns")


def percent_chart(chart_id: str, title: str, description: str, categories: Sequence[str],
                  values: Sequence[float | None], series_name: str) -> Chart:
    """Horizontal bars of percentages (0-100), one row per category."""
    left, right, top, row_h = 200.0, 60.0, 36.0, 28.0
    plot_w = WIDTH - left - right
    height = int(top + row_h * max(len(categories), 1) + 24)
    bars, labels = [], []
    for index, (category, value) in enumerate(zip(categories, values, strict=True)):
        y = top + index * row_h
        width = 0.0 if value is None else plot_w * value / 100
        bars.append(Bar(left, round(y + 4, 1), round(width, 1), row_h - 8, 0,
                        _value_text(value, True), round(left + width + 6, 1),
                        round(y + row_h / 2 + 4, 1)))
        labels.append(Label(left - 8, round(y + row_h / 2 + 4, 1), shorten(category, left - 12),
                            "end"))
    bottom = top + row_h * max(len(categories), 1)
    grid = [GridLine(round(left + plot_w * p / 100, 1), top, round(left + plot_w * p / 100, 1),
                     bottom, Label(round(left + plot_w * p / 100, 1), bottom + 16, f"{p}%"))
            for p in (0, 25, 50, 75, 100)]
    return Chart(chart_id, title, description, WIDTH, height, bars, labels, grid,
                 _legend([Series(series_name, values)], 16), "rows")
