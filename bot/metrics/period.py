"""The date range a dashboard covers: whole days in the service time zone.

Dates arrive as text (``2026-11-20``) from the page or the command line; ``parse_period``
turns them into a ``Period`` or raises ``PeriodInvalid`` saying what is wrong, so the
caller can tell the person in their language.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from enum import Enum
from zoneinfo import ZoneInfo

MAX_DAYS = 366
DEFAULT_DAYS = 14
EARLIEST = date(2000, 1, 1)
LATEST = date(2099, 12, 31)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_WEEK = re.compile(r"(\d{4})-W(\d{2})")


class PeriodProblem(str, Enum):
    """What is wrong with the dates asked for."""

    NOT_A_DATE = "not_a_date"      # not YYYY-MM-DD, or no such day (2026-02-30)
    OUT_OF_RANGE = "out_of_range"  # before EARLIEST or after LATEST
    REVERSED = "reversed"          # the start is after the end
    TOO_LONG = "too_long"          # more than MAX_DAYS days
    NOT_A_WEEK = "not_a_week"      # not YYYY-Www, or no such ISO week


class PeriodInvalid(ValueError):
    """The dates cannot make a period.

    Args:
        problem: What is wrong.
        field: Which input (``"from"``, ``"to"``, ``"week"``), or ``None`` for the pair.
    """

    def __init__(self, problem: PeriodProblem, field: str | None = None) -> None:
        super().__init__(f"{field or 'period'}: {problem.value}")
        self.problem = problem
        self.field = field


@dataclass(frozen=True)
class Period:
    """Days ``first`` to ``last``, both included, in the time zone ``zone``."""

    first: date
    last: date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        """The first day's midnight, in UTC (included)."""
        return datetime.combine(self.first, time.min, self.zone).astimezone(timezone.utc)

    @property
    def end(self) -> datetime:
        """The midnight after the last day, in UTC (excluded)."""
        return datetime.combine(self.last + timedelta(days=1), time.min,
                                self.zone).astimezone(timezone.utc)

    def dates(self) -> Iterator[date]:
        """Every day of the period, in order."""
        for offset in range(self.days):
            yield self.first + timedelta(days=offset)

    def day_of(self, moment: datetime) -> date:
        """The local day ``moment`` (an aware datetime) falls on."""
        return moment.astimezone(self.zone).date()

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end


def _date(raw: str, field: str) -> date:
    text = raw.strip()
    if not _DATE.fullmatch(text):
        raise PeriodInvalid(PeriodProblem.NOT_A_DATE, field)
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise PeriodInvalid(PeriodProblem.NOT_A_DATE, field) from None
    if not EARLIEST <= day <= LATEST:
        raise PeriodInvalid(PeriodProblem.OUT_OF_RANGE, field)
    return day


def make_period(first: date, last: date, zone: ZoneInfo) -> Period:
    """A period of whole days, checked.

    Raises:
        PeriodInvalid: ``first`` after ``last``, longer than ``MAX_DAYS`` days, or outside
            the years the dashboard knows.
    """
    for field, day in (("from", first), ("to", last)):
        if not EARLIEST <= day <= LATEST:
            raise PeriodInvalid(PeriodProblem.OUT_OF_RANGE, field)
    if first > last:
        raise PeriodInvalid(PeriodProblem.REVERSED)
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodInvalid(PeriodProblem.TOO_LONG)
    return Period(first, last, zone)


def parse_period(first: str | None, last: str | None, zone: ZoneInfo, today: date) -> Period:
    """The period between two ``YYYY-MM-DD`` dates, both included.

    A missing end is ``today``; a missing start is ``DEFAULT_DAYS`` days before the end
    (so the default is the last two weeks, today included).

    Raises:
        PeriodInvalid: see ``PeriodProblem``.
    """
    last_day = _date(last, "to") if last else today
    first_day = (_date(first, "from") if first
                 else last_day - timedelta(days=DEFAULT_DAYS - 1))
    return make_period(first_day, last_day, zone)


def parse_week(raw: str, zone: ZoneInfo) -> Period:
    """The ISO week ``2026-W47``: Monday to Sunday.

    Raises:
        PeriodInvalid: not ``YYYY-Www``, or the year has no such week.
    """
    match = _WEEK.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if match is None:
        raise PeriodInvalid(PeriodProblem.NOT_A_WEEK, "week")
    try:
        monday = date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise PeriodInvalid(PeriodProblem.NOT_A_WEEK, "week") from None
    return make_period(monday, monday + timedelta(days=6), zone)


def iso_week(day: date) -> str:
    """``2026-W47`` for any day of that ISO week."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"
