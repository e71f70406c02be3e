"""Migration 0010 on PostgreSQL: the indexes come and go with the revision, Rasa's events
table gets its session-start index before any server starts, and PostgreSQL uses it for
the lookup Rasa makes on every message."""
from __future__ import annotations

import random

import pytest
from alembic import command
from sqlalchemy import inspect, text

from bot.db.migrate import alembic_config, upgrade
from bot.db.session import create_db_engine
from bot.prod.database import TRACKER_LOOKUP_INDEX, prepare_tracker_store

pytestmark = pytest.mark.services

PRODUCT_INDEXES = {("case_events", "ix_case_events_to_state_at"),
                   ("coupons", "ix_coupons_created_at")}


def _indexes(url: str) -> set[tuple[str, str]]:
    engine = create_db_engine(url)
    found = inspect(engine)
    names = {(table, index["name"]) for table in found.get_table_names()
             for index in found.get_indexes(table)}
    engine.dispose()
    return names


def test_0010_adds_and_removes_its_indexes(module_postgres_url):
    url = module_postgres_url
    upgrade(url)
    assert PRODUCT_INDEXES <= _indexes(url)
    assert ("events", TRACKER_LOOKUP_INDEX) not in _indexes(url)  # no events table yet

    assert prepare_tracker_store(url) is True
    assert prepare_tracker_store(url) is False  # idempotent
    assert ("events", TRACKER_LOOKUP_INDEX) in _indexes(url)

    command.downgrade(alembic_config(url), "0009")
    assert not PRODUCT_INDEXES & _indexes(url)
    assert ("events", TRACKER_LOOKUP_INDEX) not in _indexes(url)
    assert ("events", "ix_events_sender_id") in _indexes(url)  # Rasa's table stays

    upgrade(url)  # a database Rasa has used: the revision indexes its events table
    assert PRODUCT_INDEXES | {("events", TRACKER_LOOKUP_INDEX)} <= _indexes(url)


def test_rasas_session_start_lookup_reads_the_index(module_postgres_url):
    url = module_postgres_url
    upgrade(url)
    prepare_tracker_store(url)
    engine = create_db_engine(url)
    rng = random.Random(3)
    rows = [{"sender_id": f"sender-{n % 200}", "type_name": rng.choice(
                ["user", "bot", "action", "slot", "session_started"]),
             "timestamp": 1_700_000_000 + n, "data": "{}"} for n in range(20_000)]
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO events (sender_id, type_name, timestamp, data) "
                                "VALUES (:sender_id, :type_name, :timestamp, :data)"), rows)
        connection.execute(text("ANALYZE events"))
        # The subquery SQLTrackerStore._event_query builds for every retrieve and save.
        plan = "\n".join(connection.scalars(text(
            "EXPLAIN SELECT max(events.timestamp) AS session_start FROM events "
            "WHERE events.sender_id = 'sender-7' AND events.type_name = 'session_started'")))
    engine.dispose()

    assert TRACKER_LOOKUP_INDEX in plan, plan
