"""When a conversation needs a person.

From the customer's messages: an angry message, two moderately angry messages in a
row, an explicit request for a human, or two messages in a row the assistant did not
understand. From the case work: a case the policy sends to manual review, or a case
the customer urges after its review deadline has passed (actions raise these as a
``handoff_signal``; ``bot.dialogue.EscalationPolicy`` decides on both kinds).
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Escalation(str, Enum):
    HUMAN_REQUESTED = "human_requested"
    ANGRY = "angry"
    REPEATED_ANGER = "repeated_anger"
    NOT_UNDERSTOOD = "not_understood"
    MANUAL_REVIEW = "manual_review"
    OVERDUE_CASE = "overdue_case"


@dataclass(frozen=True)
class Turn:
    """What the NLU made of one customer message."""

    intent: str | None
    anger: float
    angry: bool


def escalation(turns: list[Turn], moderate_anger: float,
               already_escalated: bool = False) -> Escalation | None:
    """The reason to hand over after the latest of ``turns``, or ``None``.

    Args:
        turns: The customer's messages in this conversation, oldest first.
        moderate_anger: Anger score from which two messages in a row escalate.
        already_escalated: A person has been asked for already; only an explicit
            request is repeated then, so the customer is not apologised to twice.
    """
    if not turns:
        return None
    latest = turns[-1]
    if latest.intent == "request_human":
        return Escalation.HUMAN_REQUESTED
    if already_escalated:
        return None
    if latest.angry:
        return Escalation.ANGRY
    last_two = turns[-2:]
    if len(last_two) == 2 and all(t.anger >= moderate_anger for t in last_two):
        return Escalation.REPEATED_ANGER
    if len(last_two) == 2 and all(t.intent == "nlu_fallback" for t in last_two):
        return Escalation.NOT_UNDERSTOOD
    return None
