"""The case state machine of product.md, and the one function that moves a case."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from bot import audit
from bot.cases.errors import InvalidTransition
from bot.db import CaseEvent, ReturnCase
from bot.enums import CaseState

S = CaseState
TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    S.SUBMITTED: frozenset({S.LEADER_REVIEW, S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.LEADER_REVIEW: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.REFUND_PENDING, S.CLOSED, S.CANCELLED}),
    S.REFUND_PENDING: frozenset({S.REFUNDED}),
    S.REFUNDED: frozenset({S.CLOSED}),
    S.REJECTED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# States still being worked on, as the customer sees it.
OPEN = frozenset({S.SUBMITTED, S.LEADER_REVIEW, S.APPROVED, S.REFUND_PENDING})
# Leaving the claim's order line and reason free for a new case; any other case,
# even a closed one, keeps them so the same problem cannot be claimed twice.
RELEASES_CLAIM = frozenset({S.CANCELLED, S.REJECTED})
CANCELLABLE = frozenset(s for s, targets in TRANSITIONS.items() if S.CANCELLED in targets)


def add_event(
    session: Session,
    case: ReturnCase,
    *,
    actor: str,
    kind: str,
    at: datetime,
    note: str | None = None,
    from_state: CaseState | None = None,
    to_state: CaseState | None = None,
) -> CaseEvent:
    """Appends a timeline entry and the matching audit entry."""
    event = CaseEvent(at=at, actor=actor, kind=kind, note=note,
                      from_state=from_state, to_state=to_state)
    case.events.append(event)
    audit.record(session, actor, f"case.{kind}", "return_case", case.id, ref=case.ref,
                 from_state=from_state and from_state.value,
                 to_state=to_state and to_state.value, note=note)
    return event


def transition(
    session: Session,
    case: ReturnCase,
    target: CaseState,
    *,
    actor: str,
    at: datetime,
    note: str | None = None,
) -> None:
    """Moves ``case`` to ``target`` and records who, when and why.

    Raises:
        InvalidTransition: the state machine does not allow it.
    """
    source = case.state
    if target not in TRANSITIONS[source]:
        raise InvalidTransition(source, target)
    case.state = target
    case.updated_at = at
    if target in RELEASES_CLAIM:
        case.open_key = None
    add_event(session, case, actor=actor, kind="state", at=at, note=note,
              from_state=source, to_state=target)
