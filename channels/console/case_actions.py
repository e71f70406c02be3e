"""Case decisions from the desk: approve (in full or in part), reject, coupon, change
resolution — through ``bot.cases.review``, on the cases of the customer whose
conversation the agent holds, each with the notice the customer gets in their chat."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from bot import messages
from bot.cases import review
from bot.cases.views import CaseView, case_view
from bot.db import ReturnCase
from bot.db.session import unit_of_work
from bot.enums import Resolution
from bot.handoff import tickets
from bot.timefmt import CHINA
from channels.console import texts, views
from channels.console.errors import Refusal

ACTIONS = ("approve", "reject", "coupon", "resolution")


@dataclass(frozen=True)
class CaseOutcome:
    """What changed, and what to tell the customer in which conversation."""

    case: dict[str, Any]
    notice: str
    conversation_id: str
    coupon: dict[str, Any] | None = None


def parse_amount(raw: Any, *, required: bool) -> Decimal | None:
    """An amount of yuan from JSON (``"12.5"`` or ``12.5``); blank is ``None``.

    Raises:
        Refusal: not a number, or missing when required.
    """
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise Refusal(400, texts.AMOUNT_INVALID.format(limit=f"{review.COUPON_LIMIT:.2f}"))
        return None
    if isinstance(raw, bool) or not isinstance(raw, (str, int, float)):
        raise Refusal(400, texts.BAD_REQUEST)
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise Refusal(400, texts.BAD_REQUEST) from None
    if not value.is_finite():
        raise Refusal(400, texts.BAD_REQUEST)
    return value


def _text(raw: Any) -> str:
    """A note or reason from JSON; anything but a string counts as blank."""
    return raw if isinstance(raw, str) else ""


def parse_resolution(raw: Any) -> Resolution:
    try:
        return Resolution(raw)
    except ValueError:
        raise Refusal(400, texts.RESOLUTION_INVALID) from None


def _notice(action: str, case: CaseView, requested: Decimal,
            body: dict[str, Any], coupon: review.CouponView | None) -> str:
    if action == "approve":
        return messages.desk_approved(case.ref, case.resolution, case.refund_amount, requested)
    if action == "reject":
        return messages.DESK_REJECTED.format(ref=case.ref, reason=_text(body["reason"]).strip())
    if action == "coupon":
        return messages.DESK_COUPON.format(
            amount=messages.money(coupon.amount), code=coupon.code,
            expires=coupon.expires_at.astimezone(CHINA).strftime("%Y-%m-%d"))
    return messages.DESK_RESOLUTION.format(ref=case.ref,
                                           resolution=messages.RESOLUTION[case.resolution])


def act(action: str, case_id: int, ticket_id: int, staff_id: int, body: dict[str, Any],
        now: datetime) -> CaseOutcome:
    """Carries out ``action`` on the case in one unit of work.

    Args:
        action: One of ``ACTIONS``.
        case_id: The case.
        ticket_id: The ticket the agent holds; the case must be its customer's.
        staff_id: The agent.
        body: The request: ``amount`` (approve: optional partial refund; coupon:
            required), ``reason`` (reject), ``resolution`` (resolution).
        now: When.

    Raises:
        Refusal, the ticket errors of ``tickets.held_by`` and the case errors of
        ``bot.cases.review``.
    """
    actor = f"staff:{staff_id}"
    with unit_of_work() as session:
        ticket = tickets.held_by(session, ticket_id, staff_id)
        case = session.get(ReturnCase, case_id)
        if case is None:
            raise Refusal(404, texts.CASE_NOT_FOUND)
        if ticket.customer_id is None or case.customer_id != ticket.customer_id:
            raise Refusal(403, texts.CASE_NOT_THIS_CUSTOMER)
        requested = case.refund_amount
        coupon = None
        if action == "approve":
            view = review.approve(session, case_id, actor=actor, now=now,
                                  amount=parse_amount(body.get("amount"), required=False),
                                  note=_text(body.get("note")))
        elif action == "reject":
            view = review.reject(session, case_id, actor=actor, now=now,
                                 reason=_text(body.get("reason")))
        elif action == "coupon":
            coupon = review.issue_coupon(session, case_id, actor=actor, now=now,
                                         amount=parse_amount(body.get("amount"), required=True))
            view = case_view(case)
        elif action == "resolution":
            view = review.change_resolution(session, case_id, actor=actor, now=now,
                                            resolution=parse_resolution(body.get("resolution")))
        else:
            raise Refusal(404, texts.BAD_REQUEST)
        return CaseOutcome(
            case=views.case_row(view),
            notice=_notice(action, view, requested, body, coupon),
            conversation_id=ticket.conversation_id,
            coupon=coupon and {"code": coupon.code, "amount": views.amount(coupon.amount),
                               "expires_at": views.iso(coupon.expires_at)},
        )
