"""Custom Rasa dialogue policies."""
from bot.dialogue.escalation_policy import EscalationPolicy

__all__ = ["EscalationPolicy"]
