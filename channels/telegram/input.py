"""Rasa's input channel for Telegram: the webhook, and each update handed to Rasa."""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import InputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from telegram.error import TelegramError

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import first_time
from bot.settings import RateLimitSettings, TelegramSettings, get_settings
from channels.ratelimit import SLOW_DOWN, WebhookGuard, address_buckets, sender_buckets
from channels.telegram.client import make_bot
from channels.telegram.courier import CHANNEL, Courier
from channels.telegram.dispatch import Dispatcher, OnNewMessage
from channels.telegram.output import TelegramOutput
from channels.telegram.updates import classify
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


def _first_time(key: str, now: datetime) -> bool:
    with unit_of_work() as session:
        return first_time(session, CHANNEL, key, now)


class TelegramInput(InputChannel):
    """Receives Telegram updates at ``/webhooks/telegram/webhook``.

    Each update is checked (secret-token header), parsed with ``Update.de_json``,
    accepted once per ``update_id`` (persisted), answered with 200 at once and then
    handled in the background, one update at a time per user, in arrival order.

    Args:
        telegram: The bot's settings; ``None`` when the channel is not configured, in
            which case the webhook answers 503.
        clock: The current time (for de-duplication records and the outbox).
        poll_seconds: How often the outbox's retry loop runs.
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
        try:
            fresh = await asyncio.to_thread(_first_time, key, self._clock())
        except Exception:
            logger.exception("telegram: update %s not recorded; Telegram will retry",
                             update.update_id)
            return 500, "try again"
        if not fresh:
            logger.info("telegram: update %s received again, skipped", update.update_id)
            return 200, "duplicate"
        inbound = classify(update)
        if inbound.sender_id is not None:
            decision = self.senders.take(inbound.sender_id)
            if not decision.allowed:
                # 200 all the same: an error would make Telegram deliver it again.
                logger.log(logging.WARNING if decision.notify else logging.INFO,
                           "telegram: %s is over the message limit, update %s dropped",
                           inbound.sender_id, update.update_id)
                if decision.notify:
                    self._spawn(TelegramOutput(self.courier).send_text_message(
                        inbound.sender_id, SLOW_DOWN))
                return 200, "rate limited"
        self._spawn(self._dispatcher.handle(inbound, on_new_message))
        return 200, "ok"

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def start(self) -> None:
        """Checks the token (``getMe``) and starts the outbox's retry loop."""
        if self.bot is None:
            logger.info("telegram: channel not configured (TELEGRAM_BOT_TOKEN unset)")
            return
        try:
            await self.bot.initialize()
            logger.info("telegram: bot @%s ready", self.bot.username)
        except TelegramError as error:
            logger.error("telegram: getMe failed (%s); sending will be retried", error)
        self.courier.start()

    async def stop(self, timeout: float = 10.0) -> None:
        """Lets updates in hand finish (up to ``timeout``), then stops the retry loop."""
        await self.wait_idle(timeout)
        if self.courier is not None:
            await self.courier.stop()
        if self.bot is not None:
            await self.bot.shutdown()

    async def wait_idle(self, timeout: float = 30.0) -> None:
        """Waits until every accepted update has been handled (or ``timeout`` passes)."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
