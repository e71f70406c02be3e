"""A conversation as a lead reviews it: every turn in order with its time and what the
assistant understood, handoff segments with the agent's name, case changes interleaved,
and the lead's tags, notes and corrections.

Events come straight from the tracker store, so a transcript does not need the Rasa server.
"""
from __future__ import annotations

from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import messages
from bot.db import CaseEvent, Evidence, HandoffTicket, ReturnCase, StaffAccount
from bot.db.review import ConversationRecord, ReviewAnnotation
from bot.review.conversations import R
from bot.review.errors import ConversationNotFound
from bot.review.events import conversation_events
from bot.review.masking import mask
from bot.review.views import summaries
from bot.transcripts import Entity, Turn, photo_urls, to_turns

MAX_EVENTS = 5000


def record_or_404(session: Session, record_id: int) -> ConversationRecord:
    record = session.get(ConversationRecord, record_id)
    if record is None:
        raise ConversationNotFound(record_id)
    return record


def _next_first_event(session: Session, record: ConversationRecord) -> int | None:
    return session.scalar(
        select(R.first_event_id).where(R.sender_id == record.sender_id,
                                       R.first_event_id > record.first_event_id)
        .order_by(R.first_event_id).limit(1))


def _masked(turn: Turn) -> Turn:
    entities = tuple(Entity(e.entity, mask(e.value), mask(e.text)) for e in turn.entities)
    return replace(turn, text=mask(turn.text), entities=entities)


def _evidence_by_url(session: Session, customer_id: int | None,
                     urls: set[str]) -> dict[str, int]:
    if customer_id is None or not urls:
        return {}
    rows = session.execute(select(Evidence.source_url, Evidence.id).where(
        Evidence.customer_id == customer_id, Evidence.source_url.in_(urls))).all()
    return {url: evidence_id for url, evidence_id in rows}


def _case_items(session: Session, record: ConversationRecord) -> list[dict[str, Any]]:
    cases = session.scalars(select(ReturnCase).where(
        ReturnCase.conversation_id == record.sender_id,
        ReturnCase.created_at >= record.started_at,
        ReturnCase.created_at <= record.last_at)).all()
    items = []
    for case in cases:
        for event in session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                     .order_by(CaseEvent.id)):
            items.append({
                "kind": "case", "at": event.at.isoformat(), "ref": case.ref,
                "event": event.kind, "actor": event.actor, "note": event.note,
                "to_state": messages.CASE_STATE[event.to_state] if event.to_state else None})
    return items


def _handoff_items(session: Session, record: ConversationRecord) -> list[dict[str, Any]]:
    tickets = session.execute(
        select(HandoffTicket, StaffAccount.display_name)
        .outerjoin(StaffAccount, StaffAccount.id == HandoffTicket.claimed_by)
        .where(HandoffTicket.conversation_id == record.sender_id,
               HandoffTicket.created_at >= record.started_at,
               HandoffTicket.created_at <= record.last_at)).all()
    items = []
    for ticket, agent in tickets:
        items.append({"kind": "handoff", "at": ticket.created_at.isoformat(),
                      "segment": "start", "reason": ticket.reason, "agent": agent})
        if ticket.claimed_at is not None:
            items.append({"kind": "handoff", "at": ticket.claimed_at.isoformat(),
                          "segment": "claimed", "reason": ticket.reason, "agent": agent})
        if ticket.ended_at is not None:
            items.append({"kind": "handoff", "at": ticket.ended_at.isoformat(),
                          "segment": ticket.status.value, "reason": ticket.reason,
                          "agent": agent})
    return items


def annotations(session: Session, record_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ReviewAnnotation, StaffAccount.display_name)
        .join(StaffAccount, StaffAccount.id == ReviewAnnotation.staff_id)
        .where(ReviewAnnotation.record_id == record_id, ReviewAnnotation.removed_at.is_(None))
        .order_by(ReviewAnnotation.id)).all()
    return [{"id": a.id, "kind": a.kind.value, "event_id": a.event_id, "text": a.text,
             "predicted_intent": a.predicted_intent, "correct_intent": a.correct_intent,
             "author": author, "created_at": a.created_at.isoformat()} for a, author in rows]


def turns_of(session: Session, tracker: Connection, record: ConversationRecord,
             *, reveal: bool) -> list[Turn]:
    """The record's turns from the tracker store, masked unless ``reveal``."""
    events = conversation_events(tracker, record.sender_id, record.first_event_id,
                                 _next_first_event(session, record), MAX_EVENTS)
    data = [event.data for event in events]
    by_url = _evidence_by_url(session, record.customer_id, photo_urls(data))
    turns = to_turns(data, by_url, [event.id for event in events])
    return turns if reveal else [_masked(turn) for turn in turns]


def transcript(session: Session, tracker: Connection, record_id: int, *,
               reveal: bool = False) -> dict[str, Any]:
    """The whole review view of one conversation.

    Raises:
        ConversationNotFound: no such record.
    """
    record = record_or_404(session, record_id)
    turns = turns_of(session, tracker, record, reveal=reveal)
    items: list[dict[str, Any]] = [turn.as_dict() for turn in turns]
    items += _case_items(session, record) + _handoff_items(session, record)
    items.sort(key=lambda item: item.get("at") or "")
    return {"conversation": summaries(session, [record], reveal=reveal)[0],
            "items": items, "annotations": annotations(session, record.id),
            "revealed": reveal}
