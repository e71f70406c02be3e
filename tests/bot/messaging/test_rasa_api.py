"""The desk's client for Rasa's HTTP API, against a fake Rasa on loopback."""
from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from tests.channels.console.conftest import RASA_TOKEN
from tests.channels.console.fake_rasa import FakeRasa
from tests.servers import free_port


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa(token=RASA_TOKEN)
    await fake.start()
    yield fake
    await fake.close()


async def test_the_token_is_sent_and_a_wrong_one_is_an_unavailable_rasa(fake_rasa):
    fake_rasa.customer_says("demo-1", "你好")

    tracker = await RasaClient(fake_rasa.url, RASA_TOKEN).tracker("demo-1")

    assert [e["event"] for e in tracker["events"]] == ["user"]
    with pytest.raises(RasaUnavailable, match="401"):
        await RasaClient(fake_rasa.url, "wrong").tracker("demo-1")


async def test_without_a_token_none_is_sent():
    fake = FakeRasa(token=None)
    await fake.start()
    try:
        await RasaClient(fake.url).send_bot_message("demo-1", "你好", {"agent": "小李"})
    finally:
        await fake.close()

    [call] = fake.of("events")
    assert "token" not in call.query


async def test_the_state_without_events_tells_pause_and_latest_event(fake_rasa):
    client = RasaClient(fake_rasa.url, RASA_TOKEN)
    assert await client.latest_event_time("demo-9") is None
    fake_rasa.add("demo-9", {"event": "pause"})

    state = await client.state("demo-9")

    assert state["paused"] is True and state["events"] is None
    assert await client.latest_event_time("demo-9") == state["latest_event_time"]


async def test_conversation_ids_are_quoted_into_the_path(fake_rasa):
    client = RasaClient(fake_rasa.url, RASA_TOKEN)

    await client.execute("o-AbC/1 2", "action_handoff_end")

    [call] = fake_rasa.of("execute")
    assert call.conversation_id == "o-AbC/1 2"


async def test_an_unreachable_or_failing_rasa_is_a_typed_error(fake_rasa):
    closed = RasaClient(f"http://127.0.0.1:{free_port()}", timeout=2)
    with pytest.raises(RasaUnavailable):
        await closed.tracker("demo-1")
    fake_rasa.failing = True
    with pytest.raises(RasaUnavailable, match="500"):
        await RasaClient(fake_rasa.url, RASA_TOKEN).execute("demo-1", "action_handoff_end")
