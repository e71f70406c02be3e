"""What the webhook accepts, without HTTP: verification, signatures and replays,
de-duplication, unreadable bodies, safe mode, and the channel as configured (or not) from
the environment."""
from __future__ import annotations

import asyncio
import threading
from types import SimpleNamespace

import pytest

from bot import messages as texts
from bot.db import InboundKey
from bot.settings import WeChatSettings, get_settings
from channels.wechat import WeChatInput, WeChatOutput
from channels.wechat.client import ApiClient
from channels.wechat.outbound import WeChatOutput as Output
from channels.wechat.webhook import WeChatWebhook
from tests.channels.fake_wechat import APP_ID, APP_SECRET
from tests.channels.wechat.webhook_support import (
    BOUND,
    Assistant,
    _count,
    _outbox,
    _post,
    _user,
)


async def test_verification_echoes_only_for_a_good_signature(hook):
    user = _user(hook.settings)
    query, _ = user.signed("")
    assert (await hook.verify({**query, "echostr": "abc"})).body == "abc"
    assert (await hook.verify({**query, "echostr": "abc", "signature": "0" * 40})).status == 403


@pytest.mark.parametrize("change,status", [
    ({"signature": "0" * 40}, 403),
    ({"timestamp": "1000000000"}, 403),
], ids=["bad-signature", "stale"])
async def test_bad_requests_are_refused_and_nothing_processed(hook, change, status):
    assistant = Assistant()
    query, body = _user(hook.settings).signed(_user(hook.settings).xml("text", Content="你好"))

    answer = await hook.receive({**query, **change}, body, assistant)

    assert answer.status == status
    await hook.drain()
    assert assistant.turns == [] and _count(InboundKey) == 0


async def test_wechat_is_answered_while_every_default_worker_thread_is_busy(hook):
    """Under load the tracker store's reads and saves can hold all of the event loop's
    default threads (waiting for the database); the acceptance does not queue behind them."""
    loop = asyncio.get_running_loop()
    release = threading.Event()
    busy = [loop.run_in_executor(None, release.wait) for _ in range(64)]
    user = _user(hook.settings)
    query, body = user.signed(user.xml("text", Content="你好"))
    try:
        answer = await asyncio.wait_for(hook.receive(query, body, Assistant()), 10)
    finally:
        release.set()
        await asyncio.gather(*busy)

    assert answer.status == 200 and _count(InboundKey) == 2


async def test_a_replayed_nonce_is_refused(hook):
    assistant = Assistant()
    user = _user(hook.settings)
    query, body = user.signed(user.xml("text", Content="你好"))
    assert (await hook.receive(query, body, assistant)).status == 200

    assert (await hook.receive(query, body, assistant)).status == 403
    await hook.drain()
    assert len(assistant.turns) == 1


async def test_the_same_msgid_three_times_is_one_turn(hook):
    assistant = Assistant()
    user = _user(hook.settings)
    xml = user.xml("text", Content="你好", msg_id=777)

    answers = [await _post(hook, assistant, xml) for _ in range(3)]

    assert [a.body for a in answers] == ["success"] * 3
    assert len(assistant.turns) == 1 and _outbox(BOUND) == ["收到：你好"]


async def test_the_same_event_twice_is_one_greeting(hook):
    assistant = Assistant()
    xml = _user(hook.settings).xml("event", Event="subscribe", create_time=1700000000)
    await _post(hook, assistant, xml)
    await _post(hook, assistant, xml)
    assert [t.text for t in assistant.turns] == [texts.GREETING_PAYLOAD]


async def test_unreadable_bodies_get_a_400_class_answer(hook):
    assistant = Assistant()
    for body, status in [
        (b"<xml><oops>", 400),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>', 400),
        (b"<xml>" + b"a" * (65 * 1024) + b"</xml>", 413),
    ]:
        query, _ = _user(hook.settings).signed(b"")
        assert (await hook.receive(query, body, assistant)).status == status, body[:30]
    await hook.drain()
    assert assistant.turns == [] and _outbox(BOUND) == []


async def test_safe_mode_messages_are_decrypted(app_db, fake_wechat):
    settings = WeChatSettings("test-token", APP_ID, APP_SECRET,
                              "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", fake_wechat.url)
    webhook = WeChatWebhook(settings, ApiClient(settings), Output())
    assistant = Assistant()
    user = _user(settings, encrypted=True)
    query, body = user.signed(user.xml("text", Content="我的菜到了吗"))
    assert b"Encrypt" in body and "我的菜".encode() not in body

    assert (await webhook.receive(query, body, assistant)).status == 200
    await webhook.drain()
    assert [t.text for t in assistant.turns] == ["我的菜到了吗"]
    bad = {**query, "msg_signature": "0" * 40, "nonce": "1"}
    bad["signature"] = user.signed(b"", nonce="1", timestamp=query["timestamp"])[0]["signature"]
    assert (await webhook.receive(bad, body, assistant)).status == 403


def _request(query: dict[str, str], body: bytes = b"") -> SimpleNamespace:
    return SimpleNamespace(args={k: [v] for k, v in query.items()}, body=body)


async def test_an_unconfigured_channel_answers_503(monkeypatch):
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        channel = WeChatInput.from_credentials(None)
    finally:
        get_settings.cache_clear()
    assert channel.name() == "wechat" and channel.get_output_channel() is None
    assert (await channel.on_get(_request({}))).status == 503
    response = await channel.on_post(_request({}, b"<xml/>"), Assistant())
    assert response.status == 503 and b"WECHAT_TOKEN" in response.body


async def test_the_configured_channel_from_the_environment(app_db, monkeypatch, fake_wechat):
    monkeypatch.setenv("WECHAT_TOKEN", "env-token")
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WECHAT_API_BASE_URL", fake_wechat.url)
    get_settings.cache_clear()
    channel = WeChatInput.from_credentials(None)
    try:
        assert isinstance(channel.get_output_channel(), WeChatOutput)
        assert channel.client.API_BASE_URL == f"{fake_wechat.url}/cgi-bin/"
        query, _ = _user(channel.settings).signed("")
        response = await channel.on_get(_request({**query, "echostr": "ok-123"}))
        assert (response.status, response.body) == (200, b"ok-123")
    finally:
        await channel.worker.stop()
        get_settings.cache_clear()
