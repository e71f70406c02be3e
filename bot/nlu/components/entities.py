"""CatalogueEntityExtractor: products (spaCy EntityRuler over the catalogue's lookup
table and synonyms), quantities, case references and phone numbers."""
from __future__ import annotations

import json
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.entities import EntityFinder

_FILE = "products.json"


def product_names(training_data: TrainingData, lookup: str) -> dict[str, str | None]:
    """Every name in the ``lookup`` table, mapped to the product its synonym names."""
    names: dict[str, str | None] = {}
    for table in training_data.lookup_tables:
        if table.get("name") == lookup:
            for element in table.get("elements") or []:
                names[element] = training_data.entity_synonyms.get(element)
    canonical = set(training_data.entity_synonyms.values())
    # A product's own name is its canonical value; other names without a synonym
    # are shared by several products.
    return {name: (target or (name if name in canonical else None)) for name, target in names.items()}


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class CatalogueEntityExtractor(GraphComponent):
    """Adds ``product``, ``quantity``, ``case_ref`` and ``phone`` entities."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lookup": "product"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 products: dict[str, str | None] | None = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._finder = EntityFinder(products or {})

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "CatalogueEntityExtractor":
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        products = product_names(training_data, self._config["lookup"])
        self._finder = EntityFinder(products)
        with self._storage.write_to(self._resource) as directory:
            (directory / _FILE).write_text(json.dumps(products, ensure_ascii=False),
                                           encoding="utf-8")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "CatalogueEntityExtractor":
        try:
            with model_storage.read_from(resource) as directory:
                products = json.loads((directory / _FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            products = {}
        return cls(config, model_storage, resource, products)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            found = [
                {"entity": e.name, "value": e.value, "start": e.start, "end": e.end,
                 "text": e.text, "extractor": type(self).__name__,
                 **({"additional_info": e.extra} if e.extra else {})}
                for e in self._finder.find(message.get(TEXT) or "")
            ]
            message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages
