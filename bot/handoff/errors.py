"""What the desk can be refused when it acts on a handoff ticket."""
from __future__ import annotations


class HandoffError(Exception):
    """A ticket request that cannot be carried out."""


class TicketNotFound(HandoffError):
    """No such ticket."""


class AlreadyClaimed(HandoffError):
    """Another agent claimed the ticket first."""

    def __init__(self, agent_name: str | None) -> None:
        super().__init__(agent_name or "another agent")
        self.agent_name = agent_name


class NotYourTicket(HandoffError):
    """The ticket is not claimed by this agent (unclaimed, or claimed by someone else)."""


class TicketEnded(HandoffError):
    """The conversation was already handed back or closed."""
