"""A unit of work commits everything or nothing, savepoints included, on SQLite too."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import HandoffTicket
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.handoff import tickets


class Boom(Exception):
    pass


def _ticket(conversation_id: str) -> HandoffTicket:
    return HandoffTicket(conversation_id=conversation_id, reason="human_requested", priority=20,
                         anger=0.0, summary={})


def test_a_failing_unit_of_work_keeps_nothing_written_in_a_savepoint(app_db):
    with pytest.raises(Boom), unit_of_work() as session:
        tickets.open_ticket(session, _ticket("uow-1"), utcnow())
        raise Boom

    with unit_of_work() as session:
        assert session.scalars(select(HandoffTicket)).all() == []


def test_a_rolled_back_savepoint_keeps_the_rest_of_the_unit_of_work(app_db):
    with unit_of_work() as session:
        tickets.open_ticket(session, _ticket("uow-2"), utcnow())
        with pytest.raises(Boom), session.begin_nested():
            tickets.open_ticket(session, _ticket("uow-3"), utcnow())
            raise Boom

    with unit_of_work() as session:
        kept = session.scalars(select(HandoffTicket.conversation_id)).all()
    assert kept == ["uow-2"]
