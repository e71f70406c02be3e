"""Figures about customer conversations: volume, who handled them, misunderstandings and
how fast the assistant first answered.

A *customer conversation* is a ``ConversationRecord`` (one Rasa session) that is not a
group leader's and holds at least one customer message, counted on the local day it
started.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import ConversationRecord
from bot.metrics.period import Period
from bot.metrics.stats import percentile, share


@dataclass(frozen=True)
class DayConversations:
    """One day's customer conversations."""

    conversations: int = 0
    escalated: int = 0
    user_turns: int = 0
    fallbacks: int = 0
    first_response_p50_ms: float | None = None
    first_response_p90_ms: float | None = None

    @property
    def automatic_rate(self) -> float | None:
        return share(self.conversations - self.escalated, self.conversations)

    @property
    def escalation_rate(self) -> float | None:
        return share(self.escalated, self.conversations)

    @property
    def fallback_rate(self) -> float | None:
        return share(self.fallbacks, self.user_turns)


@dataclass(frozen=True)
class ConversationFigures:
    """The period's customer conversations, in total and per day.

    ``automatic_rate``: share of customer conversations that never reached a person (no
    handoff); ``escalation_rate``: share that did; together 1. ``fallback_rate``: the
    assistant's fallback turns per customer message. First response: milliseconds from
    the first customer message to the assistant's first answer (p50, p90).
    """

    total: DayConversations
    daily: dict[date, DayConversations]


def _figures(rows: list[tuple[bool, int, int, int | None]]) -> DayConversations:
    waits = [row[3] for row in rows if row[3] is not None]
    return DayConversations(
        conversations=len(rows), escalated=sum(bool(row[0]) for row in rows),
        user_turns=sum(row[1] for row in rows), fallbacks=sum(row[2] for row in rows),
        first_response_p50_ms=percentile(waits, 0.5),
        first_response_p90_ms=percentile(waits, 0.9),
    )


def conversation_figures(session: Session, period: Period) -> ConversationFigures:
    """Volume, automatic and escalation rates, fallback rate and first response times."""
    rows = session.execute(
        select(ConversationRecord.started_at, ConversationRecord.escalated,
               ConversationRecord.user_turns, ConversationRecord.fallbacks,
               ConversationRecord.first_response_ms)
        .where(ConversationRecord.started_at >= period.start,
               ConversationRecord.started_at < period.end,
               ConversationRecord.is_leader.is_(False),
               ConversationRecord.user_turns > 0)
    ).all()
    by_day: dict[date, list[tuple[bool, int, int, int | None]]] = {
        day: [] for day in period.dates()}
    for started_at, *values in rows:
        by_day[period.day_of(started_at)].append(tuple(values))
    return ConversationFigures(
        total=_figures([tuple(row[1:]) for row in rows]),
        daily={day: _figures(day_rows) for day, day_rows in by_day.items()},
    )
