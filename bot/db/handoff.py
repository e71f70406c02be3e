"""Handoff tickets: a conversation waiting for, or with, a human agent; and agents' notes."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.db.staff import StaffAccount


class TicketStatus(str, Enum):
    """Where a handoff stands: waiting for an agent, with one, or over."""

    WAITING = "waiting"
    CLAIMED = "claimed"
    RETURNED = "returned"
    CLOSED = "closed"


class HandoffTicket(Base):
    """One handoff of one conversation to the agent desk.

    ``open_key`` holds the conversation id while the ticket is waiting or claimed and is
    unique, so a conversation never has two open tickets, whichever process opens them.
    """

    __tablename__ = "handoff_tickets"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    channel: Mapped[str | None] = Column(String(30))
    customer_id: Mapped[int | None] = Column(ForeignKey("customers.id"), index=True)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"))
    order_line_id: Mapped[int | None] = Column(ForeignKey("order_lines.id"))
    reason: Mapped[str] = Column(String(30), nullable=False)
    priority: Mapped[int] = Column(Integer, nullable=False)
    anger: Mapped[float] = Column(Float, nullable=False, default=0.0)
    order_value: Mapped[Decimal | None] = Column(Numeric(10, 2))
    summary: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    status: Mapped[TicketStatus] = Column(str_enum(TicketStatus, "ticket_status"),
                                          nullable=False, index=True)
    open_key: Mapped[str | None] = Column(String(128), unique=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    claimed_at: Mapped[datetime | None] = Column(UTCDateTime)
    claimed_by: Mapped[int | None] = Column(ForeignKey("staff_accounts.id"))
    unclaimed_notice_at: Mapped[datetime | None] = Column(UTCDateTime)
    ended_at: Mapped[datetime | None] = Column(UTCDateTime)
    ended_by: Mapped[int | None] = Column(ForeignKey("staff_accounts.id"))

    agent: Mapped[StaffAccount | None] = relationship(StaffAccount, foreign_keys=[claimed_by])
    notes: Mapped[list["TicketNote"]] = relationship(
        "TicketNote", back_populates="ticket", order_by="TicketNote.id"
    )


class TicketNote(Base):
    """An internal note on a handoff: agents see it, the customer never does."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ticket_id: Mapped[int] = Column(ForeignKey("handoff_tickets.id"), nullable=False, index=True)
    staff_id: Mapped[int] = Column(ForeignKey("staff_accounts.id"), nullable=False)
    text: Mapped[str] = Column(String(1000), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    ticket: Mapped[HandoffTicket] = relationship(HandoffTicket, back_populates="notes")
    author: Mapped[StaffAccount] = relationship(StaffAccount)
