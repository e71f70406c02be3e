"""Handoffs ended and questions answered, each in its own unit of work, for the
satisfaction tests."""
from __future__ import annotations

from datetime import timedelta

from bot.db import HandoffTicket
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.satisfaction import ask_about_handoff, record_comment, record_score
from tests.bot.handoff.desk import open_new


def ended(at, agent: int, conversation_id: str = "demo-1", *, close: bool = False) -> int:
    """A handoff of ``conversation_id`` claimed and ended by ``agent``; returns its id."""
    ticket_id = open_new(conversation_id, at)
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, agent, at + timedelta(minutes=1))
        tickets.end(session, ticket_id, agent, at + timedelta(minutes=5), close=close)
    return ticket_id


def asked_after(ticket_id: int, at):
    with unit_of_work() as session:
        return ask_about_handoff(session, session.get(HandoffTicket, ticket_id), at)


def score(conversation_id: str, value: int, at):
    with unit_of_work() as session:
        return record_score(session, conversation_id, value, at)


def comment(conversation_id: str, text: str, at):
    with unit_of_work() as session:
        return record_comment(session, conversation_id, text, at)
