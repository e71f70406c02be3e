"""Notes an agent keeps on a handoff ticket: stored with their author, bounded in length."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import HandoffTicket, TicketNote
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.handoff.errors import TicketNotFound
from tests.bot.handoff.desk import (
    AGENT_NAME,
    audit_detail,
    claimed_by_agent,
    note_count,
    open_new,
    trail,
)


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
