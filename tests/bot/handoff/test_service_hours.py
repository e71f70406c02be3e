"""Service hours of the desk: when agents are at work and what the customer is told."""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.handoff.hours import ServiceHours, opening_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = ServiceHours.parse("09:00-21:00", "Asia/Shanghai")
NIGHT = ServiceHours.parse("20:00-02:00", "Asia/Shanghai")


def local(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A moment on 2026-11-<day> in Shanghai, given as the UTC datetime the bot uses."""
    return datetime(2026, 11, day, hour, minute, second, tzinfo=SHANGHAI).astimezone(timezone.utc)


# ---------------------------------------------------------------- parse


def test_parse_reads_a_window_and_its_zone() -> None:
    hours = ServiceHours.parse("09:00-21:00", "Asia/Shanghai")
    assert (hours.opens, hours.closes, hours.zone) == (time(9), time(21), SHANGHAI)
    assert hours.describe() == "09:00–21:00"


def test_parse_allows_spaces_around_the_times() -> None:
    assert ServiceHours.parse(" 08:30 - 17:45 ", "Asia/Shanghai") == ServiceHours(
        time(8, 30), time(17, 45), SHANGHAI)


@pytest.mark.parametrize(("spec", "zone"), [
    ("", "Asia/Shanghai"),
    ("09:00", "Asia/Shanghai"),
    ("09:00-", "Asia/Shanghai"),
    ("09:00-21:00-23:00", "Asia/Shanghai"),
    ("9:00-21:00", "Asia/Shanghai"),
    ("09:00-24:00", "Asia/Shanghai"),
    ("nine-nine", "Asia/Shanghai"),
    ("09:00~21:00", "Asia/Shanghai"),
    ("09:00+08:00-21:00+08:00", "Asia/Shanghai"),
    ("09:00-21:00", "Mars/Olympus_Mons"),
    ("09:00-21:00", ""),
])
def test_parse_refuses_anything_else(spec, zone) -> None:
    with pytest.raises(ValueError, match="bad service hours"):
        ServiceHours.parse(spec, zone)


# ---------------------------------------------------------------- is_open


@pytest.mark.parametrize(("moment", "is_open"), [
    (local(23, 8, 59, 59), False),
    (local(23, 9, 0), True),
    (local(23, 13, 30), True),
    (local(23, 20, 59, 59), True),
    (local(23, 21, 0), False),
    (local(23, 23, 30), False),
    (local(23, 3, 0), False),
])
def test_open_from_the_opening_minute_until_the_closing_minute(moment, is_open) -> None:
    assert DAY.is_open(moment) is is_open


def test_open_is_judged_in_the_desks_zone_not_in_utc() -> None:
    # 02:00 UTC is 10:00 in Shanghai (open); 14:00 UTC is 22:00 there (closed).
    assert DAY.is_open(datetime(2026, 11, 23, 2, 0, tzinfo=timezone.utc))
    assert not DAY.is_open(datetime(2026, 11, 23, 14, 0, tzinfo=timezone.utc))


@pytest.mark.parametrize(("moment", "is_open"), [
    (local(23, 19, 59), False),
    (local(23, 20, 0), True),
    (local(23, 23, 59), True),
    (local(24, 0, 0), True),
    (local(24, 1, 59, 59), True),
    (local(24, 2, 0), False),
    (local(24, 12, 0), False),
])
def test_a_window_may_run_past_midnight(moment, is_open) -> None:
    assert NIGHT.is_open(moment) is is_open


@pytest.mark.parametrize("hour", [0, 6, 9, 12, 21, 23])
def test_the_same_opening_and_closing_time_means_always_open(hour) -> None:
    always = ServiceHours.parse("00:00-00:00", "Asia/Shanghai")
    assert always.is_open(local(23, hour, 17))
    assert always.next_opening(local(23, hour, 17)) == local(23, hour, 17)


# ---------------------------------------------------------------- next_opening


def test_during_service_hours_agents_are_there_now() -> None:
    assert DAY.next_opening(local(23, 15, 0)) == local(23, 15, 0)


def test_early_in_the_morning_the_desk_opens_the_same_day() -> None:
    # 07:30 in Shanghai is still the previous day in UTC.
    moment = local(23, 7, 30)
    assert moment.date().day == 22
    assert DAY.next_opening(moment) == local(23, 9, 0)


def test_in_the_evening_the_desk_opens_the_next_day() -> None:
    assert DAY.next_opening(local(23, 21, 0)) == local(24, 9, 0)
    assert DAY.next_opening(local(23, 23, 45)) == local(24, 9, 0)


def test_just_after_midnight_the_desk_opens_that_morning() -> None:
    assert DAY.next_opening(local(24, 0, 5)) == local(24, 9, 0)


def test_a_late_window_opens_again_in_the_evening() -> None:
    assert NIGHT.next_opening(local(24, 2, 0)) == local(24, 20, 0)
    assert NIGHT.next_opening(local(24, 19, 59)) == local(24, 20, 0)


def test_next_opening_is_always_an_opening_moment() -> None:
    moment = local(23, 0, 0)
    for _ in range(48):
        opening = DAY.next_opening(moment)
        assert DAY.is_open(opening) and opening >= moment
        assert opening - moment < timedelta(days=1)
        moment += timedelta(minutes=30)


# ---------------------------------------------------------------- opening_text


def test_opening_later_today_reads_today() -> None:
    now = local(23, 7, 30)
    assert opening_text(DAY.next_opening(now), now, SHANGHAI) == "今天 09:00"


def test_opening_tomorrow_reads_tomorrow() -> None:
    now = local(23, 22, 0)
    assert opening_text(DAY.next_opening(now), now, SHANGHAI) == "明天 09:00"


def test_today_and_tomorrow_are_the_customers_days_not_utc_days() -> None:
    # 01:00 in Shanghai on the 23rd is 17:00 UTC on the 22nd: 09:00 is still "today".
    now = local(23, 1, 0)
    assert opening_text(local(23, 9, 0), now, SHANGHAI) == "今天 09:00"
    # 23:30 in Shanghai is 15:30 UTC the same day: the next 09:00 is "tomorrow".
    now = local(23, 23, 30)
    assert opening_text(local(24, 9, 0), now, SHANGHAI) == "明天 09:00"


def test_an_opening_further_away_reads_as_the_date() -> None:
    assert opening_text(local(25, 9, 0), local(23, 22, 0), SHANGHAI) == "11-25 09:00"
    assert opening_text(local(1, 9, 0) + timedelta(days=30), local(29, 22, 0), SHANGHAI) \
        == "12-01 09:00"
