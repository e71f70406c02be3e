"""Finds which products a customer's message talks about."""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Product

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
