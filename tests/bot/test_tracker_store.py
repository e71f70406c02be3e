"""The SQL tracker store tries a tracker read or write once more when the database
connection was lost, and a second write never doubles events (on SQLite; the real
PostgreSQL disconnects are in tests/services/test_tracker_store_reconnect.py)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import QueuePool

from bot.settings import get_settings
from bot.tracker_store import ResilientSQLTrackerStore, _engine


def _lost(invalidated: bool = True) -> OperationalError:
    return OperationalError("COMMIT", {}, Exception("server closed the connection unexpectedly"),
                            connection_invalidated=invalidated)


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[ResilientSQLTrackerStore]:
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    store = ResilientSQLTrackerStore(domain=Domain.empty())
    yield store
    store.engine.dispose()
    get_settings.cache_clear()


def _fail_first_commit(store: ResilientSQLTrackerStore, error: OperationalError,
                       committed: bool) -> None:
    """The first commit raises ``error``; ``committed``: after the transaction reached the
    database (an answer lost on the way back)."""
    make_session, failures = store.sessionmaker, [error]

    def session_factory():
        session = make_session()
        commit = session.commit

        def flaky_commit() -> None:
            if failures:
                if committed:
                    commit()
                raise failures.pop()
            commit()

        session.commit = flaky_commit
        return session

    store.sessionmaker = session_factory


def _conversation(*texts: str) -> DialogueStateTracker:
    events = [ActionExecuted("action_listen")]
    for text in texts:
        events += [UserUttered(text), BotUttered(f"收到：{text}"),
                   ActionExecuted("action_listen")]
    return DialogueStateTracker.from_events("demo-1", events)


def _texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, (UserUttered, BotUttered))]


@pytest.mark.parametrize("committed", [False, True], ids=["lost before", "lost after commit"])
async def test_a_save_whose_connection_dropped_is_stored_once(store, committed):
    await store.save(_conversation("草莓烂了"))
    _fail_first_commit(store, _lost(), committed)

    await store.save(_conversation("草莓烂了", "两盒"))

    assert _texts(await store.retrieve("demo-1")) == ["草莓烂了", "收到：草莓烂了",
                                                     "两盒", "收到：两盒"]


async def test_other_database_errors_are_not_retried(store):
    _fail_first_commit(store, _lost(invalidated=False), committed=False)

    with pytest.raises(OperationalError):
        await store.save(_conversation("草莓烂了"))
    assert await store.retrieve("demo-1") is None


async def test_a_read_whose_connection_dropped_is_read_again(store, monkeypatch):
    await store.save(_conversation("草莓烂了"))
    make_session, failures = store.sessionmaker, [_lost()]

    def session_factory():
        if failures:
            raise failures.pop()
        return make_session()

    monkeypatch.setattr(store, "sessionmaker", session_factory)

    assert _texts(await store.retrieve("demo-1")) == ["草莓烂了", "收到：草莓烂了"]


def test_pooled_server_connections_are_tested_before_use():
    engine = _engine(make_url("postgresql://postgres@127.0.0.1:5432/bot"))
    assert engine.pool._pre_ping  # noqa: SLF001 (SQLAlchemy keeps the flag there)


async def test_a_sqlite_file_keeps_its_connections_pooled(store):
    await store.save(_conversation("草莓烂了"))
    await store.retrieve("demo-1")
    assert isinstance(store.engine.pool, QueuePool)
    assert store.engine.pool.checkedin() == 1


async def test_saving_in_pieces_stores_each_event_once(store):
    tracker = _conversation("草莓烂了")
    await store.save(tracker)
    tracker.update(UserUttered("还有牛奶"))
    await store.save(tracker)
    await store.save(tracker)
    assert _texts(await store.retrieve("demo-1")) == ["草莓烂了", "收到：草莓烂了", "还有牛奶"]


async def test_a_user_message_id_is_found_in_its_own_conversation_only(store):
    tracker = _conversation()
    tracker.update(UserUttered("草莓烂了", message_id="m-1"))
    await store.save(tracker)

    assert await store.has_user_message("demo-1", "m-1")
    assert not await store.has_user_message("demo-1", "m-2")
    assert not await store.has_user_message("demo-2", "m-1")


def test_rasa_builds_this_store_from_endpoints_yml(tmp_path, monkeypatch):
    from rasa.core.tracker_store import create_tracker_store
    from rasa.utils.endpoints import read_endpoint_config

    from bot.settings import ROOT

    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    config = read_endpoint_config(str(ROOT / "endpoints.yml"), "tracker_store")

    built = create_tracker_store(config, Domain.empty())

    assert type(built) is ResilientSQLTrackerStore  # async as Rasa wants: not wrapped
    built.engine.dispose()
    get_settings.cache_clear()
