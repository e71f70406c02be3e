"""The WeChat webhook's limits on a real server: per openid, per address, body size.

WeChat must always get ``success`` for its own (signed) requests, or it retries; a
customer over the limit loses the extra messages and is told once per minute."""
from __future__ import annotations

import aiohttp
import pytest
from sqlalchemy import select

from bot.db import OutboundMessage
from bot.db.session import unit_of_work
from bot.settings import RateLimitSettings
from channels.ratelimit import SLOW_DOWN
from channels.wechat import WeChatInput, wire
from channels.wechat_sim import WeChatUser
from tests.channels.serving import served

PATH = "/webhooks/wechat/"


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


def _outbox(openid: str) -> list[str]:
    with unit_of_work() as session:
        return [row.payload["text"] for row in session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient == openid)
            .order_by(OutboundMessage.id))]


async def _post(http: aiohttp.ClientSession, url: str, user: WeChatUser, text: str, *,
                forged: bool = False, address: str | None = None) -> tuple[int, str]:
    query, body = user.signed(user.xml("text", Content=text))
    if forged:
        query["signature"] = "0" * 40
    headers = {"X-Real-IP": address} if address else {}
    async with http.post(url + PATH, params=query, data=body, headers=headers) as answer:
        return answer.status, await answer.text()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _channel(settings, clock, **limits) -> WeChatInput:
    return WeChatInput(settings, RateLimitSettings(**limits), clock)


async def test_a_customer_over_the_limit_gets_success_and_one_notice(app_db, wechat_settings,
                                                                     clock):
    channel = _channel(wechat_settings, clock, sender_per_minute=20, sender_burst=3)
    user = WeChatUser("unused", "oBusyUser", wechat_settings)
    neighbour = WeChatUser("unused", "oNeighbour", wechat_settings)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        answers = [await _post(http, server.url, user, f"第{n}条") for n in range(6)]
        other = await _post(http, server.url, neighbour, "我的菜到了吗")
        await channel.webhook.drain()

        assert answers == [(200, "success")] * 6  # WeChat never retries
        busy = [m.text for m in server.agent.messages if m.sender_id == "oBusyUser"]
        assert busy == ["第0条", "第1条", "第2条"], "the burst, in order; the rest dropped"
        assert "我的菜到了吗" in server.agent.texts
        assert other == (200, "success")
        notices = [text for text in _outbox("oBusyUser") if text == SLOW_DOWN]
        assert len(notices) == 1  # once, however many messages were dropped
        assert SLOW_DOWN not in _outbox("oNeighbour")

        clock.now += 61  # a minute on: tokens are back, and so is the notice window
        assert await _post(http, server.url, user, "过了一分钟") == (200, "success")
        for n in range(3):
            await _post(http, server.url, user, f"又一条{n}")
        await channel.webhook.drain()

    assert "过了一分钟" in server.agent.texts
    assert _outbox("oBusyUser").count(SLOW_DOWN) == 2


async def test_forged_requests_exhaust_their_address_while_genuine_traffic_flows(
        app_db, wechat_settings, clock):
    channel = _channel(wechat_settings, clock, sender_per_minute=20, sender_burst=10,
                       ip_per_minute=60, ip_burst=3)
    attacker = WeChatUser("unused", "oForger", wechat_settings)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        server.app.config.REAL_IP_HEADER = "x-real-ip"
        forged = [(await _post(http, server.url, attacker, "x", forged=True,
                               address="203.0.113.9"))[0] for _ in range(5)]
        # The platform's own address sends many customers' messages: never limited by address.
        genuine = [await _post(http, server.url, WeChatUser("unused", f"oCustomer{n}",
                                                           wechat_settings),
                               "你好", address="101.226.1.1") for n in range(8)]
        blocked_genuine = await _post(http, server.url, attacker, "真的", address="203.0.113.9")
        await channel.webhook.drain()

    assert forged == [403, 403, 403, 429, 429]
    assert genuine == [(200, "success")] * 8
    assert blocked_genuine[0] == 429
    assert server.agent.texts == ["你好"] * 8


async def test_an_oversized_body_is_refused_before_it_is_parsed(app_db, wechat_settings, clock):
    channel = _channel(wechat_settings, clock)
    user = WeChatUser("unused", "oBigSender", wechat_settings)
    huge = user.xml("text", Content="烂" * wire.MAX_BODY_BYTES)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        query, body = user.signed(huge)
        async with http.post(server.url + PATH, params=query, data=body) as answer:
            status, refusal = answer.status, await answer.json(content_type=None)
        await channel.webhook.drain()

    assert status == 413 and refusal["error"] == "too_large"
    assert server.agent.messages == [] and _outbox("oBigSender") == []
