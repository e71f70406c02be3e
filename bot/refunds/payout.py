"""Paying original-payment refunds through the gateway, with retries and a manual queue.

The payout job (``channels.console.refunds_job``) calls ``run_round`` every few seconds.
Each due refund is *claimed* with a conditional UPDATE (``pending``/``failed`` → ``sending``,
attempts + 1, a lease), so with several Rasa replicas only one process works on it; then
the gateway is called outside any transaction; then the outcome is recorded, with every
call in ``refund_attempts``:

* success → ``succeeded`` (the case becomes REFUNDED, the customer is told);
* a temporary refusal or no answer → ``failed`` with ``next_attempt_at`` after an
  exponential back-off (``REFUND_RETRY_SECONDS`` × 2^(attempt-1), at most an hour), the
  same ``out_refund_no`` every time;
* when no answer came (timeout, lost connection, bad signature) the refund is marked
  ``uncertain`` and the next attempt *queries* WeChat Pay first: applying again only when
  WeChat Pay says it has no such refund;
* a definitive refusal, or ``REFUND_MAX_ATTEMPTS`` attempts without success → ``manual``:
  the desk's 待人工退款 list, and the customer is told a person will pay it.

A process that dies holding a claim leaves the refund ``sending``; once the lease has
passed it is due again, as ``uncertain``. Without WeChat Pay configured, any
original-payment refund still waiting goes to the manual queue.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot import audit
from bot.db import Order, OrderLine, Refund, RefundAttempt, RefundState, ReturnCase
from bot.db.session import unit_of_work
from bot.db.statements import moved
from bot.enums import Resolution
from bot.refunds import ledger
from bot.refunds.gateway import Gateway, GatewayAnswer, Outcome, RefundRequest
from bot.refunds.money import cents, paid_for

S = RefundState
LEASE = timedelta(minutes=2)
MAX_BACKOFF = timedelta(hours=1)
ACTOR = ledger.GATEWAY


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how soon a refund is tried again."""

    max_attempts: int = 5
    base_seconds: float = 30.0

    def backoff(self, attempt: int) -> timedelta:
        """The wait after attempt ``attempt`` (1, 2, …) failed."""
        return min(timedelta(seconds=self.base_seconds * 2 ** max(attempt - 1, 0)), MAX_BACKOFF)


@dataclass(frozen=True)
class Claimed:
    refund_id: int
    attempt: int
    query_first: bool
    request: RefundRequest


@dataclass(frozen=True)
class Result:
    """What one refund's attempt ended in: ``succeeded``, ``retry``, ``manual`` or ``lost``
    (another process had taken the refund over)."""

    refund_id: int
    out_refund_no: str
    result: str
    attempt: int


def _due_condition(now: datetime):
    waiting = and_(Refund.state.in_((S.PENDING.value, S.FAILED.value)),
                   or_(Refund.next_attempt_at.is_(None), Refund.next_attempt_at <= now))
    abandoned = and_(Refund.state == S.SENDING.value, Refund.lease_until < now)
    return and_(Refund.method == Resolution.REFUND_ORIGINAL, or_(waiting, abandoned))


def due(session: Session, now: datetime, limit: int = 20) -> list[int]:
    """Original-payment refunds whose next attempt is due, oldest first."""
    return list(session.scalars(select(Refund.id).where(_due_condition(now))
                                .order_by(Refund.next_attempt_at, Refund.id).limit(limit)))


def request_for(session: Session, refund: Refund) -> RefundRequest:
    """The refund as WeChat Pay needs it: the order's number and total, in cents."""
    line = session.get(OrderLine, refund.order_line_id)
    order = session.get(Order, line.order_id)
    total = sum(cents(paid_for(item)) for item in order.lines)
    ref = session.scalar(select(ReturnCase.ref).where(ReturnCase.id == refund.case_id))
    return RefundRequest(out_refund_no=refund.out_refund_no, out_trade_no=order.order_no,
                         total_fee=total, refund_fee=cents(refund.amount),
                         reason=f"售后单 {ref}"[:80])


def claim(session: Session, refund_id: int, now: datetime, lease: timedelta = LEASE
          ) -> Claimed | None:
    """Takes a due refund for one attempt; ``None`` if it is not due or another process
    took it. A refund whose last holder vanished mid-call comes back ``uncertain``."""
    if not moved(session, update(Refund)
                 .where(Refund.id == refund_id, _due_condition(now))
                 .values(uncertain=case((Refund.state == S.SENDING.value, True),
                                        else_=Refund.uncertain),
                         state=S.SENDING.value, attempts=Refund.attempts + 1,
                         lease_until=now + lease, updated_at=now)):
        return None
    refund = session.get(Refund, refund_id, populate_existing=True)
    return Claimed(refund.id, refund.attempts, refund.uncertain, request_for(session, refund))


def attempt(gateway: Gateway, claimed: Claimed) -> list[tuple[str, GatewayAnswer]]:
    """Calls the gateway for one attempt: a query first when the last outcome is unknown,
    then (only if WeChat Pay has no such refund) the application, same key."""
    calls: list[tuple[str, GatewayAnswer]] = []
    if claimed.query_first:
        found = gateway.query(claimed.request.out_refund_no)
        calls.append(("query", found))
        if found.outcome is not Outcome.NOT_FOUND:
            return calls
    calls.append(("apply", gateway.apply(claimed.request)))
    return calls


def _record_calls(session: Session, claimed: Claimed, calls: list[tuple[str, GatewayAnswer]],
                  now: datetime) -> None:
    for operation, answer in calls:
        session.add(RefundAttempt(refund_id=claimed.refund_id, number=claimed.attempt,
                                  operation=operation, at=now, outcome=answer.outcome.value,
                                  code=answer.code, message=(answer.message or None)
                                  and answer.message[:300],
                                  answer=answer.answer, duration_ms=answer.duration_ms))
        audit.record(session, ACTOR, f"refund.gateway_{operation}", "refund",
                     claimed.refund_id, attempt=claimed.attempt, outcome=answer.outcome.value,
                     code=answer.code, out_refund_no=claimed.request.out_refund_no)


def finish(session: Session, claimed: Claimed, calls: list[tuple[str, GatewayAnswer]],
           now: datetime, policy: RetryPolicy) -> Result:
    """Records the attempt's calls and moves the refund on."""
    key = claimed.request.out_refund_no
    # First a conditional write: it locks the refund's row (PostgreSQL) or the database
    # (SQLite) until the end of the unit of work, so WeChat Pay's refund result
    # notification (bot.refunds.notify), which may be settling the same refund right now,
    # comes either wholly before or wholly after.
    ours = moved(session, update(Refund).where(Refund.id == claimed.refund_id,
                                               Refund.state == S.SENDING.value,
                                               Refund.attempts == claimed.attempt)
                 .values(updated_at=now))
    _record_calls(session, claimed, calls, now)
    refund = session.get(Refund, claimed.refund_id, populate_existing=True)
    if not ours:
        # Our lease ran out and another process took over, or WeChat Pay's notification
        # already settled it: that decides.
        return Result(refund.id, key, "lost", claimed.attempt)
    operation, last = calls[-1]
    if last.outcome is Outcome.SUCCEEDED:
        ledger.succeed_from_gateway(session, refund, at=now, refund_id=last.refund_id,
                                    answer=last.answer or {})
        return Result(refund.id, key, "succeeded", claimed.attempt)
    failure = f"{last.code or ''}: {last.message or ''}".strip(": ")
    if last.outcome is Outcome.REFUSED:
        ledger.to_manual(session, refund, reason=ledger.GATEWAY_REFUSED, failure=failure,
                         actor=ACTOR, at=now, notify=True)
        return Result(refund.id, key, "manual", claimed.attempt)
    # No usable answer to the last call: the refund may exist; query before applying.
    refund.uncertain = last.outcome is Outcome.UNKNOWN or (
        operation == "query" and last.outcome is not Outcome.NOT_FOUND)
    if last.answer is not None:
        refund.gateway_answer = last.answer
    if claimed.attempt >= policy.max_attempts:
        ledger.to_manual(session, refund, reason=ledger.RETRIES_EXHAUSTED, failure=failure,
                         actor=ACTOR, at=now, notify=True)
        return Result(refund.id, key, "manual", claimed.attempt)
    refund.state = S.FAILED.value
    refund.failure = failure[:300] or None
    refund.next_attempt_at = now + policy.backoff(claimed.attempt)
    refund.lease_until = None
    refund.updated_at = now
    audit.record(session, ACTOR, "refund.retry_scheduled", "refund", refund.id,
                 attempt=claimed.attempt, next_attempt_at=refund.next_attempt_at.isoformat(),
                 failure=refund.failure, uncertain=refund.uncertain)
    return Result(refund.id, key, "retry", claimed.attempt)


def park_without_gateway(session: Session, now: datetime) -> list[int]:
    """Without WeChat Pay, original-payment refunds still waiting go to the manual queue
    (an abandoned ``sending`` one as ``uncertain``: a person checks before paying)."""
    parked = []
    for refund_id in due(session, now, limit=100):
        refund = session.get(Refund, refund_id, populate_existing=True)
        was_sending = refund.state == S.SENDING.value
        if not moved(session, update(Refund).where(Refund.id == refund_id, _due_condition(now))
                     .values(state=S.MANUAL.value,
                             uncertain=True if was_sending else Refund.uncertain)):
            continue
        session.refresh(refund)
        ledger.to_manual(session, refund, reason=ledger.NOT_CONFIGURED, failure=refund.failure,
                         actor=ACTOR, at=now, notify=True)
        parked.append(refund_id)
    return parked


def settle_waiting(session: Session, now: datetime) -> list[int]:
    """Store-balance and coupon refunds left pending (e.g. recorded before the ledger paid
    them at once) are paid now."""
    ids = list(session.scalars(select(Refund.id).where(
        Refund.state == S.PENDING.value, Refund.method != Resolution.REFUND_ORIGINAL,
        Refund.attempts == 0).order_by(Refund.id).limit(100)))
    for refund_id in ids:
        refund = session.get(Refund, refund_id, populate_existing=True)
        ledger.start_payout(session, refund, actor="bot", at=now, gateway=False)
    return ids


def run_round(gateway: Gateway | None, now: datetime, policy: RetryPolicy,
              factory: sessionmaker | None = None,
              clock: Callable[[], datetime] | None = None) -> list[Result]:
    """One round of the payout job; blocking (the job runs it in a thread).

    Args:
        gateway: WeChat Pay, or ``None`` when it is not configured.
        now: When the round starts (due refunds are chosen by it).
        policy: Retries.
        factory: Sessions (the configured database by default).
        clock: The time each outcome is recorded at (``now`` by default).
    """
    with unit_of_work(factory) as session:
        settle_waiting(session, now)
        if gateway is None:
            park_without_gateway(session, now)
            return []
        ids = due(session, now)
    results = []
    for refund_id in ids:
        with unit_of_work(factory) as session:
            claimed = claim(session, refund_id, now)
        if claimed is None:
            continue
        calls = attempt(gateway, claimed)
        with unit_of_work(factory) as session:
            results.append(finish(session, claimed, calls, clock() if clock else now, policy))
    return results
