"""Conversation events through the real RabbitMQ: Rasa's own pika broker publishes, the
product's consumer reads, and the review index is woken by them instead of its timer."""
from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from sqlalchemy import select

import channels.broker_consumer as broker_consumer
from bot.db.migrate import upgrade
from bot.db.review import ConversationRecord
from bot.db.session import get_sessionmaker, unit_of_work
from bot.prod.rasa_config import event_broker_config
from bot.settings import get_settings
from channels.broker_consumer import EventConsumer

pytestmark = pytest.mark.services


@pytest.fixture
async def queue_name(rabbitmq_url: str) -> AsyncIterator[str]:
    """A queue of the test's own, deleted afterwards."""
    name = f"test.events.{secrets.token_hex(4)}"
    yield name
    connection = await aio_pika.connect(rabbitmq_url)
    channel = await connection.channel()
    await channel.queue_delete(name)
    await connection.close()


async def _rasa_broker(rabbitmq_url: str, queue: str):
    """Rasa 3.6's PikaEventBroker, configured as the launcher configures it."""
    import rasa.shared.core.events  # noqa: F401 (the broker uses it without importing it)
    from rasa.core.brokers.pika import PikaEventBroker
    from rasa.utils.endpoints import EndpointConfig

    config = event_broker_config(rabbitmq_url, queue)
    config.pop("type")
    return await PikaEventBroker.from_endpoint_config(EndpointConfig(**config))


async def _until(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"not within {timeout}s")
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def _conversation(sender: str):
    from rasa.shared.core.events import (
        ActionExecuted,
        BotUttered,
        SessionStarted,
        UserUttered,
    )
    from rasa.shared.core.trackers import DialogueStateTracker

    return DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_session_start"), SessionStarted(),
        ActionExecuted("action_listen"),
        UserUttered("草莓烂了", {"name": "report_problem", "confidence": 0.93},
                    input_channel="rest"),
        BotUttered("给您添麻烦了"), ActionExecuted("action_listen"),
    ])


async def test_the_consumer_reads_the_events_rasas_broker_publishes(rabbitmq_url, queue_name):
    received: list[dict] = []
    consumer = EventConsumer(rabbitmq_url, queue_name, received.append)
    broker = await _rasa_broker(rabbitmq_url, queue_name)
    consumer.start()
    try:
        await asyncio.wait_for(consumer.ready.wait(), 15)
        for n in range(3):
            broker.publish({"sender_id": f"s{n}", "event": "user", "text": f"消息{n}",
                            "timestamp": time.time()})
        await _until(lambda: len(received) == 3, 10)
    finally:
        await broker.close()
        await consumer.stop()

    assert [(e["sender_id"], e["event"], e["text"]) for e in received] == [
        ("s0", "user", "消息0"), ("s1", "user", "消息1"), ("s2", "user", "消息2")]
    assert consumer.received == 3


async def test_an_exclusive_consumer_has_a_stand_in_that_takes_over(rabbitmq_url, queue_name,
                                                                     monkeypatch):
    monkeypatch.setattr(broker_consumer, "RETRY_SECONDS", 0.5)
    first, second = [], []
    active = EventConsumer(rabbitmq_url, queue_name, first.append, exclusive=True)
    standby = EventConsumer(rabbitmq_url, queue_name, second.append, exclusive=True)
    broker = await _rasa_broker(rabbitmq_url, queue_name)
    try:
        active.start()
        await asyncio.wait_for(active.ready.wait(), 15)
        standby.start()
        await _until(lambda: standby.standby, 10)
        broker.publish({"sender_id": "a", "event": "user"})
        await _until(lambda: len(first) == 1, 10)

        await active.stop()
        await asyncio.wait_for(standby.ready.wait(), 15)
        broker.publish({"sender_id": "b", "event": "user"})
        await _until(lambda: len(second) == 1, 10)
    finally:
        await broker.close()
        await active.stop()
        await standby.stop()

    assert [e["sender_id"] for e in first] == ["a"]
    assert [e["sender_id"] for e in second] == ["b"]


@pytest.fixture
def product_on_postgres(module_postgres_url, monkeypatch, tmp_path) -> Iterator[str]:
    upgrade(module_postgres_url)
    monkeypatch.setenv("DATABASE_URL", module_postgres_url)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()
    yield module_postgres_url
    get_sessionmaker().kw["bind"].dispose()
    get_settings.cache_clear()
    get_sessionmaker.cache_clear()


async def test_conversation_events_wake_the_review_index(product_on_postgres, rabbitmq_url,
                                                         queue_name):
    from rasa.shared.core.domain import Domain

    from bot.db.tracker_store import UrlSQLTrackerStore
    from channels.console.review_index import ReviewIndexJob

    # Five minutes between timer runs: only the broker can bring the conversation in soon.
    job = ReviewIndexJob(interval=300, broker_url=rabbitmq_url, queue=queue_name)
    broker = await _rasa_broker(rabbitmq_url, queue_name)
    store = UrlSQLTrackerStore(domain=Domain.empty(), event_broker=broker)
    sender = f"broker-{secrets.token_hex(3)}"

    def indexed() -> list[ConversationRecord]:
        with unit_of_work() as session:
            return session.scalars(select(ConversationRecord)
                                   .where(ConversationRecord.sender_id == sender)).all()

    job.start()
    try:
        await asyncio.wait_for(job.consumer.ready.wait(), 15)
        await _until(lambda: job.runs >= 1, 10)  # the first run, at start
        await store.save(_conversation(sender))
        waited = await _until(lambda: bool(indexed()), 20)
    finally:
        await job.stop()
        await broker.close()

    [record] = indexed()
    assert record.user_turns == 1 and record.channel == "rest"
    assert waited < 10, "woken by the events, not by the five-minute timer"
    assert job.consumer.received >= 5  # Rasa published every event of the conversation


async def test_one_replica_indexes_while_the_broker_is_up(product_on_postgres, rabbitmq_url,
                                                          queue_name, monkeypatch):
    from channels.console.review_index import ReviewIndexJob

    monkeypatch.setattr(broker_consumer, "RETRY_SECONDS", 0.3)
    first = ReviewIndexJob(interval=0.2, broker_url=rabbitmq_url, queue=queue_name)
    second = ReviewIndexJob(interval=0.2, broker_url=rabbitmq_url, queue=queue_name)
    first.start()
    try:
        await asyncio.wait_for(first.consumer.ready.wait(), 15)
        second.start()
        await _until(lambda: second.standing_by, 10)
        runs = second.runs
        await asyncio.sleep(1.5)
        assert second.runs == runs, "the stand-by replica leaves the timer runs to the reader"
        assert first.runs > 3

        await first.stop()  # the reading replica goes away: the other takes over
        await asyncio.wait_for(second.consumer.ready.wait(), 15)
        runs = second.runs
        await asyncio.sleep(1.0)
        assert second.runs > runs
    finally:
        await first.stop()
        await second.stop()
