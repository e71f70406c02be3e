"""The demo's cases a leader checks first, and quick looks at the database, for the first
check tests.

Cases are opened the way customers open them (``open_case`` on the demo shop): demo-1
(王小美) and demo-4 collect at 阳光花园 (PP01, leader 刘芳), demo-2 (李建华) at 翠湖湾
(PP02, leader 陈建国).
"""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.cases.views import CaseView
from bot.db import AuditEntry, CaseEvent, LeaderTask, PickupPoint, Refund, ReturnCase, TaskDecision
from bot.db.session import unit_of_work
from bot.enums import CaseState, Reason, Resolution, Review
from bot.leaders.tasks import open_task
from tests.bot.cases.claims import count, customer_id, line, missing_claim

APPROVED, REJECTED, TO_PLATFORM = (TaskDecision.APPROVED, TaskDecision.REJECTED,
                                   TaskDecision.TO_PLATFORM)


def leader_of(point: str) -> int:
    with unit_of_work() as session:
        return session.scalars(select(PickupPoint).where(PickupPoint.code == point)).one().leader.id


def opened(draft_of, policy, now, actor="customer") -> CaseView:
    with unit_of_work() as session:
        return open_case(session, draft_of(session), now, policy, actor).case


def missing_strawberries(policy, now) -> CaseView:
    """demo-1: one of two boxes of 丹东草莓 (¥29.90) was not in the bag: leader review."""
    case = opened(lambda s: missing_claim(s, now), policy, now)
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.LEADER_REVIEW, Review.LEADER, Decimal("29.90"))
    return case


def unwanted_detergent(policy, now) -> CaseView:
    """demo-1: an unopened bottle of 洗衣液 (standard goods, ¥29.90), not wanted after all."""
    case = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-1"), line(s, "demo-1", "洗衣液", now).line_id, Reason.NO_REASON,
        unopened=True, resolution=Resolution.REFUND_BALANCE, description="买重了，还没拆",
    ), policy, now)
    assert (case.state, case.review) == (CaseState.LEADER_REVIEW, Review.LEADER)
    return case


def missing_rice(policy, now) -> CaseView:
    """demo-2 (翠湖湾): the bag of 东北大米 (¥39.90) is missing: above the leaders' limit, so
    the platform decides, but the leader counts the goods first."""
    case = opened(lambda s: ClaimDraft(
        customer_id(s, "demo-2"), line(s, "demo-2", "东北大米", now).line_id, Reason.MISSING,
        description="大米没拿到",
    ), policy, now)
    assert (case.state, case.review, case.refund_amount) == (
        CaseState.SUBMITTED, Review.PLATFORM, Decimal("39.90"))
    return case


def task_of(case: CaseView, policy, now) -> int:
    with unit_of_work() as session:
        return open_task(session, case.id, now, policy).id


def task_row(task_id: int) -> LeaderTask:
    with unit_of_work() as session:
        return session.get(LeaderTask, task_id)


def case_row(case_id: int) -> ReturnCase:
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        case.events  # noqa: B018 (loaded for use after the session)
        return case


def audit_actions(action_prefix: str = "") -> list[str]:
    with unit_of_work() as session:
        return [a for a in session.scalars(select(AuditEntry.action).order_by(AuditEntry.id))
                if a.startswith(action_prefix)]


def snapshot(case_id: int) -> tuple:
    """Everything a leader's request could change about a case."""
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case_id)).first()
        return (case.state, case.review, case.review_due_at, case.disposition,
                count(session, CaseEvent, CaseEvent.case_id == case_id),
                count(session, AuditEntry), count(session, Refund, Refund.case_id == case_id),
                task and (task.decision, task.decided_at, task.disposition_confirmed_at))
