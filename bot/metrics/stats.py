"""Small statistics the metrics share: percentiles, shares and per-day buckets."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal

from bot.metrics.period import Period


def percentile(values: Iterable[float], q: float) -> float | None:
    """The ``q``-th quantile (0–1) by linear interpolation between the closest ranks.

    ``percentile([1, 2, 3, 4], 0.5)`` is 2.5, ``percentile([10, 20], 0.9)`` is 19.0; no
    values give ``None``.
    """
    ordered = sorted(values)
    if not ordered:
        return None
    position = (len(ordered) - 1) * q
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def share(part: float, whole: float) -> float | None:
    """``part / whole`` rounded to four places, or ``None`` when there is no whole."""
    return round(part / whole, 4) if whole else None


def rounded(value: float | None, places: int = 1) -> float | None:
    return None if value is None else round(value, places)


def daily_counts(period: Period, moments: Iterable[datetime]) -> dict[date, int]:
    """How many of ``moments`` fall on each day of ``period`` (every day present)."""
    counts = dict.fromkeys(period.dates(), 0)
    for moment in moments:
        day = period.day_of(moment)
        if day in counts:
            counts[day] += 1
    return counts


def daily_sums(period: Period, rows: Iterable[tuple[datetime, Decimal]]) -> dict[date, Decimal]:
    """The sum of the amounts falling on each day of ``period`` (every day present)."""
    sums = dict.fromkeys(period.dates(), Decimal("0.00"))
    for moment, amount in rows:
        day = period.day_of(moment)
        if day in sums:
            sums[day] += amount
    return sums


def daily_groups(period: Period,
                 rows: Iterable[tuple[datetime, float]]) -> dict[date, list[float]]:
    """The values falling on each day of ``period`` (every day present, maybe empty)."""
    groups: dict[date, list[float]] = {day: [] for day in period.dates()}
    for moment, value in rows:
        day = period.day_of(moment)
        if day in groups:
            groups[day].append(value)
    return groups
