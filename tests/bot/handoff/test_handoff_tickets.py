"""Handoff tickets: opening once per conversation, claiming, handing back, notes."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import HandoffTicket, TicketNote, TicketStatus
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.handoff.errors import AlreadyClaimed, NotYourTicket, TicketEnded, TicketNotFound
from tests.bot.handoff.desk import (
    audit_detail,
    load,
    new_ticket,
    note_count,
    open_new,
    tickets_of,
    trail,
)

AGENT_NAME = "客服小李"
LEAD_NAME = "客服主管老陈"


def claimed_by_agent(at, agent: int, conversation_id: str = "demo-1") -> int:
    ticket_id = open_new(conversation_id, at)
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, agent, at + timedelta(minutes=1))
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


# ---------------------------------------------------------------- claiming


def test_claiming_gives_the_ticket_to_the_agent(app_db, now, agent) -> None:
    ticket_id = open_new("demo-1", now)
    at = now + timedelta(minutes=2)
    with unit_of_work() as session:
        ticket = tickets.claim(session, ticket_id, agent, at)
        assert (ticket.status, ticket.claimed_by) == (TicketStatus.CLAIMED, agent)
    stored = load(ticket_id)
    assert (stored.status, stored.claimed_by, stored.claimed_at) == (
        TicketStatus.CLAIMED, agent, at)
    assert trail(ticket_id) == [("bot", "handoff.opened"), (f"staff:{agent}", "handoff.claimed")]


def test_second_agent_is_told_who_already_has_it(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        with pytest.raises(AlreadyClaimed) as refused:
            tickets.claim(session, ticket_id, lead, now + timedelta(minutes=2))
    assert refused.value.agent_name == AGENT_NAME
    assert AGENT_NAME in str(refused.value)
    assert (load(ticket_id).claimed_by, load(ticket_id).status) == (agent, TicketStatus.CLAIMED)
    assert [actor for actor, _ in trail(ticket_id)] == ["bot", f"staff:{agent}"]


def test_claiming_ones_own_ticket_again_changes_nothing(app_db, now, agent) -> None:
    ticket_id = claimed_by_agent(now, agent)
    claimed_at = load(ticket_id).claimed_at
    with unit_of_work() as session:
        ticket = tickets.claim(session, ticket_id, agent, now + timedelta(minutes=9))
        assert (ticket.id, ticket.claimed_by) == (ticket_id, agent)
    assert (load(ticket_id).claimed_by, load(ticket_id).claimed_at) == (agent, claimed_at)
    assert trail(ticket_id).count((f"staff:{agent}", "handoff.claimed")) == 1


def test_claiming_an_unknown_ticket_is_refused(app_db, now, agent) -> None:
    with unit_of_work() as session, pytest.raises(TicketNotFound):
        tickets.claim(session, 9999, agent, now)


def test_claiming_a_ticket_that_was_handed_back_is_refused(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, now + timedelta(minutes=3), close=False)
    with unit_of_work() as session, pytest.raises(TicketEnded):
        tickets.claim(session, ticket_id, lead, now + timedelta(minutes=4))
    assert (load(ticket_id).status, load(ticket_id).claimed_by) == (TicketStatus.RETURNED, agent)


# ---------------------------------------------------------------- held_by


def test_held_by_the_agent_who_claimed_it(app_db, now, agent) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        assert tickets.held_by(session, ticket_id, agent).id == ticket_id


def test_held_by_refuses_everyone_else(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    waiting = open_new("demo-2", now)
    with unit_of_work() as session:
        with pytest.raises(AlreadyClaimed) as refused:
            tickets.held_by(session, ticket_id, lead)
        assert refused.value.agent_name == AGENT_NAME
        with pytest.raises(NotYourTicket):
            tickets.held_by(session, waiting, agent)
        with pytest.raises(TicketNotFound):
            tickets.held_by(session, 9999, agent)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, now + timedelta(minutes=3), close=True)
    with unit_of_work() as session, pytest.raises(TicketEnded):
        tickets.held_by(session, ticket_id, agent)


# ---------------------------------------------------------------- unclaiming


def test_another_agent_cannot_put_my_ticket_back(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session, pytest.raises(AlreadyClaimed) as refused:
        tickets.unclaim(session, ticket_id, lead, now + timedelta(minutes=2))
    assert refused.value.agent_name == AGENT_NAME
    assert (load(ticket_id).status, load(ticket_id).claimed_by) == (TicketStatus.CLAIMED, agent)
    assert len(trail(ticket_id)) == 2


def test_putting_a_ticket_back_lets_someone_else_take_it(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        ticket = tickets.unclaim(session, ticket_id, agent, now + timedelta(minutes=2))
        assert ticket.status is TicketStatus.WAITING
    stored = load(ticket_id)
    assert (stored.status, stored.claimed_by, stored.claimed_at, stored.open_key) == (
        TicketStatus.WAITING, None, None, "demo-1")
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, lead, now + timedelta(minutes=3))
    assert load(ticket_id).claimed_by == lead
    assert trail(ticket_id) == [
        ("bot", "handoff.opened"), (f"staff:{agent}", "handoff.claimed"),
        (f"staff:{agent}", "handoff.unclaimed"), (f"staff:{lead}", "handoff.claimed")]


def test_a_waiting_ticket_cannot_be_put_back(app_db, now, agent) -> None:
    ticket_id = open_new("demo-1", now)
    with unit_of_work() as session, pytest.raises(NotYourTicket):
        tickets.unclaim(session, ticket_id, agent, now)
    assert load(ticket_id).status is TicketStatus.WAITING


def test_an_ended_ticket_cannot_be_put_back(app_db, now, agent) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, now + timedelta(minutes=2), close=True)
    with unit_of_work() as session, pytest.raises(TicketEnded):
        tickets.unclaim(session, ticket_id, agent, now + timedelta(minutes=3))
    assert (load(ticket_id).status, load(ticket_id).open_key) == (TicketStatus.CLOSED, None)


# ---------------------------------------------------------------- ending


@pytest.mark.parametrize(("close", "status", "action"), [
    (False, TicketStatus.RETURNED, "handoff.returned"),
    (True, TicketStatus.CLOSED, "handoff.closed"),
])
def test_ending_hands_back_or_closes(app_db, now, agent, close, status, action) -> None:
    ticket_id = claimed_by_agent(now, agent)
    at = now + timedelta(minutes=7)
    with unit_of_work() as session:
        ticket = tickets.end(session, ticket_id, agent, at, close=close)
        assert ticket.status is status
    stored = load(ticket_id)
    assert (stored.status, stored.open_key, stored.ended_at, stored.ended_by) == (
        status, None, at, agent)
    assert trail(ticket_id)[-1] == (f"staff:{agent}", action)
    assert audit_detail(ticket_id, action) == {"conversation_id": "demo-1"}
    with unit_of_work() as session:
        assert tickets.open_ticket_for(session, "demo-1") is None


def test_ending_twice_is_refused_and_keeps_the_first_ending(app_db, now, agent) -> None:
    ticket_id = claimed_by_agent(now, agent)
    first_end = now + timedelta(minutes=5)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, first_end, close=False)
    with unit_of_work() as session, pytest.raises(TicketEnded):
        tickets.end(session, ticket_id, agent, now + timedelta(minutes=6), close=True)
    stored = load(ticket_id)
    assert (stored.status, stored.ended_at) == (TicketStatus.RETURNED, first_end)
    assert [action for _, action in trail(ticket_id)].count("handoff.closed") == 0


def test_an_agent_cannot_end_someone_elses_conversation(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    with unit_of_work() as session, pytest.raises(AlreadyClaimed) as refused:
        tickets.end(session, ticket_id, lead, now + timedelta(minutes=5), close=True)
    assert refused.value.agent_name == AGENT_NAME
    stored = load(ticket_id)
    assert (stored.status, stored.open_key, stored.ended_by) == (
        TicketStatus.CLAIMED, "demo-1", None)


def test_a_waiting_ticket_cannot_be_ended_without_claiming_it(app_db, now, agent) -> None:
    ticket_id = open_new("demo-1", now)
    with unit_of_work() as session, pytest.raises(NotYourTicket):
        tickets.end(session, ticket_id, agent, now, close=True)
    assert load(ticket_id).status is TicketStatus.WAITING


def test_ending_an_unknown_ticket_is_refused(app_db, now, agent) -> None:
    with unit_of_work() as session, pytest.raises(TicketNotFound):
        tickets.end(session, 9999, agent, now, close=False)


def test_every_change_is_audited_with_who_did_it(app_db, now, agent, lead) -> None:
    ticket_id = claimed_by_agent(now, agent)
    refusals = [
        lambda s: tickets.claim(s, ticket_id, lead, now),
        lambda s: tickets.unclaim(s, ticket_id, lead, now),
        lambda s: tickets.end(s, ticket_id, lead, now, close=True),
    ]
    for refused in refusals:
        with unit_of_work() as session, pytest.raises(AlreadyClaimed):
            refused(session)
    with unit_of_work() as session:
        tickets.unclaim(session, ticket_id, agent, now + timedelta(minutes=2))
    with unit_of_work() as session:
        tickets.claim(session, ticket_id, lead, now + timedelta(minutes=3))
    with unit_of_work() as session:
        tickets.add_note(session, ticket_id, lead, "已联系团长核实", now + timedelta(minutes=4))
    with unit_of_work() as session:
        tickets.end(session, ticket_id, lead, now + timedelta(minutes=5), close=True)
    assert trail(ticket_id) == [
        ("bot", "handoff.opened"),
        (f"staff:{agent}", "handoff.claimed"),
        (f"staff:{agent}", "handoff.unclaimed"),
        (f"staff:{lead}", "handoff.claimed"),
        (f"staff:{lead}", "handoff.note_added"),
        (f"staff:{lead}", "handoff.closed"),
    ]


# ---------------------------------------------------------------- notes


def test_a_note_is_kept_on_the_ticket(app_db, now, agent) -> None:
    ticket_id = claimed_by_agent(now, agent)
    at = now + timedelta(minutes=3)
    with unit_of_work() as session:
        note = tickets.add_note(session, ticket_id, agent, "  顾客说草莓发霉，已让团长核实  ", at)
    with unit_of_work() as session:
        ticket = session.get(HandoffTicket, ticket_id)
        assert [(n.text, n.staff_id, n.created_at, n.author.display_name)
                for n in ticket.notes] == [("顾客说草莓发霉，已让团长核实", agent, at, AGENT_NAME)]
    assert trail(ticket_id)[-1] == (f"staff:{agent}", "handoff.note_added")
    assert audit_detail(ticket_id, "handoff.note_added") == {"note_id": note.id}


def test_a_note_of_exactly_the_maximum_length_is_kept(app_db, now, agent) -> None:
    ticket_id = open_new("demo-1", now)
    with unit_of_work() as session:
        tickets.add_note(session, ticket_id, agent, "好" * tickets.MAX_NOTE_LENGTH, now)
    with unit_of_work() as session:
        assert session.scalars(select(TicketNote.text)).one() == "好" * 1000


@pytest.mark.parametrize("text", ["", "   \n\t ", "好" * 1001, None],
                         ids=["empty", "whitespace", "too-long", "none"])
def test_an_empty_or_overlong_note_is_refused_and_nothing_is_stored(
        app_db, now, agent, text) -> None:
    ticket_id = claimed_by_agent(now, agent)
    before = trail(ticket_id)
    # The unit of work still commits: nothing may have been written before refusing.
    with unit_of_work() as session:
        with pytest.raises(ValueError):
            tickets.add_note(session, ticket_id, agent, text, now)
    assert note_count() == 0
    assert trail(ticket_id) == before


def test_a_note_on_an_unknown_ticket_is_refused(app_db, now, agent) -> None:
    with unit_of_work() as session:
        with pytest.raises(TicketNotFound):
            tickets.add_note(session, 9999, agent, "备注", now)
    assert note_count() == 0


def ended(at, agent: int, conversation_id: str = "demo-1", *, close: bool = False) -> int:
    ticket_id = claimed_by_agent(at, agent, conversation_id)
    with unit_of_work() as session:
        tickets.end(session, ticket_id, agent, at + timedelta(minutes=5), close=close)
    return ticket_id


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
