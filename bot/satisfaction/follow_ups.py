"""Follow-ups agents owe customers (a call back after a low score): the open list, and
marking one done with what came of it."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, joinedload

from bot import audit
from bot.db import FollowUp, FollowUpStatus, StaffAccount

MAX_OUTCOME = 500
LISTED = 100


class FollowUpError(Exception):
    """A follow-up request that cannot be carried out."""


class FollowUpNotFound(FollowUpError):
    """No such follow-up."""


class FollowUpAlreadyDone(FollowUpError):
    """Someone marked the follow-up done before."""

    def __init__(self, agent_name: str | None, done_at: datetime | None) -> None:
        super().__init__(agent_name or "another agent")
        self.agent_name = agent_name
        self.done_at = done_at


class OutcomeInvalid(FollowUpError, ValueError):
    """The outcome note is blank or longer than ``MAX_OUTCOME`` characters."""


def open_follow_ups(session: Session, limit: int = LISTED) -> list[FollowUp]:
    """Open follow-ups, the longest-waiting first, with their surveys."""
    return list(session.scalars(
        select(FollowUp).options(joinedload(FollowUp.survey))
        .where(FollowUp.status == FollowUpStatus.OPEN)
        .order_by(FollowUp.created_at, FollowUp.id).limit(limit)
    ))


def count_open(session: Session) -> int:
    return session.scalar(select(func.count(FollowUp.id))
                          .where(FollowUp.status == FollowUpStatus.OPEN)) or 0


def mark_done(session: Session, follow_up_id: int, staff_id: int, outcome: str,
              now: datetime) -> tuple[FollowUp, bool]:
    """Closes an open follow-up with the agent's note of what came of it.

    The same agent sending the same note again is harmless (returns ``False`` as the
    second value: nothing changed).

    Raises:
        OutcomeInvalid, FollowUpNotFound, FollowUpAlreadyDone.
    """
    note = (outcome or "").strip()
    if not note or len(note) > MAX_OUTCOME:
        raise OutcomeInvalid(f"an outcome has 1 to {MAX_OUTCOME} characters")
    done = session.execute(
        update(FollowUp)
        .where(FollowUp.id == follow_up_id, FollowUp.status == FollowUpStatus.OPEN)
        .values(status=FollowUpStatus.DONE, done_at=now, done_by=staff_id, outcome=note)
        .execution_options(synchronize_session=False)
    ).rowcount
    follow_up = session.get(FollowUp, follow_up_id)
    if follow_up is None:
        raise FollowUpNotFound(follow_up_id)
    session.refresh(follow_up)
    if done:
        audit.record(session, f"staff:{staff_id}", "follow_up.done", "follow_up", follow_up_id,
                     conversation_id=follow_up.conversation_id, survey_id=follow_up.survey_id,
                     outcome_length=len(note))
        return follow_up, True
    if follow_up.done_by == staff_id and follow_up.outcome == note:
        return follow_up, False
    agent = session.get(StaffAccount, follow_up.done_by) if follow_up.done_by else None
    raise FollowUpAlreadyDone(agent.display_name if agent else None, follow_up.done_at)
