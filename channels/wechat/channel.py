"""The Rasa input channel for a WeChat Official Account (公众号), at ``/webhooks/wechat/``."""
from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import RateLimitSettings, WeChatSettings, get_settings
from channels.ratelimit import WebhookGuard, address_buckets, sender_buckets
from channels.wechat import wire
from channels.wechat.client import ApiClient
from channels.wechat.delivery import DeliveryWorker
from channels.wechat.outbound import WeChatOutput
from channels.wechat.webhook import NOT_CONFIGURED, Answer, OnNewMessage, WeChatWebhook

logger = logging.getLogger(__name__)


def _query(request: Request) -> dict[str, str]:
    return {name: values[0] for name, values in request.args.items() if values}


def _reply(answer: Answer) -> HTTPResponse:
    return response.text(answer.body, status=answer.status)


class WeChatInput(InputChannel):
    """Receives WeChat's callbacks and answers through the customer-service API.

    ``GET`` answers WeChat's server verification; ``POST`` takes messages (plaintext or
    safe mode) into the inbox, answers ``success`` at once and lets the assistant reply
    in the background through the outbox. Without configuration both answer 503.
    """

    def __init__(self, settings: WeChatSettings | None = None,
                 limits: RateLimitSettings | None = None,
                 monotonic: Callable[[], float] = time.monotonic,
                 handles_messages: bool = True) -> None:
        """Creates the channel; ``settings=None`` means WeChat is not configured.

        ``limits`` (default: ``RATE_LIMIT_*``): messages per openid, and requests failing
        verification per address (``channels.ratelimit``), on the ``monotonic`` clock.
        ``handles_messages=False`` (``channels.wechat.gateway``): accept into the inbox
        and answer only; the Rasa processes handle the messages and send the replies.
        """
        self.settings = settings
        self.handles_messages = handles_messages
        limits = limits or get_settings().rate_limits
        self.guard = WebhookGuard("wechat", wire.MAX_BODY_BYTES,
                                  address_buckets(limits, monotonic), count_every_request=False)
        self.client: ApiClient | None = None
        self.worker: DeliveryWorker | None = None
        self.output: WeChatOutput | None = None
        self.webhook: WeChatWebhook | None = None
        if settings is not None:
            self.client = ApiClient(settings)
            self.worker = DeliveryWorker(self.client)
            self.output = WeChatOutput(on_enqueued=self.worker.wake if handles_messages
                                       else None)
            self.webhook = WeChatWebhook(settings, self.client, self.output,
                                         senders=sender_buckets(limits, monotonic))

    @classmethod
    def name(cls) -> str:
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "WeChatInput":
        """Settings come from the environment (``bot.settings``), never from credentials.yml."""
        settings = get_settings().wechat
        if settings is None:
            logger.info("wechat: channel not configured (WECHAT_TOKEN, WECHAT_APP_ID, "
                        "WECHAT_APP_SECRET unset); /webhooks/wechat/ answers 503")
        return cls(settings)

    def get_output_channel(self) -> OutputChannel | None:
        """Where ``output_channel=latest`` sends: the WeChat user of the conversation."""
        return self.output

    async def on_get(self, request: Request) -> HTTPResponse:
        """``GET /webhooks/wechat/``: WeChat's server verification."""
        if self.webhook is None:
            return _reply(NOT_CONFIGURED)
        return _reply(await self.webhook.verify(_query(request)))

    async def on_post(self, request: Request, on_new_message: OnNewMessage) -> HTTPResponse:
        """``POST /webhooks/wechat/``: a message; answered at once, handled after."""
        if self.webhook is None:
            return _reply(NOT_CONFIGURED)
        if self.handles_messages:
            self.worker.start()
        answer = await self.webhook.receive(_query(request), request.body or b"",
                                            on_new_message if self.handles_messages else None)
        if answer.status in (400, 403, 413):
            self.guard.failed(request)
        return _reply(answer)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        wechat = Blueprint("wechat_webhook", __name__)

        @wechat.listener("after_server_start")
        async def start_workers(app: Any, loop: Any) -> None:
            if self.webhook is not None and self.handles_messages:
                self.worker.start()
                self.webhook.attach(on_new_message)

        @wechat.route("/", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return await self.on_get(request)

        @wechat.route("/", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.on_post(request, on_new_message)

        return self.guard.install(wechat, ["receive"])
