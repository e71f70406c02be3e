"""Webhook acceptances: a burst is written in one transaction, every caller gets its own
answer, and one bad acceptance fails only its own request."""
from __future__ import annotations

import asyncio
import sqlite3

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from bot.db import InboundKey
from bot.db import session as db_session
from bot.db.base import utcnow
from bot.db.session import get_sessionmaker, unit_of_work
from bot.messaging import first_time
from channels.accepting import GroupCommit


class Commits:
    """Counts the transactions committed on the application's database."""

    def __init__(self) -> None:
        self.count = 0
        event.listen(get_sessionmaker().kw["bind"], "commit", self._one)

    def _one(self, _connection) -> None:
        self.count += 1


def _hold_write_lock(app_db) -> sqlite3.Connection:
    """Another writer (another process, say) holding SQLite's write lock until COMMIT."""
    other = sqlite3.connect(make_url(app_db.url).database, isolation_level=None,
                            check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    return other


def _accept_key(key: str):
    return lambda session: first_time(session, "test", key, utcnow())


def _keys() -> list[str]:
    with unit_of_work() as session:
        return sorted(session.scalars(select(InboundKey.key)))


async def _queued(accepting: GroupCommit, *acceptances) -> list[asyncio.Task]:
    tasks = [asyncio.create_task(accepting.run(accept)) for accept in acceptances]
    await asyncio.sleep(0.2)  # all of them waiting while the lock is held
    return tasks


async def test_a_burst_waiting_for_the_lock_is_written_in_one_transaction(app_db):
    accepting, commits = GroupCommit(), Commits()
    other = _hold_write_lock(app_db)
    tasks = await _queued(accepting, *(_accept_key(f"m{n % 20:02}") for n in range(30)))

    other.execute("COMMIT")
    results = await asyncio.wait_for(asyncio.gather(*tasks), 10)
    transactions = commits.count

    assert results == [True] * 20 + [False] * 10, "each caller is told about its own message"
    assert _keys() == [f"m{n:02}" for n in range(20)]
    assert transactions <= 2, "the first one waited for the lock, the rest went together"


async def test_an_acceptance_that_fails_fails_only_its_own_request(app_db):
    accepting = GroupCommit()

    def broken(session):
        first_time(session, "test", "broken", utcnow())
        raise ValueError("unreadable payload")

    other = _hold_write_lock(app_db)
    tasks = await _queued(accepting, _accept_key("a"), broken, _accept_key("b"))
    other.execute("COMMIT")
    outcomes = await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 10)

    assert outcomes[0] is True and outcomes[2] is True
    assert isinstance(outcomes[1], ValueError)
    assert _keys() == ["a", "b"], "nothing of the failed acceptance was kept"


async def test_when_the_transaction_fails_every_caller_hears_it_and_nothing_is_kept(
        app_db, monkeypatch):
    monkeypatch.setattr(db_session, "WRITE_LOCK_SECONDS", 0.3)
    accepting = GroupCommit()
    other = _hold_write_lock(app_db)
    try:
        outcomes = await asyncio.wait_for(asyncio.gather(
            *(accepting.run(_accept_key(key)) for key in ("x", "y", "z")),
            return_exceptions=True), 10)
    finally:
        other.execute("ROLLBACK")

    assert all(isinstance(outcome, OperationalError) for outcome in outcomes)
    with unit_of_work() as session:
        assert session.scalar(select(func.count()).select_from(InboundKey)) == 0


async def test_a_caller_that_stops_waiting_does_not_stop_the_others(app_db):
    accepting = GroupCommit()
    other = _hold_write_lock(app_db)
    tasks = await _queued(accepting, _accept_key("gone"), _accept_key("stays"))
    tasks[0].cancel()
    other.execute("COMMIT")

    assert await asyncio.wait_for(tasks[1], 10) is True
    with pytest.raises(asyncio.CancelledError):
        await tasks[0]
    assert _keys() == ["gone", "stays"], "accepted all the same: a platform retry is a duplicate"
