"""How much of an order line the customer says is affected (bot/quantity.py)."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.quantity import in_line_unit, parse_quantity


@pytest.mark.parametrize(
    ("text", "line_unit", "bought", "expected"),
    [
        # counts are taken in the line's unit
        ("两个", "个", "3", "2"),
        ("坏了两盒", "盒", "2", "2"),
        ("3盒", "盒", "5", "3"),
        ("２盒", "盒", "5", "2"),  # full-width digit from a Chinese keyboard
        ("十二个", "个", "20", "12"),
        ("二十个", "个", "30", "20"),
        ("俩", "个", "3", "2"),
        ("2个半", "个", "3", "2.5"),
        # weights are converted into the line's weight unit
        ("1.5kg", "斤", "5", "3"),
        ("1.5KG", "斤", "5", "3"),
        ("１．５公斤", "斤", "5", "3"),
        ("500g", "斤", "2", "1"),
        ("250克", "斤", "2", "0.5"),
        ("八两", "斤", "2", "0.8"),
        ("二两", "斤", "2", "0.2"),
        ("两两", "斤", "2", "0.2"),
        ("半斤", "斤", "2", "0.5"),
        ("一斤半", "斤", "3", "1.5"),
        ("两斤半", "斤", "3", "2.5"),
        ("一点五斤", "斤", "3", "1.5"),
        ("两斤", "斤", "3", "2"),
        # fractions and "everything" are taken of what was bought
        ("一半", "个", "5", "2.5"),
        ("一半都坏了", "盒", "2", "1"),
        ("全部", "盒", "2", "2"),
        ("都烂了", "盒", "2", "2"),
        ("全都坏了", "斤", "1.5", "1.5"),
        ("整盒都不能吃", "盒", "3", "3"),
    ],
)
def test_affected_amount_in_the_lines_unit(text: str, line_unit: str, bought: str, expected: str) -> None:
    parsed = parse_quantity(text)
    assert parsed is not None
    assert in_line_unit(parsed, line_unit, Decimal(bought)) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("两个", "2", "个"),
        ("3盒", "3", "盒"),
        ("２盒", "2", "盒"),
        ("1.5kg", "1.5", "kg"),
        ("八两", "8", "两"),
        ("半斤", "0.5", "斤"),
        ("一斤半", "1.5", "斤"),
        ("十二个", "12", "个"),
        ("一百零五个", "105", "个"),
        ("3", "3", None),
    ],
)
def test_amount_and_unit_as_said(text: str, amount: str, unit: str | None) -> None:
    parsed = parse_quantity(text)
    assert parsed is not None
    assert (parsed.amount, parsed.unit, parsed.everything, parsed.fraction) == (
        Decimal(amount), unit, False, None)


@pytest.mark.parametrize("text", ["全部", "都烂了", "全坏了", "所有的都发霉了", "一个都不能吃"])
def test_everything(text: str) -> None:
    parsed = parse_quantity(text)
    assert parsed is not None and parsed.everything


def test_half_of_it_is_a_fraction_not_an_amount() -> None:
    parsed = parse_quantity("一半")
    assert parsed is not None
    assert parsed.fraction == Decimal("0.5") and parsed.amount is None


@pytest.mark.parametrize("text", ["草莓坏了", "发霉了", "你好", "", None])
def test_no_quantity(text: str | None) -> None:
    assert parse_quantity(text) is None


def test_a_count_on_a_weighed_line_is_taken_in_the_lines_unit() -> None:
    # "2个" of apples sold by the jin cannot be converted; the number is kept.
    parsed = parse_quantity("2个")
    assert in_line_unit(parsed, "斤", Decimal("3")) == Decimal("2")


def test_a_fraction_is_rounded_to_cents() -> None:
    parsed = parse_quantity("一半")
    assert in_line_unit(parsed, "斤", Decimal("1.55")) == Decimal("0.78")


def test_jin_and_liang_together() -> None:
    parsed = parse_quantity("一斤二两")
    assert in_line_unit(parsed, "斤", Decimal("3")) == Decimal("1.2")
