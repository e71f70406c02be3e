"""Rasa's REST channel with the webhook limits: ``channels.rest.RestInput`` in credentials.yml.

Same name (``rest``), URL (``/webhooks/rest/webhook``) and behaviour as Rasa's
``RestInput``; in front of it (``channels.ratelimit``):

* a body over ``MAX_BODY_BYTES`` → 413 before it is read;
* more than ``RATE_LIMIT_IP_*`` requests from one address → 429 before the body is read;
* more than ``RATE_LIMIT_SENDER_*`` messages from one ``sender`` → 429, the message is not
  handed to Rasa.

Refusals are JSON ``{"error", "message", "retry_after"}`` with a ``Retry-After`` header.

A client may give a message an id, ``"metadata": {"message_id": "<id>"}`` (1–64 printable
characters; anything else → 400 ``{"error": "invalid_message_id", "message"}``, the
message is not handed to Rasa). Sent again with the same id, the message is not handled
again: the answer is the bot messages that followed it (``channels.rest_idempotency``;
checked inside Rasa's per-conversation lock). Without an id nothing changes.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.rest import RestInput as RasaRestInput
from sanic import Blueprint, response
from sanic.exceptions import InvalidUsage
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import RateLimitSettings, get_settings
from channels.ratelimit import (
    REST_SLOW_DOWN,
    TokenBuckets,
    WebhookGuard,
    address_buckets,
    refusal,
    sender_buckets,
)
from channels.rest_idempotency import InvalidMessageId, handle_once, message_id_of

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 64 * 1024
"""A REST message is a sender, a text (cut to 500 characters by the NLU) and metadata."""

_RECEIVE = "receive"  # the handler name of Rasa's POST /webhook route


class RestInput(RasaRestInput):
    """Rasa's REST input channel with size and rate limits.

    Args:
        limits: The ``RATE_LIMIT_*`` settings (``None``: read from the environment).
        clock: Monotonic seconds for the buckets (tests pass a fake one).
    """

    def __init__(self, limits: RateLimitSettings | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        limits = limits or get_settings().rate_limits
        self.senders: TokenBuckets = sender_buckets(limits, clock)
        self.guard = WebhookGuard("rest", MAX_BODY_BYTES, address_buckets(limits, clock),
                                  count_every_request=True)

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "RestInput":
        """Limits come from the environment (``RATE_LIMIT_*``), not credentials.yml."""
        return cls()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]
                  ) -> Blueprint:
        async def handle(message: UserMessage) -> None:
            message_id = message_id_of(message.metadata)
            if message_id is None:
                await on_new_message(message)
                return
            (app,) = webhook.apps  # Rasa's app; register() reads the agent from it too
            await handle_once(app.ctx.agent, message, message_id, on_new_message)

        webhook = self.guard.install(super().blueprint(handle), [_RECEIVE])
        suffix = f".{webhook.name}.{_RECEIVE}"

        def is_receive(request: Request) -> bool:
            return request.route is not None and str(request.route.name).endswith(suffix)

        @webhook.middleware("request")
        async def valid_message_id(request: Request) -> HTTPResponse | None:
            if not is_receive(request):
                return None
            body = _body_of(request)
            try:
                message_id_of(body.get("metadata") if isinstance(body, dict) else None)
            except InvalidMessageId as error:
                return response.json({"error": "invalid_message_id", "message": str(error)},
                                     status=400, ensure_ascii=False)
            return None

        @webhook.middleware("request")
        async def per_sender(request: Request) -> HTTPResponse | None:
            if not is_receive(request):
                return None
            sender = _sender_of(request)
            if sender is None:
                return None  # Rasa answers a malformed request as it always does
            decision = self.senders.take(sender)
            if decision.allowed:
                return None
            seconds = decision.retry_after_seconds
            logger.log(logging.WARNING if decision.notify else logging.DEBUG,
                       "rest: %s is over the message limit; refused for %ss", sender, seconds)
            return refusal(429, REST_SLOW_DOWN.format(seconds=seconds), seconds)

        return webhook


def _body_of(request: Request) -> Any:
    try:
        return request.json
    except InvalidUsage:
        return None


def _sender_of(request: Request) -> str | None:
    body = _body_of(request)
    sender = body.get("sender") if isinstance(body, dict) else None
    return str(sender) if sender is not None else None
