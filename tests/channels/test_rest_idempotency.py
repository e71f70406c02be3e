"""A REST message resent with the same ``metadata.message_id`` (after a 502 or a reset
connection) gets the first answer again and is not handled twice."""
from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import UserMessage
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore, TrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered

from bot.settings import RateLimitSettings, get_settings
from bot.tracker_store import ResilientSQLTrackerStore
from channels.rest import RestInput
from tests.channels.serving import served

WEBHOOK = "/webhooks/rest/webhook"


class SlowProcessor:
    """Stands in for Rasa's processor: logs the user message with its id, answers two
    bot messages (the second with buttons) after ``delay`` seconds and saves the tracker
    once, at the end, as Rasa does."""

    def __init__(self, tracker_store: TrackerStore, delay: float) -> None:
        self.tracker_store = tracker_store
        self.delay = delay
        self.handled: list[str] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.handled.append(message.text)
        tracker = (await self.tracker_store.retrieve(message.sender_id)
                   or self.tracker_store.init_tracker(message.sender_id))
        tracker.update(UserUttered(message.text, message_id=message.message_id,
                                   metadata=message.metadata))
        await asyncio.sleep(self.delay)
        for reply in (BotUttered(f"收到：{message.text}"),
                      BotUttered("要退款吗？", {"buttons": [{"title": "要", "payload": "/yes"}]})):
            tracker.update(reply)
            await message.output_channel.send_response(message.sender_id, reply.message())
        await self.tracker_store.save(tracker)


class TrackingAgent:
    """Rasa's agent with a stand-in processor: a tracker store (Rasa's in-memory one by
    default), Rasa's in-memory lock store, ``handle_message`` taking the conversation's
    lock as ``Agent.handle_message`` does."""

    def __init__(self, delay: float = 0.0, tracker_store: TrackerStore | None = None) -> None:
        self.tracker_store = tracker_store or InMemoryTrackerStore(Domain.empty())
        self.lock_store = InMemoryLockStore()
        self.processor = SlowProcessor(self.tracker_store, delay)

    def is_ready(self) -> bool:
        return True

    async def handle_message(self, message: UserMessage) -> None:
        async with self.lock_store.lock(message.sender_id, wait_time_in_seconds=0.01):
            await self.processor.handle_message(message)

    async def user_events(self, sender: str) -> list[UserUttered]:
        tracker = await self.tracker_store.retrieve(sender)
        return [e for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


async def _say(http: aiohttp.ClientSession, url: str, body: dict[str, Any]
               ) -> tuple[int, Any]:
    async with http.post(url + WEBHOOK, json=body) as answer:
        return answer.status, await answer.json(content_type=None)


@pytest.fixture(params=["in memory", "SQL"])
def tracker_store(request, tmp_path, monkeypatch) -> Iterator[TrackerStore]:
    """Rasa's in-memory store, and the product's SQL store (asked for the id with one
    query) wrapped as Rasa wraps it."""
    if request.param == "in memory":
        yield InMemoryTrackerStore(Domain.empty())
        return
    monkeypatch.setenv("TRACKER_STORE_URL", f"sqlite:///{tmp_path / 'tracker.db'}")
    get_settings.cache_clear()
    store = ResilientSQLTrackerStore(domain=Domain.empty())
    yield FailSafeTrackerStore(store)
    store.engine.dispose()
    get_settings.cache_clear()


def _channel() -> RestInput:
    return RestInput(RateLimitSettings(sender_per_minute=0, ip_per_minute=0))


EXPECTED = [{"recipient_id": "demo-1", "text": "收到：草莓烂了"},
            {"recipient_id": "demo-1", "text": "要退款吗？",
             "buttons": [{"title": "要", "payload": "/yes"}]}]


async def test_a_resent_message_gets_the_first_answer_and_is_handled_once(tracker_store):
    agent = TrackingAgent(tracker_store=tracker_store)
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        body = {"sender": "demo-1", "message": "草莓烂了", "metadata": {"message_id": "m-1"}}

        first = await _say(http, server.url, body)
        again = await _say(http, server.url, body)

    assert first == (200, EXPECTED)
    assert again == first
    assert agent.processor.handled == ["草莓烂了"]
    assert [(e.text, e.message_id) for e in await agent.user_events("demo-1")] == [
        ("草莓烂了", "m-1")]


async def test_a_resend_while_the_first_is_still_handled_waits_and_gets_the_same_answer(
        tracker_store):
    agent = TrackingAgent(delay=0.3, tracker_store=tracker_store)
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        body = {"sender": "demo-1", "message": "草莓烂了", "metadata": {"message_id": "m-1"}}

        answers = await asyncio.gather(_say(http, server.url, body), _say(http, server.url, body))

    assert answers == [(200, EXPECTED), (200, EXPECTED)]
    assert agent.processor.handled == ["草莓烂了"]


async def test_only_the_replies_to_that_message_are_replayed_and_new_ids_are_handled(tracker_store):
    agent = TrackingAgent(tracker_store=tracker_store)
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        first = {"sender": "demo-1", "message": "草莓烂了", "metadata": {"message_id": "m-1"}}
        second = {"sender": "demo-1", "message": "两盒", "metadata": {"message_id": "m-2"}}
        other = {"sender": "demo-2", "message": "草莓烂了", "metadata": {"message_id": "m-1"}}

        await _say(http, server.url, first)
        status, replies = await _say(http, server.url, second)
        assert (await _say(http, server.url, first))[1] == EXPECTED
        assert (await _say(http, server.url, other))[1][0] == {"recipient_id": "demo-2",
                                                               "text": "收到：草莓烂了"}

    assert status == 200 and replies[0]["text"] == "收到：两盒"
    assert agent.processor.handled == ["草莓烂了", "两盒", "草莓烂了"]


async def test_without_a_message_id_a_resend_is_a_new_message():
    agent = TrackingAgent()
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        body = {"sender": "demo-1", "message": "草莓烂了"}

        assert await _say(http, server.url, body) == (200, EXPECTED)
        assert await _say(http, server.url, body) == (200, EXPECTED)

    events = await agent.user_events("demo-1")
    assert len(events) == 2 and events[0].message_id != events[1].message_id


@pytest.mark.parametrize("message_id", ["", "x" * 65, "m\n1", 42, None])
async def test_a_bad_message_id_is_refused_with_a_clear_error(message_id):
    agent = TrackingAgent()
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        status, body = await _say(http, server.url, {"sender": "demo-1", "message": "你好",
                                                     "metadata": {"message_id": message_id}})

    assert status == 400
    assert body["error"] == "invalid_message_id"
    assert "1 to 64 printable characters" in body["message"]
    assert agent.processor.handled == []


async def test_a_message_id_of_64_characters_is_accepted():
    agent = TrackingAgent()
    async with served(_channel()) as server, aiohttp.ClientSession() as http:
        server.app.ctx.agent = agent
        status, _ = await _say(http, server.url, {"sender": "demo-1", "message": "你好",
                                                  "metadata": {"message_id": "号" * 64}})

    assert status == 200
    assert [e.message_id for e in await agent.user_events("demo-1")] == ["号" * 64]
