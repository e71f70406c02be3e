"""WeChat Pay's refund result notification (退款结果通知), applied to the refund ledger.

WeChat Pay posts the final result of every refund it took to the notification URL and
retries until it is answered ``SUCCESS``. The endpoint (``channels.wechatpay.notify``)
reads and decrypts the notification — only WeChat Pay and we hold the key — and hands it
here as a ``RefundNotice``. This module checks it against the ledger and applies it, once:

* the refund must exist, be a refund to the original payment, and agree with the notice:
  amount (``refund_fee``, fen), order (``out_trade_no``, ``total_fee``) and WeChat Pay's
  ``refund_id`` if we know it; otherwise the notice is refused (answered FAIL) and
  nothing changes;
* a notice already accepted (the same decrypted content: WeChat Pay's retries, or a
  replay) is answered SUCCESS and changes nothing;
* ``SUCCESS`` for a refund still on its way (``pending``, ``sending``, ``failed``) pays
  it exactly as the payout job does (``ledger.succeed_from_gateway``: the case becomes
  refunded, the customer is told once); for one already paid through WeChat Pay it
  confirms what the ledger has;
* ``CHANGE`` (退款异常) or ``REFUNDCLOSE`` (退款关闭) for a refund on its way sends it to
  the manual queue with the reason; the customer is never told it was paid;
* a notice that would *reverse* the ledger — ``SUCCESS`` for a refund a person is to pay
  (``manual``), or ``CHANGE``/``REFUNDCLOSE`` for one counted as paid through WeChat Pay
  (the gap the payout job cannot see) — is first checked with WeChat Pay's refund query
  (signed, ``bot.refunds.gateway``), so a late retry of an older notice cannot undo a newer
  outcome: then the manual refund is paid, or the paid one goes back to the manual queue
  (``ledger.reopen_after_gateway_failure``);
* ``SUCCESS`` for a refund an agent already paid by hand, or one that was cancelled, is a
  conflict (money may have gone out twice): recorded for staff, nothing changed.

Every notice ends in one audit entry ``refund.notify_<outcome>`` (``refund.notify_refused``
with the reason for a refusal) and, when its refund is known, a ``refund_attempts`` row
(operation ``notify``) with the decrypted fields and their digest. All changes are
conditional UPDATEs on the refund's state, so the payout job and several Rasa replicas
handling the same refund never apply an outcome twice.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.db import Refund, RefundAttempt, RefundState
from bot.db.statements import moved
from bot.enums import Resolution
from bot.refunds import ledger
from bot.refunds.gateway import GatewayAnswer, Outcome
from bot.refunds.money import cents
from bot.refunds.payout import request_for

S = RefundState
ACTOR = ledger.GATEWAY
SUCCESS, CHANGE, CLOSED = "SUCCESS", "CHANGE", "REFUNDCLOSE"
# refund_status as WeChat Pay spells it (the query says REFUNDCLOSE; some docs REFUNDCLOSED).
STATUSES = {"SUCCESS": SUCCESS, "CHANGE": CHANGE, "REFUNDCLOSE": CLOSED,
            "REFUNDCLOSED": CLOSED}
FAILED_STATUS_TEXT = {
    CHANGE: "微信支付退款结果通知：退款异常（CHANGE），钱没有退到顾客的账户（如银行卡已作废或冻结），"
            "请先在商户平台核实这笔退款，再人工退给顾客",
    CLOSED: "微信支付退款结果通知：退款已关闭（REFUNDCLOSE），微信支付没有退出这笔钱，请人工退给顾客",
}
UNPAID = (S.PENDING.value, S.SENDING.value, S.FAILED.value)

# Outcomes (refund_attempts.outcome of a notice; audit action refund.notify_<outcome>).
PAID = "paid"            # the refund is paid now
MANUAL = "manual"        # the refund went to the manual queue
REOPENED = "reopened"    # a paid refund WeChat Pay failed afterwards: the manual queue
CONFIRMED = "confirmed"  # the ledger already says what the notice says
REPLAYED = "replayed"    # a notice already accepted, received again
NOTED = "noted"          # nothing to change (e.g. an older notice, a refund paid by hand)
CONFLICT = "conflict"    # WeChat Pay paid a refund paid by hand or cancelled: for staff
REFUSED = "refused"
CHECK = "check"          # not an outcome: ask WeChat Pay's refund query, then apply again
ACCEPTED = frozenset({PAID, MANUAL, REOPENED, CONFIRMED, REPLAYED, NOTED, CONFLICT})

# Where a refusal without a known refund is recorded in the audit trail.
ENTITY = "wechatpay_notify"
REQUIRED = ("out_refund_no", "refund_id", "out_trade_no", "refund_fee", "refund_status")


class NoticeRefused(Exception):
    """A notice that cannot be applied; ``reason`` is a stable code, ``str()`` says why."""

    def __init__(self, reason: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.reason, self.message, self.status = reason, message, status


@dataclass(frozen=True)
class RefundNotice:
    """One decrypted refund result notification; money in fen."""

    out_refund_no: str
    refund_id: str
    out_trade_no: str
    refund_fee: int
    status: str
    digest: str
    fields: dict[str, str]
    total_fee: int | None = None

    @property
    def answer(self) -> dict[str, Any]:
        """What is kept of it: the fields WeChat Pay sent and the digest of their text."""
        return {**self.fields, "digest": self.digest}


def _fen(fields: dict[str, str], name: str) -> int:
    value = fields.get(name, "")
    if not value.isdigit() or len(value) > 12:
        raise NoticeRefused("bad_amount", f"通知里的 {name} 不是以分计的金额：{value[:20]!r}")
    return int(value)


def notice_from(fields: dict[str, str], digest: str) -> RefundNotice:
    """The notice in the decrypted fields.

    Raises:
        NoticeRefused: a required field is missing, an amount is not whole fen, or the
            refund status is unknown.
    """
    missing = [name for name in REQUIRED if not fields.get(name)]
    if missing:
        raise NoticeRefused("incomplete", f"通知缺少字段：{', '.join(missing)}")
    status = STATUSES.get(fields["refund_status"].upper())
    if status is None:
        raise NoticeRefused("unknown_status",
                            f"未知的退款状态 refund_status={fields['refund_status'][:20]!r}")
    return RefundNotice(fields["out_refund_no"], fields["refund_id"], fields["out_trade_no"],
                        _fen(fields, "refund_fee"), status, digest, dict(fields),
                        _fen(fields, "total_fee") if fields.get("total_fee") else None)


@dataclass(frozen=True)
class NoticeResult:
    """What a notice came to, and what WeChat Pay is answered (``accepted``: SUCCESS)."""

    outcome: str
    accepted: bool
    message: str = "OK"
    status: int = 200
    refund_id: int | None = None
    reason: str | None = None


def record_refusal(session: Session, reason: str, message: str, *, status: int = 400,
                   key: str | None = None, **detail: Any) -> NoticeResult:
    """Records a notice refused before its refund is known (unreadable, not ours…)."""
    audit.record(session, ACTOR, "refund.notify_refused", ENTITY, (key or "-")[:40],
                 reason=reason, message=message, **detail)
    return NoticeResult(REFUSED, False, message, status, reason=reason)


# ---------------------------------------------------------------- applying


def _record(session: Session, refund: Refund, notice: RefundNotice, at: datetime, outcome: str,
            message: str, **detail: Any) -> None:
    session.add(RefundAttempt(refund_id=refund.id, number=refund.attempts, operation="notify",
                              at=at, outcome=outcome, code=notice.status,
                              message=message[:300], answer=notice.answer))
    audit.record(session, ACTOR, f"refund.notify_{outcome}", "refund", refund.id,
                 out_refund_no=refund.out_refund_no, refund_status=notice.status,
                 wechat_refund_id=notice.refund_id, state=refund.state, message=message,
                 digest=notice.digest, **detail)


def _accept(session: Session, refund: Refund, notice: RefundNotice, at: datetime,
            outcome: str, message: str = "OK", **detail: Any) -> NoticeResult:
    _record(session, refund, notice, at, outcome, message, **detail)
    return NoticeResult(outcome, True, "OK", 200, refund.id)


def _refuse(session: Session, refund: Refund, notice: RefundNotice, at: datetime,
            reason: str, message: str, status: int) -> NoticeResult:
    session.add(RefundAttempt(refund_id=refund.id, number=refund.attempts, operation="notify",
                              at=at, outcome=REFUSED, code=reason, message=message[:300],
                              answer=notice.answer))
    audit.record(session, ACTOR, "refund.notify_refused", "refund", refund.id,
                 out_refund_no=refund.out_refund_no, reason=reason, message=message,
                 refund_status=notice.status, wechat_refund_id=notice.refund_id,
                 refund_fee=notice.refund_fee, state=refund.state, digest=notice.digest)
    return NoticeResult(REFUSED, False, message, status, refund.id, reason)


def _locked(session: Session, out_refund_no: str) -> Refund | None:
    return session.scalars(select(Refund).where(Refund.out_refund_no == out_refund_no)
                           .with_for_update()
                           .execution_options(populate_existing=True)).first()


def _mismatch(session: Session, refund: Refund, notice: RefundNotice
              ) -> tuple[str, str] | None:
    """Why the notice is not about this refund as the ledger has it, if it is not."""
    if refund.method is not Resolution.REFUND_ORIGINAL:
        return "not_original_payment", f"退款 {refund.out_refund_no} 不是原路退回微信的退款"
    if notice.refund_fee != cents(refund.amount):
        return "amount_mismatch", (f"通知的退款金额 {notice.refund_fee} 分与退款 "
                                   f"{refund.out_refund_no} 的 {cents(refund.amount)} 分不一致")
    sent = request_for(session, refund)
    if notice.out_trade_no != sent.out_trade_no:
        return "order_mismatch", (f"通知的订单号 {notice.out_trade_no[:32]} 不是退款 "
                                  f"{refund.out_refund_no} 的订单 {sent.out_trade_no}")
    if notice.total_fee is not None and notice.total_fee != sent.total_fee:
        return "total_mismatch", (f"通知的订单金额 {notice.total_fee} 分与订单 "
                                  f"{sent.out_trade_no} 的 {sent.total_fee} 分不一致")
    if refund.external_ref and notice.refund_id != refund.external_ref:
        return "refund_id_mismatch", (f"通知的微信退款单号 {notice.refund_id[:32]} 与已记录的 "
                                      f"{refund.external_ref} 不一致")
    return None


def _accepted_before(session: Session, refund: Refund, notice: RefundNotice) -> bool:
    for answer in session.scalars(select(RefundAttempt.answer).where(
            RefundAttempt.refund_id == refund.id, RefundAttempt.operation == "notify",
            RefundAttempt.outcome.in_(ACCEPTED))):
        if isinstance(answer, dict) and answer.get("digest") == notice.digest:
            return True
    return False


def _move(session: Session, refund: Refund, condition, **values: Any) -> bool:
    if not moved(session, update(Refund).where(Refund.id == refund.id, *condition)
                 .values(**values)):
        return False
    session.refresh(refund)
    return True


def _record_check(session: Session, refund: Refund, check: GatewayAnswer, at: datetime) -> None:
    session.add(RefundAttempt(refund_id=refund.id, number=refund.attempts, operation="query",
                              at=at, outcome=check.outcome.value, code=check.code,
                              message=(check.message or None) and check.message[:300],
                              answer=check.answer, duration_ms=check.duration_ms))
    audit.record(session, ACTOR, "refund.gateway_query", "refund", refund.id,
                 attempt=refund.attempts, outcome=check.outcome.value, code=check.code,
                 out_refund_no=refund.out_refund_no, why="refund result notification")


def _checked_status(check: GatewayAnswer) -> str | None:
    """The refund's status by WeChat Pay's query: SUCCESS, CHANGE, REFUNDCLOSE, or ``None``
    (no believable answer, processing, or no such refund)."""
    if check.outcome in (Outcome.SUCCEEDED, Outcome.REFUSED):
        return STATUSES.get((check.code or "").upper())
    return None


def _unconfirmed(session: Session, refund: Refund, notice: RefundNotice, at: datetime,
                 check: GatewayAnswer) -> NoticeResult:
    return _refuse(session, refund, notice, at, "unconfirmed",
                   f"通知与账目不符，向微信支付查询也没有得到确定结果（{check.code or check.outcome.value}），"
                   "请稍后重发", 503)


def _pay(session: Session, refund: Refund, notice: RefundNotice, at: datetime,
         **detail: Any) -> NoticeResult | None:
    previous = refund.state
    if not _move(session, refund, (Refund.state == previous,), state=S.SUCCEEDED.value):
        return None
    ledger.succeed_from_gateway(session, refund, at=at, refund_id=notice.refund_id,
                                answer=notice.answer, via="notify", previous_state=previous)
    return _accept(session, refund, notice, at, PAID, previous_state=previous, **detail)


def _to_manual(session: Session, refund: Refund, notice: RefundNotice,
               at: datetime) -> NoticeResult | None:
    previous = refund.state
    if not _move(session, refund, (Refund.state == previous,), state=S.MANUAL.value,
                 uncertain=notice.status == CHANGE, gateway_answer=notice.answer):
        return None
    ledger.to_manual(session, refund, reason=ledger.GATEWAY_REFUSED,
                     failure=FAILED_STATUS_TEXT[notice.status], actor=ACTOR, at=at, notify=True)
    return _accept(session, refund, notice, at, MANUAL, previous_state=previous)


def _reopen(session: Session, refund: Refund, notice: RefundNotice,
            at: datetime) -> NoticeResult | None:
    if not _move(session, refund, (Refund.state == S.SUCCEEDED.value, Refund.paid_by == ACTOR),
                 state=S.MANUAL.value, gateway_answer=notice.answer):
        return None
    ledger.reopen_after_gateway_failure(session, refund, failure=FAILED_STATUS_TEXT[notice.status],
                                        uncertain=notice.status == CHANGE, at=at)
    return _accept(session, refund, notice, at, REOPENED, previous_state=S.SUCCEEDED.value)


def _decide(session: Session, refund: Refund, notice: RefundNotice, at: datetime,
            check: GatewayAnswer | None) -> NoticeResult | None:
    """The notice's outcome for the refund as it is now; ``None`` if the refund changed
    under us (look again)."""
    state = refund.state
    by_gateway = state == S.SUCCEEDED.value and refund.paid_by == ACTOR
    checked = _checked_status(check) if check is not None else None
    if notice.status == SUCCESS:
        if state in UNPAID:
            return _pay(session, refund, notice, at)
        if by_gateway:
            return _accept(session, refund, notice, at, CONFIRMED)
        if state == S.SUCCEEDED.value:
            return _accept(session, refund, notice, at, CONFLICT,
                           "微信支付通知这笔退款已退回微信零钱，但工作人员已线下退过：顾客可能收到两次退款，"
                           "请在商户平台核实并处理", paid_by=refund.paid_by)
        if state == S.CANCELLED.value:
            return _accept(session, refund, notice, at, CONFLICT,
                           "微信支付通知这笔已取消的退款已退款：请在商户平台核实")
        # manual: a person is to pay it; only WeChat Pay's own query may say otherwise.
        if check is None:
            return NoticeResult(CHECK, False, refund_id=refund.id)
        if checked == SUCCESS:
            return _pay(session, refund, notice, at, checked=check.code)
        if checked in (CHANGE, CLOSED):
            return _accept(session, refund, notice, at, NOTED,
                           f"过时的通知：微信支付查询结果为 {checked}", checked=checked)
        return _unconfirmed(session, refund, notice, at, check)
    # CHANGE or REFUNDCLOSE: WeChat Pay did not (or no longer) pay it.
    if state in UNPAID:
        return _to_manual(session, refund, notice, at)
    if by_gateway:
        if check is None:
            return NoticeResult(CHECK, False, refund_id=refund.id)
        if checked in (CHANGE, CLOSED):
            return _reopen(session, refund, notice, at)
        if checked == SUCCESS:
            return _accept(session, refund, notice, at, NOTED,
                           "过时的通知：微信支付查询结果为 SUCCESS", checked=checked)
        return _unconfirmed(session, refund, notice, at, check)
    if state == S.MANUAL.value:
        # Already with a person: what WeChat Pay says helps them.
        refund.failure = FAILED_STATUS_TEXT[notice.status][:300]
        refund.gateway_answer = notice.answer
        refund.updated_at = at
    # Paid by hand, waiting for a person, or cancelled: nothing is owed by WeChat Pay.
    return _accept(session, refund, notice, at, NOTED, "微信支付没有退出这笔钱，账目无需改动")


def apply(session: Session, notice: RefundNotice, at: datetime,
          check: GatewayAnswer | None = None) -> NoticeResult:
    """Applies one verified notice to the ledger, in the caller's unit of work.

    Args:
        session: The unit of work (committed by the caller, refusals included: they are
            recorded).
        notice: The decrypted notification.
        at: When it arrived.
        check: WeChat Pay's refund query for the refund, when an earlier call answered
            ``CHECK``.

    Returns:
        The outcome; ``CHECK`` (nothing recorded yet): query WeChat Pay and apply again
        with the answer.
    """
    refund = None
    for look in range(3):
        refund = _locked(session, notice.out_refund_no)
        if refund is None:
            return record_refusal(session, "unknown_refund",
                                  f"没有退款单号为 {notice.out_refund_no[:40]} 的退款",
                                  status=404, key=notice.out_refund_no,
                                  wechat_refund_id=notice.refund_id,
                                  refund_fee=notice.refund_fee, digest=notice.digest)
        problem = _mismatch(session, refund, notice)
        if problem is not None:
            return _refuse(session, refund, notice, at, *problem, 409)
        if check is not None and look == 0:
            _record_check(session, refund, check, at)
        if _accepted_before(session, refund, notice):
            return _accept(session, refund, notice, at, REPLAYED, "重复的通知，已处理过")
        result = _decide(session, refund, notice, at, check)
        if result is not None:
            return result
        # The refund changed between reading and updating it: look again.
    return _refuse(session, refund, notice, at, "busy", "这笔退款正在被同时处理，请稍后重发", 503)
