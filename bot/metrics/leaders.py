"""How each pickup point's leader handled first checks (初审) in the period, from
``bot.leaders.performance.leader_performance``."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Leader, PickupPoint
from bot.leaders.performance import Performance, leader_performance
from bot.metrics.period import Period


@dataclass(frozen=True)
class PointHandling:
    """A pickup point, its leader, and the leader's first checks of tasks created in the
    period (minutes run from the push to the leader's chat to the decision)."""

    point_code: str
    point_name: str
    leader_name: str
    performance: Performance


def leader_handling(session: Session, period: Period) -> list[PointHandling]:
    """Every pickup point with a leader, in code order, with the period's first checks."""
    rows = session.execute(
        select(PickupPoint.code, PickupPoint.name, Leader.id, Leader.name)
        .join(Leader, Leader.pickup_point_id == PickupPoint.id)
        .order_by(PickupPoint.code)
    ).all()
    return [
        PointHandling(code, name, leader_name,
                      leader_performance(session, leader_id, period.start, period.end))
        for code, name, leader_id, leader_name in rows
    ]
