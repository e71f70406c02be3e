"""Which products a customer's message talks about (bot/catalogue.py)."""
from __future__ import annotations

import pytest

from bot.catalogue import mentioned, mentioned_products
from bot.db.session import unit_of_work

STRAWBERRIES = [
    ("generic", ("草莓",)),
    ("dandong", ("丹东草莓", "草莓", "士多啤梨")),
    ("blueberry", ("丹东蓝莓", "蓝莓")),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("丹东草莓坏了", ["dandong"]),  # the most specific name wins over plain 草莓
        ("丹东 草莓 坏了", ["dandong"]),  # spaces do not matter
        ("草莓坏了", ["generic", "dandong"]),  # equally specific: both, in the given order
        ("草莓和蓝莓都烂了", ["generic", "dandong", "blueberry"]),
        ("士多啤梨能退吗", ["dandong"]),
        ("你好", []),
        ("", []),
    ],
)
def test_mentioned(text: str, expected: list[str]) -> None:
    assert mentioned(text, STRAWBERRIES) == expected


@pytest.mark.parametrize("text", ["我的ＫＦＣ全家桶", "kfc全家桶", "Kfc 全家桶"])
def test_full_width_and_case_do_not_matter(text: str) -> None:
    assert mentioned(text, [("kfc", ("KFC全家桶",))]) == ["kfc"]


def test_empty_names_match_nothing() -> None:
    assert mentioned("随便说点什么", [("blank", ("", " "))]) == []


def names(products) -> list[str]:
    return [p.name for p in products]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("士多啤梨能退吗", ["丹东草莓"]),
        ("丹东草莓烂了两个", ["丹东草莓"]),
        ("草莓和蓝莓都坏了", ["丹东草莓", "丹东蓝莓"]),
        ("纯牛奶漏了", ["光明纯牛奶"]),  # not 光明鲜牛奶 (alias 牛奶)
        ("牛奶发酸", ["光明鲜牛奶"]),
        ("土鸡蛋碎了三个", ["土鸡蛋"]),  # not 三黄鸡 (alias 土鸡)
        ("空气炸锅不加热", ["空气炸锅"]),
        ("我的货到哪了", []),
    ],
)
def test_mentioned_products(app_db, text: str, expected: list[str]) -> None:
    with unit_of_work() as session:
        assert names(mentioned_products(session, text)) == expected
