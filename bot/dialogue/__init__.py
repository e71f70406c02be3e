"""Custom Rasa dialogue policies."""
from bot.dialogue.escalation_policy import EscalationPolicy
from bot.dialogue.leader_policy import LeaderPolicy

__all__ = ["EscalationPolicy", "LeaderPolicy"]
