"""Leads' tags, notes and "wrong understanding" marks, each audited.

A mark names one customer message (the tracker store's event id) and the intent the lead
says it should have had; the message text and the intent the assistant chose are copied
from the tracker so the mark stands on its own in the NLU export.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import audit
from bot.db.review import AnnotationKind, ReviewAnnotation
from bot.review.errors import AnnotationInvalid, AnnotationNotFound
from bot.review.filters import KNOWN_INTENTS
from bot.review.transcript import record_or_404, turns_of
from bot.transcripts import CUSTOMER

TAG_MAX = 30
NOTE_MAX = 1000


def _text(raw: Any, limit: int) -> str:
    text = " ".join(raw.split()) if isinstance(raw, str) else ""
    if not 1 <= len(text) <= limit:
        raise AnnotationInvalid("text")
    return text


def add(session: Session, tracker: Connection, record_id: int, staff_id: int,
        body: dict[str, Any], now: datetime) -> ReviewAnnotation:
    """Adds the tag, note or correction ``body`` describes.

    ``body``: ``kind`` (``tag``/``note``/``wrong_intent``), ``text`` (the tag or note;
    optional comment for a correction), ``event_id`` (a customer message; required for
    ``wrong_intent``) and ``correct_intent``.

    Raises:
        ConversationNotFound: no such conversation.
        AnnotationInvalid: anything else malformed; nothing is stored.
    """
    record = record_or_404(session, record_id)
    try:
        kind = AnnotationKind(body.get("kind"))
    except ValueError:
        raise AnnotationInvalid("kind") from None
    event_id = body.get("event_id")
    if event_id is not None and type(event_id) is not int:
        raise AnnotationInvalid("message")
    annotation = ReviewAnnotation(record_id=record.id, kind=kind, staff_id=staff_id,
                                  created_at=now, event_id=event_id)
    if kind is AnnotationKind.WRONG_INTENT or event_id is not None:
        turn = next((t for t in turns_of(session, tracker, record, reveal=True)
                     if t.event_id == event_id and t.kind == CUSTOMER), None)
        if turn is None:
            raise AnnotationInvalid("message")
        annotation.message_text = turn.text
        annotation.predicted_intent = turn.intent
    if kind is AnnotationKind.WRONG_INTENT:
        correct = body.get("correct_intent")
        if correct not in KNOWN_INTENTS or correct == annotation.predicted_intent:
            raise AnnotationInvalid("intent")
        annotation.correct_intent = correct
        comment = body.get("text")
        annotation.text = _text(comment, NOTE_MAX) if comment else f"→ {correct}"
    else:
        annotation.text = _text(body.get("text"), TAG_MAX if kind is AnnotationKind.TAG
                                else NOTE_MAX)
    session.add(annotation)
    session.flush()
    audit.record(session, f"staff:{staff_id}", f"review.{kind.value}_added",
                 "conversation_record", record.id, annotation_id=annotation.id,
                 event_id=event_id, correct_intent=annotation.correct_intent)
    return annotation


def remove(session: Session, annotation_id: int, staff_id: int, now: datetime) -> int:
    """Takes an annotation back (kept, marked removed); returns its conversation's id.

    Raises:
        AnnotationNotFound: no such annotation, or already removed.
    """
    annotation = session.get(ReviewAnnotation, annotation_id)
    if annotation is None or annotation.removed_at is not None:
        raise AnnotationNotFound(annotation_id)
    annotation.removed_at = now
    audit.record(session, f"staff:{staff_id}", f"review.{annotation.kind.value}_removed",
                 "conversation_record", annotation.record_id, annotation_id=annotation.id)
    return annotation.record_id
