"""What to tell a customer about the wait: queue length, agents online, service hours."""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.db import HandoffTicket, StaffAccount, TicketStatus
from bot.db.staff import StaffRole
from bot.handoff.hours import ServiceHours
from bot.handoff.priority import rank

ONLINE_WITHIN = timedelta(minutes=2)
DESK_ROLES = (StaffRole.AGENT, StaffRole.LEAD, StaffRole.ADMIN)


@dataclass(frozen=True)
class WaitEstimate:
    """``minutes`` is ``None`` when nobody can say: out of hours, or no agent online."""

    in_hours: bool
    agents_online: int
    ahead: int
    minutes: int | None
    opens_at: datetime | None


def mark_seen(session: Session, staff_id: int, now: datetime) -> None:
    """The agent has the desk open."""
    session.execute(update(StaffAccount).where(StaffAccount.id == staff_id)
                    .values(last_seen_at=now).execution_options(synchronize_session=False))


def agents_online(session: Session, now: datetime) -> int:
    return session.scalar(
        select(func.count(StaffAccount.id)).where(
            StaffAccount.active.is_(True), StaffAccount.role.in_(DESK_ROLES),
            StaffAccount.last_seen_at >= now - ONLINE_WITHIN,
        )
    ) or 0


def _ahead(session: Session, ticket: HandoffTicket, now: datetime) -> int:
    """Waiting tickets ``tickets.queue`` puts before ``ticket`` (rank, then arrival)."""
    def place(ticket_id: int, ticket_priority: int, created_at: datetime) -> tuple:
        return -rank(ticket_priority, now - created_at), ticket_id

    mine = place(ticket.id, ticket.priority, ticket.created_at)
    waiting = session.execute(
        select(HandoffTicket.id, HandoffTicket.priority, HandoffTicket.created_at)
        .where(HandoffTicket.status == TicketStatus.WAITING, HandoffTicket.id != ticket.id)
    ).all()
    return sum(1 for row in waiting if place(*row) < mine)


def expected_wait(session: Session, ticket: HandoffTicket, now: datetime,
                  hours: ServiceHours, minutes_per_customer: float) -> WaitEstimate:
    """The wait for ``ticket``: customers ahead of it, shared among the agents online."""
    ahead = _ahead(session, ticket, now)
    online = agents_online(session, now)
    if not hours.is_open(now):
        return WaitEstimate(False, online, ahead, None, hours.next_opening(now))
    if online == 0:
        return WaitEstimate(True, 0, ahead, None, None)
    minutes = max(1, math.ceil((ahead + 1) * minutes_per_customer / online))
    return WaitEstimate(True, online, ahead, minutes, None)
