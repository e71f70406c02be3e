"""A tiny SVG builder whose text is always escaped, and the frame every chart shares.

Charts are built from ``El`` nodes: attribute values and text children are escaped when
rendered, and there is no way to put raw markup in, so a product or supplier name can
never become markup. Styling uses presentation attributes only (no ``style``), which the
console's Content-Security-Policy allows.
"""
from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

WIDTH = 640
FONT = "system-ui, 'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
TEXT = "#333333"
MUTED = "#666666"
GRID = "#e3e3e3"
PALETTE = ("#2f6fdb", "#e8772e", "#2a9d57", "#c8384b", "#8a5cc7", "#8c6d31", "#1e9bb0",
           "#d45d9d")
_ID = re.compile(r"[^A-Za-z0-9_-]")
# Characters XML 1.0 does not allow at all; they are dropped from text.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class El:
    """An SVG element: name, attributes and children (elements or plain text)."""

    name: str
    attrs: dict[str, object] = field(default_factory=dict)
    children: list["El | str"] = field(default_factory=list)

    def render(self) -> str:
        attrs = "".join(f" {key}={quoteattr(_clean(_attr(value)))}"
                        for key, value in self.attrs.items() if value is not None)
        if not self.children:
            return f"<{self.name}{attrs}/>"
        inner = "".join(child.render() if isinstance(child, El) else escape(_clean(str(child)))
                        for child in self.children)
        return f"<{self.name}{attrs}>{inner}</{self.name}>"


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _attr(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def el(name: str, *children: El | str | None, **attrs: object) -> El:
    """An element; ``font_size=12`` becomes ``font-size="12"``, ``class_`` becomes
    ``class``; ``None`` children and attributes are left out."""
    return El(name, {key.rstrip("_").replace("_", "-"): value for key, value in attrs.items()},
              [child for child in children if child is not None])


def text(x: float, y: float, content: str, *, size: int = 12, anchor: str = "start",
         fill: str = TEXT, **attrs: object) -> El:
    return el("text", content, x=x, y=y, font_size=size, text_anchor=anchor, fill=fill,
              **attrs)


def colour(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


def chart_id(raw: str) -> str:
    """``raw`` reduced to characters safe in an element id."""
    return _ID.sub("-", raw) or "chart"


def nice_ticks(top: float, count: int = 5, *, whole: bool = False) -> list[float]:
    """Round tick values from 0 up to at least ``top`` (0, 5, 10, … or 0, 0.2, 0.4, …);
    ``whole`` keeps them whole numbers (for counts)."""
    if top <= 0:
        return [0.0, 1.0]
    raw_step = top / count
    magnitude = 10 ** math.floor(math.log10(raw_step))
    factors = (1, 2, 5, 10) if whole else (1, 2, 2.5, 5, 10)
    step = next(factor * magnitude for factor in factors if factor * magnitude >= raw_step)
    if whole:
        step = max(step, 1)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def legend(x: float, y: float, names: Sequence[str]) -> El:
    """Coloured swatches with the series names, left to right."""
    items: list[El] = []
    offset = 0.0
    for index, name in enumerate(names):
        items.append(el("rect", x=x + offset, y=y - 10, width=12, height=12, rx=2,
                        fill=colour(index)))
        items.append(text(x + offset + 16, y, name, size=12))
        offset += 28 + 13 * len(name)
    return el("g", *items, class_="legend")


def document(key: str, title: str, description: str, height: int, body: Sequence[El], *,
             kind: str, width: int = WIDTH) -> str:
    """The chart's ``<svg>``: ``role="img"``, labelled by its ``<title>`` and ``<desc>``
    (a text version of the figures), the title drawn at the top."""
    ident = chart_id(key)
    svg = el("svg",
             el("title", title, id=f"{ident}-title"),
             el("desc", description, id=f"{ident}-desc"),
             text(0, 18, title, size=15, font_weight="bold"),
             *body,
             xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} {height}",
             width=width, height=height, role="img",
             aria_labelledby=f"{ident}-title {ident}-desc", data_chart=kind,
             font_family=FONT, class_="chart")
    return svg.render()


def empty(key: str, title: str, message: str, *, width: int = WIDTH) -> str:
    """What a chart without data shows instead: its title and a friendly sentence."""
    ident = chart_id(key)
    return el("svg",
              el("title", title, id=f"{ident}-title"),
              el("desc", message, id=f"{ident}-desc"),
              text(0, 18, title, size=15, font_weight="bold"),
              text(width / 2, 70, message, size=14, anchor="middle", fill=MUTED,
                   class_="empty-message"),
              xmlns="http://www.w3.org/2000/svg", viewBox=f"0 0 {width} 110", width=width,
              height=110, role="img", aria_labelledby=f"{ident}-title {ident}-desc",
              data_chart="empty", data_empty="true", font_family=FONT,
              class_="chart").render()


def number(value: float) -> str:
    """``12``, ``3.5``, ``0.25``: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".") if value != int(value) else str(int(value))


def all_whole(values: Sequence[float]) -> bool:
    """Whether every value is a whole number (counts), so axis ticks should be too."""
    return all(float(value).is_integer() for value in values)


def percent(value: float) -> str:
    """A share 0–1 as ``37.5%``."""
    return f"{number(round(value * 100, 1))}%"
