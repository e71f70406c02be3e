"""Anger detection: telling an angry customer from a calm complaint."""
from bot.nlu.anger.model import AngerModel, AngerScore

__all__ = ["AngerModel", "AngerScore"]
