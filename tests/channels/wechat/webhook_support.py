"""The WeChat webhook without HTTP, for its tests: a stand-in for Rasa's message handler, a
webhook with one customer bound to a WeChat user, signed posts and quick looks at what the
webhook stored."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.db import ChannelIdentity, Customer, OutboundMessage
from bot.db.base import Base
from bot.db.session import unit_of_work
from bot.settings import WeChatSettings
from channels.wechat.client import ApiClient
from channels.wechat.outbound import WeChatOutput as Output
from channels.wechat.webhook import Answer, WeChatWebhook
from channels.wechat_sim import WeChatUser

BOUND, STRANGER = "oBoundUser", "oStranger"


class Assistant:
    """Stands in for Rasa's message handler: records turns, answers each one."""

    def __init__(self) -> None:
        self.turns = []

    async def __call__(self, message) -> None:
        self.turns.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


@pytest.fixture
def hook(app_db, wechat_settings: WeChatSettings) -> WeChatWebhook:
    """The webhook, with the first demo customer bound to the WeChat user ``BOUND``."""
    with unit_of_work() as session:
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        session.add(ChannelIdentity(channel="wechat", external_id=BOUND, customer_id=customer_id))
    client = ApiClient(wechat_settings, timeout=5)
    webhook = WeChatWebhook(wechat_settings, client, Output())
    webhook.customer_id = customer_id
    return webhook


def _user(settings: WeChatSettings, openid: str = BOUND, encrypted: bool = False) -> WeChatUser:
    """A WeChat user signing (and, ``encrypted``, encrypting) for ``settings``."""
    return WeChatUser("http://unused", openid, settings, encrypted)


async def _post(hook: WeChatWebhook, assistant, xml: str | bytes, user: WeChatUser | None = None,
                **signing: str) -> Answer:
    """Posts ``xml`` signed by ``user`` (``BOUND`` by default) and waits until it is handled."""
    query, body = (user or _user(hook.settings)).signed(xml, **signing)
    answer = await hook.receive(query, body, assistant)
    await hook.drain()
    return answer


def _outbox(openid: str) -> list[str]:
    """The texts queued for ``openid``, oldest first."""
    with unit_of_work() as session:
        return [row.payload["text"] for row in session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient == openid)
            .order_by(OutboundMessage.id))]


def _count(model: type[Base]) -> int:
    """How many rows of ``model`` are stored."""
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))
