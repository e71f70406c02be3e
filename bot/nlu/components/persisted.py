"""What the trainable NLU components share: a model kept in Rasa's model storage."""
from __future__ import annotations

import logging
from typing import Any, ClassVar

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

logger = logging.getLogger(__name__)


class PersistedModelComponent(GraphComponent):
    """A component whose trained model is one file in its resource.

    Subclasses set ``model_class`` and ``model_file``, train ``self._model`` and
    call ``_persist``; loading and a missing model are handled here.
    """

    model_class: ClassVar[type]
    model_file: ClassVar[str]

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, model: Any = None) -> None:
        self._config = config
        self._storage = model_storage
        self._resource = resource
        self._model = model

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "PersistedModelComponent":
        return cls(config, model_storage, resource)

    def _persist(self) -> Resource:
        with self._storage.write_to(self._resource) as directory:
            self._model.save(directory / self.model_file)
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "PersistedModelComponent":
        try:
            with model_storage.read_from(resource) as directory:
                model = cls.model_class.load(directory / cls.model_file)
        except (ValueError, FileNotFoundError):
            logger.warning("%s has no trained model in this bundle.", cls.__name__)
            model = None
        return cls(config, model_storage, resource, model)
