"""Finds what the actions need in a message: products, quantities, case references
and phone numbers, each with a canonical value."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import spacy

from bot.choices import CASE_REF, PHONE
from bot.quantity import canonical, find_quantities


@dataclass(frozen=True)
class Entity:
    """One entity: ``value`` is canonical, ``text`` what the customer wrote."""

    name: str
    value: Any
    start: int
    end: int
    text: str
    extra: dict[str, Any] = field(default_factory=dict)


class EntityFinder:
    """Product names through a spaCy ``EntityRuler``; the rest through patterns.

    Args:
        products: Every name a customer may use, mapped to the catalogue name it
            means; ``None`` for a name several products share.
    """

    def __init__(self, products: dict[str, str | None]) -> None:
        self._nlp = spacy.blank("zh")  # character segmentation: no model to download
        ruler = self._nlp.add_pipe("entity_ruler")
        ruler.add_patterns([
            {"label": "product", "pattern": name, "id": canonical_name or name}
            for name, canonical_name in products.items()
        ])
        self._shared = {name for name, canonical_name in products.items() if canonical_name is None}

    def find(self, text: str) -> list[Entity]:
        """Entities in ``text`` (normalised), ordered by position."""
        found = [*self._products(text), *self._quantities(text), *self._refs(text),
                 *self._phones(text)]
        return sorted(found, key=lambda e: (e.start, e.name))

    def _products(self, text: str) -> list[Entity]:
        entities = []
        for span in self._nlp(text).ents:
            shared = span.text in self._shared
            entities.append(Entity("product", span.text if shared else span.ent_id_,
                                   span.start_char, span.end_char, span.text,
                                   {"ambiguous": True} if shared else {}))
        return entities

    @staticmethod
    def _quantities(text: str) -> list[Entity]:
        entities = []
        for start, end, quantity in find_quantities(text):
            amount, unit = canonical(quantity)
            entities.append(Entity("quantity", float(amount), start, end, text[start:end],
                                   {"amount": float(amount), "unit": unit}))
        return entities

    @staticmethod
    def _refs(text: str) -> list[Entity]:
        return [Entity("case_ref", m.group(0).upper(), m.start(), m.end(), m.group(0))
                for m in CASE_REF.finditer(text)]

    @staticmethod
    def _phones(text: str) -> list[Entity]:
        return [Entity("phone", "".join(m.groups()), m.start(), m.end(), m.group(0))
                for m in PHONE.finditer(text)]
