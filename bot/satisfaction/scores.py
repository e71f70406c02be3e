"""Reading a satisfaction score (1–5) from what a customer types or taps."""
from __future__ import annotations

import re
import unicodedata

_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_SCORE = re.compile(r"([1-5一二两三四五])\s*(分|星|颗星)?")
_STARS = re.compile(r"[⭐★☆]{1,5}")
# A button's title sent back as typed text (``⭐⭐ 不满意``): the stars are the score.
_TITLE = re.compile(r"([⭐★]{1,5})\s*(?:非常不满意|不满意|一般|非常满意|满意)")
# Longest first, so 非常不满意 is not read as 满意.
_WORDS = (("非常不满意", 1), ("很不满意", 1), ("很差", 1), ("不满意", 2), ("一般", 3),
          ("还行", 3), ("非常满意", 5), ("很满意", 5), ("满意", 4))


def parse_score(text: str | None) -> int | None:
    """The score in a short answer like ``5``, ``５分``, ``四星``, ``⭐⭐⭐``, ``满意`` or a
    button's title (``⭐⭐ 不满意``).

    Anything longer than a short answer is not taken as a score, so a new question
    right after the satisfaction prompt is answered as a question.
    """
    if not text:
        return None
    answer = unicodedata.normalize("NFKC", text).replace("\ufe0f", "").strip().rstrip("。.!！~～")
    if match := _TITLE.fullmatch(answer):
        return len(match.group(1))
    if not answer or len(answer) > 8:
        return None
    if match := _SCORE.fullmatch(answer):
        value = match.group(1)
        return int(value) if value.isdigit() else _DIGIT[value]
    if _STARS.fullmatch(answer):
        # Only filled stars count; empty ones alone (☆☆☆) are no score, not a 0.
        return answer.count("⭐") + answer.count("★") or None
    for word, score in _WORDS:
        if answer == word:
            return score
    return None
