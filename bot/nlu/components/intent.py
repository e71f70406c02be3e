"""CharNgramIntentClassifier: sets ``intent`` and ``intent_ranking`` (see
``bot.nlu.intent``); ``FallbackClassifier`` after it turns low confidence into
``nlu_fallback``."""
from __future__ import annotations

import logging
from typing import Any

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.components.persisted import PersistedModelComponent
from bot.nlu.intent import IntentModel

logger = logging.getLogger(__name__)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class CharNgramIntentClassifier(PersistedModelComponent):
    """Logistic regression over TF-IDF character n-grams of the normalised text."""

    model_class = IntentModel
    model_file = "intent.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"regularisation": 10.0, "max_ngram": 3, "ranking_length": 10}

    def train(self, training_data: TrainingData) -> Resource:
        examples = [(m.get(TEXT), m.get(INTENT)) for m in training_data.intent_examples
                    if m.get(TEXT)]
        if len({intent for _, intent in examples}) < 2:
            logger.warning("Fewer than two intents with examples: no intent model trained.")
            return self._resource
        texts, intents = zip(*examples)
        self._model = IntentModel.train(list(texts), list(intents),
                                        c=float(self._config["regularisation"]),
                                        max_ngram=int(self._config["max_ngram"]))
        return self._persist()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if self._model is None:
                message.set(INTENT, {"name": None, "confidence": 0.0}, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [], add_to_output=True)
                continue
            ranking = self._model.rank(message.get(TEXT) or "", int(self._config["ranking_length"]))
            name, confidence = ranking[0]
            message.set(INTENT, {"name": name, "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY,
                        [{"name": n, "confidence": c} for n, c in ranking], add_to_output=True)
        return messages
