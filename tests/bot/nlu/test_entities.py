"""Entities the actions use, with canonical values."""
from __future__ import annotations

import pytest

from bot.nlu.entities import EntityFinder
from bot.nlu.normalise import normalise

PRODUCTS = {"丹东草莓": "丹东草莓", "草莓": "丹东草莓", "士多啤梨": "丹东草莓",
            "土鸡蛋": "土鸡蛋", "鸡蛋": None, "电饭煲": "电饭煲"}


@pytest.fixture(scope="module")
def finder() -> EntityFinder:
    return EntityFinder(PRODUCTS)


def found(finder, text, name):
    return [(e.value, e.text, e.extra) for e in finder.find(normalise(text)) if e.name == name]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("士多啤梨烂了", [("丹东草莓", "士多啤梨")]),
        ("我买的丹东草莓坏了", [("丹东草莓", "丹东草莓")]),
        ("草莓和电饭煲都有问题", [("丹东草莓", "草莓"), ("电饭煲", "电饭煲")]),
        ("鸡蛋碎了", [("鸡蛋", "鸡蛋")]),
        ("苹果坏了", []),
    ],
)
def test_products_map_to_the_catalogue_name(finder, text, expected):
    assert [(value, said) for value, said, _ in found(finder, text, "product")] == expected


def test_a_name_several_products_share_is_marked_ambiguous(finder):
    assert found(finder, "鸡蛋碎了", "product")[0][2] == {"ambiguous": True}


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("坏了三个", 3.0, "个"),
        ("2斤", 2.0, "斤"),
        ("少了八两", 0.8, "斤"),
        ("1.1kg", 2.2, "斤"),
        ("１.５公斤", 3.0, "斤"),
        ("500克", 1.0, "斤"),
        ("一斤二两", 1.2, "斤"),
        ("两盒", 2.0, "盒"),
        ("十二个", 12.0, "个"),
        ("2斤半", 2.5, "斤"),
    ],
)
def test_quantities_are_normalised(finder, text, amount, unit):
    [(value, _, extra)] = found(finder, text, "quantity")
    assert value == pytest.approx(amount) and extra == {"amount": pytest.approx(amount), "unit": unit}


def test_a_bare_number_is_not_a_quantity(finder):
    assert found(finder, "1", "quantity") == []


@pytest.mark.parametrize(("text", "expected"), [("R1024到哪了", ["R1024"]), ("撤销r1005和R1006", ["R1005", "R1006"]),
                                                ("AR1024", []), ("R12", [])])
def test_case_references(finder, text, expected):
    assert [value for value, _, _ in found(finder, text, "case_ref")] == expected


@pytest.mark.parametrize(("text", "expected"), [("电话13812345678", ["13812345678"]),
                                                ("138 1234 5678", ["13812345678"]),
                                                ("138-1234-5678", ["13812345678"]),
                                                ("订单号123456789012", []), ("12812345678", [])])
def test_phone_numbers(finder, text, expected):
    assert [value for value, _, _ in found(finder, text, "phone")] == expected


def test_entities_come_in_text_order_with_positions(finder):
    text = normalise("草莓烂了2盒，电话13812345678")
    entities = finder.find(text)

    assert [e.name for e in entities] == ["product", "quantity", "phone"]
    assert all(text[e.start:e.end] == e.text for e in entities)
