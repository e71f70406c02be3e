"""Refusals the desk answers with: domain errors mapped to an HTTP status and a polite
Chinese message, in one place."""
from __future__ import annotations

from typing import Any

from bot import messages
from bot.cases.errors import (
    AmountInvalid,
    CaseError,
    CaseNotFound,
    CaseNotOpen,
    InvalidTransition,
    NoteInvalid,
    RefundAlreadyPaid,
    ResolutionMissing,
)
from bot.cases.review import NOTE_MAX
from bot.handoff.errors import (
    AlreadyClaimed,
    HandoffError,
    NotYourTicket,
    TicketEnded,
    TicketNotFound,
)
from bot.messaging.rasa_api import RasaUnavailable
from channels.console import texts


class Refusal(Exception):
    """A request the desk turns down; nothing was changed by it.

    Args:
        status: The HTTP status.
        message: What staff read.
        extra: More fields for the JSON answer (e.g. ``{"retry": True}``).
    """

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra

    def body(self) -> dict[str, Any]:
        return {"error": self.message, **self.extra}


def _handoff(error: HandoffError) -> Refusal:
    if isinstance(error, TicketNotFound):
        return Refusal(404, texts.TICKET_NOT_FOUND)
    if isinstance(error, AlreadyClaimed):
        return Refusal(409, texts.ALREADY_CLAIMED.format(
            agent=error.agent_name or texts.SOMEONE_ELSE))
    if isinstance(error, TicketEnded):
        return Refusal(409, texts.TICKET_ENDED)
    if isinstance(error, NotYourTicket):
        return Refusal(409, texts.NOT_YOUR_TICKET)
    return Refusal(409, str(error))


def _case(error: CaseError) -> Refusal:
    if isinstance(error, CaseNotFound):
        return Refusal(404, texts.CASE_NOT_FOUND)
    if isinstance(error, InvalidTransition):
        return Refusal(409, texts.CASE_WRONG_STATE.format(
            state=messages.CASE_STATE[error.state]))
    if isinstance(error, CaseNotOpen):
        return Refusal(409, texts.CASE_NOT_OPEN)
    if isinstance(error, AmountInvalid):
        if error.limit == 0:
            return Refusal(400, texts.EXCHANGE_NO_AMOUNT)
        return Refusal(400, texts.AMOUNT_INVALID.format(limit=f"{error.limit:.2f}"))
    if isinstance(error, NoteInvalid):
        return Refusal(400, texts.NOTE_INVALID.format(limit=NOTE_MAX))
    if isinstance(error, ResolutionMissing):
        return Refusal(409, texts.RESOLUTION_MISSING)
    if isinstance(error, RefundAlreadyPaid):
        return Refusal(409, texts.REFUND_ALREADY_PAID)
    return Refusal(409, str(error))


def refusal_for(error: Exception) -> Refusal | None:
    """The refusal for an error the desk expects, or ``None`` for a real fault."""
    if isinstance(error, Refusal):
        return error
    if isinstance(error, HandoffError):
        return _handoff(error)
    if isinstance(error, CaseError):
        return _case(error)
    if isinstance(error, RasaUnavailable):
        return Refusal(502, texts.RASA_DOWN)
    return None
