"""Engine, the one ``sessionmaker`` and the unit of work.

A unit of work is one transaction: it commits when the block ends normally and
rolls back when it raises. Nothing keeps a session beyond its block.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings


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
        cursor.execute("PRAGMA busy_timeout=10000")
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
                               connect_args={"timeout": 10, "check_same_thread": False})
        _configure_sqlite(engine)
        return engine
    return create_engine(url, future=True, pool_pre_ping=True)


@lru_cache(maxsize=None)
def get_sessionmaker(url: str | None = None) -> sessionmaker:
    """The process's session factory for ``url`` (the configured database by default)."""
    engine = create_db_engine(url or get_settings().database_url)
    return sessionmaker(bind=engine, future=True, expire_on_commit=False)


@contextmanager
def unit_of_work(factory: sessionmaker | None = None) -> Iterator[Session]:
    """Yields a session inside a transaction that commits or rolls back."""
    session: Session = (factory or get_sessionmaker())()
    try:
        with session.begin():
            yield session
    finally:
        session.close()
