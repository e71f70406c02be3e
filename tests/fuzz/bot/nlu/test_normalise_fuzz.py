"""Fuzzing ``bot.nlu.normalise``: every text a customer can send has one canonical form —
total, idempotent, bounded in length, free of control characters."""
from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.nlu.normalise import MAX_CHARS, has_chinese, normalise
from tests.fuzz.budget import FUZZ

pytestmark = pytest.mark.fuzz

# Customer-like text: Chinese (simplified and traditional), full-width forms, emoji,
# WeChat emoticon codes, whitespace of every kind, controls, combining marks, anything.
_PIECES = st.sampled_from([
    "草莓", "烂了", "退款", "謝謝", "顏色", "ＡＢＣ１２３", "！？", "[捂脸]", "😡", "👍🏻", "\u3000",
    "\t", "\n", "\r\n", "\u200b", "\ufeff", "\x00", "\x85", "\u2028", "e\u0301", "ﬁ", "㍿",
    "ﷺ", "İ", "ẞ", " ", "  ", "R1024", "1.1kg", "２斤",
])
_CUSTOMER_TEXT = st.lists(st.one_of(_PIECES, st.text(max_size=20)), max_size=60).map("".join)
_ANY_TEXT = st.one_of(st.text(max_size=1500), _CUSTOMER_TEXT,
                      st.text(alphabet=st.characters(codec="utf-8"), min_size=400, max_size=1200))


@FUZZ
@given(text=st.one_of(st.none(), _ANY_TEXT))
def test_normalise_is_total_and_bounded(text):
    result = normalise(text)

    assert isinstance(result, str)
    assert len(result) <= MAX_CHARS
    assert result == result.strip()
    assert not any(ch in result for ch in "\x00\t\n\r\x0b\x0c\x7f\ufeff\u200b")
    assert "  " not in result


@FUZZ
@given(text=_ANY_TEXT)
@example("a" * (MAX_CHARS - 1) + " b")  # a cut that would leave a trailing space
@example("ﷺ" * 30)  # NFKC makes one character eighteen
def test_normalise_is_idempotent(text):
    once = normalise(text)

    assert normalise(once) == once


@FUZZ
@given(text=_ANY_TEXT, limit=st.integers(min_value=1, max_value=600))
def test_any_limit_is_respected_and_stable(text, limit):
    once = normalise(text, max_chars=limit)

    assert len(once) <= limit
    assert normalise(once, max_chars=limit) == once


@FUZZ
@given(text=_ANY_TEXT)
def test_has_chinese_is_total_and_survives_normalisation(text):
    assert isinstance(has_chinese(text), bool)
    if has_chinese(normalise(text)):
        assert has_chinese(text) or any(ord(ch) > 0x2e7f for ch in text)
