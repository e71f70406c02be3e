"""Replies shaped for WeChat: numbered choices and long texts split at line boundaries."""
from __future__ import annotations

from channels.wechat.replies import MAX_CHARS, split_text, with_numbered_choices

BUTTONS = [{"title": "没拆封", "payload": "1"}, {"title": "已经拆了", "payload": "2"}]


def test_buttons_become_numbered_lines_when_the_text_has_none():
    assert with_numbered_choices("商品拆封了吗？", BUTTONS) == "商品拆封了吗？\n1. 没拆封\n2. 已经拆了"


def test_text_that_already_numbers_its_choices_is_left_alone():
    text = "商品拆封了吗？\n1. 没拆封\n2. 已经拆了"
    assert with_numbered_choices(text, BUTTONS) == text


def test_buttons_without_text_or_title():
    assert with_numbered_choices("", [{"payload": "/affirm"}]) == "1. /affirm"
    assert with_numbered_choices("好的", []) == "好的"


def test_short_text_is_one_message():
    assert split_text("您好\n请问有什么可以帮您？") == ["您好\n请问有什么可以帮您？"]
    assert split_text("") == [] and split_text("\n\n") == []


def test_long_text_is_split_at_line_boundaries_within_the_limit():
    lines = [f"{n}. " + "草莓" * 40 for n in range(1, 30)]
    text = "\n".join(lines)
    assert len(text) > 3 * MAX_CHARS

    chunks = split_text(text)

    assert len(chunks) > 3
    assert all(len(chunk) <= MAX_CHARS for chunk in chunks)
    assert "\n".join(chunks) == text, "nothing lost, lines never cut"
    assert all(chunk.split("\n")[0] in lines for chunk in chunks)


def test_a_single_line_longer_than_the_limit_is_cut():
    chunks = split_text("烂" * (2 * MAX_CHARS + 10))
    assert [len(c) for c in chunks] == [MAX_CHARS, MAX_CHARS, 10]
