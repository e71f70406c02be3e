"""How a group leader handles first checks: time to decide, reminders, escalations and
decisions the platform later overturned."""
from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import LeaderTask, TaskDecision


@dataclass(frozen=True)
class Performance:
    """A leader's first checks of tasks created since ``since``.

    Minutes to decide run from the push to the leader's chat (or the task's creation if
    it was never pushed) to the leader's decision; tasks escalated without a decision
    count in ``escalated`` only. ``to_platform`` counts the leader's approvals that went
    on to the platform.
    """

    leader_id: int
    since: datetime
    tasks: int
    open: int
    decided: int
    approved: int
    rejected: int
    to_platform: int
    median_minutes: float | None
    average_minutes: float | None
    reminded: int
    escalated: int
    overturned: int


def leader_performance(session: Session, leader_id: int, since: datetime,
                       until: datetime | None = None) -> Performance:
    """How a leader handled the first checks of tasks created since ``since`` (and before
    ``until``, when given)."""
    query = select(LeaderTask).where(LeaderTask.leader_id == leader_id,
                                     LeaderTask.created_at >= since)
    if until is not None:
        query = query.where(LeaderTask.created_at < until)
    tasks = session.scalars(query).all()
    decided = [task for task in tasks if task.decided_at is not None]
    minutes = [
        max((task.decided_at - (task.notified_at or task.created_at)).total_seconds(), 0) / 60
        for task in decided
    ]

    def count(decision: TaskDecision) -> int:
        return sum(task.decision is decision for task in decided)

    return Performance(
        leader_id=leader_id, since=since, tasks=len(tasks),
        open=sum(task.decision is None for task in tasks), decided=len(decided),
        approved=count(TaskDecision.APPROVED), rejected=count(TaskDecision.REJECTED),
        to_platform=count(TaskDecision.TO_PLATFORM),
        median_minutes=round(statistics.median(minutes), 1) if minutes else None,
        average_minutes=round(statistics.fmean(minutes), 1) if minutes else None,
        reminded=sum(task.reminded_at is not None for task in tasks),
        escalated=sum(task.escalated_at is not None for task in tasks),
        overturned=sum(bool(task.overturned) for task in tasks),
    )
