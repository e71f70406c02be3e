"""AngerClassifier: adds ``anger: {score, is_angry}`` to every parsed message.

Trained from the examples that carry an anger label in their metadata
(``metadata: {anger: angry|calm}``, see ``data/anger/``), plus general social-media
style examples that are not customer intents (``general_data``, angry / not_angry).
Customer messages are judged by the threshold chosen on customer messages; text that
does not read as customer chat by the threshold chosen on the general examples (see
``bot.nlu.anger.model``).
"""
from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from typing import Any

import yaml
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.nlu.constants import TOKENS_NAMES
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.anger import AngerModel, AngerScore
from bot.nlu.anger.model import words
from bot.nlu.components.persisted import PersistedModelComponent
from bot.nlu.normalise import normalise
from bot.settings import ROOT

logger = logging.getLogger(__name__)

ANGER = "anger"
OUT_OF_SCOPE = "out_of_scope"
LABELS = {"angry": True, "calm": False}


def anger_label(message: Message) -> bool | None:
    """The anger label of a training example, or ``None`` if it has none."""
    metadata = message.get("metadata") or {}
    label = (metadata.get("example") or {}).get(ANGER)
    return LABELS.get(label) if isinstance(label, str) else None


def tokens_of(message: Message) -> list[str]:
    """The tokeniser's words (Jieba with the product dictionary), or Jieba's own."""
    tokens = message.get(TOKENS_NAMES[TEXT]) or []
    return [t.text for t in tokens] or words(normalise(message.get(TEXT) or ""))


def _general_path(config: dict[str, Any]) -> Path | None:
    name = config.get("general_data")
    return (ROOT / name) if name else None


def general_examples(path: Path | None) -> list[tuple[str, bool]]:
    """``(text, angry)`` pairs of the general-domain file, if there is one."""
    if path is None:
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(text, True) for text in data.get("angry") or []] + [
        (text, False) for text in data.get("not_angry") or []
    ]


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class AngerClassifier(PersistedModelComponent):
    """Scores anger separately from intent: a complaint is not anger."""

    model_class = AngerModel
    model_file = "anger.joblib"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # threshold None: chosen by cross-validation at training time.
        return {"threshold": None, "regularisation": 10.0, "general_data": None}

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """Retrains when the general-domain file changes (it is not Rasa training data)."""
        path = _general_path(config)
        if path is None or not path.exists():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        # (text, angry, tokens, in-domain, customer service: a shop intent, not chit-chat)
        labelled = [(m.get(TEXT), label, tokens_of(m), True, m.get(INTENT) != OUT_OF_SCOPE)
                    for m in training_data.training_examples
                    if m.get(TEXT) and (label := anger_label(m)) is not None]
        labelled += [(text, label, words(normalise(text)), False, False)
                     for text, label in general_examples(_general_path(self._config))]
        if not labelled:
            logger.warning("No anger-labelled examples: every message will score 0.0.")
            return self._resource
        texts, labels, tokens, in_domain, service = zip(*labelled)
        self._model = AngerModel.train(list(texts), list(labels),
                                       c=float(self._config["regularisation"]),
                                       threshold=self._config["threshold"], tokens=list(tokens),
                                       in_domain=list(in_domain), service=list(service))
        logger.info("Anger model trained on %d examples (%d angry), threshold %.2f, "
                    "general threshold %s", len(labels), sum(labels), self._model.threshold,
                    self._model.general_threshold)
        return self._persist()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            result = (self._model.score(text, tokens_of(message)) if self._model
                      else AngerScore(0.0, False))
            message.set(ANGER, result.as_dict(), add_to_output=True)
        return messages
