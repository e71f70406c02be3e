"""The desk's manual refund queue (待人工退款) under ``/console/api/refunds/``.

``GET /api/refunds/manual`` lists the refunds waiting for a person to pay them by hand
(WeChat Pay not configured, refused, or given up after its retries);
``POST /api/refunds/<id>/paid-offline`` with ``{"amount": "29.90", "note": "…"}`` records
that the money was paid outside the system (标记已线下退款): audited under the agent, the
case moves on to refunded and the customer is told by the payout job. Both need
``act_on_case``; the POST carries the CSRF token.
"""
from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import messages
from bot.cases.errors import RefundAlreadyPaid
from bot.db import Refund
from bot.db.session import unit_of_work
from bot.refunds import errors, ledger
from bot.staff.roles import Permission
from channels.console import views
from channels.console.api import body_of
from channels.console.desk import _masked
from channels.console.errors import Refusal
from channels.console.guard import Guard, Staff, json_response

MANUAL_REASON = {
    ledger.NOT_CONFIGURED: "未接入微信支付，需人工原路退回",
    ledger.RETRIES_EXHAUSTED: "自动退款多次失败",
    ledger.GATEWAY_REFUSED: "微信支付拒绝了退款",
}
AMOUNT_MISSING = "请填写线下退给顾客的金额"
ALREADY_PAID = "这笔退款已经退过了，不能重复标记"
UNCERTAIN_WARNING = "最后一次请求微信支付没有得到确定答复：请先在商户平台核实这笔退款是否已到账，再线下退款"


def refund_row(refund: ledger.ManualRefund) -> dict[str, Any]:
    return {
        "id": refund.id,
        "out_refund_no": refund.out_refund_no,
        "case_ref": refund.case_ref,
        "customer_name": refund.customer_name,
        "phone": _masked(refund.phone),
        "order_no": refund.order_no,
        "product": refund.product,
        "amount": views.amount(refund.amount),
        "destination": refund.method.value,
        "destination_label": messages.RESOLUTION.get(refund.method, refund.method.value),
        "reason": refund.reason,
        "reason_label": MANUAL_REASON.get(refund.reason or "", refund.reason or ""),
        "failure": refund.failure,
        "attempts": refund.attempts,
        "uncertain": refund.uncertain,
        "warning": UNCERTAIN_WARNING if refund.uncertain else None,
        "created_at": views.iso(refund.created_at),
        "since": views.iso(refund.since),
    }


def load_manual() -> dict[str, Any]:
    with unit_of_work() as session:
        rows, count = ledger.manual_queue(session)
    return {"refunds": [refund_row(r) for r in rows], "count": count}


# Bad input is the request's fault (400); the rest is the refund's state (404/409).
_STATUS = {errors.RefundNotFound: 404, errors.RefundNotManual: 409, RefundAlreadyPaid: 409}


def _amount(raw: Any) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        raise Refusal(400, AMOUNT_MISSING)
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise Refusal(400, AMOUNT_MISSING)
    return str(raw).strip()


def mark_paid(refund_id: int, staff: Staff, body: dict[str, Any], now: datetime
              ) -> dict[str, Any]:
    """Records the offline payout in one unit of work.

    Raises:
        Refusal: no or a wrong amount, no note (400); no such refund (404); not waiting
            in the manual queue or already paid (409). Nothing is changed then.
    """
    amount = _amount(body.get("amount"))
    note = body.get("note")
    try:
        with unit_of_work() as session:
            refund = ledger.mark_paid_offline(session, refund_id, actor=staff.actor,
                                              amount=amount,
                                              note=note if isinstance(note, str) else "", at=now)
            return _paid_row(refund, staff)
    except (errors.RefundError, RefundAlreadyPaid) as error:
        status = next((code for kind, code in _STATUS.items() if isinstance(error, kind)), 400)
        message = str(error) if not isinstance(error, RefundAlreadyPaid) else ALREADY_PAID
        raise Refusal(status, message) from None


def _paid_row(refund: Refund, staff: Staff) -> dict[str, Any]:
    return {"id": refund.id, "out_refund_no": refund.out_refund_no, "state": refund.state,
            "amount": views.amount(refund.amount), "paid_at": views.iso(refund.paid_at),
            "paid_by": staff.display_name}


def add_refund_routes(bp: Blueprint, guard: Guard) -> None:
    """Registers the manual refund routes on the console blueprint."""

    @bp.get("/api/refunds/manual")
    @guard.api(Permission.ACT_ON_CASE)
    async def manual(request: Request, staff: Staff) -> HTTPResponse:
        return json_response(await asyncio.to_thread(load_manual))

    @bp.post("/api/refunds/<refund_id:int>/paid-offline")
    @guard.api(Permission.ACT_ON_CASE, csrf=True)
    async def paid_offline(request: Request, staff: Staff, refund_id: int) -> HTTPResponse:
        body = body_of(request)
        refund = await asyncio.to_thread(mark_paid, refund_id, staff, body, guard.clock())
        return json_response({"ok": True, "refund": refund})
