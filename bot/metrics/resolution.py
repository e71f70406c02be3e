"""How long cases take to be settled, and how much returned standard goods can be sold
again."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import CaseEvent, OrderLine, Product, ReturnCase
from bot.enums import CaseState, Category
from bot.metrics.period import Period
from bot.metrics.stats import daily_groups, percentile, share

# A case is settled by its first move to one of these states.
SETTLED = (CaseState.REFUNDED, CaseState.CLOSED, CaseState.REJECTED)
# Goods never handed back: withdrawn by the customer, or the claim was refused.
NOT_RETURNED = (CaseState.CANCELLED, CaseState.REJECTED)


@dataclass(frozen=True)
class Hours:
    """Percentiles of hours to settle the cases settled on one day (or the whole period)."""

    cases: int
    p50: float | None
    p90: float | None


@dataclass(frozen=True)
class ResolutionFigures:
    """Time to resolution: hours from a case's opening to the timeline entry that first
    moved it to refunded, rejected or closed, for cases settled in the period, by the day
    they were settled."""

    total: Hours
    daily: dict[date, Hours]


@dataclass(frozen=True)
class ResaleFigures:
    """Standard goods (标品) cases opened in the period whose goods come back (not
    withdrawn, not rejected), and how many of them are resellable (restocked)."""

    returned: int
    resellable: int

    @property
    def ratio(self) -> float | None:
        return share(self.resellable, self.returned)


def _hours(values: list[float]) -> Hours:
    return Hours(len(values), percentile(values, 0.5), percentile(values, 0.9))


def resolution_figures(session: Session, period: Period) -> ResolutionFigures:
    """Hours to settle cases, p50 and p90, in total and per day of settling."""
    settled_at = func.min(CaseEvent.at).label("settled_at")
    settled = (
        select(CaseEvent.case_id, settled_at)
        .where(CaseEvent.to_state.in_(SETTLED))
        .group_by(CaseEvent.case_id)
        .subquery()
    )
    rows = session.execute(
        select(ReturnCase.created_at, settled.c.settled_at)
        .join(settled, settled.c.case_id == ReturnCase.id)
        .where(settled.c.settled_at >= period.start, settled.c.settled_at < period.end)
    ).all()
    durations = [(done, max((done - opened).total_seconds(), 0) / 3600)
                 for opened, done in rows]
    groups = daily_groups(period, durations)
    return ResolutionFigures(
        total=_hours([hours for _, hours in durations]),
        daily={day: _hours(values) for day, values in groups.items()},
    )


def resale_figures(session: Session, period: Period) -> ResaleFigures:
    """Returned standard goods and the resellable share of them."""
    rows = session.execute(
        select(ReturnCase.resellable, func.count(ReturnCase.id))
        .join(OrderLine, ReturnCase.order_line_id == OrderLine.id)
        .join(Product, OrderLine.product_id == Product.id)
        .where(Product.category == Category.STANDARD,
               ReturnCase.created_at >= period.start, ReturnCase.created_at < period.end,
               ReturnCase.state.not_in(NOT_RETURNED))
        .group_by(ReturnCase.resellable)
    ).all()
    counts = {bool(resellable): count for resellable, count in rows}
    return ResaleFigures(returned=sum(counts.values()), resellable=counts.get(True, 0))
