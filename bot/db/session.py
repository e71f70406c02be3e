"""Engine, the one ``sessionmaker`` and the unit of work.

A unit of work is one transaction: it commits when the block ends normally and
rolls back when it raises. Nothing keeps a session beyond its block.
"""
from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings

#: How long a SQLite statement waits for a lock another connection holds.
BUSY_TIMEOUT_MS = 10_000


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout; and savepoints that stay inside their transaction.

    pysqlite opens a transaction only before a data change, so a SAVEPOINT that comes
    first would start the transaction itself and its RELEASE would commit it, outside the
    unit of work's control. Opening the transaction just before the savepoint keeps the
    driver's lazy locking (which the Rasa and action processes sharing one file rely on)
    and makes ``begin_nested`` behave as on PostgreSQL.
    """

    @event.listens_for(engine, "savepoint")
    def _begin_before_savepoint(connection, _name) -> None:
        dbapi_connection = connection.connection.dbapi_connection
        if not dbapi_connection.in_transaction:
            dbapi_connection.execute("BEGIN")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        # WAL lets the Rasa server and the action server use one file at once.
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()


def create_db_engine(url: str) -> Engine:
    """Creates an engine for ``url``; SQLite files get their directory created."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # A pool, as SQLAlchemy 2.0 gives file databases by default (1.4 opens a connection,
        # with its PRAGMAs, per unit of work: 18% of the action server's CPU under load).
        # A pooled connection is used by one thread at a time, so it may change threads.
        engine = create_engine(url, future=True, poolclass=QueuePool, pool_size=5,
                               max_overflow=10,
                               connect_args={"timeout": BUSY_TIMEOUT_MS / 1000,
                                             "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@lru_cache(maxsize=None)
def get_sessionmaker(url: str | None = None) -> sessionmaker:
    """The process's session factory for ``url`` (the configured database by default)."""
    engine = create_db_engine(url or get_settings().database_url)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


#: How long ``unit_of_work(lock_first=True)`` asks for SQLite's write lock.
WRITE_LOCK_SECONDS = BUSY_TIMEOUT_MS / 1000
_WRITE_LOCK_POLL = 0.001


@contextmanager
def unit_of_work(factory: sessionmaker | None = None, *,
                 lock_first: bool = False) -> Iterator[Session]:
    """Yields a session inside a transaction that commits or rolls back.

    Args:
        factory: The session factory (the configured database's by default).
        lock_first: On SQLite, take the database's write lock before the block runs,
            asking for it every millisecond. SQLite's own busy handler sleeps up to 100 ms
            between tries, and under load a waiting writer kept missing the moments the
            lock was free: for transactions someone is waiting on (a webhook's
            acknowledgement). Nothing changes on other databases.
    """
    session: Session = (factory or get_sessionmaker())()
    try:
        with session.begin():
            if lock_first:
                _take_sqlite_write_lock(session)
            yield session
    finally:
        session.close()


def _take_sqlite_write_lock(session: Session) -> None:
    connection = session.connection()
    if connection.dialect.name != "sqlite":
        return
    dbapi_connection = connection.connection.dbapi_connection
    deadline = time.monotonic() + WRITE_LOCK_SECONDS
    restore = f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}"
    dbapi_connection.execute("PRAGMA busy_timeout=0")
    try:
        _begin_immediate(dbapi_connection, deadline)
    except BaseException:
        with suppress(sqlite3.Error):  # the first error is the one to report
            dbapi_connection.execute(restore)
        raise
    dbapi_connection.execute(restore)


def _begin_immediate(dbapi_connection: sqlite3.Connection, deadline: float) -> None:
    while True:
        try:
            dbapi_connection.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() >= deadline:
                raise OperationalError("BEGIN IMMEDIATE", None, error) from error
        time.sleep(_WRITE_LOCK_POLL)
