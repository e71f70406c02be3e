"""Fixtures of the agent desk tests: a real Sanic server with the console channel
mounted the way Rasa mounts it, a fake Rasa API on loopback, signed-in browsers and
handoff tickets opened through the handoff domain."""
from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import pytest
from rasa.core.channels.channel import register
from sanic import Sanic
from sqlalchemy import select

from bot.db import ChannelIdentity, HandoffTicket, StaffAccount
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.handoff.summary import HandoffRequest, build_ticket
from bot.messaging.rasa_api import RasaClient
from bot.orders import recent_lines
from bot.policy import load_policy
from bot.staff.accounts import create_account
from channels.console import ConsoleInput
from channels.console.stream import StreamTiming
from tests.channels.console.fake_rasa import FakeRasa
from tests.servers import served_app

SECRET = "console-test-secret-0123456789abcdef"
RASA_TOKEN = "rasa-api-test-token"
FAST = StreamTiming(tick=0.05, transcript_every=1, heartbeat=0.3, seen_every=0.2, lifetime=20)
PASSWORDS = {"agent1": "demo-agent-pass", "lead1": "demo-lead-pass",
             "leader1": "demo-leader-pass", "admin1": "demo-admin-pass",
             "agent2": "second-agent-pass"}


@dataclass
class Answer:
    status: int
    body: Any
    headers: Any

    @property
    def error(self) -> str | None:
        return self.body.get("error") if isinstance(self.body, dict) else None


class Browser:
    """One person's browser: its own cookies, and the CSRF token the page would hold."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf: str | None = None

    async def close(self) -> None:
        await self.http.close()

    async def _answer(self, response: aiohttp.ClientResponse) -> Answer:
        text = await response.text()
        try:
            body = json.loads(text)
        except ValueError:
            body = text
        return Answer(response.status, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Answer:
        async with self.http.get(self.base_url + path, allow_redirects=False,
                                 **kwargs) as response:
            return await self._answer(response)

    async def post(self, path: str, body: Any = None, *, csrf: str | None | bool = True,
                   **kwargs: Any) -> Answer:
        headers = dict(kwargs.pop("headers", {}))
        token = self.csrf if csrf is True else csrf
        if token:
            headers["X-CSRF-Token"] = token
        async with self.http.post(self.base_url + path, json=body, headers=headers,
                                  allow_redirects=False, **kwargs) as response:
            return await self._answer(response)

    async def login(self, username: str, password: str | None = None) -> Answer:
        answer = await self.post("/console/login",
                                 {"username": username,
                                  "password": password or PASSWORDS[username]}, csrf=False)
        if answer.status == 200:
            me = await self.get("/console/api/me")
            self.csrf = me.body["csrf_token"]
        return answer

    def session_cookie(self) -> str | None:
        for cookie in self.http.cookie_jar:
            if cookie.key == "desk_session":
                return cookie.value
        return None


@dataclass
class Desk:
    """The running desk: its address, the channel, and a way to open browsers."""

    url: str
    channel: ConsoleInput
    browsers: list[Browser]

    def browser(self) -> Browser:
        browser = Browser(self.url)
        self.browsers.append(browser)
        return browser

    async def signed_in(self, username: str) -> Browser:
        browser = self.browser()
        answer = await browser.login(username)
        assert answer.status == 200, answer.body
        return browser


@pytest.fixture
async def fake_rasa() -> AsyncIterator[FakeRasa]:
    fake = FakeRasa(token=RASA_TOKEN)
    await fake.start()
    yield fake
    await fake.close()


@asynccontextmanager
async def served(channel: ConsoleInput) -> AsyncIterator[str]:
    """Runs ``channel`` on a real Sanic server on loopback, mounted as ``rasa run`` mounts
    channels, with its start and stop listeners; yields the server's address."""
    Sanic.test_mode = True  # several apps in one process, as sanic-testing does
    app = Sanic(f"desk_test_{uuid.uuid4().hex}", configure_logging=False)
    register([channel], app, "/webhooks/")
    async with served_app(app) as url:
        yield url


@pytest.fixture
async def desk(app_db, fake_rasa) -> AsyncIterator[Desk]:
    """The desk on a real server, talking to the fake Rasa."""
    # The unclaimed-ticket notice has its own tests (test_console_unclaimed.py); here it
    # stays out of the way of the calls the desk tests count.
    channel = ConsoleInput(SECRET, RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5),
                           timing=FAST, claim_timeout=timedelta(days=365))
    async with served(channel) as url:
        running = Desk(url, channel, [])
        yield running
        for browser in running.browsers:
            await browser.close()


@pytest.fixture
async def agent(desk) -> Browser:
    """客服小李 (agent1), signed in."""
    return await desk.signed_in("agent1")


@pytest.fixture
def second_agent(app_db) -> str:
    """A second agent account, ``agent2``."""
    with unit_of_work() as session:
        create_account(session, "agent2", "客服小王", "agent", PASSWORDS["agent2"])
    return "agent2"


def staff_id(username: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(StaffAccount.id)
                               .where(StaffAccount.username == username)).one()


def customer_of(conversation_id: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "rest",
            ChannelIdentity.external_id == conversation_id)).one()


def open_handoff(conversation_id: str = "demo-1", *, reason: str = "human_requested",
                 anger: float = 0.2, product: str | None = "丹东草莓",
                 evidence_ids: tuple[int, ...] = (), now: datetime | None = None,
                 customer_said: tuple[str, ...] = ("草莓烂了", "转人工")) -> int:
    """Opens a ticket the way the bot does (summary built from the conversation)."""
    now = now or utcnow()
    with unit_of_work() as session:
        customer_id = customer_of(conversation_id)
        line_id = None
        if product:
            line_id = next(line.line_id for line in recent_lines(session, customer_id, now)
                           if line.product_name == product)
        request = HandoffRequest(
            conversation_id=conversation_id, reason=reason, channel="rest",
            customer_id=customer_id, order_line_id=line_id,
            problem_reason="spoiled" if product else None,
            problem_description="发霉了" if product else None,
            evidence_ids=evidence_ids, anger=anger,
            bot_said=("请问是哪一件商品？",), customer_said=customer_said,
        )
        ticket, created = tickets.open_ticket(
            session, build_ticket(session, request, now, load_policy()), now)
        assert created
        return ticket.id


def load_ticket(ticket_id: int) -> HandoffTicket:
    with unit_of_work() as session:
        return session.get(HandoffTicket, ticket_id)


async def read_events(response: aiohttp.ClientResponse, wanted: str,
                      timeout: float = 10.0) -> list[tuple[str, Any]]:
    """Reads server-sent events until one named ``wanted`` arrives (``"comment"`` for a
    comment line such as the heartbeat); returns all read."""
    seen: list[tuple[str, Any]] = []

    async def read() -> None:
        name, data = None, None
        while True:
            raw = await response.content.readline()
            if not raw:
                raise AssertionError(f"stream ended before {wanted!r}: {seen}")
            line = raw.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                name = line[len("event: "):]
            elif line.startswith("data: "):
                data = json.loads(line[len("data: "):])
            elif line == "" and name is not None:
                seen.append((name, data))
                if name == wanted:
                    return
                name, data = None, None
            elif line.startswith(":"):
                seen.append(("comment", line))
                if wanted == "comment":
                    return

    await asyncio.wait_for(read(), timeout)
    return seen
