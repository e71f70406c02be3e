"""What staff decide on a case: approve it (in full or in part), reject it, give the
customer a coupon, or change what the customer gets back.

Used by the agent desk now and by group leaders later; who may act on which case is the
caller's concern (``bot.staff.roles``). Every function works in the caller's session and
unit of work: nothing is committed here. Every change goes through ``transition`` or
``add_event``, so it is both on the case's timeline and in the audit trail, under the
``actor`` given (e.g. ``"staff:3"``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.cases.errors import (
    AmountInvalid,
    CaseNotFound,
    CaseNotOpen,
    InvalidTransition,
    NoteInvalid,
    RefundAlreadyPaid,
    ResolutionMissing,
)
from bot.cases.followup import _revoke_coupons
from bot.cases.opening import issue_case_coupon, request_refund, settle_approved
from bot.cases.states import OPEN, add_event, transition
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Coupon, Refund, ReturnCase
from bot.enums import CaseState, Resolution
from bot.messages import money

# Waiting for a decision: the states a case can be approved or rejected from.
DECIDABLE = frozenset({CaseState.SUBMITTED, CaseState.LEADER_REVIEW})
# The policy file has no limit for coupons given by hand; this one keeps a slip of the
# keyboard (500 for 5.00) from costing real money. Larger gestures need a refund instead.
COUPON_LIMIT = Decimal("50")
COUPON_KINDS = frozenset({"goodwill", "compensation"})
# Longest staff note or rejection reason, in characters after stripping.
NOTE_MAX = 200
# A refund in this state no longer counts against what was paid for the line.
_REFUND_CANCELLED = "cancelled"
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class CouponView:
    """A coupon as staff and the customer see it."""

    code: str
    amount: Decimal
    kind: str
    expires_at: datetime
    customer_id: int
    case_ref: str


def _case(session: Session, case_id: int) -> ReturnCase:
    """The case, locked for the rest of the transaction where the database can."""
    case = session.scalars(
        cases_query().where(ReturnCase.id == case_id).with_for_update()
        .execution_options(populate_existing=True)
    ).first()
    if case is None:
        raise CaseNotFound(case_id)
    return case


def case_by_ref(session: Session, ref: str) -> CaseView:
    """Any customer's case by its reference (``R1024``, case-insensitive).

    Raises:
        CaseNotFound: there is no such case.
    """
    case = session.scalars(
        cases_query().where(ReturnCase.ref == ref.strip().upper())
    ).first()
    if case is None:
        raise CaseNotFound(ref)
    return case_view(case)


def _text(text: str | None, *, required: bool) -> str | None:
    """The stripped note, None if blank and optional.

    Raises:
        NoteInvalid: blank but required, or longer than ``NOTE_MAX``.
    """
    stripped = (text or "").strip()
    if not stripped:
        if required:
            raise NoteInvalid("a reason is required")
        return None
    if len(stripped) > NOTE_MAX:
        raise NoteInvalid(f"{len(stripped)} characters, at most {NOTE_MAX}")
    return stripped


def _amount(amount: object, limit: Decimal) -> Decimal:
    """``amount`` as yuan with two places.

    Raises:
        AmountInvalid: not a Decimal or int, not a whole number of cents, not positive,
            or above ``limit``.
    """
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int)):
        raise AmountInvalid(amount, limit)
    value = Decimal(amount)
    if not value.is_finite() or value <= 0 or value > limit or value != value.quantize(_CENT):
        raise AmountInvalid(amount, limit)
    return value.quantize(_CENT)


def refundable(session: Session, case: ReturnCase) -> Decimal:
    """The most ``case`` may refund: what was paid for its order line, less the refunds
    already claimed on it (pending or paid, any case). The ledger enforces the same cap
    in the database when the refund is recorded (``bot.refunds.cap``)."""
    from bot.refunds import cap

    return cap.remaining(session, case.order_line)


def approve(
    session: Session,
    case_id: int,
    *,
    actor: str,
    now: datetime,
    amount: Decimal | None = None,
    note: str | None = None,
) -> CaseView:
    """Approves a case waiting for a decision, as the bot does when the policy allows.

    The case becomes APPROVED; a compensation coupon is issued if the case carries one,
    and unless the customer gets an exchange the refund is recorded as pending and the
    case moves on to REFUND_PENDING. The review deadline no longer applies.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        actor: Who decides, e.g. ``"staff:3"``.
        now: When.
        amount: The refund in yuan; None refunds the case's ``refund_amount`` (the affected
            quantity at the price paid). Another amount replaces it, e.g. a partial refund
            when only part of the goods was bad; it is noted on the timeline. Never more
            than was paid for the order line, less other cases' refunds on it.
        note: Optional staff note for the timeline (at most ``NOTE_MAX`` characters).

    Returns:
        The case as it is now.

    Raises:
        CaseNotFound: no such case.
        InvalidTransition: the case is not waiting for a decision (already decided,
            cancelled, closed...).
        AmountInvalid: the refund would be zero, negative, not whole cents or more than
            the line's paid value allows; also any ``amount`` for an exchange.
        NoteInvalid: the note is too long.
        ResolutionMissing: a refund is owed but the case has no resolution to pay it by.
    """
    case = _case(session, case_id)
    if case.state not in DECIDABLE:
        raise InvalidTransition(case.state, CaseState.APPROVED)
    staff_note = _text(note, required=False)
    limit = refundable(session, case)
    if case.resolution is Resolution.EXCHANGE:
        if amount is not None:
            raise AmountInvalid(amount, Decimal(0))  # an exchange refunds nothing
        refund = case.refund_amount
    elif amount is None:
        refund = case.refund_amount
        if refund > limit:
            raise AmountInvalid(refund, limit)
    else:
        refund = _amount(amount, limit)
    if refund > 0 and case.resolution is None:
        raise ResolutionMissing(case.ref)
    notes = []
    if refund != case.refund_amount:
        kind = "部分退款" if refund < case.refund_amount else "调整退款"
        notes.append(f"{kind} {money(refund)}（申请 {money(case.refund_amount)}）")
        case.refund_amount = refund
    if staff_note:
        notes.append(staff_note)
    case.review_due_at = None
    transition(session, case, CaseState.APPROVED, actor=actor, at=now,
               note="；".join(notes) or None)
    settle_approved(session, case, actor=actor, at=now)
    session.flush()
    return case_view(case)


def reject(session: Session, case_id: int, *, actor: str, now: datetime, reason: str) -> CaseView:
    """Rejects a case waiting for a decision.

    The case becomes REJECTED, which frees its order line and reason for a new claim;
    unused coupons of the case are revoked. The review deadline no longer applies.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        actor: Who decides, e.g. ``"staff:3"``.
        now: When.
        reason: Why, for the timeline: 1 to ``NOTE_MAX`` characters after stripping.

    Returns:
        The case as it is now.

    Raises:
        CaseNotFound: no such case.
        NoteInvalid: the reason is blank or too long.
        InvalidTransition: the case is not waiting for a decision.
    """
    text = _text(reason, required=True)
    case = _case(session, case_id)
    if case.state not in DECIDABLE:
        raise InvalidTransition(case.state, CaseState.REJECTED)
    case.review_due_at = None
    transition(session, case, CaseState.REJECTED, actor=actor, at=now, note=text)
    _revoke_coupons(session, case, actor)
    session.flush()
    return case_view(case)


def issue_coupon(
    session: Session,
    case_id: int,
    *,
    actor: str,
    now: datetime,
    amount: Decimal,
    kind: str = "goodwill",
) -> CouponView:
    """Gives the case's customer a no-threshold coupon, e.g. as an apology.

    Valid for ``opening.COUPON_VALID_DAYS`` days; allowed on any case the customer has not
    withdrawn, decided or not.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        actor: Who gives it, e.g. ``"staff:3"``.
        now: When; the coupon expires ``COUPON_VALID_DAYS`` days later.
        amount: In yuan, 0.01 to ``COUPON_LIMIT``.
        kind: ``"goodwill"`` or ``"compensation"``.

    Returns:
        The coupon.

    Raises:
        ValueError: an unknown kind.
        CaseNotFound: no such case.
        CaseNotOpen: the case was withdrawn.
        AmountInvalid: the amount is not whole cents between 0.01 and ``COUPON_LIMIT``.
    """
    if kind not in COUPON_KINDS:
        raise ValueError(f"coupon kind {kind!r} (expected one of {sorted(COUPON_KINDS)})")
    case = _case(session, case_id)
    if case.state is CaseState.CANCELLED:
        raise CaseNotOpen(case.state)
    value = _amount(amount, COUPON_LIMIT)
    coupon: Coupon = issue_case_coupon(session, case, amount=value, kind=kind, actor=actor, at=now)
    case.updated_at = now
    add_event(session, case, actor=actor, kind="coupon", at=now,
              note=f"{kind} {money(value)} {coupon.code}")
    session.flush()
    return CouponView(code=coupon.code, amount=value, kind=kind, expires_at=coupon.expires_at,
                      customer_id=case.customer_id, case_ref=case.ref or "")


def change_resolution(
    session: Session,
    case_id: int,
    *,
    actor: str,
    now: datetime,
    resolution: Resolution,
) -> CaseView:
    """Changes what the customer gets back, as long as no refund has been paid.

    Before a decision only the case changes. After approval the unpaid refund follows:
    its destination changes with the resolution and it is paid there when that can be
    done at once (store balance, coupon: the case becomes REFUNDED); an approved exchange
    that becomes a refund gets its refund requested (REFUND_PENDING). A requested refund cannot become an
    exchange: the state machine has no way back from REFUND_PENDING. The same resolution
    again changes nothing and records nothing.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        actor: Who changes it, e.g. ``"staff:3"``.
        now: When.
        resolution: The new resolution.

    Returns:
        The case as it is now.

    Raises:
        ValueError: ``resolution`` is not a resolution.
        CaseNotFound: no such case.
        CaseNotOpen: the case is refunded, rejected, closed or cancelled.
        RefundAlreadyPaid: the refund is paid or was sent to WeChat Pay (it may be on
            its way).
        InvalidTransition: an exchange asked for while a refund is pending
            (REFUND_PENDING cannot go back to APPROVED).
        AmountInvalid: a refund newly requested would exceed what the line's paid
            value still allows.
    """
    target = Resolution(resolution)
    case = _case(session, case_id)
    if case.state not in OPEN:
        raise CaseNotOpen(case.state)
    from bot.refunds import ledger

    refunds = session.scalars(
        select(Refund).where(Refund.case_id == case.id, Refund.state != _REFUND_CANCELLED)
    ).all()
    if any(refund.state not in ledger.CHANGEABLE or refund.attempts for refund in refunds):
        raise RefundAlreadyPaid(case.ref)
    if target is case.resolution:
        return case_view(case)
    if refunds and target is Resolution.EXCHANGE:
        raise InvalidTransition(case.state, CaseState.APPROVED)
    needs_refund = (case.state is CaseState.APPROVED and not refunds
                    and case.refund_amount > 0 and target is not Resolution.EXCHANGE)
    if needs_refund:
        limit = refundable(session, case)
        if case.refund_amount > limit:
            raise AmountInvalid(case.refund_amount, limit)
    source = case.resolution
    case.resolution = target
    case.updated_at = now
    add_event(session, case, actor=actor, kind="resolution", at=now,
              note=f"{source.value if source else '-'} -> {target.value}")
    for refund in refunds:
        # Balance and coupon refunds are paid at once; the case may become REFUNDED.
        ledger.change_destination(session, refund, target, actor=actor, at=now)
    if needs_refund:
        request_refund(session, case, actor=actor, at=now)
    session.flush()
    return case_view(case)
