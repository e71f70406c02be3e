"""Satisfaction surveys after a handoff ends or a case closes, and the follow-ups agents
owe customers who were unhappy."""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.db.staff import StaffAccount


class SurveySubject(str, Enum):
    """What the customer is asked to score."""

    HANDOFF = "handoff"
    CASE = "case"


class SatisfactionSurvey(Base):
    """One 1–5 question put to a customer, and their answer and comment once given."""

    __tablename__ = "satisfaction_surveys"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    customer_id: Mapped[int | None] = Column(ForeignKey("customers.id"), index=True)
    subject: Mapped[SurveySubject] = Column(str_enum(SurveySubject, "survey_subject"),
                                            nullable=False)
    ticket_id: Mapped[int | None] = Column(ForeignKey("handoff_tickets.id"), index=True)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"), index=True)
    asked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    score: Mapped[int | None] = Column(Integer)
    answered_at: Mapped[datetime | None] = Column(UTCDateTime, index=True)
    comment: Mapped[str | None] = Column(String(1000))
    commented_at: Mapped[datetime | None] = Column(UTCDateTime)


class FollowUpStatus(str, Enum):
    OPEN = "open"
    DONE = "done"


class FollowUp(Base):
    """Something an agent owes a customer, e.g. a call back after a score of 2 or less."""

    __tablename__ = "follow_ups"

    id: Mapped[int] = Column(Integer, primary_key=True)
    conversation_id: Mapped[str] = Column(String(128), nullable=False, index=True)
    customer_id: Mapped[int | None] = Column(ForeignKey("customers.id"), index=True)
    survey_id: Mapped[int | None] = Column(ForeignKey("satisfaction_surveys.id"), unique=True)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"))
    ticket_id: Mapped[int | None] = Column(ForeignKey("handoff_tickets.id"))
    reason: Mapped[str] = Column(String(40), nullable=False)
    status: Mapped[FollowUpStatus] = Column(str_enum(FollowUpStatus, "follow_up_status"),
                                            nullable=False, default=FollowUpStatus.OPEN,
                                            index=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    done_at: Mapped[datetime | None] = Column(UTCDateTime)
    done_by: Mapped[int | None] = Column(ForeignKey("staff_accounts.id"))
    outcome: Mapped[str | None] = Column(String(1000))

    survey: Mapped[SatisfactionSurvey | None] = relationship(SatisfactionSurvey)
    agent: Mapped[StaffAccount | None] = relationship(StaffAccount)
