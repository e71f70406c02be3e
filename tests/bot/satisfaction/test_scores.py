"""Reading the customer's satisfaction score from a short answer."""
from __future__ import annotations

import pytest
import yaml

from bot.satisfaction.scores import parse_score
from bot.satisfaction.texts import SCORE_BUTTONS
from bot.settings import ROOT


@pytest.mark.parametrize(("text", "score"), [
    ("5", 5),
    ("1", 1),
    ("５", 5),
    ("５分", 5),
    ("3分", 3),
    ("4 分", 4),
    ("四星", 4),
    ("五颗星", 5),
    ("两星", 2),
    ("一分", 1),
    ("⭐⭐⭐", 3),
    ("⭐", 1),
    ("⭐⭐⭐⭐⭐", 5),
    ("★★★★", 4),
    ("★★★☆☆", 3),
    ("满意", 4),
    ("很满意", 5),
    ("非常满意", 5),
    ("非常不满意", 1),
    ("不满意", 2),
    ("一般", 3),
    ("还行", 3),
    (" 5 ", 5),
    ("5。", 5),
    ("5!", 5),
    ("满意！", 4),
    ("⭐⭐ 不满意", 2),
    ("⭐⭐⭐⭐⭐ 非常满意", 5),
    ("⭐️⭐️⭐️⭐️ 满意", 4),
])
def test_a_short_answer_gives_its_score(text, score) -> None:
    assert parse_score(text) == score


@pytest.mark.parametrize("text", [
    None,
    "",
    "   ",
    "6",
    "0",
    "10",
    "55",
    "6分",
    "⭐⭐⭐⭐⭐⭐",
    "好的",
    "我的草莓坏了5盒，怎么办",
    "第5单的鸡蛋什么时候到？",
    "满意度调查是什么",
])
def test_anything_else_is_not_a_score(text) -> None:
    assert parse_score(text) is None


@pytest.mark.parametrize("text", ["☆", "☆☆☆", "☆☆☆☆☆"])
def test_empty_stars_alone_are_not_a_score_of_zero(text) -> None:
    """A 0 would be routed to the rating action and refused there; the bot asks again."""
    assert parse_score(text) is None


def test_every_button_offered_reads_as_its_own_score() -> None:
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    [asked] = domain["responses"]["utter_ask_satisfaction"]
    assert asked["buttons"] == [dict(b) for b in SCORE_BUTTONS], "both questions offer the same"
    for number, button in enumerate(SCORE_BUTTONS, start=1):
        # WeChat shows buttons as "1. …" lines: the number typed must be the score meant.
        assert int(button["payload"]) == number == parse_score(button["title"])
