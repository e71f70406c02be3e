"""The refund ledger: paying a requested refund to its destination, WeChat Pay's outcomes,
staff's changes and the manual follow-up queue.

A refund is requested within what was paid for its order line (``bot.refunds.cap``); then
it is paid where it goes (``start_payout``):

* store balance and coupon: at once, in the same transaction (the refund ``succeeded``);
* original payment with WeChat Pay configured: left ``pending`` for the payout job
  (``bot.refunds.payout``), which calls the gateway, retries and may give up to ``manual``;
* original payment without WeChat Pay: ``manual`` at once, so an agent pays it by hand
  and records it (``mark_paid_offline``); the customer is told exactly that.

Every change is audited and shows on the case's timeline. Nothing here commits: callers
pass their unit of work's session.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.cases.errors import RefundAlreadyPaid
from bot.cases.states import add_event, transition
from bot.db import OrderLine, Refund, RefundState, ReturnCase
from bot.db.statements import moved
from bot.enums import CaseState, Resolution
from bot.refunds import balance, cap, coupons
from bot.refunds.errors import AmountMismatch, NoteRequired, RefundNotFound, RefundNotManual
from bot.refunds.money import refund_amount
from bot.settings import get_settings

S = RefundState
# Not yet paid and never sent to the gateway: the destination may still change.
CHANGEABLE = (S.PENDING.value, S.MANUAL.value)
# Still owed to the customer.
OUTSTANDING = (S.PENDING.value, S.SENDING.value, S.FAILED.value, S.MANUAL.value)
NOTE_MAX = 200

# Who records WeChat Pay's outcomes.
GATEWAY = "gateway:wechatpay"

# Why a refund waits for a person (refunds.manual_reason).
NOT_CONFIGURED = "wechat_pay_not_configured"
RETRIES_EXHAUSTED = "retries_exhausted"
GATEWAY_REFUSED = "gateway_refused"

# Timeline entries (case_events.kind) the customer's case report shows.
EVENT_PAID = {
    Resolution.REFUND_ORIGINAL: "refund_wechat",
    Resolution.REFUND_BALANCE: "refund_balance",
    Resolution.COUPON: "refund_coupon",
}
EVENT_OFFLINE = "refund_offline"
EVENT_MANUAL = "refund_manual"


def gateway_configured() -> bool:
    """Whether original-payment refunds go to WeChat Pay (else: to a person)."""
    return get_settings().wechat_pay is not None


# ---------------------------------------------------------------- paying


def _settle_case(session: Session, case: ReturnCase, *, actor: str, at: datetime) -> None:
    """A case whose refunds are all paid is refunded."""
    if case.state is not CaseState.REFUND_PENDING:
        return
    owed = session.scalar(select(func.count(Refund.id)).where(
        Refund.case_id == case.id, Refund.state.in_(OUTSTANDING)))
    if not owed:
        transition(session, case, CaseState.REFUNDED, actor=actor, at=at)


def _case_of(session: Session, refund: Refund) -> ReturnCase:
    return session.get(ReturnCase, refund.case_id)


def _tell(refund: Refund, notify: str | None) -> None:
    """Sets the news the customer is to hear about the refund (``None``: nothing new). A
    new outcome is news even if an earlier one was told (e.g. "a person will pay it",
    then "paid by hand"), so it is due again."""
    refund.notify = notify
    if notify is not None:
        refund.notified_at = None


def _paid(session: Session, refund: Refund, *, actor: str, at: datetime, event: str,
          note: str, notify: str | None, **detail) -> None:
    """Book-keeping once a refund moved to ``succeeded``: audit, timeline, case state."""
    refund.paid_at, refund.paid_by, refund.updated_at = at, actor, at
    refund.next_attempt_at = refund.lease_until = None
    _tell(refund, notify)
    case = _case_of(session, refund)
    audit.record(session, actor, "refund.succeeded", "refund", refund.id, ref=case.ref,
                 amount=str(refund.amount), method=refund.method.value,
                 out_refund_no=refund.out_refund_no, **detail)
    add_event(session, case, actor=actor, kind=event, at=at, note=note)
    case.updated_at = at
    _settle_case(session, case, actor=actor, at=at)


def _pay_to_balance(session: Session, refund: Refund, *, actor: str, at: datetime) -> None:
    entry = balance.credit(session, refund.customer_id, refund.amount, refund_id=refund.id,
                           actor=actor, note=f"退款 {refund.out_refund_no}", at=at,
                           ref=_case_of(session, refund).ref)
    refund.state = S.SUCCEEDED.value
    _paid(session, refund, actor=actor, at=at, event=EVENT_PAID[Resolution.REFUND_BALANCE],
          note=f"{refund.amount:.2f} → 余额", notify=None, balance_entry_id=entry.id)


def _pay_as_coupon(session: Session, refund: Refund, *, actor: str, at: datetime) -> None:
    case = _case_of(session, refund)
    coupon = coupons.issue(session, customer_id=refund.customer_id, case=case,
                           amount=refund.amount, kind=coupons.REFUND, actor=actor, at=at)
    refund.coupon_id = coupon.id
    refund.external_ref = coupon.code
    refund.state = S.SUCCEEDED.value
    _paid(session, refund, actor=actor, at=at, event=EVENT_PAID[Resolution.COUPON],
          note=f"{refund.amount:.2f} → {coupon.code}", notify=None, coupon=coupon.code)


def to_manual(session: Session, refund: Refund, *, reason: str, failure: str | None,
              actor: str, at: datetime, notify: bool) -> None:
    """Puts an unpaid refund in the manual follow-up queue (``manual``)."""
    refund.state = S.MANUAL.value
    refund.manual_reason, refund.failure = reason, (failure or None) and failure[:300]
    refund.next_attempt_at = refund.lease_until = None
    refund.updated_at = at
    _tell(refund, "manual" if notify else None)
    case = _case_of(session, refund)
    audit.record(session, actor, "refund.manual", "refund", refund.id, ref=case.ref,
                 amount=str(refund.amount), reason=reason, failure=refund.failure,
                 attempts=refund.attempts)
    add_event(session, case, actor=actor, kind=EVENT_MANUAL, at=at, note=reason)
    case.updated_at = at


def start_payout(session: Session, refund: Refund, *, actor: str, at: datetime,
                 gateway: bool | None = None) -> None:
    """Pays a just-requested refund where it can be paid at once, or queues it.

    Args:
        gateway: Whether WeChat Pay is configured (the settings by default).
    """
    if refund.method is Resolution.REFUND_BALANCE:
        _pay_to_balance(session, refund, actor=actor, at=at)
    elif refund.method is Resolution.COUPON:
        _pay_as_coupon(session, refund, actor=actor, at=at)
    elif gateway_configured() if gateway is None else gateway:
        refund.next_attempt_at = at  # the payout job sends it to WeChat Pay
    else:
        to_manual(session, refund, reason=NOT_CONFIGURED, failure=None, actor=actor, at=at,
                  notify=False)
    session.flush()


def succeed_from_gateway(session: Session, refund: Refund, *, at: datetime,
                         refund_id: str | None, answer: dict, **detail) -> None:
    """Records WeChat Pay's success for a refund the payout job holds (``sending``), or one
    WeChat Pay's refund result notification says succeeded (``detail``: for the audit)."""
    refund.state = S.SUCCEEDED.value
    refund.external_ref = refund_id
    refund.gateway_answer = answer
    refund.uncertain = False
    _paid(session, refund, actor=GATEWAY, at=at,
          event=EVENT_PAID[Resolution.REFUND_ORIGINAL], note=refund_id or "",
          notify="succeeded", refund_id=refund_id, **detail)


def reopen_after_gateway_failure(session: Session, refund: Refund, *, failure: str,
                                 uncertain: bool, at: datetime) -> None:
    """A refund WeChat Pay had taken (and so counted as paid) that WeChat Pay failed
    afterwards (refund result CHANGE or REFUNDCLOSE) is owed again: it goes to the manual
    queue with ``failure`` as the note, and the customer hears that a person will pay it.

    The caller has already moved it from ``succeeded`` to ``manual`` (conditionally). Its
    order line's amount stays reserved; the case stays refunded (a case never goes back),
    and the agent's manual payout settles the refund as for any other in the queue.
    """
    previous = refund.paid_at
    refund.paid_at = refund.paid_by = None
    refund.uncertain = uncertain
    audit.record(session, GATEWAY, "refund.reopened", "refund", refund.id,
                 out_refund_no=refund.out_refund_no, amount=str(refund.amount),
                 paid_at=previous and previous.isoformat(), failure=failure[:300])
    to_manual(session, refund, reason=GATEWAY_REFUSED, failure=failure, actor=GATEWAY, at=at,
              notify=True)


# ---------------------------------------------------------------- staff


def _locked(session: Session, refund_id: int) -> Refund:
    refund = session.scalars(select(Refund).where(Refund.id == refund_id).with_for_update()
                             .execution_options(populate_existing=True)).first()
    if refund is None:
        raise RefundNotFound(refund_id)
    return refund


def mark_paid_offline(session: Session, refund_id: int, *, actor: str, amount: object,
                      note: str | None, at: datetime) -> Refund:
    """Records that a person paid a refund of the manual queue by hand (标记已线下退款).

    Args:
        amount: What was paid, in yuan: must be the refund's amount (a check against
            typing the wrong refund).
        note: How it was paid and the voucher, 1 to ``NOTE_MAX`` characters.

    Raises:
        RefundNotFound: no such refund.
        AmountNotCents, AmountNotPositive, AmountMismatch: the amount is wrong.
        NoteRequired: no note, or too long.
        RefundAlreadyPaid: it was paid already (e.g. marked by someone else a moment ago).
        RefundNotManual: it is not waiting for a person (the gateway still has it).
    """
    value = refund_amount(amount)
    text = (note or "").strip() if isinstance(note, str) else ""
    if not 1 <= len(text) <= NOTE_MAX:
        raise NoteRequired(NOTE_MAX)
    refund = _locked(session, refund_id)
    if refund.state == S.SUCCEEDED.value:
        raise RefundAlreadyPaid(refund.out_refund_no)
    if refund.state != S.MANUAL.value:
        raise RefundNotManual(refund.state)
    if value != refund.amount:
        raise AmountMismatch(value, refund.amount)
    if not moved(session, update(Refund).where(Refund.id == refund.id,
                                               Refund.state == S.MANUAL.value)
                 .values(state=S.SUCCEEDED.value)):
        raise RefundAlreadyPaid(refund.out_refund_no)
    session.refresh(refund)
    refund.manual_note = text
    audit.record(session, actor, "refund.paid_offline", "refund", refund.id,
                 amount=str(value), note=text, out_refund_no=refund.out_refund_no,
                 uncertain=refund.uncertain)
    _paid(session, refund, actor=actor, at=at, event=EVENT_OFFLINE, note=text,
          notify="offline")
    session.flush()
    return refund


def change_destination(session: Session, refund: Refund, target: Resolution, *, actor: str,
                       at: datetime) -> None:
    """Sends an unpaid refund somewhere else (the case's resolution changed) and pays it
    there if that can be done at once.

    Raises:
        RefundAlreadyPaid: it is paid, or was sent to the gateway (it may be on its way).
        DestinationInvalid: ``target`` is not a refund destination.
    """
    value = cap.refund_destination(target)
    if not moved(session, update(Refund).where(Refund.id == refund.id,
                                               Refund.state.in_(CHANGEABLE),
                                               Refund.attempts == 0)
                 .values(method=value, state=S.PENDING.value, manual_reason=None,
                         failure=None, next_attempt_at=None, updated_at=at)):
        raise RefundAlreadyPaid(refund.out_refund_no)
    previous = refund.method
    session.refresh(refund)
    case = _case_of(session, refund)
    audit.record(session, actor, "refund.changed", "refund", refund.id, ref=case.ref,
                 amount=str(refund.amount), method=value.value,
                 previous_method=previous.value)
    start_payout(session, refund, actor=actor, at=at)


# ---------------------------------------------------------------- the manual queue


@dataclass(frozen=True)
class ManualRefund:
    """A refund waiting for a person to pay it by hand (待人工退款)."""

    id: int
    out_refund_no: str
    case_ref: str
    customer_id: int
    customer_name: str
    phone: str
    order_no: str
    product: str
    amount: Decimal
    method: Resolution
    reason: str | None
    failure: str | None
    attempts: int
    uncertain: bool
    created_at: datetime
    since: datetime


def manual_queue(session: Session, limit: int = 200) -> tuple[list[ManualRefund], int]:
    """The refunds waiting for a manual payout, the longest-waiting first, and how many."""
    from bot.db import Customer, Order, Product

    query = (select(Refund, ReturnCase.ref, Customer.name, Customer.phone, Order.order_no,
                    Product.name)
             .join(ReturnCase, ReturnCase.id == Refund.case_id)
             .join(Customer, Customer.id == Refund.customer_id)
             .join(OrderLine, OrderLine.id == Refund.order_line_id)
             .join(Order, Order.id == OrderLine.order_id)
             .join(Product, Product.id == OrderLine.product_id)
             .where(Refund.state == S.MANUAL.value)
             .order_by(func.coalesce(Refund.updated_at, Refund.created_at), Refund.id))
    rows = [ManualRefund(r.id, r.out_refund_no, ref or "", r.customer_id, name, phone, order_no,
                         product, r.amount, r.method, r.manual_reason, r.failure, r.attempts,
                         r.uncertain, r.created_at, r.updated_at or r.created_at)
            for r, ref, name, phone, order_no, product in session.execute(query.limit(limit))]
    count = session.scalar(select(func.count(Refund.id)).where(Refund.state == S.MANUAL.value))
    return rows, count or 0
