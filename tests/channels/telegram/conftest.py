"""Fixtures for the Telegram channel tests: the fake Bot API and a configured channel."""
from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta

import pytest
from rasa.core.channels.channel import UserMessage
from sqlalchemy import select

from bot.db import ChannelIdentity
from bot.db.base import utcnow
from bot.settings import TelegramSettings
from channels.telegram import TelegramInput
from tests.channels.fake_telegram import SECRET, TOKEN, FakeTelegram, FakeTelegramServer

BOUND_USER = 4242


@pytest.fixture
def fake_telegram() -> Iterator[FakeTelegram]:
    server = FakeTelegramServer()
    yield server.state
    server.close()


class Clock:
    """A clock tests move forward instead of sleeping."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def __call__(self) -> datetime:
        return utcnow() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


class Rasa:
    """Stands in for Rasa's ``on_new_message``: records messages, may answer them."""

    def __init__(self) -> None:
        self.messages: list[UserMessage] = []
        self.answers: list[dict] = []
        self.error: Exception | None = None

    async def __call__(self, message: UserMessage) -> None:
        self.messages.append(message)
        if self.error is not None:
            raise self.error
        for answer in self.answers:
            await message.output_channel.send_response(message.sender_id, dict(answer))

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.messages]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def rasa() -> Rasa:
    return Rasa()


@pytest.fixture
def bound_user(app_db) -> int:
    """A Telegram user id bound to the demo customer behind REST sender demo-1."""
    with app_db.session() as session, session.begin():
        customer_id = session.scalars(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "rest", ChannelIdentity.external_id == "demo-1")).one()
        session.add(ChannelIdentity(channel="telegram", external_id=str(BOUND_USER),
                                    customer_id=customer_id))
    return BOUND_USER


@pytest.fixture
async def channel(app_db, fake_telegram, clock) -> AsyncIterator[TelegramInput]:
    """The channel with a secret token, talking to the fake Bot API, on the test database."""
    settings = TelegramSettings(TOKEN, SECRET, fake_telegram.base_url)
    made = TelegramInput(settings, clock=clock, poll_seconds=0.05)
    yield made
    await made.wait_idle(5)
    await made.stop(5)
