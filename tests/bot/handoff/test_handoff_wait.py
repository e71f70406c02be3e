"""What the customer is told about the wait: service hours, agents online, queue ahead."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.db import HandoffTicket, StaffAccount
from bot.db.session import unit_of_work
from bot.handoff import tickets, wait
from bot.handoff.hours import ServiceHours
from tests.bot.handoff.desk import open_new, staff_id

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = ServiceHours.parse("09:00-21:00", "Asia/Shanghai")
PER_CUSTOMER = 6.0
# 11:00 in Shanghai on a working day; 22:00 the same day is after hours.
IN_HOURS = datetime(2026, 11, 23, 11, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)
AFTER_HOURS = datetime(2026, 11, 23, 22, 0, tzinfo=SHANGHAI).astimezone(timezone.utc)


def seen(username: str, at: datetime) -> None:
    with unit_of_work() as session:
        wait.mark_seen(session, staff_id(username), at)


def estimate(ticket_id: int, at: datetime, per_customer: float = PER_CUSTOMER) -> wait.WaitEstimate:
    with unit_of_work() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        return wait.expected_wait(session, ticket, at, HOURS, per_customer)


def online(at: datetime) -> int:
    with unit_of_work() as session:
        return wait.agents_online(session, at)


def test_after_hours_the_customer_hears_when_the_desk_opens(app_db) -> None:
    seen("agent1", AFTER_HOURS)
    mine = open_new("demo-1", AFTER_HOURS)
    result = estimate(mine, AFTER_HOURS)
    assert (result.in_hours, result.minutes) == (False, None)
    assert result.opens_at == datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)


def test_with_nobody_at_the_desk_no_wait_is_promised(app_db) -> None:
    mine = open_new("demo-1", IN_HOURS)
    result = estimate(mine, IN_HOURS)
    assert (result.in_hours, result.agents_online, result.minutes, result.opens_at) == (
        True, 0, None, None)


def test_first_in_line_with_one_agent_waits_one_customers_time(app_db) -> None:
    seen("agent1", IN_HOURS - timedelta(seconds=30))
    mine = open_new("demo-1", IN_HOURS)
    result = estimate(mine, IN_HOURS)
    assert (result.in_hours, result.agents_online, result.ahead, result.minutes) == (
        True, 1, 0, 6)


def test_customers_ahead_lengthen_the_wait_and_more_agents_shorten_it(app_db) -> None:
    open_new("demo-2", IN_HOURS - timedelta(minutes=10), priority=30)
    open_new("demo-3", IN_HOURS - timedelta(minutes=5), priority=30)
    mine = open_new("demo-1", IN_HOURS, priority=30)
    seen("agent1", IN_HOURS)
    result = estimate(mine, IN_HOURS)
    assert (result.agents_online, result.ahead, result.minutes) == (1, 2, 18)
    seen("lead1", IN_HOURS)
    result = estimate(mine, IN_HOURS)
    assert (result.agents_online, result.ahead, result.minutes) == (2, 2, 9)


def test_customers_already_with_an_agent_are_not_ahead(app_db) -> None:
    agent = staff_id("agent1")
    other = open_new("demo-2", IN_HOURS - timedelta(minutes=10), priority=60)
    with unit_of_work() as session:
        tickets.claim(session, other, agent, IN_HOURS - timedelta(minutes=8))
    mine = open_new("demo-1", IN_HOURS, priority=20)
    seen("agent1", IN_HOURS)
    assert (estimate(mine, IN_HOURS).ahead, estimate(mine, IN_HOURS).minutes) == (0, 6)


def test_less_urgent_customers_who_just_arrived_are_not_ahead(app_db) -> None:
    mine = open_new("demo-1", IN_HOURS - timedelta(minutes=1), priority=50)
    open_new("demo-2", IN_HOURS, priority=20)
    seen("agent1", IN_HOURS)
    assert estimate(mine, IN_HOURS).ahead == 0


def test_an_angry_newcomer_is_told_about_the_customer_who_waited_long(app_db) -> None:
    open_new("demo-2", IN_HOURS - timedelta(minutes=30), priority=20)
    angry = open_new("demo-1", IN_HOURS, priority=45)
    seen("agent1", IN_HOURS)
    assert (estimate(angry, IN_HOURS).ahead, estimate(angry, IN_HOURS).minutes) == (1, 12)


def test_the_people_ahead_are_those_the_desk_will_serve_first(app_db) -> None:
    """However priority and waiting mix, the estimate counts who the queue shows above."""
    open_new("demo-1", IN_HOURS - timedelta(minutes=30), priority=20)   # waited long
    open_new("demo-2", IN_HOURS - timedelta(minutes=2), priority=45)    # angry
    open_new("demo-3", IN_HOURS - timedelta(minutes=10), priority=30)
    open_new("demo-4", IN_HOURS - timedelta(minutes=1), priority=30)    # same, newer
    open_new("demo-5", IN_HOURS, priority=25)
    seen("agent1", IN_HOURS)
    with unit_of_work() as session:
        order = [t.id for t in tickets.queue(session, IN_HOURS)]
    assert [estimate(ticket_id, IN_HOURS).ahead for ticket_id in order] == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("per_customer", [0.1, 0.0])
def test_a_tiny_estimate_is_still_at_least_a_minute(app_db, per_customer) -> None:
    seen("agent1", IN_HOURS)
    mine = open_new("demo-1", IN_HOURS)
    assert estimate(mine, IN_HOURS, per_customer=per_customer).minutes == 1


# ---------------------------------------------------------------- agents online


def test_mark_seen_puts_an_agent_online(app_db) -> None:
    assert online(IN_HOURS) == 0
    seen("agent1", IN_HOURS)
    assert online(IN_HOURS) == 1
    with unit_of_work() as session:
        assert session.get(StaffAccount, staff_id("agent1")).last_seen_at == IN_HOURS


@pytest.mark.parametrize(("ago", "counted"), [
    (timedelta(seconds=0), True),
    (timedelta(seconds=119), True),
    (timedelta(minutes=2), True),
    (timedelta(minutes=2, seconds=1), False),
    (timedelta(minutes=30), False),
])
def test_an_agent_who_closed_the_desk_is_no_longer_online(app_db, ago, counted) -> None:
    seen("agent1", IN_HOURS - ago)
    assert online(IN_HOURS) == (1 if counted else 0)


def test_a_stale_agent_does_not_make_a_wait_promise(app_db) -> None:
    seen("agent1", IN_HOURS - timedelta(minutes=3))
    mine = open_new("demo-1", IN_HOURS)
    result = estimate(mine, IN_HOURS)
    assert (result.agents_online, result.minutes) == (0, None)


def test_group_leaders_are_not_desk_agents(app_db) -> None:
    seen("leader1", IN_HOURS)
    assert online(IN_HOURS) == 0
    mine = open_new("demo-1", IN_HOURS)
    assert estimate(mine, IN_HOURS).minutes is None


def test_agents_leads_and_admins_all_answer_customers(app_db) -> None:
    for username in ("agent1", "lead1", "admin1", "leader1"):
        seen(username, IN_HOURS)
    assert online(IN_HOURS) == 3


def test_a_deactivated_account_is_not_online(app_db) -> None:
    seen("agent1", IN_HOURS)
    with unit_of_work() as session:
        session.get(StaffAccount, staff_id("agent1")).active = False
    assert online(IN_HOURS) == 0
