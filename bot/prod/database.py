"""The databases before any server starts: the application's migrated and seeded, Rasa's
tracker store with its events table and session-start index."""
from __future__ import annotations

from bot.db.base import utcnow
from bot.db.migrate import upgrade
from bot.db.session import unit_of_work
from bot.seed import seed_demo
from bot.settings import Settings


def prepare_database(settings: Settings) -> list[str]:
    """Migrates the database and seeds the demo shop if it is empty."""
    upgrade(settings.database_url)
    with unit_of_work() as session:
        return seed_demo(session, utcnow()).lines()


#: Rasa's session-start lookup (see migration 0010), on its ``events`` table.
TRACKER_LOOKUP_INDEX = "ix_events_sender_type_timestamp"


def prepare_tracker_store(url: str) -> bool:
    """Creates Rasa's ``events`` table (Rasa's own declaration) if it is missing, and the
    ``(sender_id, type_name, timestamp)`` index Rasa's per-message session-start lookup
    needs; returns True if the index was created. Idempotent; run before the servers
    start, so the table never exists without its index."""
    from rasa.core.tracker_store import SQLTrackerStore
    from sqlalchemy import Index, MetaData, inspect

    from bot.db.session import create_db_engine

    # A copy, so Rasa's own metadata stays as Rasa declares it.
    table = SQLTrackerStore.SQLEvent.__table__.to_metadata(MetaData())
    engine = create_db_engine(url)
    try:
        table.create(engine, checkfirst=True)
        if TRACKER_LOOKUP_INDEX in {i["name"] for i in inspect(engine).get_indexes("events")}:
            return False
        Index(TRACKER_LOOKUP_INDEX, table.c.sender_id, table.c.type_name,
              table.c.timestamp).create(engine)
        return True
    finally:
        engine.dispose()
