"""The review list: conversations matching a filter, newest first, in keyset pages.

Paging goes by ``(started_at, id)`` from a cursor rather than by offset, so page 500 of
100,000 conversations costs what page 1 costs (index ``ix_conversation_records_started_id``).
Outcome and satisfaction are read live from cases and surveys, so a case approved a week
after the conversation shows as approved.
"""
from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from bot.db import CaseEvent, Customer, ReturnCase
from bot.db.review import ConversationIntent, ConversationRecord
from bot.db.satisfaction import SatisfactionSurvey
from bot.enums import CaseState
from bot.review.errors import BadFilter
from bot.review.filters import ConversationFilter, Outcome

MAX_PAGE = 100
COUNT_CAP = 10_000
R = ConversationRecord


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def session_cases() -> Any:
    """Cases opened during the conversation (its sender, between its first and last event)."""
    return and_(ReturnCase.conversation_id == R.sender_id,
                ReturnCase.created_at >= R.started_at,
                ReturnCase.created_at <= R.last_at)


def _case_reached(state: CaseState) -> Any:
    return exists(select(CaseEvent.id).join(ReturnCase, ReturnCase.id == CaseEvent.case_id)
                  .where(session_cases(), CaseEvent.to_state == state))


def _outcome(outcome: Outcome) -> Any:
    if outcome is Outcome.CASE_OPENED:
        return exists(select(ReturnCase.id).where(session_cases()))
    if outcome is Outcome.NO_CASE:
        return ~exists(select(ReturnCase.id).where(session_cases()))
    state = {Outcome.APPROVED: CaseState.APPROVED, Outcome.REJECTED: CaseState.REJECTED,
             Outcome.REFUNDED: CaseState.REFUNDED}[outcome]
    return _case_reached(state)


def _customer(text: str) -> Any:
    like = _like(text)
    matches = select(Customer.id).where(or_(
        Customer.name.like(like, escape="\\"), Customer.nickname.like(like, escape="\\"),
        Customer.phone.like(f"%{text}", escape="\\") if text.isdigit() and len(text) >= 4
        else False))
    return or_(R.customer_id.in_(matches), R.sender_id == text)


def conditions(criteria: ConversationFilter) -> list[Any]:
    """The WHERE clauses of ``criteria`` over ``conversation_records``."""
    start, end = criteria.window()
    where: list[Any] = [R.started_at >= start, R.started_at < end]
    if criteria.channels:
        where.append(R.channel.in_(criteria.channels))
    if criteria.customer:
        where.append(_customer(criteria.customer))
    if criteria.pickup_point_id is not None:
        where.append(R.pickup_point_id == criteria.pickup_point_id)
    if criteria.intents:
        where.append(exists(select(ConversationIntent.record_id).where(
            ConversationIntent.record_id == R.id,
            ConversationIntent.intent.in_(criteria.intents))))
    for column, wanted in ((R.escalated, criteria.escalated), (R.angry, criteria.angry)):
        if wanted is not None:
            where.append(column.is_(wanted))
    if criteria.fallback is not None:
        where.append(R.fallbacks > 0 if criteria.fallback else R.fallbacks == 0)
    if criteria.outcome is not None:
        where.append(_outcome(criteria.outcome))
    if criteria.satisfaction:
        where.append(exists(select(SatisfactionSurvey.id).where(
            SatisfactionSurvey.conversation_id == R.sender_id,
            SatisfactionSurvey.asked_at >= R.started_at,
            SatisfactionSurvey.score.in_(criteria.satisfaction))))
    for word in criteria.text:
        where.append(R.customer_text.like(_like(word), escape="\\"))
    return where


def matching(criteria: ConversationFilter) -> Select:
    """``SELECT conversation_records`` matching ``criteria``, newest first."""
    return select(R).where(*conditions(criteria)).order_by(R.started_at.desc(), R.id.desc())


def encode_cursor(record: ConversationRecord) -> str:
    raw = f"{record.started_at.isoformat()}|{record.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int]:
    """Raises ``BadFilter`` for anything ``encode_cursor`` did not make."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, record_id = raw.split("|")
        moment = datetime.fromisoformat(stamp)
        if moment.tzinfo is None or not record_id.isdigit():
            raise ValueError(raw)
        return moment, int(record_id)
    except (ValueError, UnicodeDecodeError):
        raise BadFilter("cursor") from None


@dataclass(frozen=True)
class Page:
    """One page of the list, where the next one starts, and how many match in all
    (``total`` stops counting at ``COUNT_CAP``)."""

    records: list[ConversationRecord]
    next_cursor: str | None
    total: int
    total_capped: bool


def count(session: Session, criteria: ConversationFilter, cap: int = COUNT_CAP) -> int:
    """How many conversations match, counting at most ``cap + 1``."""
    limited = select(R.id).where(*conditions(criteria)).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(limited)) or 0


def list_page(session: Session, criteria: ConversationFilter, *, cursor: str | None = None,
              limit: int = 50) -> Page:
    """The page of conversations after ``cursor`` (from the newest without one)."""
    limit = max(1, min(limit, MAX_PAGE))
    query = matching(criteria)
    if cursor:
        moment, record_id = decode_cursor(cursor)
        query = query.where(or_(R.started_at < moment,
                                and_(R.started_at == moment, R.id < record_id)))
    records = list(session.scalars(query.limit(limit + 1)))
    more = len(records) > limit
    records = records[:limit]
    total = count(session, criteria)
    return Page(records=records,
                next_cursor=encode_cursor(records[-1]) if more and records else None,
                total=min(total, COUNT_CAP), total_capped=total > COUNT_CAP)

