"""What a customer hears in their own chat when their leader decides on their case."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import messages
from bot.db import ChannelIdentity, LeaderTask, ReturnCase, TaskDecision
from bot.leaders.forwards import CustomerNotice
from bot.timefmt import local_time


def _text(case: ReturnCase, task: LeaderTask) -> str | None:
    if task.decision is TaskDecision.APPROVED:
        refund = case.refund_amount
        return messages.desk_approved(case.ref, case.resolution, refund, refund)
    if task.decision is TaskDecision.REJECTED:
        return messages.DESK_REJECTED.format(ref=case.ref, reason=task.decision_note or "")
    if task.decision is TaskDecision.TO_PLATFORM and case.review_due_at is not None:
        return messages.LEADER_TO_PLATFORM_NOTICE.format(ref=case.ref,
                                                         due=local_time(case.review_due_at))
    return None


def decision_notices(session: Session, case_id: int) -> list[CustomerNotice]:
    """One notice per chat the case's customer has bound (none for an undecided task)."""
    case = session.get(ReturnCase, case_id)
    task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case_id)).first()
    text = _text(case, task) if case is not None and task is not None else None
    if text is None:
        return []
    identities = session.scalars(select(ChannelIdentity).where(
        ChannelIdentity.customer_id == case.customer_id)).all()
    return [CustomerNotice(i.channel, i.external_id, text) for i in identities]
