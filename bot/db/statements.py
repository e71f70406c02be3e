"""Small portable SQL helpers: an insert that skips an existing key, a conditional update."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


class _PostgresInsertIgnoring(postgresql.Insert):
    """PostgreSQL's INSERT, compiled once. SQLAlchemy 1.4 caches no dialect INSERT
    (``inherit_cache = False``: its ON CONFLICT clause is not part of the cache key), so
    each ``insert_if_missing`` compiled its statement again, a third of an acceptance's
    time. Statements of this class only ever carry ON CONFLICT DO NOTHING without a
    target, so the key needs no more."""

    inherit_cache = True


class _SQLiteInsertIgnoring(sqlite.Insert):
    """SQLite's INSERT, compiled once (see ``_PostgresInsertIgnoring``)."""

    inherit_cache = True


_INSERTS_IGNORING = {"postgresql": _PostgresInsertIgnoring, "sqlite": _SQLiteInsertIgnoring}


@lru_cache(maxsize=None)
def _insert_ignoring_conflicts(table: Table, dialect: str) -> Any:
    return _INSERTS_IGNORING[dialect](table).on_conflict_do_nothing()


def insert_if_missing(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Inserts a row unless one with the same key exists (ON CONFLICT DO NOTHING on
    PostgreSQL and SQLite; a savepoint elsewhere), so concurrent first uses both succeed.
    Returns whether this call inserted it; the transaction goes on either way."""
    dialect = session.get_bind().dialect.name
    if dialect not in _INSERTS_IGNORING:  # pragma: no cover (the product runs on both)
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            return False
        return True
    return session.execute(_insert_ignoring_conflicts(table, dialect), values).rowcount == 1


def moved(session: Session, statement) -> bool:
    """Runs a conditional UPDATE; whether it changed a row."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1
