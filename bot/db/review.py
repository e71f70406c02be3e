"""What support leads review: one row per conversation session, derived from Rasa's
tracker events, with the intents seen in it, and the leads' tags, notes and corrections.

A *conversation* here is one Rasa session (``session_config`` in ``domain.yml``): the
events of a sender from one ``action_session_start`` to the next. The rows are an index
rebuilt from the tracker store at any time (``bot.review.indexer``); the tracker's events
stay the source of truth.
"""
from __future__ import annotations

from datetime import datetime
from enum import Enum

from sqlalchemy import Boolean, Column, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow


class ConversationRecord(Base):
    """One conversation session as the review list and the metrics see it."""

    __tablename__ = "conversation_records"
    __table_args__ = (
        Index("ix_conversation_records_sender_first", "sender_id", "first_event_id", unique=True),
        Index("ix_conversation_records_started_id", "started_at", "id"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    sender_id: Mapped[str] = Column(String(255), nullable=False)
    # The tracker store's event ids: the session's first event and the latest one indexed.
    first_event_id: Mapped[int] = Column(Integer, nullable=False)
    last_event_id: Mapped[int] = Column(Integer, nullable=False)
    channel: Mapped[str | None] = Column(String(40), index=True)
    customer_id: Mapped[int | None] = Column(ForeignKey("customers.id"), index=True)
    pickup_point_id: Mapped[int | None] = Column(ForeignKey("pickup_points.id"), index=True)
    is_leader: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    started_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    last_at: Mapped[datetime] = Column(UTCDateTime, nullable=False)
    first_message_at: Mapped[datetime | None] = Column(UTCDateTime)
    user_turns: Mapped[int] = Column(Integer, nullable=False, default=0)
    bot_turns: Mapped[int] = Column(Integer, nullable=False, default=0)
    agent_turns: Mapped[int] = Column(Integer, nullable=False, default=0)
    fallbacks: Mapped[int] = Column(Integer, nullable=False, default=0)
    escalated: Mapped[bool] = Column(Boolean, nullable=False, default=False, index=True)
    angry: Mapped[bool] = Column(Boolean, nullable=False, default=False, index=True)
    max_anger: Mapped[float] = Column(Float, nullable=False, default=0.0)
    # Milliseconds from the first customer message to the assistant's first answer.
    first_response_ms: Mapped[int | None] = Column(Integer)
    # The customer's messages, newline-joined and capped, for full-text search.
    customer_text: Mapped[str] = Column(Text, nullable=False, default="")
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    intents: Mapped[list["ConversationIntent"]] = relationship(
        "ConversationIntent", cascade="all, delete-orphan", order_by="ConversationIntent.intent"
    )


class ConversationIntent(Base):
    """An intent the assistant recognised at least once in a conversation."""

    __tablename__ = "conversation_intents"

    record_id: Mapped[int] = Column(ForeignKey("conversation_records.id", ondelete="CASCADE"),
                                    primary_key=True)
    intent: Mapped[str] = Column(String(60), primary_key=True, index=True)


class IndexCursor(Base):
    """How far an indexer has read a source (the tracker store's ``events.id``)."""

    __tablename__ = "index_cursors"

    name: Mapped[str] = Column(String(40), primary_key=True)
    last_event_id: Mapped[int] = Column(Integer, nullable=False, default=0)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)


class AnnotationKind(str, Enum):
    """What a lead attached: a tag, a note, or the intent a message should have had."""

    TAG = "tag"
    NOTE = "note"
    WRONG_INTENT = "wrong_intent"


class ReviewAnnotation(Base):
    """A lead's tag, note or correction on a conversation or on one customer message.

    ``event_id`` names the message (the tracker store's ``events.id``) or is ``None`` for
    the whole conversation. A ``wrong_intent`` mark keeps the message text, the intent
    the assistant understood and the one the lead picked: these become reviewed training
    examples (``bot.review.nlu_export``).
    """

    __tablename__ = "review_annotations"

    id: Mapped[int] = Column(Integer, primary_key=True)
    record_id: Mapped[int] = Column(ForeignKey("conversation_records.id"), nullable=False,
                                    index=True)
    event_id: Mapped[int | None] = Column(Integer)
    kind: Mapped[AnnotationKind] = Column(str_enum(AnnotationKind, "annotation_kind"),
                                          nullable=False, index=True)
    text: Mapped[str] = Column(String(1000), nullable=False)
    message_text: Mapped[str | None] = Column(Text)
    predicted_intent: Mapped[str | None] = Column(String(60))
    correct_intent: Mapped[str | None] = Column(String(60))
    staff_id: Mapped[int] = Column(ForeignKey("staff_accounts.id"), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    removed_at: Mapped[datetime | None] = Column(UTCDateTime)
