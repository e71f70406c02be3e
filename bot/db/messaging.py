"""Channel plumbing that must survive restarts: inbound de-duplication keys, the inbox
of accepted messages and the outbound message outbox."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped

from bot.db.base import Base, UTCDateTime, utcnow


class InboundKey(Base):
    """A platform message (or nonce) already accepted, so a retry is not processed twice."""

    __tablename__ = "inbound_keys"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    key: Mapped[str] = Column(String(200), nullable=False)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class InboundMessage(Base):
    """A platform message acknowledged to the platform and waiting to be handled.

    Written in the transaction that accepts the message, so an acknowledged message
    survives the process that acknowledged it; a process handling it holds a lease
    (``lease_until``) it renews while working, and a message whose lease ran out is
    taken over by another process.
    """

    __tablename__ = "inbound_messages"
    __table_args__ = (UniqueConstraint("channel", "key"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    sender: Mapped[str] = Column(String(128), nullable=False, index=True)
    key: Mapped[str] = Column(String(200), nullable=False)
    payload: Mapped[dict] = Column(JSON, nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    lease_until: Mapped[datetime | None] = Column(UTCDateTime)
    last_error: Mapped[str | None] = Column(Text)
    received_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    handled_at: Mapped[datetime | None] = Column(UTCDateTime)


class OutboundMessage(Base):
    """A message to a customer on a platform, kept until it is delivered or given up."""

    __tablename__ = "outbound_messages"

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    recipient: Mapped[str] = Column(String(128), nullable=False, index=True)
    payload: Mapped[dict] = Column(JSON, nullable=False)
    state: Mapped[str] = Column(String(20), nullable=False, default="pending", index=True)
    attempts: Mapped[int] = Column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    last_error: Mapped[str | None] = Column(Text)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    delivered_at: Mapped[datetime | None] = Column(UTCDateTime)
