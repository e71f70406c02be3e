"""Puts customer text into one canonical form before anything reads it.

Full-width letters, digits and punctuation become half-width, traditional characters
become simplified, Latin letters lower case, control characters and runs of
whitespace go, and very long messages are cut (the start says what it is about).
WeChat emoticon codes such as ``[捂脸]`` are kept: they carry meaning.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from opencc import OpenCC

MAX_CHARS = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\ufeff\ufffd]")
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _to_simplified() -> OpenCC:
    return OpenCC("t2s")


def normalise(text: str | None, max_chars: int = MAX_CHARS) -> str:
    """The canonical form of ``text`` (empty string for ``None``)."""
    if not text:
        return ""
    text = text[: max_chars * 2]
    text = unicodedata.normalize("NFKC", text)
    text = _CONTROL.sub(" ", text)
    text = _SPACES.sub(" ", text).strip().lower()
    # Cut, then strip again: a cut can end on a space, and the form must be canonical
    # (normalising it again changes nothing).
    return _to_simplified().convert(text)[:max_chars].rstrip()


def has_chinese(text: str) -> bool:
    """Whether ``text`` contains at least one CJK character."""
    return any("\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf" for ch in text)
