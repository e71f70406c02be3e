"""The Telegram webhook's limits on a real server: per user, per address, body size.

Telegram's own (secret-token) requests always get 200, or Telegram delivers them again;
a user over the limit loses the extra updates and is told once per minute."""
from __future__ import annotations

import json

import aiohttp
import pytest

from bot.settings import RateLimitSettings, TelegramSettings
from channels.ratelimit import SLOW_DOWN
from channels.telegram import TelegramInput
from channels.telegram.webhook import MAX_BODY_BYTES, SECRET_HEADER
from tests.channels.fake_telegram import SECRET, TOKEN, text_update
from tests.channels.serving import declared_post, served

PATH = "/webhooks/telegram/webhook"


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _texts_of(agent, sender: str) -> list[str]:
    return [message.text for message in agent.messages if message.sender_id == sender]


@pytest.fixture
def monotonic() -> FakeClock:
    return FakeClock()


def _channel(fake_telegram, clock, monotonic, **limits) -> TelegramInput:
    return TelegramInput(TelegramSettings(TOKEN, SECRET, fake_telegram.base_url), clock=clock,
                         poll_seconds=0.05, limits=RateLimitSettings(**limits),
                         monotonic=monotonic)


async def _post(http: aiohttp.ClientSession, url: str, body: dict | bytes, *,
                secret: str = SECRET, address: str | None = None) -> int:
    headers = {SECRET_HEADER: secret, "Content-Type": "application/json"}
    if address:
        headers["X-Real-IP"] = address
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    async with http.post(url + PATH, data=data, headers=headers) as answer:
        return answer.status


async def test_a_user_over_the_limit_gets_200_and_one_notice(app_db, fake_telegram, clock,
                                                             monotonic):
    channel = _channel(fake_telegram, clock, monotonic, sender_per_minute=20, sender_burst=3)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        statuses = [await _post(http, server.url, text_update(100 + n, 77, f"第{n}条"))
                    for n in range(6)]
        other = await _post(http, server.url, text_update(200, 78, "我的菜到了吗"))
        await channel.wait_idle(10)
        fake_telegram.wait_until(lambda: SLOW_DOWN in fake_telegram.texts(77), 10)

        assert statuses == [200] * 6 and other == 200
        assert _texts_of(server.agent, "77") == ["第0条", "第1条", "第2条"]
        assert _texts_of(server.agent, "78") == ["我的菜到了吗"]
        assert fake_telegram.texts(77).count(SLOW_DOWN) == 1
        assert SLOW_DOWN not in fake_telegram.texts(78)

        monotonic.now += 61
        assert await _post(http, server.url, text_update(300, 77, "过了一分钟")) == 200
        await channel.wait_idle(10)
    assert _texts_of(server.agent, "77")[-1] == "过了一分钟"


async def test_wrong_secrets_exhaust_their_address_while_telegram_is_never_limited(
        app_db, fake_telegram, clock, monotonic):
    channel = _channel(fake_telegram, clock, monotonic, ip_per_minute=60, ip_burst=2)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        server.app.config.REAL_IP_HEADER = "x-real-ip"
        forged = [await _post(http, server.url, text_update(n, 9, "x"), secret="guess",
                              address="203.0.113.5") for n in range(4)]
        genuine = [await _post(http, server.url, text_update(500 + n, 1000 + n, "你好"),
                               address="149.154.167.1") for n in range(6)]
        await channel.wait_idle(10)

    assert forged == [403, 403, 429, 429]
    assert genuine == [200] * 6 and server.agent.texts == ["你好"] * 6


async def test_an_oversized_body_is_refused_before_it_is_read(app_db, fake_telegram, clock,
                                                               monotonic):
    channel = _channel(fake_telegram, clock, monotonic)
    async with served(channel) as server:
        status, body = await declared_post(server.url, PATH, MAX_BODY_BYTES + 1,
                                           {SECRET_HEADER: SECRET})
        await channel.wait_idle(10)
    assert status == 413 and "请求内容太大" in json.loads(body)["message"]
    assert server.agent.messages == []
