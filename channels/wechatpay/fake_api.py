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
"""
from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import xmltodict
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac, dict_to_xml

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


def _sign(fields: dict[str, Any], key: str, sign_type: str) -> str:
    values = {k: v for k, v in fields.items() if k != "sign"}
    return (calculate_signature_hmac(values, key) if sign_type == HMAC
            else calculate_signature(values, key))


class FakeWeChatPay:
    """A real HTTP server on loopback (a free port unless ``port`` is given)."""

    def __init__(self, app_id: str, mch_id: str, api_key: str, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self.app_id, self.mch_id, self.api_key = app_id, mch_id, api_key
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
            refund = FakeRefund(key, trade, str(next(self._ids)), fee, total)
            self.refunds[key] = refund
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
