"""Customers' short answers to the return form's questions (bot/answers.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.answers import REASON_OPTIONS, plain_number, quantity, reason, resolution, unopened
from bot.enums import Reason, Resolution

ORIGINAL, BALANCE, COUPON, EXCHANGE = (Resolution.REFUND_ORIGINAL, Resolution.REFUND_BALANCE,
                                       Resolution.COUPON, Resolution.EXCHANGE)
FRESH_OPTIONS = (ORIGINAL, BALANCE, COUPON)


# The reason question (domain.yml, utter_ask_problem_reason) is numbered in this order:
# 1. 坏了/不新鲜 2. 破损/压坏/漏了 3. 发错货 4. 少发/漏发 5. 没问题，只是不想要了
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", Reason.SPOILED),
        ("2", Reason.DAMAGED),
        ("3", Reason.WRONG_ITEM),
        ("4", Reason.MISSING),
        ("5", Reason.NO_REASON),
        ("５", Reason.NO_REASON),
        ("第四个", Reason.MISSING),
    ],
)
def test_reason_by_number(text: str, expected: Reason) -> None:
    assert reason(text) is expected


def test_numbered_reasons_follow_the_question() -> None:
    assert REASON_OPTIONS == (Reason.SPOILED, Reason.DAMAGED, Reason.WRONG_ITEM, Reason.MISSING,
                              Reason.NO_REASON)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("烂了", Reason.SPOILED),
        ("草莓发霉了", Reason.SPOILED),
        ("不新鲜", Reason.SPOILED),
        ("碎了", Reason.DAMAGED),
        ("鸡蛋破了", Reason.DAMAGED),
        ("牛奶漏了", Reason.DAMAGED),
        ("发错了", Reason.WRONG_ITEM),
        ("不是我买的", Reason.WRONG_ITEM),
        ("少了一个", Reason.MISSING),
        ("没收到", Reason.MISSING),
        ("不想要了", Reason.NO_REASON),
        ("买多了", Reason.NO_REASON),
    ],
)
def test_reason_by_words(text: str, expected: Reason) -> None:
    assert reason(text) is expected


@pytest.mark.parametrize("text", ["6", "0", "你好", "", "怎么办"])
def test_no_reason_recognised(text: str) -> None:
    assert reason(text) is None


@pytest.mark.parametrize("text", ["压坏了", "摔坏了"])
def test_crushed_is_damage(text: str) -> None:
    assert reason(text) is Reason.DAMAGED


def test_left_out_of_the_delivery_is_missing() -> None:
    assert reason("漏发了") is Reason.MISSING


def test_ordered_by_mistake_is_no_reason() -> None:
    assert reason("我拍错了") is Reason.NO_REASON


# "商品拆封了吗？ 1. 没拆封 2. 已经拆了"
@pytest.mark.parametrize(
    ("text", "intent", "expected"),
    [
        ("1", None, True),
        ("2", None, False),
        ("没拆封", None, True),
        ("还没打开", None, True),
        ("没有拆开", None, True),
        ("原封不动", None, True),
        ("已经拆了", None, False),
        ("拆开了", None, False),
        ("吃了一个", None, False),
        ("开封了", None, False),
        # the question is "opened?": no means unopened, yes means opened
        ("没有", "deny", True),
        ("是的", "affirm", False),
        ("asdf", None, None),
        ("不知道", None, None),
        ("3", None, None),
    ],
)
def test_unopened(text: str, intent: str | None, expected: bool | None) -> None:
    assert unopened(text, intent) is expected


def test_unopened_words_win_over_the_intent() -> None:
    assert unopened("已经拆了", "deny") is False
    assert unopened("没拆", "affirm") is True


@pytest.mark.parametrize(
    ("text", "options", "expected"),
    [
        ("1", FRESH_OPTIONS, ORIGINAL),
        ("2", FRESH_OPTIONS, BALANCE),
        ("3", FRESH_OPTIONS, COUPON),
        ("4", FRESH_OPTIONS, None),  # not offered
        ("4", FRESH_OPTIONS + (EXCHANGE,), EXCHANGE),
        ("2", (BALANCE, ORIGINAL), ORIGINAL),  # digits follow the offered order
        ("余额", FRESH_OPTIONS, BALANCE),
        ("退余额吧", FRESH_OPTIONS, BALANCE),
        ("给我券", FRESH_OPTIONS, COUPON),
        ("换成优惠券", FRESH_OPTIONS + (EXCHANGE,), COUPON),
        ("换一个", FRESH_OPTIONS + (EXCHANGE,), EXCHANGE),
        ("换一个", FRESH_OPTIONS, None),  # exchange not offered for fresh goods
        ("原路退", FRESH_OPTIONS, ORIGINAL),
        ("退回微信", FRESH_OPTIONS, ORIGINAL),
        ("余额", (ORIGINAL, COUPON), None),
        ("券", (ORIGINAL, BALANCE), None),
        ("原路退", (BALANCE, COUPON), None),
        ("随便", FRESH_OPTIONS, None),
    ],
)
def test_resolution(text: str, options: tuple[Resolution, ...], expected: Resolution | None) -> None:
    assert resolution(text, options) is expected


@pytest.mark.parametrize(
    ("text", "line_unit", "bought", "expected"),
    [
        ("两盒", "盒", "2", "2"),
        ("八两", "斤", "2", "0.8"),
        ("全部", "盒", "3", "3"),
        ("0个", "个", "3", None),  # nothing affected is not an answer
        ("不知道", "个", "3", None),
    ],
)
def test_quantity_answer(text: str, line_unit: str, bought: str, expected: str | None) -> None:
    answer = quantity(text, line_unit, Decimal(bought))
    assert answer == (None if expected is None else Decimal(expected))


@pytest.mark.parametrize(
    ("value", "shown"),
    [("2.00", "2"), ("2", "2"), ("10", "10"), ("100.00", "100"), ("1.50", "1.5"), ("0.5", "0.5"),
     ("0.80", "0.8"), ("2.25", "2.25")],
)
def test_plain_number(value: str, shown: str) -> None:
    assert plain_number(Decimal(value)) == shown
