"""Picks from numbered lists and case references in customers' messages (bot/choices.py)."""
from __future__ import annotations

import pytest

from bot.choices import case_ref, parse_choice


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("1", 3, 1),
        ("２", 3, 2),  # full width
        (" 2 ", 3, 2),
        ("2。", 3, 2),
        ("第二个", 3, 2),
        ("第二个吧", 3, 2),
        ("第一个吧。", 3, 1),
        ("选3", 3, 3),
        ("我选2", 3, 2),
        ("就2吧", 3, 2),
        ("3号", 3, 3),
        ("第2单", 3, 2),
        ("二", 3, 2),
        ("第十个", 12, 10),
        ("10", 12, 10),
    ],
)
def test_short_picks(text: str, options: int, expected: int) -> None:
    assert parse_choice(text, options) == expected


@pytest.mark.parametrize(
    ("text", "options"),
    [
        ("4", 3),  # above the list
        ("0", 3),
        ("第十个", 5),
        ("6", 5),
        ("坏了2个", 5),  # a sentence with a number is not a pick
        ("草莓烂了3盒", 5),
        ("我要退2号订单的草莓", 5),
        ("", 5),
        ("好的", 5),
    ],
)
def test_not_a_pick(text: str, options: int) -> None:
    assert parse_choice(text, options) is None


def test_none_text_is_not_a_pick() -> None:
    assert parse_choice(None, 3) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("撤销 r1024 吧", "R1024"),
        ("撤销R1024", "R1024"),
        ("售后单R1024的进度", "R1024"),
        ("R1024号怎么样了", "R1024"),
        ("Ｒ１０２４", "R1024"),  # full width
        ("R0901", "R0901"),
        ("撤销我的售后", None),
        ("AR1024", None),  # part of another code
        ("R12", None),  # too short to be a case
        ("", None),
    ],
)
def test_case_ref(text: str, expected: str | None) -> None:
    assert case_ref(text) == expected
