"""A 100% bar: how a whole splits into parts (e.g. handled by the bot vs. by a person)."""
from __future__ import annotations

from collections.abc import Sequence

from bot.charts.svg import WIDTH, El, colour, document, el, empty, legend, percent, text

HEIGHT = 120
LEFT, RIGHT, BAR_Y, BAR_HEIGHT = 8, 8, 56, 36


def share_bar(key: str, title: str, parts: Sequence[tuple[str, float]], *,
              empty_message: str) -> str:
    """One bar split into ``parts`` (name, count) by their shares of the total, each
    labelled with its percentage.

    Args:
        key: A page-unique id for the chart.
        title: The heading, also the accessible name.
        parts: The parts of the whole, in order.
        empty_message: Shown instead of a chart when the total is zero.
    """
    total = sum(value for _, value in parts)
    if total <= 0:
        return empty(key, title, empty_message)
    width = WIDTH - LEFT - RIGHT
    body: list[El] = [legend(LEFT, 42, [name for name, _ in parts])]
    x = float(LEFT)
    for index, (name, value) in enumerate(parts):
        if value <= 0:
            continue
        part = value / total
        tip = f"{name}：{percent(part)}（{value:g}）"
        body.append(el("rect", el("title", tip), x=x, y=BAR_Y, width=part * width,
                       height=BAR_HEIGHT, fill=colour(index), data_mark="share"))
        if part >= 0.08:
            body.append(text(x + part * width / 2, BAR_Y + 23, percent(part), size=13,
                             anchor="middle", fill="#ffffff", font_weight="bold"))
        x += part * width
    description = "；".join(f"{name}：{percent(value / total)}（{value:g}）"
                            for name, value in parts)
    return document(key, title, description, HEIGHT, body, kind="share")
