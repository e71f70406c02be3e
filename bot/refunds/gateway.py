"""WeChat Pay's refund API (v2, XML) through wechatpy's payment client.

``WeChatPayGateway`` applies for a refund (``secapi/pay/refund``) and queries one
(``pay/refundquery``) by its idempotency key, ``out_refund_no``: WeChat Pay refunds one
key at most once, so asking again with the same key is always safe. Every answer's
signature (MD5 or HMAC-SHA256, as requested) is checked before anything in it is
believed — wechatpy itself does not check answers — and an answer that is not about the
refund asked for is not believed either. Each call ends in a ``GatewayAnswer`` whose
``outcome`` tells the payout job what to do next:

* ``SUCCEEDED``: WeChat Pay took the refund (the money goes back to the customer's WeChat
  change, 1–3 days at most);
* ``RETRY``: a temporary refusal (system error, merchant balance too low, rate limit):
  the same key again later;
* ``REFUSED``: a definitive refusal (account, order or configuration problem): a person;
* ``NOT_FOUND`` (query only): WeChat Pay has no refund with this key: safe to apply;
* ``UNKNOWN``: no answer to believe (timeout, lost connection, HTTP error, bad signature):
  the refund may or may not exist, so the next attempt queries first.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Protocol

import requests
import xmltodict
from wechatpy.exceptions import InvalidSignatureException, WeChatPayException
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from bot.settings import WeChatPaySettings

logger = logging.getLogger(__name__)

HMAC = "HMAC-SHA256"
# Refusals WeChat Pay asks to retry with the same out_refund_no.
RETRYABLE = frozenset({"SYSTEMERROR", "BIZERR_NEED_RETRY", "NOTENOUGH", "FREQUENCY_LIMITED",
                       "INVALID_REQ_TOO_MUCH"})
# refund_status_N of a refund WeChat Pay has taken (PROCESSING: on its way).
TAKEN = frozenset({"SUCCESS", "PROCESSING"})


class Outcome(str, Enum):
    SUCCEEDED = "succeeded"
    RETRY = "retry"
    REFUSED = "refused"
    NOT_FOUND = "not_found"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class RefundRequest:
    """One refund as WeChat Pay needs it; money in cents (fen)."""

    out_refund_no: str
    out_trade_no: str
    total_fee: int
    refund_fee: int
    reason: str | None = None


@dataclass(frozen=True)
class GatewayAnswer:
    """What one call came back with (``answer``: the signed fields, without the sign)."""

    outcome: Outcome
    code: str | None = None
    message: str | None = None
    refund_id: str | None = None
    answer: dict[str, Any] | None = field(default=None)
    duration_ms: int | None = None


class Gateway(Protocol):
    """What the payout job needs from a payment gateway."""

    def apply(self, request: RefundRequest) -> GatewayAnswer: ...

    def query(self, out_refund_no: str) -> GatewayAnswer: ...


class BadAnswer(Exception):
    """Not XML, or not an answer the client can use."""


def _fields(xml: str) -> dict[str, str]:
    try:
        data = xmltodict.parse(xml)
    except Exception as error:  # noqa: BLE001 (any parser failure is a bad answer)
        raise BadAnswer(f"not XML: {xml[:120]!r}") from error
    if not isinstance(data, dict) or not isinstance(data.get("xml"), dict):
        raise BadAnswer(f"no <xml>: {xml[:120]!r}")
    return {k: (v if isinstance(v, str) else "" if v is None else str(v))
            for k, v in data["xml"].items()}


def signature(fields: dict[str, Any], api_key: str, sign_type: str = "MD5") -> str:
    """WeChat Pay's signature of ``fields`` (without ``sign``)."""
    values = {k: v for k, v in fields.items() if k != "sign"}
    if sign_type == HMAC:
        return calculate_signature_hmac(values, api_key)
    return calculate_signature(values, api_key)


class _Client(WeChatPay):
    """wechatpy's client sending to ``api_base_url`` (a local fake in tests), signing with
    the configured sign type and checking the signature of every answer."""

    def __init__(self, settings: WeChatPaySettings) -> None:
        super().__init__(settings.app_id, settings.api_key, settings.mch_id,
                         mch_cert=settings.cert_path, mch_key=settings.key_path,
                         timeout=settings.timeout)
        self.API_BASE_URL = settings.api_base_url.rstrip("/") + "/"
        self.sign_type = settings.sign_type

    def _request(self, method, url_or_endpoint, **kwargs):
        data = kwargs.get("data")
        if isinstance(data, dict) and self.sign_type != "MD5":
            data["sign_type"] = self.sign_type
        return super()._request(method, url_or_endpoint, **kwargs)

    def _handle_result(self, res):
        res.encoding = "utf-8"
        fields = _fields(res.text)
        sign = fields.get("sign")
        if sign or fields.get("return_code") == "SUCCESS":
            # A communication failure (return_code FAIL) may come unsigned; anything else
            # must carry a signature that matches.
            if not sign or sign != signature(fields, self.api_key, self.sign_type):
                raise InvalidSignatureException()
        return super()._handle_result(res)


def _clean(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if k not in ("sign", "nonce_str")}


class WeChatPayGateway:
    """Refunds through WeChat Pay, configured by ``WeChatPaySettings``."""

    def __init__(self, settings: WeChatPaySettings) -> None:
        self._client = _Client(settings)

    def _call(self, operation, *args, **kwargs) -> tuple[dict[str, Any] | None, GatewayAnswer | None]:
        """Runs a client call; (data, None) on success or (None, the answer for a failure)."""
        try:
            return operation(*args, **kwargs), None
        except InvalidSignatureException:
            logger.warning("WeChat Pay answer with a bad signature refused")
            return None, GatewayAnswer(Outcome.UNKNOWN, "BAD_SIGNATURE",
                                       "应答签名校验失败，不予采信")
        except WeChatPayException as error:
            if error.return_code is None:  # HTTP error status
                status = getattr(error.response, "status_code", None)
                return None, GatewayAnswer(Outcome.UNKNOWN, f"HTTP_{status}",
                                           "支付网关返回 HTTP 错误")
            if error.return_code != "SUCCESS":
                return None, GatewayAnswer(Outcome.REFUSED, f"RETURN_{error.return_code}",
                                           error.return_msg)
            return None, GatewayAnswer(
                Outcome.RETRY if error.errcode in RETRYABLE else Outcome.REFUSED,
                error.errcode, error.errmsg)
        except BadAnswer as error:
            return None, GatewayAnswer(Outcome.UNKNOWN, "BAD_ANSWER", str(error)[:300])
        except requests.Timeout:
            return None, GatewayAnswer(Outcome.UNKNOWN, "TIMEOUT", "支付网关超时未应答")
        except requests.RequestException as error:
            return None, GatewayAnswer(Outcome.UNKNOWN, "CONNECTION", repr(error)[:300])

    @staticmethod
    def _timed(started: float, answer: GatewayAnswer) -> GatewayAnswer:
        return GatewayAnswer(answer.outcome, answer.code, answer.message, answer.refund_id,
                             answer.answer, int((time.monotonic() - started) * 1000))

    def apply(self, request: RefundRequest) -> GatewayAnswer:
        started = time.monotonic()
        data, failed = self._call(
            self._client.refund.apply, request.total_fee, request.refund_fee,
            request.out_refund_no, out_trade_no=request.out_trade_no,
            refund_desc=request.reason)
        if failed is not None:
            return self._timed(started, failed)
        if (data.get("out_refund_no") != request.out_refund_no
                or str(data.get("refund_fee")) != str(request.refund_fee)):
            return self._timed(started, GatewayAnswer(
                Outcome.UNKNOWN, "MISMATCH", "应答与请求的退款单不符", answer=_clean(data)))
        return self._timed(started, GatewayAnswer(Outcome.SUCCEEDED, "SUCCESS", None,
                                                  data.get("refund_id"), _clean(data)))

    def query(self, out_refund_no: str) -> GatewayAnswer:
        started = time.monotonic()
        data, failed = self._call(self._client.refund.query, out_refund_no=out_refund_no)
        if failed is not None:
            if failed.code == "REFUNDNOTEXIST":
                failed = GatewayAnswer(Outcome.NOT_FOUND, failed.code, failed.message)
            elif failed.outcome is Outcome.REFUSED and not (failed.code or "").startswith("RETURN_"):
                failed = GatewayAnswer(Outcome.UNKNOWN, failed.code, failed.message)
            return self._timed(started, failed)
        count = int(data.get("refund_count") or 0)
        for index in range(count):
            if data.get(f"out_refund_no_{index}") != out_refund_no:
                continue
            status = data.get(f"refund_status_{index}")
            outcome = Outcome.SUCCEEDED if status in TAKEN else Outcome.REFUSED
            return self._timed(started, GatewayAnswer(outcome, status, None,
                                                      data.get(f"refund_id_{index}"),
                                                      _clean(data)))
        return self._timed(started, GatewayAnswer(Outcome.NOT_FOUND, "NOT_LISTED",
                                                  "查询结果中没有这笔退款", answer=_clean(data)))


def gateway_from_settings(settings: WeChatPaySettings | None) -> Gateway | None:
    return WeChatPayGateway(settings) if settings is not None else None
