"""Opening, claiming and ending handoff tickets; every change is audited.

Claims are single conditional UPDATEs, so two agents (or two desk processes) can never
both hold a ticket: the second gets ``AlreadyClaimed``.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.db import HandoffTicket, StaffAccount, TicketNote, TicketStatus
from bot.handoff.errors import AlreadyClaimed, NotYourTicket, TicketEnded, TicketNotFound
from bot.handoff.priority import rank

OPEN = (TicketStatus.WAITING, TicketStatus.CLAIMED)
MAX_NOTE_LENGTH = 1000


def _actor(staff_id: int) -> str:
    return f"staff:{staff_id}"


def get_ticket(session: Session, ticket_id: int) -> HandoffTicket:
    """Raises ``TicketNotFound`` unless the ticket exists."""
    ticket = session.get(HandoffTicket, ticket_id)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def open_ticket_for(session: Session, conversation_id: str) -> HandoffTicket | None:
    """The conversation's waiting or claimed ticket, if any."""
    return session.scalars(
        select(HandoffTicket).where(HandoffTicket.open_key == conversation_id)
    ).first()


def open_ticket(session: Session, ticket: HandoffTicket, now: datetime) -> tuple[HandoffTicket, bool]:
    """Adds ``ticket`` as waiting, unless the conversation already has an open one.

    Returns:
        The open ticket and whether it is the new one.
    """
    existing = open_ticket_for(session, ticket.conversation_id)
    if existing is not None:
        return existing, False
    ticket.status = TicketStatus.WAITING
    ticket.open_key = ticket.conversation_id
    ticket.created_at = now
    try:
        with session.begin_nested():
            session.add(ticket)
            session.flush()
    except IntegrityError:
        existing = open_ticket_for(session, ticket.conversation_id)
        if existing is None:
            raise
        return existing, False
    audit.record(session, "bot", "handoff.opened", "handoff_ticket", ticket.id,
                 conversation_id=ticket.conversation_id, reason=ticket.reason,
                 priority=ticket.priority)
    return ticket, True


def _refusal(session: Session, ticket_id: int, staff_id: int) -> Exception:
    ticket = get_ticket(session, ticket_id)
    session.refresh(ticket)
    if ticket.status not in OPEN:
        return TicketEnded(ticket_id)
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by != staff_id:
        agent = session.get(StaffAccount, ticket.claimed_by)
        return AlreadyClaimed(agent.display_name if agent else None)
    return NotYourTicket(ticket_id)


def claim(session: Session, ticket_id: int, staff_id: int, now: datetime) -> HandoffTicket:
    """Gives a waiting ticket to the agent; claiming one's own ticket again is harmless.

    Raises:
        TicketNotFound, AlreadyClaimed, TicketEnded.
    """
    claimed = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.WAITING)
        .values(status=TicketStatus.CLAIMED, claimed_by=staff_id, claimed_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    ticket = get_ticket(session, ticket_id)
    session.refresh(ticket)
    if claimed:
        audit.record(session, _actor(staff_id), "handoff.claimed", "handoff_ticket", ticket_id,
                     conversation_id=ticket.conversation_id)
        return ticket
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by == staff_id:
        return ticket
    raise _refusal(session, ticket_id, staff_id)


def held_by(session: Session, ticket_id: int, staff_id: int) -> HandoffTicket:
    """The ticket, if this agent holds it now (to reply, note or hand back).

    Raises:
        TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded.
    """
    ticket = get_ticket(session, ticket_id)
    if ticket.status is TicketStatus.CLAIMED and ticket.claimed_by == staff_id:
        return ticket
    raise _refusal(session, ticket_id, staff_id)


def unclaim(session: Session, ticket_id: int, staff_id: int, now: datetime) -> HandoffTicket:
    """Puts the agent's ticket back in the queue for someone else.

    Raises:
        TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded.
    """
    released = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.CLAIMED,
               HandoffTicket.claimed_by == staff_id)
        .values(status=TicketStatus.WAITING, claimed_by=None, claimed_at=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not released:
        raise _refusal(session, ticket_id, staff_id)
    ticket = get_ticket(session, ticket_id)
    session.refresh(ticket)
    audit.record(session, _actor(staff_id), "handoff.unclaimed", "handoff_ticket", ticket_id,
                 conversation_id=ticket.conversation_id)
    return ticket


def end(session: Session, ticket_id: int, staff_id: int, now: datetime,
        *, close: bool) -> HandoffTicket:
    """Hands the conversation back to the bot (``close=False``) or closes it.

    Raises:
        TicketNotFound, AlreadyClaimed, NotYourTicket, TicketEnded.
    """
    status = TicketStatus.CLOSED if close else TicketStatus.RETURNED
    ended = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.CLAIMED,
               HandoffTicket.claimed_by == staff_id)
        .values(status=status, open_key=None, ended_at=now, ended_by=staff_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not ended:
        raise _refusal(session, ticket_id, staff_id)
    ticket = get_ticket(session, ticket_id)
    session.refresh(ticket)
    audit.record(session, _actor(staff_id), f"handoff.{status.value}", "handoff_ticket",
                 ticket_id, conversation_id=ticket.conversation_id)
    return ticket


def add_note(session: Session, ticket_id: int, staff_id: int, text: str,
             now: datetime) -> TicketNote:
    """An internal note on any ticket the agent can see.

    Raises:
        TicketNotFound; ValueError: empty or longer than ``MAX_NOTE_LENGTH``.
    """
    text = (text or "").strip()
    if not text or len(text) > MAX_NOTE_LENGTH:
        raise ValueError("a note has 1 to 1000 characters")
    ticket = get_ticket(session, ticket_id)
    note = TicketNote(ticket_id=ticket.id, staff_id=staff_id, text=text, created_at=now)
    session.add(note)
    session.flush()
    audit.record(session, _actor(staff_id), "handoff.note_added", "handoff_ticket", ticket_id,
                 note_id=note.id)
    return note


def queue(session: Session, now: datetime) -> list[HandoffTicket]:
    """Open tickets: waiting ones first, by rank (priority plus minutes waited), then claimed."""
    tickets = session.scalars(
        select(HandoffTicket).where(HandoffTicket.status.in_(OPEN))
    ).all()
    return sorted(tickets, key=lambda t: (
        t.status is not TicketStatus.WAITING, -rank(t.priority, now - t.created_at), t.id,
    ))


def due_unclaimed_notice(session: Session, now: datetime, timeout: timedelta) -> list[int]:
    """Ids of tickets waiting longer than ``timeout`` whose customer has not been told."""
    return list(session.scalars(
        select(HandoffTicket.id).where(
            HandoffTicket.status == TicketStatus.WAITING,
            HandoffTicket.unclaimed_notice_at.is_(None),
            HandoffTicket.created_at <= now - timeout,
        ).order_by(HandoffTicket.id)
    ))


def take_unclaimed_notice(session: Session, ticket_id: int, now: datetime) -> bool:
    """Marks the notice as sent; ``False`` if another process took it or an agent claimed it."""
    taken = session.execute(
        update(HandoffTicket)
        .where(HandoffTicket.id == ticket_id, HandoffTicket.status == TicketStatus.WAITING,
               HandoffTicket.unclaimed_notice_at.is_(None))
        .values(unclaimed_notice_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if taken:
        ticket = get_ticket(session, ticket_id)
        audit.record(session, "bot", "handoff.unclaimed_notice", "handoff_ticket", ticket_id,
                     conversation_id=ticket.conversation_id)
    return bool(taken)


def release_unclaimed_notice(session: Session, ticket_id: int) -> None:
    """Takes back ``take_unclaimed_notice`` when the notice could not be sent."""
    session.execute(
        update(HandoffTicket).where(HandoffTicket.id == ticket_id)
        .values(unclaimed_notice_at=None).execution_options(synchronize_session=False)
    )
    audit.record(session, "bot", "handoff.unclaimed_notice_failed", "handoff_ticket", ticket_id)
