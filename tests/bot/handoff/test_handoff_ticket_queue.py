"""Handoff tickets waiting for an agent: opened once per conversation, the queue's order,
and the notice when nobody claims one in time."""
from __future__ import annotations

from datetime import datetime, timedelta

from bot.db import HandoffTicket, TicketStatus
from bot.db.session import unit_of_work
from bot.handoff import tickets
from tests.bot.handoff.desk import (
    audit_detail,
    claimed_by_agent,
    load,
    new_ticket,
    open_new,
    tickets_of,
    trail,
)


def ended(at: datetime, agent: int, conversation_id: str = "demo-1", *,
          close: bool = False) -> int:
    """A ticket ``agent`` claimed and handed back (or closed) five minutes after ``at``."""
    ticket_id = claimed_by_agent(at, agent, conversation_id)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, at + timedelta(minutes=5), close=close)
    return ticket_id


# ---------------------------------------------------------------- opening


def test_opening_puts_the_conversation_in_the_queue(app_db, now) -> None:
    with unit_of_work() as session:
        ticket, created = tickets.open_ticket(session, new_ticket("demo-1", priority=33), now)
    assert created
    stored = load(ticket.id)
    assert (stored.status, stored.open_key, stored.created_at) == (
        TicketStatus.WAITING, "demo-1", now)
    assert (stored.claimed_by, stored.ended_at) == (None, None)
    assert trail(ticket.id) == [("bot", "handoff.opened")]
    assert audit_detail(ticket.id, "handoff.opened") == {
        "conversation_id": "demo-1", "reason": "human_requested", "priority": 33}


def test_asking_twice_in_one_turn_keeps_one_ticket(app_db, now) -> None:
    with unit_of_work() as session:
        first, created_first = tickets.open_ticket(session, new_ticket("demo-1"), now)
        again, created_again = tickets.open_ticket(session, new_ticket("demo-1"), now)
    assert (created_first, created_again) == (True, False)
    assert again.id == first.id
    assert [t.id for t in tickets_of("demo-1")] == [first.id]
    assert trail(first.id) == [("bot", "handoff.opened")]


def test_asking_again_later_returns_the_waiting_ticket(app_db, now) -> None:
    first = open_new("demo-1", now)
    with unit_of_work() as session:
        again, created = tickets.open_ticket(session, new_ticket("demo-1", priority=80),
                                             now + timedelta(minutes=3))
    assert not created
    assert again.id == first
    assert [t.id for t in tickets_of("demo-1")] == [first]
    assert (load(first).priority, load(first).created_at) == (20, now)


def test_asking_again_while_an_agent_has_it_returns_that_ticket(app_db, now, agent) -> None:
    first = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        again, created = tickets.open_ticket(session, new_ticket("demo-1"),
                                             now + timedelta(minutes=3))
        assert (created, again.id, again.status) == (False, first, TicketStatus.CLAIMED)
    assert len(tickets_of("demo-1")) == 1


def test_a_second_process_opening_at_the_same_moment_gets_the_first_ticket(
        app_db, now, monkeypatch) -> None:
    """The other process committed between our look-up and our insert."""
    first = open_new("demo-1", now)
    real_lookup = tickets.open_ticket_for
    lookups = []

    def lookup_before_the_other_commit(session, conversation_id):
        lookups.append(conversation_id)
        return None if len(lookups) == 1 else real_lookup(session, conversation_id)

    monkeypatch.setattr(tickets, "open_ticket_for", lookup_before_the_other_commit)
    with unit_of_work() as session:
        again, created = tickets.open_ticket(session, new_ticket("demo-1"), now)
        assert (created, again.id) == (False, first)
    assert [t.id for t in tickets_of("demo-1")] == [first]
    assert trail(first) == [("bot", "handoff.opened")]


def test_each_conversation_has_its_own_ticket(app_db, now) -> None:
    mine, theirs = open_new("demo-1", now), open_new("demo-2", now)
    assert mine != theirs
    assert [t.id for t in tickets_of("demo-2")] == [theirs]


def test_after_the_agent_hands_back_the_customer_can_ask_again(app_db, now, agent) -> None:
    first = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        tickets.end(session, first, agent, now + timedelta(minutes=5), close=False)
    with unit_of_work() as session:
        second, created = tickets.open_ticket(session, new_ticket("demo-1"),
                                              now + timedelta(minutes=20))
    assert created and second.id != first
    assert [(t.id, t.status, t.open_key) for t in tickets_of("demo-1")] == [
        (first, TicketStatus.RETURNED, None), (second.id, TicketStatus.WAITING, "demo-1")]


# ---------------------------------------------------------------- queue


def queue_ids(at) -> list[int]:
    with unit_of_work() as session:
        return [t.id for t in tickets.queue(session, at)]


def test_waiting_customers_come_before_those_already_with_an_agent(app_db, now, agent) -> None:
    claimed = claimed_by_agent(now - timedelta(minutes=30), agent, "demo-1")
    with unit_of_work() as session:
        session.get(HandoffTicket, claimed).priority = 90
    waiting = open_new("demo-2", now, priority=10)
    assert queue_ids(now) == [waiting, claimed]


def test_more_urgent_customers_come_first(app_db, now) -> None:
    calm = open_new("demo-1", now, priority=20)
    angry = open_new("demo-2", now, priority=60)
    middle = open_new("demo-3", now, priority=35)
    assert queue_ids(now) == [angry, middle, calm]


def test_equally_urgent_customers_are_served_in_order_of_arrival(app_db, now) -> None:
    first = open_new("demo-1", now, priority=20)
    second = open_new("demo-2", now, priority=20)
    assert queue_ids(now + timedelta(minutes=1)) == [first, second]


def test_a_customer_who_waited_long_enough_goes_before_a_newer_urgent_one(app_db, now) -> None:
    calm = open_new("demo-1", now, priority=20)
    # 20 points more urgent, but arrived 25 minutes later: the calm customer goes first.
    angry = open_new("demo-2", now + timedelta(minutes=25), priority=40)
    assert queue_ids(now + timedelta(minutes=30)) == [calm, angry]


def test_a_short_wait_does_not_overtake_a_more_urgent_customer(app_db, now) -> None:
    calm = open_new("demo-1", now, priority=20)
    angry = open_new("demo-2", now + timedelta(minutes=15), priority=40)
    assert queue_ids(now + timedelta(minutes=30)) == [angry, calm]


def test_ended_tickets_leave_the_queue(app_db, now, agent) -> None:
    returned = ended(now, agent, "demo-1")
    closed = ended(now, agent, "demo-2", close=True)
    waiting = open_new("demo-3", now)
    assert returned not in queue_ids(now) and closed not in queue_ids(now)
    assert queue_ids(now) == [waiting]


# ---------------------------------------------------------------- unclaimed notice

TIMEOUT = timedelta(minutes=5)


def test_only_tickets_waiting_longer_than_the_timeout_are_due(app_db, now, agent) -> None:
    old = open_new("demo-1", now - timedelta(minutes=10))
    open_new("demo-2", now - timedelta(minutes=4, seconds=59))
    claimed_by_agent(now - timedelta(minutes=10), agent, "demo-3")
    ended(now - timedelta(minutes=20), agent, "demo-4")
    with unit_of_work() as session:
        assert tickets.due_unclaimed_notice(session, now, TIMEOUT) == [old]


def test_the_notice_is_taken_once(app_db, now) -> None:
    ticket_id = open_new("demo-1", now - timedelta(minutes=10))
    with unit_of_work() as session:
        assert tickets.take_unclaimed_notice(session, ticket_id, now) is True
    with unit_of_work() as session:
        assert tickets.take_unclaimed_notice(session, ticket_id, now + timedelta(seconds=5)) \
            is False
        assert tickets.due_unclaimed_notice(session, now + timedelta(minutes=1), TIMEOUT) == []
    stored = load(ticket_id)
    assert (stored.unclaimed_notice_at, stored.status) == (now, TicketStatus.WAITING)
    assert trail(ticket_id) == [("bot", "handoff.opened"), ("bot", "handoff.unclaimed_notice")]


def test_no_notice_once_an_agent_claimed_the_ticket(app_db, now, agent) -> None:
    ticket_id = open_new("demo-1", now - timedelta(minutes=10))
    with unit_of_work() as session:
        assert tickets.due_unclaimed_notice(session, now, TIMEOUT) == [ticket_id]
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, agent, now)
    with unit_of_work() as session:
        assert tickets.take_unclaimed_notice(session, ticket_id, now) is False
    assert load(ticket_id).unclaimed_notice_at is None
    assert "handoff.unclaimed_notice" not in [action for _, action in trail(ticket_id)]
