"""Rasa's SQL tracker store table, read directly: the review's source of truth.

``rasa.core.tracker_store.SQLTrackerStore`` keeps one row per event with the event's JSON
in ``data``; only the columns read here are declared.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Column, Float, Integer, MetaData, String, Table, Text, select
from sqlalchemy.engine import Connection, Engine

from bot.db.session import create_db_engine
from bot.settings import get_settings

EVENTS = Table(
    "events", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("type_name", String(255)),
    Column("timestamp", Float),
    Column("intent_name", String(255)),
    Column("action_name", String(255)),
    Column("data", Text),
)
SESSION_START = "action_session_start"


@dataclass(frozen=True)
class StoredEvent:
    """One tracker event with the store's id."""

    id: int
    sender_id: str
    data: Mapping[str, Any]

    @property
    def kind(self) -> str | None:
        return self.data.get("event")

    @property
    def timestamp(self) -> float | None:
        stamp = self.data.get("timestamp")
        return float(stamp) if isinstance(stamp, (int, float)) and not isinstance(stamp, bool) \
            else None

    @property
    def starts_session(self) -> bool:
        return self.kind == "action" and self.data.get("name") == SESSION_START


def _decode(raw: str | None) -> Mapping[str, Any]:
    try:
        data = json.loads(raw or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@lru_cache(maxsize=None)
def _engine(url: str) -> Engine:
    return create_db_engine(url)


def tracker_engine() -> Engine:
    """The process's engine for the tracker store (``TRACKER_STORE_URL``)."""
    return _engine(get_settings().tracker_store_url)


def has_events_table(connection: Connection) -> bool:
    return connection.dialect.has_table(connection, EVENTS.name)


def events_after(connection: Connection, after_id: int, limit: int) -> list[StoredEvent]:
    """Up to ``limit`` events with an id above ``after_id``, oldest first."""
    query = (select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.data)
             .where(EVENTS.c.id > after_id).order_by(EVENTS.c.id).limit(limit))
    return [StoredEvent(row.id, row.sender_id, _decode(row.data))
            for row in connection.execute(query)]


def conversation_events(connection: Connection, sender_id: str, first_id: int,
                        before_id: int | None, limit: int) -> list[StoredEvent]:
    """The events of one session of ``sender_id``: from ``first_id`` up to, not including,
    ``before_id`` (the next session's first event), at most ``limit``."""
    query = select(EVENTS.c.id, EVENTS.c.sender_id, EVENTS.c.data).where(
        EVENTS.c.sender_id == sender_id, EVENTS.c.id >= first_id)
    if before_id is not None:
        query = query.where(EVENTS.c.id < before_id)
    rows = connection.execute(query.order_by(EVENTS.c.id).limit(limit))
    return [StoredEvent(row.id, row.sender_id, _decode(row.data)) for row in rows]


def has_user_message(connection: Connection, sender_id: str, message_id: str, *,
                     table_exists: bool = False) -> bool:
    """Whether ``sender_id``'s tracker holds a user message with ``message_id`` (a
    message a channel hands to Rasa again, after a crash, must not be handled twice).

    ``table_exists`` skips asking the database whether the events table is there yet
    (the tracker store itself created it).
    """
    if not table_exists and not has_events_table(connection):
        return False
    needle = json.dumps({"message_id": message_id})[1:-1]  # as Rasa writes it
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    rows = connection.execute(select(EVENTS.c.data).where(
        EVENTS.c.sender_id == sender_id, EVENTS.c.type_name == "user",
        EVENTS.c.data.like(pattern, escape="\\")))
    return any(_decode(data).get("message_id") == message_id for (data,) in rows)
