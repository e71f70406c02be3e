"""The case state machine."""
from __future__ import annotations

import pytest

from bot.cases import (
    CANCELLABLE,
    OPEN,
    TRANSITIONS,
    InvalidTransition,
    transition,
)
from bot.db import (
    CaseEvent,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState
from tests.bot.cases.claims import (
    count,
    row,
)

# ---------------------------------------------------------------- the state machine


@pytest.mark.parametrize(
    ("source", "target"),
    [(CaseState.REFUNDED, CaseState.CANCELLED), (CaseState.REFUND_PENDING, CaseState.CANCELLED), (CaseState.REJECTED, CaseState.CANCELLED),
     (CaseState.CLOSED, CaseState.CANCELLED), (CaseState.CANCELLED, CaseState.SUBMITTED), (CaseState.CLOSED, CaseState.REFUND_PENDING),
     (CaseState.SUBMITTED, CaseState.REFUNDED), (CaseState.REJECTED, CaseState.APPROVED), (CaseState.REFUNDED, CaseState.REFUND_PENDING),
     (CaseState.LEADER_REVIEW, CaseState.REFUND_PENDING)],
)
def test_forbidden_transitions(source: CaseState, target: CaseState) -> None:
    assert target not in TRANSITIONS[source]


@pytest.mark.parametrize(
    ("source", "target"),
    [(CaseState.SUBMITTED, CaseState.LEADER_REVIEW), (CaseState.SUBMITTED, CaseState.APPROVED), (CaseState.LEADER_REVIEW, CaseState.REJECTED),
     (CaseState.APPROVED, CaseState.REFUND_PENDING), (CaseState.REFUND_PENDING, CaseState.REFUNDED), (CaseState.REFUNDED, CaseState.CLOSED),
     (CaseState.REJECTED, CaseState.CLOSED)],
)
def test_allowed_transitions(source: CaseState, target: CaseState) -> None:
    assert target in TRANSITIONS[source]


def test_every_state_is_in_the_table_and_final_states_are_final() -> None:
    assert set(TRANSITIONS) == set(CaseState)
    assert TRANSITIONS[CaseState.CLOSED] == TRANSITIONS[CaseState.CANCELLED] == frozenset()
    assert CANCELLABLE == {CaseState.SUBMITTED, CaseState.LEADER_REVIEW, CaseState.APPROVED}
    assert OPEN == {CaseState.SUBMITTED, CaseState.LEADER_REVIEW, CaseState.APPROVED, CaseState.REFUND_PENDING}


def test_transition_refuses_and_records_nothing(app_db, now) -> None:
    with unit_of_work() as session:
        case = row(session, "R0901")
        events_before = count(session, CaseEvent)
        with pytest.raises(InvalidTransition):
            transition(session, case, CaseState.CANCELLED, actor="leader:1", at=now)
        assert case.state is CaseState.CLOSED
        session.flush()
        assert count(session, CaseEvent) == events_before
