"""A customer's return history and its score, the one place both are computed.

**What counts.** A *return* is a case of the customer's that is not a cancellation
before pickup (``before_pickup.*`` rules: a presale order cancelled is not an
after-sales return) and was not withdrawn by the customer (``cancelled``). Orders are
the customer's order lines placed in the period. A *rejected claim* is a case in the
period that ended ``rejected`` (by a leader or the platform).

**Score** (0–100, rules in ``after_sales.yml`` → ``risk.history``; defaults in brackets)::

    recent   = per_recent_return [10] × returns in the last frequent_returns_days [30]
    rate     = returns ÷ order lines over the last `days` [90] (at most 1)
    rate_pts = for_return_rate [40] × max(0, rate − usual) ÷ (1 − usual)   usual = 30%
    rejected = per_rejected_claim [20] × rejected claims in the last `days`
    score    = min(100, recent + round(rate_pts) + rejected)

``review_score`` [60] or more raises the flag ``return_history`` in the policy engine.
With the defaults: 4 returns of 6 lines this month scores 40 + 21 = 61 (flagged); one
earlier return of 5 lines scores 10; two rejected claims and two returns of 10 lines
scores 20 + 0 + 40 = 60 (flagged). The existing ``frequent_returns`` rule (more than
``frequent_returns_max`` returns in the period) stays a flag of its own.

The current claim is never part of its own history: it is counted before it exists.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Order, OrderLine, ReturnCase
from bot.enums import CaseState
from bot.policy.model import HistoryRules, Policy

#: Cases opened under these rules are cancellations before pickup, not returns.
NOT_RETURNS_PREFIX = "before_pickup."


@dataclass(frozen=True)
class ReturnHistory:
    """The counts the score is made of."""

    recent_days: int
    recent_returns: int
    days: int
    returns: int
    lines: int
    rejected: int

    @property
    def return_rate(self) -> float:
        """Returns per order line over ``days``, at most 1 (a case may be about a line
        bought before the period)."""
        if self.returns == 0:
            return 0.0
        return min(1.0, self.returns / max(self.lines, 1))


@dataclass(frozen=True)
class HistoryScore:
    """The score and its parts, for the reviewer's explanation."""

    score: int
    recent_points: int
    rate_points: int
    rejected_points: int
    history: ReturnHistory
    review_score: int

    @property
    def high(self) -> bool:
        return self.score >= self.review_score


def load_history(session: Session, customer_id: int, now: datetime, policy: Policy) -> ReturnHistory:
    """Counts the customer's returns, order lines and rejected claims up to ``now``."""
    recent_since = now - timedelta(days=policy.frequent_returns_days)
    since = now - timedelta(days=policy.history.days)
    is_return = ((ReturnCase.state != CaseState.CANCELLED)
                 & ReturnCase.rule_id.not_like(f"{NOT_RETURNS_PREFIX}%"))
    cases = session.execute(select(
        func.count(ReturnCase.id).filter(is_return & (ReturnCase.created_at >= recent_since)),
        func.count(ReturnCase.id).filter(is_return & (ReturnCase.created_at >= since)),
        func.count(ReturnCase.id).filter((ReturnCase.state == CaseState.REJECTED)
                                         & (ReturnCase.created_at >= since)),
    ).where(ReturnCase.customer_id == customer_id,
            ReturnCase.created_at >= min(since, recent_since))).one()
    lines = session.scalar(
        select(func.count(OrderLine.id)).join(Order, Order.id == OrderLine.order_id)
        .where(Order.customer_id == customer_id, Order.placed_at >= since))
    return ReturnHistory(
        recent_days=policy.frequent_returns_days,
        recent_returns=cases[0],
        days=policy.history.days,
        returns=cases[1],
        lines=lines or 0,
        rejected=cases[2],
    )


def score(history: ReturnHistory, rules: HistoryRules) -> HistoryScore:
    """The score of ``history`` under ``rules`` (pure; see the module's formula)."""
    usual = rules.usual_return_rate_percent / 100
    excess = max(0.0, history.return_rate - usual) / (1 - usual)
    recent = rules.per_recent_return * history.recent_returns
    rate = round(rules.for_return_rate * excess)
    rejected = rules.per_rejected_claim * history.rejected
    return HistoryScore(min(100, recent + rate + rejected), recent, rate, rejected, history,
                        rules.review_score)


def history_score(session: Session, customer_id: int, now: datetime, policy: Policy) -> HistoryScore:
    """``score(load_history(...))`` with the policy's rules."""
    return score(load_history(session, customer_id, now, policy), policy.history)
