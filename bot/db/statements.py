"""Small portable SQL helpers: an insert that skips an existing key, a conditional update."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session


def insert_if_missing(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Inserts a row unless one with the same key exists (ON CONFLICT DO NOTHING on
    PostgreSQL and SQLite; a savepoint elsewhere), so concurrent first uses both succeed.
    Returns whether this call inserted it; the transaction goes on either way."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover (the product runs on SQLite and PostgreSQL)
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            return False
        return True
    return session.execute(insert(table).values(**values).on_conflict_do_nothing()).rowcount == 1


def moved(session: Session, statement) -> bool:
    """Runs a conditional UPDATE; whether it changed a row."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1
