"""Staff of the agent desk (agents, leads, group leaders, admins) and their login attempts."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.db.shop import Leader


class StaffRole(str, Enum):
    """What a staff member is; ``bot.staff.roles`` says what each may do."""

    AGENT = "agent"
    LEAD = "lead"
    LEADER = "leader"
    ADMIN = "admin"


class LoginOutcome(str, Enum):
    """How a login attempt ended; only ``bad_credentials`` counts towards a lock."""

    OK = "ok"
    BAD_CREDENTIALS = "bad_credentials"
    LOCKED = "locked"


class StaffAccount(Base):
    """A person who signs in to the desk; a ``leader`` account belongs to one group leader."""

    __tablename__ = "staff_accounts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(40), unique=True, nullable=False)
    display_name: Mapped[str] = Column(String(50), nullable=False)
    role: Mapped[StaffRole] = Column(str_enum(StaffRole, "staff_role"), nullable=False)
    password_hash: Mapped[str] = Column(String(200), nullable=False)
    leader_id: Mapped[int | None] = Column(ForeignKey("leaders.id"), nullable=True, index=True)
    active: Mapped[bool] = Column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    last_login_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)
    # Refreshed while the desk is open in a browser: "agents online" for wait estimates.
    last_seen_at: Mapped[datetime | None] = Column(UTCDateTime, nullable=True)

    leader: Mapped[Leader | None] = relationship(Leader)


class LoginAttempt(Base):
    """One try to sign in, kept for throttling (per username and per address)."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = Column(Integer, primary_key=True)
    username: Mapped[str] = Column(String(40), nullable=False, index=True)
    remote_addr: Mapped[str] = Column(String(64), nullable=False, index=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    succeeded: Mapped[bool] = Column(Boolean, nullable=False)
    outcome: Mapped[LoginOutcome] = Column(str_enum(LoginOutcome, "login_outcome"), nullable=False)
