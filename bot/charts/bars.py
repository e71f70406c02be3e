"""Bar charts: horizontal (stacked) bars for breakdowns by name, and columns for a
histogram such as scores 1–5."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from bot.charts.svg import (
    GRID,
    MUTED,
    WIDTH,
    El,
    all_whole,
    colour,
    document,
    el,
    empty,
    legend,
    nice_ticks,
    text,
)
from bot.charts.svg import number as default_format

LABEL_WIDTH = 150
ROW = 26
LABEL_CHARS = 11


@dataclass(frozen=True)
class Bar:
    """One bar: its label and a value per segment (one value for a plain bar)."""

    label: str
    values: Sequence[float]

    @property
    def total(self) -> float:
        return sum(self.values)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[:LABEL_CHARS - 1] + "…"


def bar_chart(key: str, title: str, bars: Sequence[Bar], segments: Sequence[str], *,
              empty_message: str, fmt: Callable[[float], str] = default_format) -> str:
    """Horizontal bars, one per item, stacked by segment, the total written at the end.

    Args:
        key: A page-unique id for the chart.
        title: The heading, also the accessible name.
        bars: The items, in the order shown (largest first, usually).
        segments: What each value of a bar is (the legend); one name for plain bars.
        empty_message: Shown instead of a chart when every bar is zero.
        fmt: How values are written.
    """
    if not any(bar.total for bar in bars):
        return empty(key, title, empty_message)
    top = nice_ticks(max(bar.total for bar in bars))[-1]
    first_row = 64 if len(segments) > 1 else 40
    height = first_row + ROW * len(bars) + 12
    scale = (WIDTH - LABEL_WIDTH - 60) / top
    body: list[El] = []
    if len(segments) > 1:
        body.append(legend(LABEL_WIDTH, 42, segments))
    body.append(el("line", x1=LABEL_WIDTH, x2=LABEL_WIDTH, y1=first_row - 4,
                   y2=height - 8, stroke=GRID))
    for row, bar in enumerate(bars):
        y = first_row + row * ROW
        parts: list[El] = [el("title", bar.label),
                           text(LABEL_WIDTH - 8, y + 14, _short(bar.label), anchor="end")]
        x = float(LABEL_WIDTH)
        for index, value in enumerate(bar.values):
            if value <= 0:
                continue
            tip = f"{bar.label} {segments[index]}：{fmt(value)}"
            parts.append(el("rect", el("title", tip), x=x, y=y, width=max(value * scale, 1),
                            height=ROW - 8, fill=colour(index), data_mark="bar"))
            x += value * scale
        parts.append(text(x + 6, y + 14, fmt(bar.total), size=11, fill=MUTED))
        body.append(el("g", *parts, class_="bar", data_label=bar.label))
    description = "；".join(f"{bar.label}：{fmt(bar.total)}" for bar in bars)
    return document(key, title, description, height, body, kind="bar")


def column_chart(key: str, title: str, labels: Sequence[str], values: Sequence[float], *,
                 empty_message: str, y_label: str = "",
                 fmt: Callable[[float], str] = default_format) -> str:
    """Vertical columns, one per label (a histogram), the value above each.

    Args:
        key: A page-unique id for the chart.
        title: The heading, also the accessible name.
        labels: The x-axis labels, e.g. ``1分`` … ``5分``.
        values: A value per label.
        empty_message: Shown instead of a chart when every value is zero.
        y_label: The y axis's unit.
        fmt: How values are written.
    """
    if not any(values):
        return empty(key, title, empty_message)
    height, left, top_y, bottom = 280, 60, 44, 236
    ticks = nice_ticks(max(values), whole=all_whole(values))
    top = ticks[-1]
    slot = (WIDTH - left - 16) / len(labels)

    def y_of(value: float) -> float:
        return bottom - (value / top) * (bottom - top_y)

    body: list[El] = []
    for tick in ticks:
        body.append(el("line", x1=left, x2=WIDTH - 16, y1=y_of(tick), y2=y_of(tick),
                       stroke=GRID))
        body.append(text(left - 6, y_of(tick) + 4, fmt(tick), size=11, anchor="end",
                         fill=MUTED))
    if y_label:
        body.append(text(14, (top_y + bottom) / 2, y_label, size=11, anchor="middle",
                         fill=MUTED, transform=f"rotate(-90 14 {(top_y + bottom) / 2:.0f})"))
    for index, (label, value) in enumerate(zip(labels, values)):
        x = left + index * slot + slot * 0.2
        parts: list[El] = [text(x + slot * 0.3, bottom + 18, label, size=12, anchor="middle")]
        if value > 0:
            parts.append(el("rect", el("title", f"{label}：{fmt(value)}"), x=x, y=y_of(value),
                            width=slot * 0.6, height=bottom - y_of(value), fill=colour(0),
                            data_mark="bar"))
        parts.append(text(x + slot * 0.3, y_of(value) - 5, fmt(value), size=11,
                          anchor="middle", fill=MUTED))
        body.append(el("g", *parts, class_="column", data_label=label))
    body.append(el("line", x1=left, x2=WIDTH - 16, y1=bottom, y2=bottom, stroke=MUTED))
    description = "；".join(f"{label}：{fmt(value)}" for label, value in zip(labels, values))
    return document(key, title, description, height, body, kind="column")
