"""Reads a customer's pick from a numbered list (1, ２, 第二个, 选3, 3号), and the
patterns of case references and mobile phone numbers."""
from __future__ import annotations

import re
import unicodedata

_CN = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
       "九": 9, "十": 10}
_CHOICE = re.compile(
    r"^(?:我?选|要|就|是)?第?(?P<n>\d{1,2}|[一二两三四五六七八九十])(?:个|号|项|条|种|单)?"
    r"(?:吧|的|那个|这个|那单|啊|呀|哈)?$"
)
CASE_REF = re.compile(r"(?<![A-Za-z0-9])R\d{3,}(?!\d)", re.IGNORECASE)
# Chinese mobile numbers, also written 138 1234 5678 or 138-1234-5678.
PHONE = re.compile(r"(?<!\d)(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)")


def parse_choice(text: str, options: int) -> int | None:
    """The 1-based option the customer picked, or ``None``.

    Only short answers count, so a sentence like "坏了2个" is never read as a pick.
    """
    cleaned = "".join(unicodedata.normalize("NFKC", text or "").split()).rstrip("。.!！~～")
    match = _CHOICE.match(cleaned)
    if not match:
        return None
    raw = match.group("n")
    number = int(raw) if raw.isdigit() else _CN[raw]
    return number if 1 <= number <= options else None


def case_ref(text: str) -> str | None:
    """A case reference like ``R1024`` in the text, upper-cased."""
    match = CASE_REF.search(unicodedata.normalize("NFKC", text or ""))
    return match.group(0).upper() if match else None
