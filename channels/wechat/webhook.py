"""The webhook's work, apart from HTTP: check, parse, accept once into the inbox,
answer at once, and handle the message in the background (``channels.inbox_worker``)."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from functools import partial
from typing import Any

from rasa.core.channels.channel import UserMessage
from sqlalchemy.orm import Session

from bot import messages as texts
from bot.db.base import utcnow
from bot.messaging import first_time, inbox
from bot.messaging.inbox import InboxItem
from bot.settings import WeChatSettings
from channels.accepting import accepted
from channels.inbox_worker import InboxWorker
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
#: How often a Rasa process looks for messages it was not woken for: retries, a dead
#: replica's, and everything the gateway accepted.
INBOX_POLL_SECONDS = 0.5


@dataclass(frozen=True)
class Answer:
    """What to answer WeChat: an HTTP status and a plain-text body."""

    status: int
    body: str


SUCCESS = Answer(200, "success")
#: The message could not be recorded (the database is down or busy past its timeout):
#: WeChat posts it again, up to three times, and nothing of it was kept.
TRY_AGAIN = Answer(500, "try again")
NOT_CONFIGURED = Answer(503, "WeChat channel not configured: set WECHAT_TOKEN, WECHAT_APP_ID "
                             "and WECHAT_APP_SECRET (and WECHAT_AES_KEY for safe mode).")


class Acceptance(str, Enum):
    """What accepting one POST found."""

    ACCEPTED = "accepted"
    REPLAYED_NONCE = "replayed nonce"
    SEEN_BEFORE = "seen before"


def _accept(session: Session, nonce_key: str, key: str, inbound: Inbound | None
            ) -> Acceptance:
    """The nonce and the message key recorded once each and, with ``inbound``, the message
    queued in the inbox, in one transaction (``channels.accepting``), so what WeChat is
    told "success" for is never only in memory."""
    now = utcnow()
    if not first_time(session, CHANNEL, nonce_key, now):
        return Acceptance.REPLAYED_NONCE
    if not first_time(session, CHANNEL, key, now):
        return Acceptance.SEEN_BEFORE
    if inbound is not None:
        inbox.add(session, CHANNEL, inbound.openid, inbound.key, inbound.as_payload(), now)
    return Acceptance.ACCEPTED


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
        self.inbox = InboxWorker(CHANNEL, self._handle_item, self._give_up,
                                 poll_seconds=INBOX_POLL_SECONDS)
        self._on_new_message: OnNewMessage | None = None
        self._tasks: set[asyncio.Task] = set()

    def attach(self, on_new_message: OnNewMessage) -> None:
        """Where accepted messages go (Rasa's handler); starts handling the inbox,
        including messages another process accepted and could not finish."""
        self._on_new_message = on_new_message
        self.inbox.start()

    async def verify(self, query: Mapping[str, str]) -> Answer:
        """WeChat's server verification: echo ``echostr`` if the signature is right."""
        try:
            check_query(self.settings.token, query, self._clock())
        except Rejected as error:
            logger.warning("wechat: verification refused: %s", error)
            return Answer(403, "forbidden")
        return Answer(200, query.get("echostr") or "")

    async def receive(self, query: Mapping[str, str], body: bytes,
                      on_new_message: OnNewMessage | None = None) -> Answer:
        """Checks one POST and accepts it into the inbox.

        With ``on_new_message`` (Rasa's handler, in a Rasa process) this process's inbox
        worker is woken to handle the message; without it (``channels.wechat.gateway``)
        a Rasa process's worker finds it.
        """
        if len(body) > wire.MAX_BODY_BYTES:
            logger.warning("wechat: refused a body of %s bytes", len(body))
            return Answer(413, "body too large")
        try:
            timestamp, nonce = check_query(self.settings.token, query, self._clock())
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
        decision = self.senders.take(inbound.openid) if self.senders is not None else None
        allowed = decision is None or decision.allowed
        queued = inbound if allowed and inbound.kind is not Kind.IGNORE else None
        try:
            acceptance = await accepted(partial(_accept, nonce_key=f"nonce:{timestamp}:{nonce}",
                                                key=inbound.key, inbound=queued))
        except Exception:
            logger.exception("wechat: %s not recorded; WeChat will retry", inbound.key)
            return TRY_AGAIN
        if acceptance is Acceptance.REPLAYED_NONCE:
            logger.warning("wechat: refused a POST: replayed nonce %s", nonce)
            return Answer(403, "forbidden")
        if acceptance is Acceptance.SEEN_BEFORE:
            logger.info("wechat: %s already accepted, retry ignored", inbound.key)
            return SUCCESS
        if not allowed:
            # Still "success": an error would make WeChat retry, adding to the flood.
            logger.log(logging.WARNING if decision.notify else logging.INFO,
                       "wechat: %s is over the message limit, %s dropped",
                       inbound.openid, inbound.key)
            if decision.notify:
                self._spawn(self.output.send_texts(inbound.openid, [SLOW_DOWN]))
            return SUCCESS
        if queued is not None and on_new_message is not None:
            self.attach(on_new_message)
            self.inbox.wake()
        return SUCCESS

    def _spawn(self, work: Awaitable[Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Waits until every accepted message has been handled (for tests and shutdown)."""
        await self.inbox.drain()
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _handle_item(self, item: InboxItem) -> None:
        if self._on_new_message is None:
            raise RuntimeError("the webhook is not attached to Rasa yet")
        await self.handle(Inbound.from_payload(item.sender, item.key, item.payload),
                          self._on_new_message)

    async def _give_up(self, item: InboxItem) -> None:
        photo = item.payload.get("kind") == Kind.PHOTO.value
        await self.output.send_texts(item.sender, [texts.PHOTO_DOWNLOAD_FAILED if photo
                                                   else texts.TECHNICAL_PROBLEM])

    async def handle(self, inbound: Inbound, on_new_message: OnNewMessage) -> None:
        """Acts on one accepted message; raising means it is tried again later."""
        openid = inbound.openid
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
