"""Conversations keep being stored after PostgreSQL dropped the tracker store's
connections (``pg_terminate_backend``, as in a restart or failover), and no event is
stored twice."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import create_engine, event, text

from bot.settings import get_settings
from bot.tracker_store import ResilientSQLTrackerStore

pytestmark = pytest.mark.services

TERMINATE_OTHERS = ("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()")


@pytest.fixture
def store(module_postgres_url, monkeypatch) -> Iterator[ResilientSQLTrackerStore]:
    monkeypatch.setenv("TRACKER_STORE_URL", module_postgres_url)
    get_settings.cache_clear()
    store = ResilientSQLTrackerStore(domain=Domain.empty())
    yield store
    store.engine.dispose()
    get_settings.cache_clear()


@pytest.fixture
def admin(module_postgres_url):
    engine = create_engine(module_postgres_url, isolation_level="AUTOCOMMIT", future=True)
    yield engine
    engine.dispose()


def _conversation(sender: str, *texts: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for text_ in texts:
        events += [UserUttered(text_), BotUttered(f"收到：{text_}"),
                   ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events(sender, events)


def _texts(tracker: DialogueStateTracker | None) -> list[str]:
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]


def _stored_rows(admin, sender: str) -> int:
    with admin.connect() as connection:
        return connection.execute(text("SELECT count(*) FROM events WHERE sender_id = :s"),
                                  {"s": sender}).scalar_one()


async def test_saves_and_reads_go_on_after_postgres_dropped_every_connection(store, admin):
    await store.save(_conversation("pg-drop", "草莓烂了"))
    await store.retrieve("pg-drop")  # the pool now holds a connection
    with admin.connect() as connection:
        dropped = connection.execute(text(TERMINATE_OTHERS)).scalars().all()
    assert dropped and all(dropped)

    await store.save(_conversation("pg-drop", "草莓烂了", "两盒"))

    assert _texts(await store.retrieve("pg-drop")) == ["草莓烂了", "收到：草莓烂了",
                                                      "两盒", "收到：两盒"]
    assert _stored_rows(admin, "pg-drop") == 7


async def test_a_save_whose_connection_is_dropped_mid_transaction_is_stored_once(store, admin):
    await store.save(_conversation("pg-mid", "草莓烂了"))
    dropped: list[int] = []

    @event.listens_for(store.sessionmaker, "before_commit")
    def drop_this_connection(session) -> None:
        if dropped:
            return
        pid = session.connection().connection.dbapi_connection.get_backend_pid()
        with admin.connect() as connection:
            connection.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        dropped.append(pid)

    await store.save(_conversation("pg-mid", "草莓烂了", "两盒"))

    assert dropped  # the first try lost its connection after its INSERT, before the commit
    assert _texts(await store.retrieve("pg-mid")) == ["草莓烂了", "收到：草莓烂了",
                                                     "两盒", "收到：两盒"]
    assert _stored_rows(admin, "pg-mid") == 7
