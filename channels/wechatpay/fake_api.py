"""A stand-in for WeChat Pay's v2 refund API (``api.mch.weixin.qq.com``) on loopback.

It behaves like the real one where the payout code depends on it:

* ``POST /secapi/pay/refund`` and ``POST /pay/refundquery`` take XML signed with the
  merchant API key (MD5, or HMAC-SHA256 when the request says ``sign_type``); a wrong
  signature, app id or merchant id gets ``return_code FAIL`` (unsigned, as WeChat does);
* answers are XML signed the same way;
* one ``out_refund_no`` is refunded at most once: asking again returns the original
  result (same ``refund_id``); the same key with another amount is a ``PARAM_ERROR``;
* an order's refunds never exceed its ``total_fee`` (``ERROR``), and an order's
  ``total_fee`` never changes;
* the query answers ``refund_status_0`` (SUCCESS unless set) or ``REFUNDNOTEXIST``.

Tests program trouble for the next calls: ``fail_next`` (a signed business refusal such
as NOTENOUGH or SYSTEMERROR), ``timeout_next`` (no answer in time; with ``process=True``
the refund is made before the answer is lost), ``tamper_next`` (an answer with a bad
signature), ``http_error_next`` (an HTTP error status).

It also sends refund result notifications (退款结果通知) as WeChat Pay does: XML with
``req_info`` encrypted with the MD5 of the API key (``channels.wechatpay.wire``).
``notify(url, out_refund_no)`` posts one for a refund it made (its current status,
``set_status`` to fail it afterwards), with options to forge it (another key, merchant,
amount, a tampered ciphertext); ``replay()`` posts an earlier one again, byte for byte;
``post_notification`` posts any body. With ``notify_url`` set (the merchant platform's
setting), or a ``notify_url`` in the refund request, every new refund is notified by
itself shortly after it is made, from a background thread.
"""
from __future__ import annotations

import base64
import itertools
import threading
import time
import urllib.error
import urllib.request
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import xmltodict
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

from channels.wechatpay import wire

REFUND = "/secapi/pay/refund"
QUERY = "/pay/refundquery"
HMAC = "HMAC-SHA256"


@dataclass(frozen=True)
class Trouble:
    """One programmed problem for the next call to a path."""

    kind: str                      # "fail" | "timeout" | "tamper" | "http"
    code: str | None = None        # err_code of a "fail"
    message: str | None = None
    seconds: float = 0.0           # how long a "timeout" keeps the caller waiting
    process: bool = False          # a "timeout"/"tamper" that still makes the refund
    status: int = 500              # an "http" status


@dataclass
class FakeRefund:
    out_refund_no: str
    out_trade_no: str
    refund_id: str
    refund_fee: int
    total_fee: int
    status: str = "SUCCESS"
    notify_url: str | None = None
    made_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))


@dataclass(frozen=True)
class SentNotification:
    """A notification the fake posted, and what it was answered."""

    url: str
    body: bytes
    status: int
    answer: str

    @property
    def return_code(self) -> str | None:
        try:
            return wire.parse_fields(self.answer).get("return_code")
        except wire.Malformed:
            return None


def _sign(fields: dict[str, Any], key: str, sign_type: str) -> str:
    values = {k: v for k, v in fields.items() if k != "sign"}
    return (calculate_signature_hmac(values, key) if sign_type == HMAC
            else calculate_signature(values, key))


class FakeWeChatPay:
    """A real HTTP server on loopback (a free port unless ``port`` is given)."""

    def __init__(self, app_id: str, mch_id: str, api_key: str, host: str = "127.0.0.1",
                 port: int = 0, notify_url: str | None = None,
                 notify_delay: float = 0.05) -> None:
        self.app_id, self.mch_id, self.api_key = app_id, mch_id, api_key
        self.notify_url = notify_url  # the merchant platform's refund notification URL
        self.notify_delay = notify_delay
        self.notifications: list[SentNotification] = []
        self.refunds: dict[str, FakeRefund] = {}
        self.orders: dict[str, int] = {}
        self.calls: list[dict[str, Any]] = []
        self._trouble: dict[str, deque[Trouble]] = {}
        self._ids = itertools.count(50000000001)
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8", "replace")
                status, answer, delay = fake._handle(self.path, body)
                if delay:
                    time.sleep(delay)
                data = answer.encode("utf-8")
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up waiting (a programmed timeout)

            def log_message(self, *args) -> None:
                pass

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ control

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_order(self, out_trade_no: str, total_fee: int) -> None:
        with self._lock:
            self.orders[out_trade_no] = total_fee

    def _program(self, path: str, trouble: Trouble, times: int) -> None:
        with self._lock:
            self._trouble.setdefault(path, deque()).extend([trouble] * times)

    def fail_next(self, code: str = "NOTENOUGH", times: int = 1, message: str | None = None,
                  path: str = REFUND) -> None:
        """The next ``times`` calls are refused with ``err_code`` ``code`` (signed)."""
        text = message or {"NOTENOUGH": "基本账户余额不足，请充值后重新发起",
                           "SYSTEMERROR": "系统超时，请用相同参数再次调用",
                           "USER_ACCOUNT_ABNORMAL": "退款请求失败，用户账号异常"}.get(code, code)
        self._program(path, Trouble("fail", code, text), times)

    def timeout_next(self, seconds: float, times: int = 1, *, process: bool = False,
                     path: str = REFUND) -> None:
        """The next ``times`` calls answer only after ``seconds``; with ``process`` the
        refund is made anyway (the answer is what gets lost)."""
        self._program(path, Trouble("timeout", seconds=seconds, process=process), times)

    def tamper_next(self, times: int = 1, *, process: bool = True, path: str = REFUND) -> None:
        """The next ``times`` answers carry a wrong signature."""
        self._program(path, Trouble("tamper", process=process), times)

    def http_error_next(self, status: int = 500, times: int = 1, path: str = REFUND) -> None:
        self._program(path, Trouble("http", status=status), times)

    def set_status(self, out_refund_no: str, status: str) -> None:
        """What the query says about a refund (SUCCESS, PROCESSING, CHANGE, REFUNDCLOSED)."""
        with self._lock:
            self.refunds[out_refund_no].status = status

    def calls_to(self, path: str) -> list[dict[str, Any]]:
        return [call for call in self.calls if call["path"] == path]

    # ------------------------------------------------------------------ notifications

    def notification(self, out_refund_no: str, status: str | None = None, /, *,
                     refund_fee: int | None = None, app_id: str | None = None,
                     mch_id: str | None = None, api_key: str | None = None,
                     tamper: bool = False, **fields: Any) -> bytes:
        """The body WeChat Pay posts about one of its refunds: ``status`` (the refund's
        current one by default), encrypted with the API key. To forge one: another
        ``refund_fee``, ``app_id``, ``mch_id`` or ``api_key``, ``tamper`` (a byte of the
        ciphertext changed), other decrypted ``fields`` (``None`` leaves one out)."""
        with self._lock:
            refund = self.refunds[out_refund_no]
            status = status or refund.status
            made = refund.made_at.astimezone(timezone(timedelta(hours=8)))
            inner = {"transaction_id": f"4200000{refund.refund_id}",
                     "out_trade_no": refund.out_trade_no, "refund_id": refund.refund_id,
                     "out_refund_no": refund.out_refund_no, "total_fee": refund.total_fee,
                     "settlement_total_fee": refund.total_fee,
                     "refund_fee": refund.refund_fee if refund_fee is None else refund_fee,
                     "settlement_refund_fee": (refund.refund_fee if refund_fee is None
                                               else refund_fee),
                     "refund_status": status,
                     "success_time": (made.strftime("%Y-%m-%d %H:%M:%S")
                                      if status == "SUCCESS" else None),
                     "refund_recv_accout": "支付用户的零钱",
                     "refund_account": "REFUND_SOURCE_RECHARGE_FUNDS",
                     "refund_request_source": "API", **fields}
        req_info = wire.encrypt_req_info(wire.to_xml(inner, "root"), api_key or self.api_key)
        if tamper:
            raw = bytearray(base64.b64decode(req_info))
            raw[-1] ^= 0x5A  # in the padding block: it no longer decrypts
            req_info = base64.b64encode(bytes(raw)).decode("ascii")
        envelope = {"return_code": "SUCCESS", "appid": app_id or self.app_id,
                    "mch_id": mch_id or self.mch_id, "nonce_str": f"n{next(self._ids)}",
                    "req_info": req_info}
        return wire.to_xml(envelope).encode("utf-8")

    def post_notification(self, url: str, body: bytes, timeout: float = 10.0
                          ) -> SentNotification:
        """Posts ``body`` to ``url`` as WeChat Pay does; returns it with the answer."""
        request = urllib.request.Request(url, body, {"Content-Type": "text/xml"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                status, text = answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as error:
            status, text = error.code, error.read().decode("utf-8", "replace")
        sent = SentNotification(url, body, status, text)
        with self._lock:
            self.notifications.append(sent)
        return sent

    def notify(self, url: str, out_refund_no: str, status: str | None = None, /,
               **options: Any) -> SentNotification:
        """Posts a notification about one refund (options: ``notification``'s)."""
        return self.post_notification(url, self.notification(out_refund_no, status, **options))

    def replay(self, index: int = -1) -> SentNotification:
        """Posts an earlier notification again, byte for byte, to the same URL."""
        earlier = self.notifications[index]
        return self.post_notification(earlier.url, earlier.body)

    def _notify_soon(self, refund: FakeRefund) -> None:
        url = refund.notify_url or self.notify_url
        if not url:
            return

        def send() -> None:
            time.sleep(self.notify_delay)
            try:
                self.notify(url, refund.out_refund_no)
            except OSError:
                pass  # like WeChat Pay, the fake would retry later; tests call notify()

        threading.Thread(target=send, daemon=True).start()

    # ------------------------------------------------------------------ protocol

    def _xml(self, fields: dict[str, Any], sign_type: str, *, signed: bool = True,
             tamper: bool = False) -> str:
        fields = {k: v for k, v in fields.items() if v is not None}
        if not signed:
            return dict_to_xml(fields)
        fields.setdefault("nonce_str", f"n{next(self._ids)}")
        sign = _sign(fields, self.api_key, sign_type)
        if tamper:
            sign = ("0" if sign[0] != "0" else "1") + sign[1:]
        return dict_to_xml(fields, sign)

    def _base(self) -> dict[str, Any]:
        return {"return_code": "SUCCESS", "return_msg": "OK", "appid": self.app_id,
                "mch_id": self.mch_id}

    def _handle(self, path: str, body: str) -> tuple[int, str, float]:
        try:
            parsed = xmltodict.parse(body)["xml"]
            fields = {k: ("" if v is None else str(v)) for k, v in parsed.items()}
        except Exception:  # noqa: BLE001 (anything unreadable is a format error)
            return 200, self._xml({"return_code": "FAIL", "return_msg": "XML格式错误"}, "MD5",
                                  signed=False), 0.0
        sign_type = fields.get("sign_type") or "MD5"
        sign_ok = fields.get("sign") == _sign(fields, self.api_key, sign_type)
        with self._lock:
            self.calls.append({"path": path, "fields": fields, "sign_ok": sign_ok})
            queue = self._trouble.get(path)
            trouble = queue.popleft() if queue else None
        if not sign_ok:
            return 200, self._xml({"return_code": "FAIL", "return_msg": "签名错误"}, sign_type,
                                  signed=False), 0.0
        if fields.get("appid") != self.app_id or fields.get("mch_id") != self.mch_id:
            return 200, self._xml({"return_code": "FAIL", "return_msg": "appid或mch_id不匹配"},
                                  sign_type, signed=False), 0.0
        if trouble is not None and trouble.kind == "http":
            return trouble.status, "<html>Internal Server Error</html>", 0.0
        if trouble is not None and trouble.kind == "fail":
            return 200, self._xml({**self._base(), "result_code": "FAIL",
                                   "err_code": trouble.code, "err_code_des": trouble.message},
                                  sign_type), 0.0
        process = trouble is None or trouble.process
        if path == REFUND:
            result = self._refund(fields) if process else {}
        elif path == QUERY:
            result = self._query(fields)
        else:
            return 404, "<html>Not Found</html>", 0.0
        answer = self._xml({**self._base(), **result}, sign_type,
                           tamper=trouble is not None and trouble.kind == "tamper")
        delay = trouble.seconds if trouble is not None and trouble.kind == "timeout" else 0.0
        return 200, answer, delay

    def _refused(self, code: str, message: str) -> dict[str, Any]:
        return {"result_code": "FAIL", "err_code": code, "err_code_des": message}

    def _refund(self, fields: dict[str, str]) -> dict[str, Any]:
        key, trade = fields.get("out_refund_no", ""), fields.get("out_trade_no", "")
        try:
            total, fee = int(fields["total_fee"]), int(fields["refund_fee"])
        except (KeyError, ValueError):
            return self._refused("PARAM_ERROR", "参数错误")
        if not key or not trade or fee <= 0 or fee > total:
            return self._refused("PARAM_ERROR", "参数错误")
        with self._lock:
            known = self.refunds.get(key)
            if known is not None:
                if known.refund_fee != fee or known.out_trade_no != trade:
                    return self._refused("PARAM_ERROR", "同一退款单号的退款金额或订单不一致")
                return self._success(known)
            order_total = self.orders.setdefault(trade, total)
            if order_total != total:
                return self._refused("PARAM_ERROR", "订单金额与实际不符")
            refunded = sum(r.refund_fee for r in self.refunds.values() if r.out_trade_no == trade)
            if refunded + fee > order_total:
                return self._refused("ERROR", "累计退款金额大于支付金额")
            refund = FakeRefund(key, trade, str(next(self._ids)), fee, total,
                                notify_url=fields.get("notify_url") or None)
            self.refunds[key] = refund
        self._notify_soon(refund)
        return self._success(refund)

    @staticmethod
    def _success(refund: FakeRefund) -> dict[str, Any]:
        return {"result_code": "SUCCESS", "out_refund_no": refund.out_refund_no,
                "out_trade_no": refund.out_trade_no, "refund_id": refund.refund_id,
                "refund_fee": refund.refund_fee, "total_fee": refund.total_fee,
                "cash_fee": refund.total_fee, "cash_refund_fee": refund.refund_fee}

    def _query(self, fields: dict[str, str]) -> dict[str, Any]:
        with self._lock:
            refund = self.refunds.get(fields.get("out_refund_no", ""))
        if refund is None:
            return self._refused("REFUNDNOTEXIST", "退款订单查询失败")
        return {"result_code": "SUCCESS", "out_trade_no": refund.out_trade_no,
                "total_fee": refund.total_fee, "refund_count": 1,
                "out_refund_no_0": refund.out_refund_no, "refund_id_0": refund.refund_id,
                "refund_fee_0": refund.refund_fee, "refund_status_0": refund.status}
