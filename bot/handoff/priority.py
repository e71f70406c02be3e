"""How urgent a handoff is: anger, the order's value and the reason, then waiting time.

``priority`` is fixed when the ticket opens; ``rank`` adds the minutes waited, so a calm
customer who has waited long enough goes ahead of a newer angry one.
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

REASON_WEIGHT = {
    "angry": 40,
    "repeated_anger": 35,
    "overdue_case": 30,
    "human_requested": 20,
    "manual_review": 15,
    "not_understood": 10,
}
ANGER_WEIGHT = 30
VALUE_CAP = 20       # points; reached at ¥200
POINTS_PER_MINUTE = 1.0


def priority(reason: str, anger: float, order_value: Decimal | None) -> int:
    """The ticket's priority from 0 to about 90."""
    value_points = min(float(order_value or 0) / 10.0, VALUE_CAP)
    anger = min(max(anger, 0.0), 1.0)
    return round(REASON_WEIGHT.get(reason, 10) + ANGER_WEIGHT * anger + value_points)


def rank(ticket_priority: int, waited: timedelta) -> float:
    """Queue order: higher goes first."""
    return ticket_priority + POINTS_PER_MINUTE * max(waited.total_seconds(), 0) / 60.0
