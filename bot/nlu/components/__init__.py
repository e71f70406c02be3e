"""Custom Rasa NLU components, registered with Rasa's default recipe on import.

``config.yml`` names them by module path, e.g. ``bot.nlu.components.TextNormaliser``.
"""
from bot.nlu.components.anger import AngerClassifier
from bot.nlu.components.entities import CatalogueEntityExtractor
from bot.nlu.components.intent import CharNgramIntentClassifier
from bot.nlu.components.normaliser import TextNormaliser

__all__ = [
    "AngerClassifier", "CatalogueEntityExtractor", "CharNgramIntentClassifier", "TextNormaliser",
]
