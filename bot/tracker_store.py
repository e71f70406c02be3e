"""Rasa's SQL tracker store riding out a dropped database connection.

Rasa 3.6's ``SQLTrackerStore`` creates its engine without ``pool_pre_ping``: once
PostgreSQL has dropped the pooled connections (a restart, a failover,
``pg_terminate_backend``), the next message's tracker read or write ran on a dead
connection and failed. :class:`ResilientSQLTrackerStore` (the ``tracker_store`` of
``endpoints.yml``) tests a pooled connection before handing it out and replaces it when it
is dead, and reads and writes a tracker once more when the connection was lost while in
use (``DBAPIError.connection_invalidated``; SQLAlchemy then drops the whole pool).

Reads and writes run in a worker thread, so the server's event loop (other customers'
messages, WeChat acknowledgements) goes on while the database works or waits for the
disk. A SQLite file gets a connection pool, as the product's engine does
(``bot.db.session.create_db_engine``): SQLAlchemy 1.4 opened a fresh connection for every
read and write. A save's new events go in one multi-row INSERT.

Writing twice cannot double events. A save is one transaction that inserts only the
tracker's events after the ones already stored in the conversation's latest session (as
``SQLTrackerStore.save`` does: ``_additional_events`` counts the stored ones). A write whose
transaction was lost stored nothing and is written again; one that committed before the
connection dropped is found stored and the second write inserts nothing. Events go to the
event broker once, before the write, as in Rasa.
"""
from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import create_engine_kwargs
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from bot.db.session import create_db_engine
from bot.db.tracker_store import UrlSQLTrackerStore
from bot.review.events import has_user_message

logger = logging.getLogger(__name__)
T = TypeVar("T")


class ResilientSQLTrackerStore(UrlSQLTrackerStore):
    """``UrlSQLTrackerStore`` (``TRACKER_STORE_URL``) with pre-pinged pooled connections
    and one more try when the connection was lost.

    Args:
        domain: The assistant's domain.
        host: Ignored (the URL comes from ``TRACKER_STORE_URL``), as Rasa passes it.
        event_broker: Where saved events are published.
        **kwargs: Rasa's tracker store options.
    """

    def __init__(self, domain: Domain | None = None, host: str | None = None,
                 event_broker: EventBroker | None = None, **kwargs: Any) -> None:
        super().__init__(domain=domain, host=host, event_broker=event_broker, **kwargs)
        unpinged = self.engine
        self.engine = _engine(unpinged.url)
        unpinged.dispose()
        self.sessionmaker = sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The conversation's latest session (``None``: no conversation)."""
        return await _once_more_if_disconnected(
            lambda: asyncio.to_thread(self._read, sender_id, False))

    async def retrieve_full_tracker(self, conversation_id: str
                                    ) -> DialogueStateTracker | None:
        """The conversation with all its sessions (``None``: no conversation)."""
        return await _once_more_if_disconnected(
            lambda: asyncio.to_thread(self._read, conversation_id, True))

    def _read(self, sender_id: str, fetch_events_from_all_sessions: bool
              ) -> DialogueStateTracker | None:
        """``SQLTrackerStore._retrieve``, synchronous (Rasa's is ``async`` but blocks)."""
        with self.session_scope() as session:
            rows = self._event_query(session, sender_id, fetch_events_from_all_sessions).all()
            events = [json.loads(row.data) for row in rows]
        if not (self.domain and events):
            return None
        return DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)

    async def has_user_message(self, sender_id: str, message_id: str) -> bool:
        """Whether the conversation holds a user message with ``message_id``: one indexed
        query, no tracker read (``channels.rest_idempotency``)."""
        def look() -> bool:
            with self.engine.connect() as connection:
                return has_user_message(connection, sender_id, message_id,
                                        table_exists=True)

        return await _once_more_if_disconnected(lambda: asyncio.to_thread(look))

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Publishes the new events, then stores them (once more if the connection was
        lost; see the module docstring for why that cannot double them)."""
        await self.stream_events(tracker)
        await _once_more_if_disconnected(
            lambda: asyncio.to_thread(self._store_new_events, tracker))

    def _store_new_events(self, tracker: DialogueStateTracker) -> None:
        """``SQLTrackerStore.save`` without publishing: one transaction inserting the
        events not stored yet."""
        with self.session_scope() as session:
            rows = []
            for event in self._additional_events(session, tracker):
                data = event.as_dict()
                rows.append({
                    "sender_id": tracker.sender_id,
                    "type_name": event.type_name,
                    "timestamp": data.get("timestamp"),
                    "intent_name": data.get("parse_data", {}).get("intent", {}).get(
                        INTENT_NAME_KEY),
                    "action_name": data.get("name"),
                    "data": json.dumps(data),
                })
            if rows:
                session.execute(sa.insert(self.SQLEvent.__table__).values(rows))
            session.commit()


def _engine(url: URL) -> Engine:
    """A pooled engine: a server's connections are tested before use; a SQLite file's
    engine is the product's (WAL, busy timeout)."""
    if url.get_backend_name() == "sqlite":
        return create_db_engine(url.render_as_string(hide_password=False))
    return sa.create_engine(url, pool_pre_ping=True, **create_engine_kwargs(url))


async def _once_more_if_disconnected(attempt: Callable[[], Awaitable[T]]) -> T:
    """Runs ``attempt``, and once more if it failed because the database connection was
    lost (SQLAlchemy has invalidated it, so the second try gets a fresh one)."""
    try:
        return await attempt()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        logger.warning("tracker store: the database connection was lost (%s); trying again",
                       str(error.orig).strip())
    return await attempt()
