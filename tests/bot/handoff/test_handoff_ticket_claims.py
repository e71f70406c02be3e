"""An agent's hold on a handoff ticket: claiming it, ``held_by``, putting it back, ending it
(handing back or closing), and the audit trail of who did what."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.db import TicketStatus
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.handoff.errors import AlreadyClaimed, NotYourTicket, TicketEnded, TicketNotFound
from tests.bot.handoff.desk import (
    AGENT_NAME,
    audit_detail,
    claimed_by_agent,
    load,
    open_new,
    trail,
)

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
