"""Finds which products a customer's message talks about."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Product
from bot.enums import Category

# Words customers use for a whole kind of goods ("水果能退吗"), checked when no
# product of the catalogue is named.
CATEGORY_WORDS: dict[Category, tuple[str, ...]] = {
    Category.FRESH: ("生鲜", "水果", "蔬菜", "青菜", "肉", "海鲜", "鱼", "虾", "蛋", "奶",
                     "面包", "冻品"),
    Category.STANDARD: ("标品", "日用品", "零食", "粮油", "米面", "调料", "纸巾", "洗护"),
    Category.CUSTOM: ("定制", "蛋糕"),
    Category.HIGH_VALUE: ("家电", "电器", "高价"),
}

Key = TypeVar("Key")


def normalise(text: str) -> str:
    """Full-width to half-width, lower case, no spaces: how names are compared."""
    return "".join(unicodedata.normalize("NFKC", text or "").lower().split())


def mentioned(text: str, candidates: Iterable[tuple[Key, Sequence[str]]]) -> list[Key]:
    """Keys of the candidates whose name or alias appears in ``text``.

    A candidate whose longest matching name is longer wins over one matched only
    by a shorter name (``丹东草莓`` beats plain ``草莓``), so the most specific
    products come first; ties keep their given order.

    Args:
        text: The customer's message.
        candidates: ``(key, names)`` pairs, names being the product name and aliases.
    """
    haystack = normalise(text)
    scored: list[tuple[int, int, Key]] = []
    for position, (key, names) in enumerate(candidates):
        best = max((len(n) for n in map(normalise, names) if n and n in haystack), default=0)
        if best:
            scored.append((-best, position, key))
    if not scored:
        return []
    longest = min(score for score, _, _ in scored)
    return [key for score, _, key in sorted(scored) if score == longest]


def mentioned_products(session: Session, text: str) -> list[Product]:
    """Products of the catalogue that ``text`` names, most specific first."""
    products = session.scalars(select(Product).order_by(Product.id)).all()
    return mentioned(text, [(p, (p.name, *p.aliases)) for p in products])


def mentioned_category(session: Session, text: str) -> Category | None:
    """The one kind of goods ``text`` is about, by product or by category word."""
    categories = {product.category for product in mentioned_products(session, text)}
    if not categories:
        categories = set(mentioned(text, list(CATEGORY_WORDS.items())))
    return categories.pop() if len(categories) == 1 else None
