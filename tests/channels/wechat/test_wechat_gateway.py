"""The WeChat gateway: it accepts and answers, a Rasa process's inbox worker handles."""
from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import aiohttp
import pytest
from sanic import Sanic
from sqlalchemy import select

from bot.db import InboundMessage, OutboundMessage
from bot.db.session import unit_of_work
from channels.wechat.channel import WeChatInput
from channels.wechat.client import ApiClient
from channels.wechat.gateway import PATH, create_app
from channels.wechat.outbound import WeChatOutput
from channels.wechat.webhook import WeChatWebhook
from channels.wechat_sim import WeChatUser
from tests.servers import served_app

OPENID = "oGatewayUser"


@pytest.fixture
async def gateway(app_db, wechat_settings) -> AsyncIterator[str]:
    Sanic.test_mode = True
    app = create_app(WeChatInput(wechat_settings, handles_messages=False),
                     name=f"gateway_test_{uuid.uuid4().hex}")
    async with served_app(app) as url:
        yield url


async def _post(url: str, query: dict[str, str], body: bytes) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session:
        async with session.post(f"{url}{PATH}/", params=query, data=body) as answer:
            return answer.status, await answer.text()


def _inbox() -> list[tuple[str, str]]:
    with unit_of_work() as session:
        return [(row.sender, row.state) for row in session.scalars(
            select(InboundMessage).order_by(InboundMessage.id))]


async def test_a_message_is_answered_at_once_and_handled_by_a_rasa_process(gateway,
                                                                       wechat_settings):
    user = WeChatUser(gateway, OPENID, wechat_settings)

    status, body = await _post(gateway, *user.signed(user.xml("text", Content="草莓烂了")))

    assert (status, body) == (200, "success")
    assert _inbox() == [(OPENID, "pending")], "accepted, not handled by the gateway"
    handled = []

    async def rasa(message) -> None:
        handled.append(message.text)
        await message.output_channel.send_text_message(message.sender_id, "收到")

    replica = WeChatWebhook(wechat_settings, ApiClient(wechat_settings), WeChatOutput())
    replica.attach(rasa)
    await replica.drain()
    assert handled == ["草莓烂了"] and _inbox() == [(OPENID, "done")]
    with unit_of_work() as session:
        assert [row.payload["text"] for row in session.scalars(select(OutboundMessage))] == \
            ["收到"]


async def test_the_gateway_refuses_what_the_channel_refuses(gateway, wechat_settings):
    user = WeChatUser(gateway, OPENID, wechat_settings)
    query, body = user.signed(user.xml("text", Content="你好"))

    assert (await _post(gateway, {**query, "signature": "0" * 40}, body))[0] == 403
    assert (await _post(gateway, query, b"<xml><oops>"))[0] == 400
    assert _inbox() == []


async def test_health_says_whether_wechat_is_configured(gateway):
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{gateway}/health") as answer:
            assert await answer.json() == {"status": "ok", "wechat": "configured"}
