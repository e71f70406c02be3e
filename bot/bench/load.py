"""The load generator: simulated customers running whole return conversations.

Each simulated customer is a bench customer (``bot.bench.seeding``) with a strawberry
line picked up an hour ago, and goes through the journey a real customer does (as in
tests/e2e/test_rest_journey.py): greet → report → choose the line → quantity → photo →
resolution → case opened. Every step checks the assistant's answer (the listing offers
丹东草莓, the quantity question names it, a photo is asked for, the refund options come,
a case reference ends it); an unexpected answer ends that conversation as an error.

``concurrency`` workers each run conversations back to back, every one with a fresh
customer, until ``duration`` seconds have passed (conversations under way finish).
Transports:

- ``RestTransport`` — ``POST /webhooks/rest/webhook``; latency is request to reply.
- ``WeChatTransport`` — the WeChat webhook with signed XML (as WeChat's servers send it;
  ``channels.wechat_sim``); the webhook acknowledges at once (``ack`` latency) and the
  assistant answers later through the customer-service API, here a
  ``channels.wechat.fake_api.FakeWeChatAPI`` on loopback: ``answer`` latency is the POST
  to the arrival of the expected reply; a step without its reply in ``ANSWER_TIMEOUT``
  counts as unanswered. The photo is a WeChat image message (``MediaId``).
- ``BaselineTransport`` — the same six messages to a plain Rasa (``bench/baseline``),
  any answer accepted.
"""
from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from bot.bench.photos import photo
from bot.bench.seeding import CLAIMED_PRODUCT, BenchCustomer
from bot.bench.stats import Recorder

REQUEST_TIMEOUT = 60.0
ANSWER_TIMEOUT = 60.0
CASE_REF = re.compile(r"R\d{4,}")
Expect = Callable[[list[str]], bool]


class ConversationFailed(Exception):
    """A step went wrong; the conversation stops (already counted as an error)."""


def option_number(replies: list[str], product: str) -> str | None:
    """The number the assistant's numbered list gives ``product`` (``1. 丹东草莓 2盒…``)."""
    for reply in replies:
        for number, label in re.findall(r"^(\d+)\. (.+)$", reply, flags=re.MULTILINE):
            if product in label:
                return number
    return None


def _has(*words: str) -> Expect:
    return lambda replies: any(all(w in r for w in words) for r in replies)


def _any(replies: list[str]) -> bool:
    return bool(replies)


def _case_opened(replies: list[str]) -> bool:
    return any(CASE_REF.search(r) for r in replies)


class Transport:
    """Sends one customer's message and returns the replies once ``expect`` holds."""

    async def say(self, who: BenchCustomer, text: str, expect: Expect, step: str) -> list[str]:
        raise NotImplementedError

    async def photo(self, who: BenchCustomer, n: int, expect: Expect, step: str) -> list[str]:
        raise NotImplementedError


async def return_journey(transport: Transport, who: BenchCustomer, n: int) -> None:
    """One whole return conversation; raises ``ConversationFailed`` at a wrong step."""
    await transport.say(who, "你好", _any, "greet")
    listing = await transport.say(who, "买的东西烂了，能退吗",
                                  lambda r: option_number(r, CLAIMED_PRODUCT) is not None,
                                  "report")
    choice = option_number(listing, CLAIMED_PRODUCT)
    await transport.say(who, choice, _has(CLAIMED_PRODUCT, "2盒"), "choose")
    await transport.say(who, "1盒", _has("照片"), "quantity")
    await transport.photo(who, n, _has("原路退回"), "photo")
    await transport.say(who, "1", _case_opened, "resolution")


async def baseline_journey(transport: Transport, who: BenchCustomer, n: int) -> None:
    """The same six messages to the plain Rasa; any answer will do."""
    for step, text in (("greet", "你好"), ("report", "买的东西烂了，能退吗"), ("choose", "1"),
                       ("quantity", "1盒")):
        await transport.say(who, text, _any, step)
    await transport.photo(who, n, _any, "photo")
    await transport.say(who, "1", _any, "resolution")


Journey = Callable[[Transport, BenchCustomer, int], Awaitable[None]]
JOURNEY_MESSAGES = 6


class RestTransport(Transport):
    """The REST channel; the photo is an image address the assistant fetches."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, recorder: Recorder,
                 photo_url: Callable[[int], str]) -> None:
        self._session = session
        self._url = f"{base_url.rstrip('/')}/webhooks/rest/webhook"
        self._recorder = recorder
        self._photo_url = photo_url

    async def say(self, who: BenchCustomer, text: str, expect: Expect, step: str) -> list[str]:
        started = time.monotonic()
        try:
            async with self._session.post(self._url, json={"sender": who.rest_sender,
                                                           "message": text}) as response:
                if response.status != 200:
                    self._recorder.error(f"HTTP {response.status}")
                    raise ConversationFailed()
                replies = [m.get("text") or "" for m in await response.json()]
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            self._recorder.error(f"request failed ({type(error).__name__})")
            raise ConversationFailed() from error
        self._recorder.ok(time.monotonic() - started)
        if not expect(replies):
            self._recorder.error(f"unexpected answer at {step}")
            raise ConversationFailed()
        return replies

    async def photo(self, who: BenchCustomer, n: int, expect: Expect, step: str) -> list[str]:
        return await self.say(who, self._photo_url(n), expect, step)


class BaselineTransport(RestTransport):
    """The REST channel of a plain Rasa project."""


@dataclass
class WeChatFigures:
    """The webhook's acknowledgements and the assistant's answers."""

    ack: Recorder = field(default_factory=Recorder)
    answer: Recorder = field(default_factory=Recorder)
    sent: int = 0
    answered: int = 0
    replies_received: int = 0


class WeChatTransport(Transport):
    """The WeChat webhook (plaintext mode, signed) with the fake customer-service API."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, settings: Any,
                 api: Any, figures: WeChatFigures) -> None:
        from channels.wechat_sim import WeChatUser

        self._session = session
        self._url = f"{base_url.rstrip('/')}/webhooks/wechat/"
        self._settings = settings
        self._api = api
        self._figures = figures
        self._user_class = WeChatUser
        self._inboxes: dict[str, asyncio.Queue] = {}
        self._loop = asyncio.get_running_loop()

    def on_api_message(self, message: dict[str, Any]) -> None:
        """The fake API's callback (its own threads): route a reply to its customer."""
        if message.get("msgtype", "text") != "text":
            return
        text = (message.get("text") or {}).get("content", "")
        self._loop.call_soon_threadsafe(self._deliver, message.get("touser", ""), text)

    def _deliver(self, openid: str, text: str) -> None:
        self._figures.replies_received += 1
        self._inbox(openid).put_nowait(text)

    def _inbox(self, openid: str) -> asyncio.Queue:
        return self._inboxes.setdefault(openid, asyncio.Queue())

    def forget(self, who: BenchCustomer) -> None:
        self._inboxes.pop(who.openid, None)

    async def _post(self, who: BenchCustomer, xml: str, expect: Expect, step: str) -> list[str]:
        user = self._user_class(self._url, who.openid, self._settings)
        query, body = user.signed(xml)
        figures = self._figures
        started = time.monotonic()
        try:
            async with self._session.post(self._url, params=query, data=body, headers={
                    "Content-Type": "text/xml; charset=utf-8"}) as response:
                answer = await response.text()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            figures.ack.error(f"request failed ({type(error).__name__})")
            raise ConversationFailed() from error
        if response.status != 200 or answer != "success":
            figures.ack.error(f"HTTP {response.status}")
            raise ConversationFailed()
        figures.ack.ok(time.monotonic() - started)
        figures.sent += 1
        replies: list[str] = []
        inbox = self._inbox(who.openid)
        deadline = started + ANSWER_TIMEOUT
        while not expect(replies):
            try:
                replies.append(await asyncio.wait_for(inbox.get(),
                                                      max(deadline - time.monotonic(), 0.01)))
            except asyncio.TimeoutError:
                figures.answer.error(f"unanswered at {step}" if not replies
                                     else f"unexpected answer at {step}")
                raise ConversationFailed() from None
        figures.answer.ok(time.monotonic() - started)
        figures.answered += 1
        return replies

    async def say(self, who: BenchCustomer, text: str, expect: Expect, step: str) -> list[str]:
        user = self._user_class(self._url, who.openid, self._settings)
        return await self._post(who, user.xml("text", Content=text), expect, step)

    async def photo(self, who: BenchCustomer, n: int, expect: Expect, step: str) -> list[str]:
        media_id = self._api.add_media(photo(n), "image/jpeg")
        user = self._user_class(self._url, who.openid, self._settings)
        xml = user.xml("image", PicUrl=self._api.media_url(media_id), MediaId=media_id)
        return await self._post(who, xml, expect, step)


@dataclass
class RunResult:
    """How a run went: started/completed conversations, whether customers ran out."""

    conversations_started: int = 0
    conversations_completed: int = 0
    ran_out: bool = False
    elapsed: float = 0.0


async def run_load(transport: Transport, journey: Journey, customers: Iterator[BenchCustomer],
                   *, concurrency: int, duration: float, recorders: list[Recorder],
                   photos: Iterator[int] | None = None) -> RunResult:
    """Runs ``journey`` with ``concurrency`` workers for ``duration`` seconds.

    ``photos`` numbers the conversations' photos; share one counter between runs against
    the same database, so no photo is ever sent twice.
    """
    result = RunResult()
    numbers = photos if photos is not None else itertools.count()
    started = time.monotonic()
    deadline = started + duration
    for recorder in recorders:
        recorder.started_at = started

    async def worker() -> None:
        while time.monotonic() < deadline:
            who = next(customers, None)
            if who is None:
                result.ran_out = True
                return
            result.conversations_started += 1
            try:
                await journey(transport, who, next(numbers))
                result.conversations_completed += 1
            except ConversationFailed:
                pass
            finally:
                if isinstance(transport, WeChatTransport):
                    transport.forget(who)

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    finished = time.monotonic()
    for recorder in recorders:
        recorder.finished_at = finished
        recorder.conversations_started = result.conversations_started
        recorder.conversations_completed = result.conversations_completed
    result.elapsed = finished - started
    return result


class PhotoServer:
    """Serves bench photo ``n`` at ``/photo/<n>.jpg`` on loopback, as a customer's image
    address would be (the REST channel fetches it)."""

    def __init__(self) -> None:
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def start(self) -> None:
        async def serve(request: web.Request) -> web.Response:
            return web.Response(body=photo(int(request.match_info["n"])),
                                content_type="image/jpeg")

        app = web.Application()
        app.router.add_get(r"/photo/{n:\d+}.jpg", serve)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    def photo_url(self, n: int) -> str:
        return f"{self.url}/photo/{n}.jpg"

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def client_session(concurrency: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=concurrency + 8),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT))
