"""Rasa's input channel for Telegram: the webhook accepts an update into the inbox and
answers at once; the inbox worker hands it to Rasa."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from functools import partial
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import Session
from telegram import Update
from telegram.error import TelegramError

from bot import messages as replies
from bot.db.base import utcnow
from bot.messaging import first_time, inbox
from bot.messaging.inbox import InboxItem
from bot.settings import RateLimitSettings, TelegramSettings, get_settings
from channels.accepting import accepted
from channels.inbox_worker import InboxWorker
from channels.ratelimit import SLOW_DOWN, WebhookGuard, address_buckets, sender_buckets
from channels.telegram.client import make_bot
from channels.telegram.courier import CHANNEL, Courier
from channels.telegram.dispatch import Dispatcher, OnNewMessage
from channels.telegram.output import TelegramOutput
from channels.telegram.updates import Inbound, Kind, classify
from channels.telegram.webhook import (
    MAX_BODY_BYTES,
    SECRET_HEADER,
    BadUpdate,
    BodyTooLarge,
    UnreadableUpdate,
    read_update,
    secret_matches,
)

logger = logging.getLogger(__name__)


def _accept(session: Session, key: str, sender: str | None, update: dict[str, Any] | None,
            now: datetime) -> bool:
    """The update's key recorded once and, with ``update``, the update queued in the
    inbox, in one transaction (``channels.accepting``), so what Telegram is told 200 for
    is never only in memory. Returns whether the update is new."""
    if not first_time(session, CHANNEL, key, now):
        return False
    if update is not None:
        inbox.add(session, CHANNEL, sender, key, {"update": update}, now)
    return True


class TelegramInput(InputChannel):
    """Receives Telegram updates at ``/webhooks/telegram/webhook``.

    Each update is checked (secret-token header), parsed with ``Update.de_json``,
    accepted once per ``update_id`` into the inbox (``bot.messaging.inbox``), answered
    with 200 at once and then handled by the inbox worker: one update at a time per user,
    in arrival order, retried with back-off when handling fails, taken over by another
    process when this one dies.

    Args:
        telegram: The bot's settings; ``None`` when the channel is not configured, in
            which case the webhook answers 503.
        clock: The current time (for de-duplication records and the outbox).
        poll_seconds: How often the outbox's retry loop and the inbox worker look for
            due work they were not woken for.
        limits: Updates per Telegram user, and requests failing the secret-token check per
            address (``channels.ratelimit``; default: ``RATE_LIMIT_*``).
        monotonic: The rate limits' clock.
    """

    def __init__(self, telegram: TelegramSettings | None = None, *,
                 clock: Callable[[], datetime] = utcnow, poll_seconds: float = 1.0,
                 limits: RateLimitSettings | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.telegram = telegram
        limits = limits or get_settings().rate_limits
        self.senders = sender_buckets(limits, monotonic)
        self.guard = WebhookGuard("telegram", MAX_BODY_BYTES, address_buckets(limits, monotonic),
                                  count_every_request=False)
        self.bot = make_bot(telegram) if telegram else None
        self.courier = Courier(self.bot, clock, poll_seconds) if self.bot else None
        self._dispatcher = (Dispatcher(self.bot, TelegramOutput(self.courier), self.name())
                            if self.bot else None)
        self.inbox = InboxWorker(CHANNEL, self._handle_item, self._give_up,
                                 poll_seconds=poll_seconds)
        self._on_new_message: OnNewMessage | None = None
        self._clock = clock
        self._tasks: set[asyncio.Task] = set()

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "TelegramInput":
        """Settings come from the environment (TELEGRAM_*), never from credentials.yml."""
        return cls(get_settings().telegram)

    def get_output_channel(self) -> TelegramOutput | None:
        return TelegramOutput(self.courier) if self.courier else None

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        self._on_new_message = on_new_message
        webhook = Blueprint("telegram_webhook", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.bot else "not configured"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            status, text = await self.receive(request.body, request.headers.get(SECRET_HEADER),
                                              on_new_message)
            if status in (400, 403, 413):
                self.guard.failed(request)
            return response.text(text, status=status)

        @webhook.listener("after_server_start")
        async def start(*_: Any) -> None:
            await self.start()

        @webhook.listener("before_server_stop")
        async def stop(*_: Any) -> None:
            await self.stop()

        return self.guard.install(webhook, ["receive"])

    async def receive(self, body: bytes, secret: str | None,
                      on_new_message: OnNewMessage) -> tuple[int, str]:
        """Checks and accepts one webhook request; returns the HTTP status and body."""
        if self.telegram is None or self.bot is None:
            logger.warning("telegram: update refused, channel not configured "
                           "(TELEGRAM_BOT_TOKEN unset)")
            return 503, "telegram channel not configured"
        if not secret_matches(self.telegram.secret_token, secret):
            logger.warning("telegram: update refused, wrong or missing %s header", SECRET_HEADER)
            return 403, "forbidden"
        try:
            update = read_update(body, self.bot)
        except BadUpdate as error:
            logger.warning("telegram: malformed update refused: %s", error)
            return (413 if isinstance(error, BodyTooLarge) else 400), "bad update"
        except UnreadableUpdate as error:
            logger.error("telegram: %s could not be read and is skipped", error)
            return 200, "skipped"
        key = f"{self.telegram.bot_token.split(':', 1)[0]}:{update.update_id}"
        inbound = classify(update)
        decision = (self.senders.take(inbound.sender_id) if inbound.sender_id is not None
                    else None)
        allowed = decision is None or decision.allowed
        queued = update.to_dict() if allowed and inbound.sender_id is not None else None
        try:
            fresh = await accepted(partial(_accept, key=key, sender=inbound.sender_id,
                                           update=queued, now=self._clock()))
        except Exception:
            logger.exception("telegram: update %s not recorded; Telegram will retry",
                             update.update_id)
            return 500, "try again"
        if not fresh:
            logger.info("telegram: update %s received again, skipped", update.update_id)
            return 200, "duplicate"
        if inbound.sender_id is None:
            logger.info("telegram: update %s ignored: %s", update.update_id, inbound.note)
            return 200, "ok"
        if not allowed:
            # 200 all the same: an error would make Telegram deliver it again.
            logger.log(logging.WARNING if decision.notify else logging.INFO,
                       "telegram: %s is over the message limit, update %s dropped",
                       inbound.sender_id, update.update_id)
            if decision.notify:
                self._spawn(TelegramOutput(self.courier).send_text_message(
                    inbound.sender_id, SLOW_DOWN))
            return 200, "rate limited"
        self._attach(on_new_message)
        self.inbox.wake()
        return 200, "ok"

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _attach(self, on_new_message: OnNewMessage) -> None:
        self._on_new_message = on_new_message
        self.inbox.start()

    def _inbound(self, item: InboxItem) -> Inbound:
        return classify(Update.de_json(item.payload["update"], self.bot))

    async def _handle_item(self, item: InboxItem) -> None:
        if self._on_new_message is None:
            raise RuntimeError("the channel is not attached to Rasa yet")
        await self._dispatcher.act(self._inbound(item), item.key, self._on_new_message)

    async def _give_up(self, item: InboxItem) -> None:
        inbound = self._inbound(item)
        await TelegramOutput(self.courier).send_text_message(
            item.sender, replies.PHOTO_DOWNLOAD_FAILED if inbound.kind is Kind.PHOTO
            else replies.TECHNICAL_PROBLEM)

    async def start(self) -> None:
        """Checks the token (``getMe``), starts the outbox's retry loop and the inbox
        worker (which also takes over updates a dead process accepted)."""
        if self.bot is None:
            logger.info("telegram: channel not configured (TELEGRAM_BOT_TOKEN unset)")
            return
        try:
            await self.bot.initialize()
            logger.info("telegram: bot @%s ready", self.bot.username)
        except TelegramError as error:
            logger.error("telegram: getMe failed (%s); sending will be retried", error)
        self.courier.start()
        if self._on_new_message is not None:
            self.inbox.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Lets updates in hand finish (up to ``timeout``), then stops the inbox worker
        and the retry loop; updates not begun stay in the inbox for the next start."""
        # Not asyncio.wait_for: its TimeoutError would skip the courier's and the bot's
        # shutdown below, and on Python 3.10 it can swallow a cancellation (bpo-42130).
        stopping = asyncio.ensure_future(self.inbox.stop())
        _, late = await asyncio.wait({stopping}, timeout=timeout)
        if late:
            logger.warning("telegram: updates still in hand after %s s are left to the "
                           "next start", timeout)
            stopping.cancel()
        await self._wait_for_tasks(timeout)
        if self.courier is not None:
            await self.courier.stop()
        if self.bot is not None:
            await self.bot.shutdown()

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Handles every due update and waits for it (tests)."""
        if self._on_new_message is not None:
            await asyncio.wait_for(self.inbox.drain(), timeout)
        await self._wait_for_tasks(timeout)

    async def _wait_for_tasks(self, timeout: float) -> None:
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
