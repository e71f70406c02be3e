"""Intent classification over character n-grams."""
from bot.nlu.intent.model import IntentModel

__all__ = ["IntentModel"]
