"""Group leaders as users of the assistant: chat identities, forwarded complaints, first checks."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Boolean, Column, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.db.cases import ReturnCase
from bot.db.shop import Leader


class LeaderIdentity(Base):
    """A leader's chat identity (WeChat openid, Telegram user id, REST sender id).

    Kept apart from customers' identities: only a row here gives leader abilities.
    """

    __tablename__ = "leader_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    leader_id: Mapped[int] = Column(ForeignKey("leaders.id"), nullable=False, index=True)
    channel: Mapped[str] = Column(String(30), nullable=False)
    external_id: Mapped[str] = Column(String(128), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    leader: Mapped[Leader] = relationship(Leader)


class LeaderBindCode(Base):
    """A one-time code (stored hashed) with which a leader binds a chat identity."""

    __tablename__ = "leader_bind_codes"

    id: Mapped[int] = Column(Integer, primary_key=True)
    leader_id: Mapped[int] = Column(ForeignKey("leaders.id"), nullable=False, index=True)
    code_hash: Mapped[str] = Column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    used_at: Mapped[datetime | None] = Column(UTCDateTime)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class ForwardState(str, Enum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"


class LeaderForward(Base):
    """Group-chat text a leader forwarded, read into complaints awaiting confirmation.

    ``items`` holds the complaints as shown to the leader (numbered); ``case_ids`` the
    cases created on confirmation. One row per leader and text: the same text forwarded
    again finds this row instead of creating cases twice.
    """

    __tablename__ = "leader_forwards"
    __table_args__ = (UniqueConstraint("leader_id", "text_hash"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    leader_id: Mapped[int] = Column(ForeignKey("leaders.id"), nullable=False, index=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False)
    text: Mapped[str] = Column(Text, nullable=False)
    text_hash: Mapped[str] = Column(String(64), nullable=False)
    items: Mapped[list[dict[str, Any]]] = Column(JSON, nullable=False, default=list)
    case_ids: Mapped[list[int]] = Column(JSON, nullable=False, default=list)
    state: Mapped[ForwardState] = Column(str_enum(ForwardState, "forward_state"), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    confirmed_at: Mapped[datetime | None] = Column(UTCDateTime)


class TaskDecision(str, Enum):
    APPROVED = "approved"
    REJECTED = "rejected"
    TO_PLATFORM = "to_platform"


class LeaderTask(Base):
    """The first check (初审) of one case by the leader of its pickup point.

    Times record the task's life for leader performance: pushed to the leader's chat,
    reminded after the deadline, escalated to the platform after the second deadline,
    decided; ``overturned`` when the platform later reversed the leader's decision.
    """

    __tablename__ = "leader_tasks"

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, unique=True)
    leader_id: Mapped[int] = Column(ForeignKey("leaders.id"), nullable=False, index=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    due_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    notified_at: Mapped[datetime | None] = Column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = Column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = Column(UTCDateTime)
    decided_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    decision: Mapped[TaskDecision | None] = Column(str_enum(TaskDecision, "task_decision"))
    decision_note: Mapped[str | None] = Column(String(200))
    disposition_confirmed_at: Mapped[datetime | None] = Column(UTCDateTime)
    overturned: Mapped[bool] = Column(Boolean, nullable=False, default=False)

    case: Mapped[ReturnCase] = relationship(ReturnCase)
    leader: Mapped[Leader] = relationship(Leader)
