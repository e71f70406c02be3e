"""A unit of work commits everything or nothing, savepoints included, on SQLite too; with
``lock_first`` it holds SQLite's write lock from its start."""
from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import HandoffTicket
from bot.db import session as db_session
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


def _other_writer(app_db) -> sqlite3.Connection:
    """A second connection to the same file that gives up at once on a held lock."""
    connection = sqlite3.connect(make_url(app_db.url).database, timeout=0,
                                 isolation_level=None, check_same_thread=False)
    return connection


def test_lock_first_holds_the_write_lock_from_the_start_of_the_block(app_db):
    other = _other_writer(app_db)
    with unit_of_work(lock_first=True):
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")


def test_lock_first_waits_for_a_writer_elsewhere_and_then_writes(app_db):
    other = _other_writer(app_db)
    other.execute("BEGIN IMMEDIATE")
    threading.Timer(0.3, other.execute, ["COMMIT"]).start()

    with unit_of_work(lock_first=True) as session:
        tickets.open_ticket(session, _ticket("uow-4"), utcnow())

    with unit_of_work() as session:
        assert session.scalars(select(HandoffTicket.conversation_id)).all() == ["uow-4"]


def test_lock_first_gives_up_when_the_lock_stays_taken(app_db, monkeypatch):
    monkeypatch.setattr(db_session, "WRITE_LOCK_SECONDS", 0.2)
    other = _other_writer(app_db)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(OperationalError, match="locked"), unit_of_work(lock_first=True):
            pass
    finally:
        other.execute("ROLLBACK")

    with unit_of_work(lock_first=True) as session:
        tickets.open_ticket(session, _ticket("uow-5"), utcnow())
