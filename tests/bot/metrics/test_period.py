"""Which days a dashboard covers, and the clear refusals for dates that make no sense."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.metrics.period import (
    PeriodInvalid,
    PeriodProblem,
    iso_week,
    parse_period,
    parse_week,
)

CHINA = ZoneInfo("Asia/Shanghai")
TODAY = date(2026, 11, 22)


def test_default_is_the_last_fourteen_days_including_today() -> None:
    period = parse_period(None, None, CHINA, TODAY)
    assert (period.first, period.last, period.days) == (date(2026, 11, 9), TODAY, 14)


def test_days_run_midnight_to_midnight_china_time() -> None:
    period = parse_period("2026-11-20", "2026-11-21", CHINA, TODAY)
    assert period.start == datetime(2026, 11, 19, 16, tzinfo=timezone.utc)
    assert period.end == datetime(2026, 11, 21, 16, tzinfo=timezone.utc)
    assert period.day_of(datetime(2026, 11, 20, 17, tzinfo=timezone.utc)) == date(2026, 11, 21)
    assert list(period.dates()) == [date(2026, 11, 20), date(2026, 11, 21)]


def test_one_day_and_a_whole_leap_year_are_allowed() -> None:
    assert parse_period("2026-11-22", "2026-11-22", CHINA, TODAY).days == 1
    assert parse_period("2024-01-01", "2024-12-31", CHINA, TODAY).days == 366


@pytest.mark.parametrize(("first", "last", "problem", "field"), [
    ("2026-02-30", "2026-03-01", PeriodProblem.NOT_A_DATE, "from"),
    ("2026-11-01", "20261122", PeriodProblem.NOT_A_DATE, "to"),
    ("2026-11-01'; DROP TABLE return_cases;--", None, PeriodProblem.NOT_A_DATE, "from"),
    ("yesterday", None, PeriodProblem.NOT_A_DATE, "from"),
    ("２０２６-11-01", None, PeriodProblem.NOT_A_DATE, "from"),
    ("0001-01-01", "2026-01-01", PeriodProblem.OUT_OF_RANGE, "from"),
    ("2026-11-22", "2026-11-21", PeriodProblem.REVERSED, None),
    ("2025-01-01", "2026-01-02", PeriodProblem.TOO_LONG, None),
])
def test_bad_dates_say_what_is_wrong(first, last, problem, field) -> None:
    with pytest.raises(PeriodInvalid) as raised:
        parse_period(first, last, CHINA, TODAY)
    assert (raised.value.problem, raised.value.field) == (problem, field)


def test_a_range_of_367_days_is_too_long_by_one() -> None:
    with pytest.raises(PeriodInvalid):
        parse_period("2025-01-01", "2026-01-02", CHINA, TODAY)
    assert parse_period("2025-01-02", "2026-01-02", CHINA, TODAY).days == 366


def test_an_iso_week_is_monday_to_sunday() -> None:
    week = parse_week("2026-W47", CHINA)
    assert (week.first, week.last) == (date(2026, 11, 16), date(2026, 11, 22))
    assert iso_week(date(2026, 11, 22)) == "2026-W47"
    assert parse_week("2020-W53", CHINA).first == date(2020, 12, 28)


@pytest.mark.parametrize("raw", ["2026-W54", "2026-W00", "2025-W53", "2026W47", "2026-47", ""])
def test_a_week_that_does_not_exist_is_refused(raw: str) -> None:
    with pytest.raises(PeriodInvalid) as raised:
        parse_week(raw, CHINA)
    assert raised.value.problem is PeriodProblem.NOT_A_WEEK
