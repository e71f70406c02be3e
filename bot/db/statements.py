"""Small portable SQL helpers: an insert that skips an existing key, a conditional update."""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy import Table, bindparam, text
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

#: Dialects with INSERT … ON CONFLICT DO NOTHING (SQLite since 3.24).
_ON_CONFLICT = {"postgresql", "sqlite"}


@lru_cache(maxsize=64)
def _insert_ignoring_conflicts(table: Table, columns: tuple[str, ...],
                               dialect: Dialect) -> TextClause:
    """The statement as text with typed parameters: SQLAlchemy 1.4 caches no dialect
    INSERT … ON CONFLICT (it compiled one at every call, a third of a webhook
    acceptance's time), and a text statement is compiled once."""
    quote = dialect.identifier_preparer.quote
    names = ", ".join(quote(column) for column in columns)
    values = ", ".join(f":{column}" for column in columns)
    return text(f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({names}) "
                f"VALUES ({values}) ON CONFLICT DO NOTHING").bindparams(
        *(bindparam(column, type_=table.c[column].type) for column in columns))


def insert_if_missing(session: Session, table: Table, values: dict[str, Any]) -> bool:
    """Inserts a row unless one with the same key exists (ON CONFLICT DO NOTHING on
    PostgreSQL and SQLite; a savepoint elsewhere), so concurrent first uses both succeed.
    Returns whether this call inserted it; the transaction goes on either way."""
    dialect = session.get_bind().dialect
    if dialect.name not in _ON_CONFLICT:  # pragma: no cover (the product runs on both)
        try:
            with session.begin_nested():
                session.execute(table.insert().values(**values))
        except IntegrityError:
            return False
        return True
    statement = _insert_ignoring_conflicts(table, tuple(values), dialect)
    return session.execute(statement, values).rowcount == 1


def moved(session: Session, statement) -> bool:
    """Runs a conditional UPDATE; whether it changed a row."""
    result = session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount == 1
