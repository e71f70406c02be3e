"""The REST webhook's limits on a real server: per sender, per address, body size."""
from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest

from bot.settings import RateLimitSettings
from channels.rest import MAX_BODY_BYTES, RestInput
from tests.channels.serving import served

WEBHOOK = "/webhooks/rest/webhook"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _say(http: aiohttp.ClientSession, url: str, sender: str, text: str = "你好",
               address: str | None = None) -> tuple[int, object, dict]:
    headers = {"X-Real-IP": address} if address else {}
    async with http.post(url + WEBHOOK, json={"sender": sender, "message": text},
                         headers=headers) as answer:
        return answer.status, await answer.json(content_type=None), dict(answer.headers)


async def _chunked_post(url: str, path: str, size: int) -> int:
    """POSTs ``size`` bytes with chunked transfer encoding (no Content-Length); the status."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                 "Transfer-Encoding: chunked\r\n\r\n".encode())
    for _ in range(size // 4096):
        writer.write(b"1000\r\n" + b"x" * 4096 + b"\r\n")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), 10)
    writer.close()
    return int(status_line.split()[1])


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def test_a_customer_within_the_limits_is_answered_as_always(clock):
    channel = RestInput(RateLimitSettings(sender_per_minute=20, sender_burst=3), clock)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        for n in range(3):
            status, body, _ = await _say(http, server.url, "demo-1", f"第{n}条")
            assert status == 200 and body == [{"recipient_id": "demo-1", "text": f"收到：第{n}条"}]
    assert server.agent.texts == ["第0条", "第1条", "第2条"]


async def test_a_sender_over_the_limit_is_told_when_to_try_again_and_nothing_reaches_rasa(clock):
    channel = RestInput(RateLimitSettings(sender_per_minute=20, sender_burst=3), clock)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        for _ in range(3):
            assert (await _say(http, server.url, "demo-1"))[0] == 200

        status, body, headers = await _say(http, server.url, "demo-1", "第四条")

        assert status == 429
        assert headers["Retry-After"] == "3"  # 20 a minute: a token every 3 seconds
        assert body["error"] == "rate_limited" and body["retry_after"] == 3
        assert "3秒后再发" in body["message"]
        assert "第四条" not in server.agent.texts
        # Someone else is not held back, and the sender may go on once a token is back.
        assert (await _say(http, server.url, "demo-2"))[0] == 200
        clock.now += 3
        assert (await _say(http, server.url, "demo-1", "过了一会儿"))[0] == 200
        assert (await _say(http, server.url, "demo-1"))[0] == 429
    assert server.agent.texts.count("过了一会儿") == 1


async def test_one_address_is_limited_across_senders_but_others_are_not(clock):
    limits = RateLimitSettings(sender_per_minute=20, sender_burst=10, ip_per_minute=60, ip_burst=4)
    channel = RestInput(limits, clock)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        server.app.config.REAL_IP_HEADER = "x-real-ip"  # behind a proxy (README, "Security")
        statuses = [(await _say(http, server.url, f"user-{n}", address="203.0.113.7"))[0]
                    for n in range(6)]
        status, body, headers = await _say(http, server.url, "someone", address="203.0.113.7")
        other = await _say(http, server.url, "neighbour", address="198.51.100.2")

    assert statuses == [200] * 4 + [429] * 2
    assert status == 429 and headers["Retry-After"] == "1" and "请求太频繁" in body["message"]
    assert other[0] == 200
    assert server.agent.texts == ["你好"] * 5


async def test_an_oversized_body_is_refused_before_rasa_sees_it(clock):
    channel = RestInput(RateLimitSettings(), clock)
    padding = "烂" * MAX_BODY_BYTES
    async with served(channel) as server, aiohttp.ClientSession() as http:
        async with http.post(server.url + WEBHOOK,
                             json={"sender": "demo-1", "message": padding}) as answer:
            status, body = answer.status, await answer.json(content_type=None)
            connection = answer.headers.get("Connection")

        chunked_status = await _chunked_post(server.url, WEBHOOK, 80 * 1024)

        fine = await _say(http, server.url, "demo-1", "草莓烂了")

    assert status == 413 and body["error"] == "too_large"
    assert str(MAX_BODY_BYTES) in body["message"]
    assert connection == "close", "the unread body makes the connection unusable"
    assert chunked_status == 413
    assert fine[0] == 200 and server.agent.texts == ["草莓烂了"]


async def test_limits_set_to_zero_are_off(clock):
    channel = RestInput(RateLimitSettings(sender_per_minute=0, ip_per_minute=0), clock)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        statuses = {(await _say(http, server.url, "load-test"))[0] for _ in range(40)}
    assert statuses == {200} and len(channel.senders) == 0


async def test_a_malformed_body_is_still_rasas_to_answer(clock):
    channel = RestInput(RateLimitSettings(), clock)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        async with http.post(server.url + WEBHOOK, data=b"{not json",
                             headers={"Content-Type": "application/json"}) as answer:
            status = answer.status
        async with http.post(server.url + WEBHOOK,
                             data=json.dumps({"message": "no sender"})) as answer:
            no_sender = answer.status
    assert status == 400
    assert no_sender == 200  # Rasa's own behaviour: the message goes on without a sender
