"""The webhook's work, apart from HTTP: check, parse, accept once, answer at once,
and handle the message in the background."""
from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.core.channels.channel import UserMessage

from bot import messages as texts
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import first_time
from bot.settings import WeChatSettings
from channels.ratelimit import SLOW_DOWN, TokenBuckets
from channels.wechat import wire
from channels.wechat.client import ApiClient
from channels.wechat.inbound import Inbound, Kind, classify
from channels.wechat.media import take_photo
from channels.wechat.outbound import WeChatOutput
from channels.wechat.security import Rejected, check_query, decrypt, is_encrypted

logger = logging.getLogger(__name__)
CHANNEL = "wechat"
OnNewMessage = Callable[[UserMessage], Awaitable[Any]]


@dataclass(frozen=True)
class Answer:
    """What to answer WeChat: an HTTP status and a plain-text body."""

    status: int
    body: str


SUCCESS = Answer(200, "success")
NOT_CONFIGURED = Answer(503, "WeChat channel not configured: set WECHAT_TOKEN, WECHAT_APP_ID "
                             "and WECHAT_APP_SECRET (and WECHAT_AES_KEY for safe mode).")


def _accept_once(key: str) -> bool:
    with unit_of_work() as session:
        return first_time(session, CHANNEL, key, utcnow())


class WeChatWebhook:
    """Verification (GET) and messages (POST) for one Official Account."""

    def __init__(self, settings: WeChatSettings, client: ApiClient, output: WeChatOutput,
                 clock: Callable[[], float] = time.time,
                 senders: TokenBuckets | None = None) -> None:
        self.settings = settings
        self.client = client
        self.output = output
        self._clock = clock
        self.senders = senders  # messages per openid (channels.ratelimit); None: no limit
        self._tasks: set[asyncio.Task] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self._queued: Counter[str] = Counter()

    async def verify(self, query: Mapping[str, str]) -> Answer:
        """WeChat's server verification: echo ``echostr`` if the signature is right."""
        try:
            check_query(self.settings.token, query, self._clock())
        except Rejected as error:
            logger.warning("wechat: verification refused: %s", error)
            return Answer(403, "forbidden")
        return Answer(200, query.get("echostr") or "")

    async def receive(self, query: Mapping[str, str], body: bytes,
                      on_new_message: OnNewMessage) -> Answer:
        """Checks and accepts one POST; the message is handled after the answer."""
        if len(body) > wire.MAX_BODY_BYTES:
            logger.warning("wechat: refused a body of %s bytes", len(body))
            return Answer(413, "body too large")
        try:
            timestamp, nonce = check_query(self.settings.token, query, self._clock())
            if not await asyncio.to_thread(_accept_once, f"nonce:{timestamp}:{nonce}"):
                raise Rejected(f"replayed nonce {nonce}")
            xml = decrypt(self.settings, query, body) if is_encrypted(query) else body
            inbound = classify(wire.parse(xml))
        except Rejected as error:
            logger.warning("wechat: refused a POST: %s", error)
            return Answer(403, "forbidden")
        except wire.TooLarge as error:
            logger.warning("wechat: refused a POST: %s", error)
            return Answer(413, "body too large")
        except wire.Malformed as error:
            logger.warning("wechat: unreadable POST: %s", error)
            return Answer(400, "bad request")
        if not await asyncio.to_thread(_accept_once, inbound.key):
            logger.info("wechat: %s already accepted, retry ignored", inbound.key)
            return SUCCESS
        if self.senders is not None:
            decision = self.senders.take(inbound.openid)
            if not decision.allowed:
                # Still "success": an error would make WeChat retry, adding to the flood.
                logger.log(logging.WARNING if decision.notify else logging.INFO,
                           "wechat: %s is over the message limit, %s dropped",
                           inbound.openid, inbound.key)
                if decision.notify:
                    self._spawn(self.output.send_texts(inbound.openid, [SLOW_DOWN]))
                return SUCCESS
        self._spawn(self._in_order(inbound, on_new_message))
        return SUCCESS

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits until every accepted message has been handled (for tests and shutdown)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def _in_order(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        """One customer's messages are handled one at a time, in arrival order."""
        openid = inbound.openid
        lock = self._locks.setdefault(openid, asyncio.Lock())
        self._queued[openid] += 1
        try:
            async with lock:
                await self.handle(inbound, on_new_message)
        finally:
            self._queued[openid] -= 1
            if self._queued[openid] <= 0:
                del self._queued[openid]
                self._locks.pop(openid, None)

    async def handle(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        """Acts on one accepted message; failures are logged and apologised for."""
        openid = inbound.openid
        try:
            if inbound.kind is Kind.IGNORE:
                logger.debug("wechat: nothing to do for %s (%s)", inbound.key, inbound.msg_type)
                return
            if inbound.kind is Kind.REPLY:
                await self.output.send_texts(openid, [inbound.text])
                return
            text, metadata = inbound.text, None
            if inbound.kind is Kind.PHOTO:
                outcome = await asyncio.to_thread(take_photo, self.client, openid,
                                                  inbound.media_id, inbound.pic_url)
                if outcome.problem is not None:
                    await self.output.send_texts(openid, [outcome.problem])
                    return
                text, metadata = texts.PHOTO_TURN_TEXT, outcome.metadata
            await on_new_message(UserMessage(text, self.output, openid, input_channel=CHANNEL,
                                             message_id=inbound.key, metadata=metadata))
        except Exception:
            logger.exception("wechat: handling %s from %s failed", inbound.key, openid)
            try:
                await self.output.send_texts(openid, [texts.TECHNICAL_PROBLEM])
            except Exception:
                logger.exception("wechat: could not queue the apology for %s", openid)
