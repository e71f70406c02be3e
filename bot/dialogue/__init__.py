"""Custom Rasa dialogue policies."""
from bot.dialogue.escalation_policy import EscalationPolicy
from bot.dialogue.form_aware_ted import FormAwareTEDPolicy
from bot.dialogue.leader_policy import LeaderPolicy

__all__ = ["EscalationPolicy", "FormAwareTEDPolicy", "LeaderPolicy"]
