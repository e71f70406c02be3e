"""Line charts for daily series: one line per series over the days, a point per value."""
from __future__ import annotations

import math
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

HEIGHT = 300
LEFT, RIGHT, TOP, BOTTOM = 60, 16, 56, 250
MAX_X_LABELS = 10


@dataclass(frozen=True)
class Series:
    """One line: its name and a value per label (``None`` where there is none)."""

    name: str
    values: Sequence[float | None]


def _describe(labels: Sequence[str], series: Sequence[Series],
              fmt: Callable[[float], str]) -> str:
    parts = [f"共 {len(labels)} 天"]
    for line in series:
        known = [(value, label) for value, label in zip(line.values, labels) if value is not None]
        if not known:
            continue
        low, high = min(known), max(known)
        parts.append(f"{line.name}：最低 {fmt(low[0])}（{low[1]}），最高 {fmt(high[0])}（{high[1]}）")
    return "；".join(parts)


def line_chart(key: str, title: str, labels: Sequence[str], series: Sequence[Series], *,
               empty_message: str, y_label: str = "",
               fmt: Callable[[float], str] = default_format,
               y_max: float | None = None) -> str:
    """An SVG line chart, or the ``empty_message`` when no series has a non-zero value.

    Args:
        key: A page-unique id for the chart.
        title: The heading, also the accessible name.
        labels: The x-axis labels (days).
        series: The lines.
        empty_message: Shown instead of a chart without data.
        y_label: The y axis's unit, e.g. ``"单"``.
        fmt: How values are written on the axis and in tooltips.
        y_max: The axis's top (e.g. 1 for shares); by default the largest value.
    """
    values = [value for line in series for value in line.values if value is not None]
    if not labels or not any(values):
        return empty(key, title, empty_message)
    ticks = nice_ticks(max(y_max or 0, max(values)), whole=y_max is None and all_whole(values))
    top = ticks[-1]
    width = WIDTH - LEFT - RIGHT
    step_x = width / (len(labels) - 1) if len(labels) > 1 else 0

    def x_of(index: int) -> float:
        return LEFT + (index * step_x if len(labels) > 1 else width / 2)

    def y_of(value: float) -> float:
        return BOTTOM - (value / top) * (BOTTOM - TOP)

    body: list[El] = [legend(LEFT, 40, [line.name for line in series])]
    for tick in ticks:
        body.append(el("line", x1=LEFT, x2=WIDTH - RIGHT, y1=y_of(tick), y2=y_of(tick),
                       stroke=GRID))
        body.append(text(LEFT - 6, y_of(tick) + 4, fmt(tick), size=11, anchor="end",
                         fill=MUTED))
    every = math.ceil(len(labels) / MAX_X_LABELS)
    for index, label in enumerate(labels):
        if index % every == 0 or index == len(labels) - 1:
            body.append(text(x_of(index), BOTTOM + 18, label, size=11, anchor="middle",
                             fill=MUTED))
    if y_label:
        body.append(text(14, (TOP + BOTTOM) / 2, y_label, size=11, anchor="middle", fill=MUTED,
                         transform=f"rotate(-90 14 {(TOP + BOTTOM) / 2:.0f})"))
    body.append(el("line", x1=LEFT, x2=WIDTH - RIGHT, y1=BOTTOM, y2=BOTTOM, stroke=MUTED))
    for index, line in enumerate(series):
        body.append(_series(line, labels, index, x_of, y_of, fmt))
    return document(key, title, _describe(labels, series, fmt), HEIGHT, body, kind="line")


def _series(line: Series, labels: Sequence[str], index: int, x_of: Callable,
            y_of: Callable, fmt: Callable[[float], str]) -> El:
    stroke = colour(index)
    parts: list[El] = []
    run: list[str] = []
    for position, value in enumerate([*line.values, None]):
        if value is not None:
            run.append(f"{x_of(position):.1f},{y_of(value):.1f}")
            continue
        if len(run) > 1:
            parts.append(el("polyline", points=" ".join(run), fill="none", stroke=stroke,
                            stroke_width=2))
        run = []
    for position, value in enumerate(line.values):
        if value is None:
            continue
        parts.append(el("circle", el("title", f"{labels[position]} {line.name}：{fmt(value)}"),
                        cx=x_of(position), cy=y_of(value), r=3.5, fill=stroke,
                        data_mark="point"))
    return el("g", *parts, class_="series", data_series=line.name)
