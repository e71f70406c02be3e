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
        deadline = time.monotonic() + RETRY_FOR
        resends = 0
        while True:
            try:
                async with self._session.post(self._url, json=body) as response:
                    if response.status == 200:
                        replies = [m.get("text") or "" for m in await response.json()]
                        break
                    why = f"REST HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                why = f"REST {type(error).__name__}"
            self._log.failures[why] += 1
            if time.monotonic() > deadline:
                self._log.broken[f"REST not answered at {step}"] += 1
                raise ConversationFailed()
            resends += 1
            await asyncio.sleep(RETRY_PAUSE)
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
        deadline = time.monotonic() + RETRY_FOR
        resends = 0
        while True:
            query, body = user.signed(xml)
            try:
                async with self._session.post(self._url, params=query, data=body, headers={
                        "Content-Type": "text/xml; charset=utf-8"}) as response:
                    if response.status == 200 and await response.text() == "success":
                        break
                    why = f"WeChat HTTP {response.status}"
            except (aiohttp.ClientError, asyncio.TimeoutError) as error:
                why = f"WeChat {type(error).__name__}"
            self._log.failures[why] += 1
            if time.monotonic() > deadline:
                self._log.broken[f"WeChat not acknowledged at {step}"] += 1
                raise ConversationFailed()
            resends += 1
            await asyncio.sleep(RETRY_PAUSE)
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
