"""Opening tickets and looking at what the desk would see, for the handoff tests."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select

from bot.db import AuditEntry, HandoffTicket, StaffAccount, TicketNote
from bot.db.session import unit_of_work
from bot.handoff import tickets

AGENT_NAME = "客服小李"  # agent1, the ``agent`` fixture


def staff_id(username: str) -> int:
    with unit_of_work() as session:
        return session.scalars(
            select(StaffAccount.id).where(StaffAccount.username == username)
        ).one()


def new_ticket(conversation_id: str = "demo-1", *, reason: str = "human_requested",
               priority: int = 20) -> HandoffTicket:
    """A ticket as ``build_ticket`` hands it over: not added, no status yet."""
    return HandoffTicket(conversation_id=conversation_id, reason=reason, priority=priority,
                         anger=0.0, summary={})


def open_new(conversation_id: str, at: datetime, *, priority: int = 20,
             reason: str = "human_requested") -> int:
    """Opens a ticket in its own unit of work, as the bot does; returns its id."""
    with unit_of_work() as session:
        ticket, created = tickets.open_ticket(
            session, new_ticket(conversation_id, reason=reason, priority=priority), at)
        assert created
        return ticket.id


def claimed_by_agent(at: datetime, agent: int, conversation_id: str = "demo-1") -> int:
    """Opens a ticket at ``at`` that ``agent`` claims a minute later; returns its id."""
    ticket_id = open_new(conversation_id, at)
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, agent, at + timedelta(minutes=1))
    return ticket_id


def load(ticket_id: int) -> HandoffTicket:
    """The ticket as stored now."""
    with unit_of_work() as session:
        return session.get(HandoffTicket, ticket_id)


def tickets_of(conversation_id: str) -> list[HandoffTicket]:
    with unit_of_work() as session:
        return list(session.scalars(
            select(HandoffTicket).where(HandoffTicket.conversation_id == conversation_id)
            .order_by(HandoffTicket.id)
        ))


def trail(ticket_id: int) -> list[tuple[str, str]]:
    """``(actor, action)`` of every audit entry about the ticket, oldest first."""
    with unit_of_work() as session:
        return [(e.actor, e.action) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "handoff_ticket",
                                     AuditEntry.entity_id == str(ticket_id))
            .order_by(AuditEntry.id)
        )]


def audit_detail(ticket_id: int, action: str) -> dict:
    with unit_of_work() as session:
        return session.scalars(
            select(AuditEntry.detail).where(AuditEntry.entity == "handoff_ticket",
                                            AuditEntry.entity_id == str(ticket_id),
                                            AuditEntry.action == action)
        ).one()


def note_count() -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(TicketNote))
