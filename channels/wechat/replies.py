"""Shaping the assistant's replies for WeChat text messages: choices as numbered
lines, and long texts split to fit one customer-service message."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

# WeChat allows about 2048 bytes per text message; 600 characters stays well inside it
# even when every character is a three-byte CJK one.
MAX_CHARS = 600
_NUMBERED_LINE = re.compile(r"^\s*\d{1,2}\s*[.、．:：)）]", re.MULTILINE)


def with_numbered_choices(text: str, buttons: Iterable[Mapping[str, Any]]) -> str:
    """``text`` with ``1. title`` lines for the buttons, unless it already numbers them.

    Our responses write their choices as numbered lines the customer answers with a
    digit; a response that only has buttons gets the same shape here.
    """
    text = text or ""
    if _NUMBERED_LINE.search(text):
        return text
    lines = [f"{number}. {button.get('title') or button.get('payload') or ''}".rstrip()
             for number, button in enumerate(buttons, start=1)]
    return "\n".join([text, *lines]) if text and lines else text or "\n".join(lines)


def _pieces(text: str, limit: int) -> Iterable[str]:
    for line in text.splitlines():
        while len(line) > limit:
            yield line[:limit]
            line = line[limit:]
        yield line


def split_text(text: str, limit: int = MAX_CHARS) -> list[str]:
    """Splits ``text`` at line boundaries into messages of at most ``limit`` characters.

    A single line longer than ``limit`` is cut at the limit. Empty messages are dropped.
    """
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for piece in _pieces(text or "", limit):
        added = len(piece) + (1 if current else 0)
        if current and size + added > limit:
            chunks.append("\n".join(current))
            current, size = [], 0
            added = len(piece)
        current.append(piece)
        size += added
    if current:
        chunks.append("\n".join(current))
    return [chunk.strip("\n") for chunk in chunks if chunk.strip()]
