"""Customers who keep talking through faults: the load ``make chaos`` runs.

Each simulated customer runs the bench's return journey (``bot.bench.load``) over REST or
the WeChat webhook, and behaves as a real client does when a server fails:

- REST: a 5xx, a dropped connection or a timeout is sent again with the same
  ``metadata.message_id`` (the REST channel answers a resend with the first answer and
  never handles it twice) until it is answered or ``RETRY_FOR`` has passed;
- WeChat: an answer other than ``success``, or a failed connection, is posted again with
  the same ``MsgId``, as WeChat's servers do; the assistant's reply may take as long as
  the fault lasts (``ANSWER_TIMEOUT``).

Every message a server acknowledged is logged (``Sent``) with the id the tracker stores
it under, for ``bot.chaos.checks``.
"""
from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from bot.bench.load import ConversationFailed, Expect, RestTransport, WeChatTransport
from bot.bench.seeding import BenchCustomer
from bot.bench.stats import Recorder

RETRY_FOR = 90.0
RETRY_PAUSE = 1.0
ANSWER_TIMEOUT = 180.0


@dataclass(frozen=True)
class Sent:
    """A customer message a server acknowledged."""

    channel: str
    sender: str       # the REST sender id or the WeChat openid: the tracker's sender_id
    message_id: str   # the tracker's user event ``message_id``
    at: float         # monotonic
    resends: int      # how many times the client had to send it again


@dataclass
class TrafficLog:
    """What the customers did and what went wrong for them."""

    sent: list[Sent] = field(default_factory=list)
    failures: Counter = field(default_factory=Counter)  # why a send had to be repeated
    broken: Counter = field(default_factory=Counter)    # why a conversation stopped

    def resends(self) -> int:
        return sum(s.resends for s in self.sent)


async def until_acknowledged(log: TrafficLog, channel: str, step: str,
                             send: Callable[[], Awaitable[str | None]]) -> int:
    """Sends until ``send`` reports success (``None``) instead of what went wrong, pausing
    ``RETRY_PAUSE`` between tries, for at most ``RETRY_FOR``; returns how many resends it
    took.

    Raises:
        ConversationFailed: still not acknowledged at the deadline (counted as broken).
    """
    deadline = time.monotonic() + RETRY_FOR
    resends = 0
    while True:
        try:
            why = await send()
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            why = type(error).__name__
        if why is None:
            return resends
        log.failures[f"{channel} {why}"] += 1
        if time.monotonic() > deadline:
            log.broken[f"{channel} not acknowledged at {step}"] += 1
            raise ConversationFailed()
        resends += 1
        await asyncio.sleep(RETRY_PAUSE)


class RetryingRest(RestTransport):
    """The REST channel, resending with the same message id until answered."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, log: TrafficLog,
                 photo_url: Any) -> None:
        super().__init__(session, base_url, Recorder(), photo_url)
        self._log = log

    async def say(self, who: BenchCustomer, text: str, expect: Expect, step: str) -> list[str]:
        message_id = f"{who.rest_sender}:{step}"
        body = {"sender": who.rest_sender, "message": text,
                "metadata": {"message_id": message_id}}
        replies: list[str] = []

        async def send() -> str | None:
            async with self._session.post(self._url, json=body) as response:
                if response.status != 200:
                    return f"HTTP {response.status}"
                replies.extend(m.get("text") or "" for m in await response.json())
                return None

        resends = await until_acknowledged(self._log, "REST", step, send)
        self._log.sent.append(Sent("rest", who.rest_sender, message_id, time.monotonic(),
                                   resends))
        if not expect(replies):
            self._log.broken[f"REST unexpected answer at {step}"] += 1
            raise ConversationFailed()
        return replies


class RetryingWeChat(WeChatTransport):
    """The WeChat webhook, posting again with the same ``MsgId`` until acknowledged."""

    def __init__(self, session: aiohttp.ClientSession, base_url: str, settings: Any, api: Any,
                 log: TrafficLog) -> None:
        from bot.bench.load import WeChatFigures

        super().__init__(session, base_url, settings, api, WeChatFigures())
        self._log = log

    async def _post(self, who: BenchCustomer, xml: str, expect: Expect, step: str) -> list[str]:
        user = self._user_class(self._url, who.openid, self._settings)
        message_id = "msg:" + xml.split("<MsgId>")[1].split("</MsgId>")[0]

        async def send() -> str | None:
            query, body = user.signed(xml)
            async with self._session.post(self._url, params=query, data=body, headers={
                    "Content-Type": "text/xml; charset=utf-8"}) as response:
                if response.status == 200 and await response.text() == "success":
                    return None
                return f"HTTP {response.status}"

        resends = await until_acknowledged(self._log, "WeChat", step, send)
        sent_at = time.monotonic()
        self._log.sent.append(Sent("wechat", who.openid, message_id, sent_at, resends))
        replies: list[str] = []
        inbox = self._inbox(who.openid)
        while not expect(replies):
            try:
                replies.append(await asyncio.wait_for(
                    inbox.get(), max(sent_at + ANSWER_TIMEOUT - time.monotonic(), 0.01)))
            except asyncio.TimeoutError:
                self._log.broken[f"WeChat {'un' if not replies else 'wrongly '}answered "
                                 f"at {step}"] += 1
                raise ConversationFailed() from None
        return replies
