"""The load generator against scripted stand-ins of the assistant: whole conversations
counted, wrong answers ending a conversation as errors, WeChat acks and answers measured
apart (answers through the fake WeChat API, as the real channel sends them)."""
from __future__ import annotations

import asyncio
import itertools
import json
import time

import pytest
import xmltodict
from aiohttp import ClientSession, web

from bot.bench.load import (
    PhotoServer,
    RestTransport,
    WeChatFigures,
    WeChatTransport,
    client_session,
    option_number,
    return_journey,
    run_load,
)
from bot.bench.seeding import BenchCustomer
from bot.bench.stats import Recorder
from bot.settings import WeChatSettings
from channels.wechat.fake_api import FakeWeChatAPI
from channels.wechat.security import check_query

LISTING = "是哪件商品呢？回复数字就行：\n1. 土鸡蛋 1盒（1小时前取货）\n2. 丹东草莓 2盒（1小时前取货）"
WECHAT = WeChatSettings("tok", "wx-test", "secret", None, "")


def _customers(count: int) -> list[BenchCustomer]:
    return [BenchCustomer(n, f"rest-{n}", f"openid-{n}") for n in range(count)]


async def _answer(text: str, who: str, session: ClientSession, wrong: set[str]) -> list[str]:
    """The scripted assistant: the return journey's answers, checking the photo."""
    if text == "你好":
        return ["您好呀～"]
    if text == "买的东西烂了，能退吗":
        return ["给您添麻烦了", LISTING]
    if text == "2":
        return ["丹东草莓 2盒，有几盒有问题？"]
    if text == "1盒":
        return ["麻烦拍张照片发给我"]
    if text.startswith("http"):
        async with session.get(text) as response:
            assert response.content_type == "image/jpeg"
            assert (await response.read())[:2] == b"\xff\xd8"
        return ["退款退到哪里？\n1. 原路退回\n2. 余额"]
    if text == "1":
        return ["我不太明白"] if who in wrong else ["已登记，售后单号 R1024。"]
    return ["？"]


@pytest.fixture
async def rest_bot():
    wrong: set[str] = set()
    seen: list[tuple[str, str]] = []
    session = ClientSession()

    async def webhook(request: web.Request) -> web.Response:
        body = await request.json()
        seen.append((body["sender"], body["message"]))
        texts = await _answer(body["message"], body["sender"], session, wrong)
        return web.json_response([{"recipient_id": body["sender"], "text": t} for t in texts])

    app = web.Application()
    app.router.add_post("/webhooks/rest/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", wrong, seen
    await session.close()
    await runner.cleanup()


def test_the_option_number_is_read_from_the_listing():
    assert option_number(["x", LISTING], "丹东草莓") == "2"
    assert option_number([LISTING], "基围虾") is None


async def test_whole_conversations_over_rest_are_counted(rest_bot):
    url, wrong, seen = rest_bot
    wrong.add("rest-1")
    photos = PhotoServer()
    await photos.start()
    recorder = Recorder()
    try:
        async with client_session(4) as session:
            result = await run_load(RestTransport(session, url, recorder, photos.photo_url),
                                    return_journey, iter(_customers(6)), concurrency=4,
                                    duration=30, recorders=[recorder],
                                    photos=itertools.count(100))
    finally:
        await photos.close()

    assert result.ran_out  # six customers, six conversations, then no more customers
    assert result.conversations_started == 6 and result.conversations_completed == 5
    assert recorder.messages == 36  # six messages each, all answered
    assert recorder.errors == {"unexpected answer at resolution": 1}
    assert recorder.throughput > 0 and recorder.latency().p99 is not None
    first = [text for sender, text in seen if sender == "rest-0"]
    assert first[:4] == ["你好", "买的东西烂了，能退吗", "2", "1盒"]
    assert first[4].startswith(photos.url + "/photo/") and first[5] == "1"
    photo_urls = {text for _, text in seen if text.startswith("http")}
    assert len(photo_urls) == 6  # a different photo in every conversation


async def test_an_unreachable_assistant_is_an_error_not_a_hang():
    recorder = Recorder()
    async with client_session(2) as session:
        result = await run_load(RestTransport(session, "http://127.0.0.1:9", recorder,
                                              lambda n: f"http://x/{n}.jpg"),
                                return_journey, iter(_customers(2)), concurrency=2,
                                duration=5, recorders=[recorder])

    assert result.conversations_completed == 0 and recorder.messages == 0
    assert sum(recorder.errors.values()) == 2


@pytest.fixture
async def wechat_bot():
    """A stand-in webhook: checks WeChat's signature, acknowledges at once, answers a
    moment later through the fake customer-service API (token, then custom/send)."""
    router: dict[str, WeChatTransport] = {}
    api = FakeWeChatAPI(WECHAT.app_id, WECHAT.app_secret,
                        on_message=lambda m: router["t"].on_api_message(m))
    session = ClientSession()
    tasks: set[asyncio.Task] = set()
    unanswered: set[str] = set()

    async def reply(openid: str, texts: list[str]) -> None:
        await asyncio.sleep(0.05)
        async with session.get(f"{api.url}/cgi-bin/token", params={
                "grant_type": "client_credential", "appid": WECHAT.app_id,
                "secret": WECHAT.app_secret}) as response:
            token = (await response.json())["access_token"]
        for text in texts:
            await session.post(f"{api.url}/cgi-bin/message/custom/send",
                               params={"access_token": token}, data=json.dumps(
                                   {"touser": openid, "msgtype": "text",
                                    "text": {"content": text}}, ensure_ascii=False).encode())

    async def webhook(request: web.Request) -> web.Response:
        query = {k: v for k, v in request.query.items()}
        check_query(WECHAT.token, query, time.time())
        message = xmltodict.parse(await request.read())["xml"]
        openid = message["FromUserName"]
        if message["MsgType"] == "image":
            async with session.get(f"{api.url}/media/{message['MediaId']}") as media:
                assert (await media.read())[:2] == b"\xff\xd8"
            texts = ["退款退到哪里？\n1. 原路退回\n2. 余额"]
        elif openid in unanswered and message["Content"] == "1":
            texts = []
        else:
            texts = await _answer(message["Content"], openid, session, set())
        if texts:
            task = asyncio.get_running_loop().create_task(reply(openid, texts))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        return web.Response(text="success")

    app = web.Application()
    app.router.add_post("/webhooks/wechat/", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", api, router, unanswered
    await asyncio.gather(*tasks, return_exceptions=True)
    await session.close()
    await runner.cleanup()
    api.close()


async def test_wechat_acks_and_answers_are_measured_apart(wechat_bot, monkeypatch):
    import bot.bench.load as load

    monkeypatch.setattr(load, "ANSWER_TIMEOUT", 2.0)
    url, api, router, unanswered = wechat_bot
    unanswered.add("openid-2")
    figures = WeChatFigures()
    async with client_session(3) as session:
        transport = WeChatTransport(session, url, WECHAT, api, figures)
        router["t"] = transport
        result = await run_load(transport, return_journey, iter(_customers(4)), concurrency=3,
                                duration=30, recorders=[figures.ack, figures.answer])

    assert result.conversations_started == 4 and result.conversations_completed == 3
    assert figures.sent == 24 and figures.answered == 23
    assert figures.answer.errors == {"unanswered at resolution": 1}
    assert figures.ack.messages == 24 and not figures.ack.errors
    assert figures.answer.latency().p50 > figures.ack.latency().p50  # answers come later
    assert len(api.messages_to("openid-0")) == 7  # every reply reached the fake API
