"""WeChat Pay's refund result notification URL, served by the Rasa server process.

Listed in ``credentials.yml`` as ``channels.wechatpay.notify.RefundNotifyInput``; Rasa
mounts it at ``/webhooks/wechatpay/``, so the URL to configure in WeChat Pay's merchant
platform (退款结果通知 URL) is ``https://<public host>/webhooks/wechatpay/refund``. It is
a Rasa input channel only to be served by the Rasa server (like the agent desk): it never
hands anything to the assistant.

``POST /webhooks/wechatpay/refund``: the body (at most 16 KB, refused before it is read
when declared larger; no DTDs) must be for our app id and merchant id and its ``req_info``
must decrypt with our API key; the notice inside is then applied to the refund ledger
(``bot.refunds.notify``), and WeChat Pay is answered ``SUCCESS`` (accepted, also for a
replay: it must stop retrying) or ``FAIL`` with the reason (nothing changed). Every
refusal is recorded as ``refund.notify_refused``. A notice that would reverse the ledger
is checked with WeChat Pay's refund query first. Without WeChat Pay configured the route
answers 404 (FAIL). Addresses whose requests keep failing are slowed down like the other
webhooks' (``channels.ratelimit``).
"""
from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from sqlalchemy.orm import sessionmaker

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.refunds import notify
from bot.refunds.gateway import Gateway, GatewayAnswer, Outcome, gateway_from_settings
from bot.settings import RateLimitSettings, WeChatPaySettings, get_settings
from channels.ratelimit import WebhookGuard, address_buckets, client_address
from channels.wechatpay import wire

logger = logging.getLogger(__name__)

PATH = "/refund"
NOT_CONFIGURED = ("微信支付未配置（WECHAT_PAY_APP_ID、WECHAT_PAY_MCH_ID、WECHAT_PAY_API_KEY），"
                  "不接收退款结果通知")
_FROM_SETTINGS: Any = object()


@dataclass(frozen=True)
class Reply:
    """The HTTP answer to WeChat Pay and what the notice came to."""

    status: int
    accepted: bool
    message: str
    outcome: str
    reason: str | None = None

    @property
    def body(self) -> str:
        return wire.reply(self.accepted, self.message)


def _reply(result: notify.NoticeResult) -> Reply:
    return Reply(result.status, result.accepted, result.message, result.outcome, result.reason)


class RefundNotifyEndpoint:
    """Reads, verifies and applies refund result notifications (blocking: run in a thread).

    Args:
        settings: Our WeChat Pay merchant.
        gateway: WeChat Pay's refund query, to check a notice that would reverse the
            ledger (from ``settings`` by default; ``None``: such notices are refused and
            WeChat Pay retries them).
        clock: The current time.
        factory: Sessions (the configured database by default).
    """

    def __init__(self, settings: WeChatPaySettings, gateway: Gateway | None = _FROM_SETTINGS,
                 clock: Callable[[], datetime] = utcnow,
                 factory: sessionmaker | None = None) -> None:
        self.settings = settings
        self.gateway = gateway_from_settings(settings) if gateway is _FROM_SETTINGS else gateway
        self.clock = clock
        self.factory = factory

    def _refuse(self, reason: str, message: str, status: int, **detail: Any) -> Reply:
        with unit_of_work(self.factory) as session:
            result = notify.record_refusal(session, reason, message, status=status, **detail)
        return _reply(result)

    def _read(self, body: bytes, source: str) -> notify.RefundNotice | Reply:
        settings = self.settings
        try:
            envelope = wire.parse_fields(body)
        except wire.TooLarge:
            return self._refuse("too_large", f"通知内容超过 {wire.MAX_BODY_BYTES} 字节，未处理", 413,
                                source=source, size=len(body))
        except wire.Malformed as error:
            return self._refuse("malformed", f"不是可读的退款结果通知：{error}"[:200], 400,
                                source=source, size=len(body))
        seen = {"source": source, "appid": envelope.get("appid", "")[:40],
                "mch_id": envelope.get("mch_id", "")[:40]}
        if envelope.get("return_code") != "SUCCESS":
            return self._refuse("return_fail", "通知的 return_code 不是 SUCCESS，没有退款结果", 400,
                                return_msg=envelope.get("return_msg", "")[:100], **seen)
        if envelope.get("appid") != settings.app_id or envelope.get("mch_id") != settings.mch_id:
            return self._refuse("wrong_merchant", "通知的 appid 或 mch_id 不是本商户的", 403, **seen)
        if not envelope.get("req_info"):
            return self._refuse("no_req_info", "通知没有 req_info", 400, **seen)
        try:
            fields, digest = wire.read_req_info(envelope["req_info"], settings.api_key)
        except wire.Undecryptable as error:
            logger.warning("wechatpay: refund notification from %s does not decrypt: %s",
                           source, error)
            return self._refuse("decrypt_failed",
                                "req_info 不能用本商户的 API 密钥解密：不是微信支付发来的通知", 403,
                                detail=str(error)[:200], **seen)
        try:
            return notify.notice_from(fields, digest)
        except notify.NoticeRefused as error:
            return self._refuse(error.reason, error.message, error.status,
                                key=fields.get("out_refund_no"), digest=digest, **seen)

    def _apply(self, notice: notify.RefundNotice,
               check: GatewayAnswer | None = None) -> notify.NoticeResult:
        with unit_of_work(self.factory) as session:
            return notify.apply(session, notice, self.clock(), check)

    def receive(self, body: bytes, source: str = "unknown") -> Reply:
        """One notification, from its raw body to the answer for WeChat Pay."""
        read = self._read(body, source)
        if isinstance(read, Reply):
            logger.warning("wechatpay: refund notification from %s refused: %s (%s)", source,
                           read.reason, read.message)
            return read
        result = self._apply(read)
        if result.outcome == notify.CHECK:
            check = (self.gateway.query(read.out_refund_no) if self.gateway is not None
                     else GatewayAnswer(Outcome.UNKNOWN, "NOT_CONFIGURED", "没有可用的查询接口"))
            result = self._apply(read, check)
        log = {notify.REFUSED: logging.WARNING, notify.CONFLICT: logging.ERROR}.get(
            result.outcome, logging.INFO)
        logger.log(log, "wechatpay: refund notification %s %s (%s): %s", read.out_refund_no,
                   read.status, result.reason or "-", result.outcome)
        return _reply(result)


class RefundNotifyInput(InputChannel):
    """Serves ``POST /webhooks/wechatpay/refund`` in the Rasa server.

    Args:
        settings: WeChat Pay; ``None``: not configured (the route answers 404).
        limits: Per-address limits on failing requests (``RATE_LIMIT_*`` by default).
        endpoint: The notification handling (built from ``settings`` by default).
        monotonic: The rate limits' clock.
    """

    def __init__(self, settings: WeChatPaySettings | None = None,
                 limits: RateLimitSettings | None = None,
                 endpoint: RefundNotifyEndpoint | None = None,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        limits = limits or get_settings().rate_limits
        self.guard = WebhookGuard("wechatpay", wire.MAX_BODY_BYTES,
                                  address_buckets(limits, monotonic), count_every_request=False)
        self.endpoint = endpoint or (RefundNotifyEndpoint(settings) if settings is not None
                                     else None)

    @classmethod
    def name(cls) -> str:
        return "wechatpay"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "RefundNotifyInput":
        """Settings come from the environment (``bot.settings``), never credentials.yml."""
        settings = get_settings().wechat_pay
        if settings is None:
            logger.info("wechatpay: not configured; /webhooks/wechatpay/refund answers 404")
        return cls(settings)

    def get_output_channel(self) -> None:
        """Nothing is ever said through WeChat Pay."""
        return None

    async def on_refund(self, request: Request) -> HTTPResponse:
        if self.endpoint is None:
            return response.text(wire.reply(False, NOT_CONFIGURED), status=404,
                                 content_type="text/xml; charset=utf-8")
        reply = await asyncio.to_thread(self.endpoint.receive, request.body or b"",
                                        client_address(request))
        if reply.status in (400, 403, 413):
            self.guard.failed(request)
        return response.text(reply.body, status=reply.status,
                             content_type="text/xml; charset=utf-8")

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        notifications = Blueprint("wechatpay_refund_notify", __name__)

        @notifications.route(PATH, methods=["POST"])
        async def refund(request: Request) -> HTTPResponse:
            return await self.on_refund(request)

        return self.guard.install(notifications, ["refund"])
