"""First-check tasks (初审): which cases need their leader's check, the task each gets,
its card, and the watcher's side of its life (push, reminder, escalation).

A case needs the leader's first check when it waits in ``LEADER_REVIEW``, or when the
policy wants the leader to look at the goods in person (missing items, no-reason returns
of fresh goods) even though the platform decides (``Review.PLATFORM``). ``open_task``
gives such a case one ``LeaderTask`` for the leader of the customer's pickup point.

Deadlines run from the moment the case opened, as the customer waits from then: the task
is due ``policy.leader_review_hours_for(category)`` hours later (fresh goods sooner), and
a task still undecided ``policy.leader_escalate_hours`` after the case opened goes to the
platform. A background watcher drives the task's life with the ``tasks_to_*`` selections
and the once-only ``mark_*`` / ``escalate`` updates (safe if two watchers race). The
leader's decisions are ``bot.leaders.first_check``.

Every function works in the caller's session and unit of work and commits nothing; task
changes are audited (``leader_task.*``).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, messages
from bot.answers import plain_number
from bot.cases.review import DECIDABLE
from bot.cases.states import add_event
from bot.cases.views import cases_query
from bot.db import Evidence, Leader, LeaderTask, ReturnCase, TaskDecision
from bot.enums import CaseState, Category, Reason, Review
from bot.leaders.check_errors import NoSuchCase, NoSuchTask
from bot.policy import Policy, load_policy
from bot.timefmt import local_time

CLAIM_SHOWN = 120  # characters of the customer's words a task card shows


@dataclass(frozen=True)
class TaskCard:
    """What the leader's chat shows about one first check."""

    task_id: int
    case_id: int
    case_ref: str
    customer_name: str
    customer_nickname: str | None
    product_name: str
    quantity: Decimal
    unit: str
    reason: Reason
    reason_label: str
    claim: str | None
    evidence_ids: tuple[int, ...]
    refund_amount: Decimal
    leader_may_approve: bool
    what_to_check: str
    due_at: datetime
    decision: TaskDecision | None

    @property
    def text(self) -> str:
        """The card as one chat message (photos are sent separately, ``evidence_ids``)."""
        name = self.customer_name
        if self.customer_nickname and self.customer_nickname != name:
            name = f"{name}（{self.customer_nickname}）"
        amount = messages.money(self.refund_amount)
        lines = [
            messages.LEADER_CARD_HEAD.format(ref=self.case_ref, due=local_time(self.due_at)),
            messages.LEADER_CARD_CUSTOMER.format(name=name),
            messages.LEADER_CARD_ITEM.format(product=self.product_name, reason=self.reason_label,
                                             quantity=f"{plain_number(self.quantity)}{self.unit}"),
        ]
        if self.claim:
            lines.append(messages.LEADER_CARD_CLAIM.format(claim=self.claim))
        lines.append(messages.LEADER_CARD_PHOTOS.format(count=len(self.evidence_ids))
                     if self.evidence_ids else messages.LEADER_CARD_NO_PHOTO)
        lines.append((messages.LEADER_CARD_REFUND_OWN if self.leader_may_approve
                      else messages.LEADER_CARD_REFUND_PLATFORM).format(amount=amount))
        lines.append(messages.LEADER_CARD_CHECK.format(check=self.what_to_check))
        if self.decision is None:
            lines.append(messages.LEADER_CARD_REPLY.format(ref=self.case_ref))
        return "\n".join(lines)


def needs_first_check(case: ReturnCase, policy: Policy) -> bool:
    """Whether ``case`` waits for its leader's first check.

    True for cases in ``LEADER_REVIEW``, and for cases still waiting for the platform
    whose policy rule asks the leader to verify in person (the rule id names the rules
    applied, e.g. ``fresh.quality_window``).
    """
    if case.state is CaseState.LEADER_REVIEW:
        return True
    if case.state not in DECIDABLE:
        return False
    key, _, rule = case.rule_id.partition(".")
    try:
        rules = policy.categories[Category(key)]
    except ValueError:
        return False  # e.g. before_pickup.cancel: nothing for the leader to see
    if rule == "quality_window":
        return case.reason in rules.leader_verifies
    return rule == "no_reason_window" and rules.no_reason_leader_check


def open_task(session: Session, case_id: int, now: datetime, policy: Policy) -> LeaderTask | None:
    """Gives a case needing the first check its task for the leader of its pickup point.

    The task is due ``policy.leader_review_hours_for(category)`` hours after the case
    opened; its creation is audited as ``leader_task.opened``. At most one task per case
    exists (the database enforces it), so calling this again, even concurrently, returns
    the same task.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        now: When.
        policy: The after-sales policy.

    Returns:
        The case's task (new or existing), or None if the case needs no first check, no
        longer waits for a decision, or its pickup point has no leader.

    Raises:
        NoSuchCase: there is no such case.
    """
    case = session.get(ReturnCase, case_id)
    if case is None:
        raise NoSuchCase(f"#{case_id}")
    existing = task_of_case(session, case.id)
    if existing is not None:
        return existing
    if not needs_first_check(case, policy):
        return None
    leader = session.scalars(
        select(Leader).where(Leader.pickup_point_id == point_id(case))
    ).first()
    if leader is None:
        return None
    hours = policy.leader_review_hours_for(case.order_line.product.category)
    task = LeaderTask(case_id=case.id, leader_id=leader.id, created_at=now,
                      due_at=case.created_at + timedelta(hours=hours), overturned=False)
    try:
        with session.begin_nested():
            session.add(task)
            session.flush()
    except IntegrityError:
        return task_of_case(session, case.id)  # another process opened it meanwhile
    audit.record(session, "bot", "leader_task.opened", "leader_task", task.id, ref=case.ref,
                 leader_id=leader.id, due_at=task.due_at.isoformat())
    return task


def cases_needing_task(session: Session, policy: Policy) -> list[int]:
    """Ids of cases that need the first check and have no task yet, oldest first."""
    cases = session.scalars(
        select(ReturnCase)
        .outerjoin(LeaderTask, LeaderTask.case_id == ReturnCase.id)
        .where(LeaderTask.id.is_(None), ReturnCase.state.in_(DECIDABLE))
        .order_by(ReturnCase.created_at, ReturnCase.id)
    ).all()
    return [case.id for case in cases if needs_first_check(case, policy)]


def _waiting():
    """Ids of undecided tasks whose case still waits for a decision."""
    return (select(LeaderTask.id)
            .join(ReturnCase, ReturnCase.id == LeaderTask.case_id)
            .where(LeaderTask.decision.is_(None), ReturnCase.state.in_(DECIDABLE))
            .order_by(LeaderTask.due_at, LeaderTask.id))


def tasks_to_notify(session: Session) -> list[int]:
    """Tasks not yet pushed to their leader's chat, most urgent first."""
    return list(session.scalars(_waiting().where(LeaderTask.notified_at.is_(None))))


def mark_notified(session: Session, task_id: int, now: datetime) -> bool:
    """Records that the task was pushed to the leader; True only the first time."""
    return _mark_once(session, task_id, "notified_at", now)


def tasks_to_remind(session: Session, now: datetime) -> list[int]:
    """Pushed tasks past their deadline, undecided and not reminded yet."""
    return list(session.scalars(_waiting().where(
        LeaderTask.notified_at.is_not(None), LeaderTask.reminded_at.is_(None),
        LeaderTask.due_at < now,
    )))


def mark_reminded(session: Session, task_id: int, now: datetime) -> bool:
    """Records that the leader was reminded; True only the first time, and only while
    the task is undecided."""
    return _mark_once(session, task_id, "reminded_at", now, LeaderTask.decision.is_(None))


def tasks_to_escalate(session: Session, now: datetime, policy: Policy) -> list[int]:
    """Undecided tasks whose case opened more than ``leader_escalate_hours`` ago."""
    opened_before = now - timedelta(hours=policy.leader_escalate_hours)
    return list(session.scalars(_waiting().where(ReturnCase.created_at < opened_before)))


def escalate(session: Session, task_id: int, now: datetime, policy: Policy) -> bool:
    """Sends an undecided first check past its second deadline to the platform.

    The task's decision becomes TO_PLATFORM (``escalated_at`` set, ``decided_at`` not:
    the leader decided nothing); the case goes to platform review, due
    ``platform_review_hours`` from now, with a ``to_platform`` timeline entry by ``bot``.

    Args:
        session: The caller's unit of work.
        task_id: The task.
        now: When.
        policy: The after-sales policy.

    Returns:
        True if escalated now; False if the task was decided or escalated already, its
        case no longer waits, or the second deadline has not passed.

    Raises:
        NoSuchTask: there is no such task.
    """
    task = get_task(session, task_id)
    case = locked_case(session, task.case_id)
    deadline = case.created_at + timedelta(hours=policy.leader_escalate_hours)
    if task.decision is not None or case.state not in DECIDABLE or now <= deadline:
        return False
    if not claim_undecided(session, task, decision=TaskDecision.TO_PLATFORM, escalated_at=now):
        return False
    to_platform(session, case, now, policy, actor="bot",
                 note=f"团长{policy.leader_escalate_hours}小时内未初审，转平台审核")
    audit.record(session, "bot", "leader_task.escalated", "leader_task", task.id, ref=case.ref,
                 leader_id=task.leader_id)
    session.flush()
    return True


def task_card(session: Session, task_id: int, policy: Policy | None = None) -> TaskCard:
    """What the leader's chat shows about a task.

    Args:
        session: The caller's unit of work.
        task_id: The task.
        policy: For the leader's approval limit; None uses the packaged policy.

    Raises:
        NoSuchTask: there is no such task.
    """
    task = get_task(session, task_id)
    case = task.case
    customer, product = case.customer, case.order_line.product
    evidence = session.scalars(
        select(Evidence.id).where(Evidence.case_id == case.id).order_by(Evidence.id)
    ).all()
    quantity = f"{plain_number(case.quantity_affected)}{product.unit}"
    claim = (case.source_text or case.description or "").strip()
    if len(claim) > CLAIM_SHOWN:
        claim = claim[:CLAIM_SHOWN] + "…"
    return TaskCard(
        task_id=task.id, case_id=case.id, case_ref=case.ref or "", customer_name=customer.name,
        customer_nickname=customer.nickname, product_name=product.name,
        quantity=case.quantity_affected, unit=product.unit, reason=case.reason,
        reason_label=messages.REASON[case.reason], claim=claim or None,
        evidence_ids=tuple(evidence), refund_amount=case.refund_amount,
        leader_may_approve=within_authority(case, policy or load_policy()),
        what_to_check=messages.LEADER_CHECK[case.reason].format(product=product.name,
                                                               quantity=quantity),
        due_at=task.due_at, decision=task.decision,
    )


def open_tasks(session: Session, leader_id: int) -> list[int]:
    """The leader's tasks waiting for a decision, most urgent first."""
    return list(session.scalars(_waiting().where(LeaderTask.leader_id == leader_id)))


# ---------------------------------------------------------------- shared with the decisions


def point_id(case: ReturnCase) -> int:
    """The pickup point a case belongs to: its customer's."""
    return case.customer.pickup_point_id


def get_task(session: Session, task_id: int) -> LeaderTask:
    task = session.get(LeaderTask, task_id)
    if task is None:
        raise NoSuchTask(task_id)
    return task


def task_of_case(session: Session, case_id: int) -> LeaderTask | None:
    return session.scalars(
        select(LeaderTask).where(LeaderTask.case_id == case_id).with_for_update()
    ).first()


def locked_case(session: Session, case_id: int) -> ReturnCase:
    return session.scalars(cases_query().where(ReturnCase.id == case_id).with_for_update()).one()


def within_authority(case: ReturnCase, policy: Policy) -> bool:
    """Whether the leader's approval settles the case: leader review, refund within limit."""
    return case.review is Review.LEADER and case.refund_amount <= policy.leader_approval_limit


def claim_undecided(session: Session, task: LeaderTask, **values) -> bool:
    """Sets ``values`` on the task if it is still undecided; False if someone was first."""
    result = session.execute(
        update(LeaderTask)
        .where(LeaderTask.id == task.id, LeaderTask.decision.is_(None))
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1


def _mark_once(session: Session, task_id: int, column: str, now: datetime, *conditions) -> bool:
    result = session.execute(
        update(LeaderTask)
        .where(LeaderTask.id == task_id, getattr(LeaderTask, column).is_(None), *conditions)
        .values({column: now})
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    ref = session.scalar(select(ReturnCase.ref)
                         .join(LeaderTask, LeaderTask.case_id == ReturnCase.id)
                         .where(LeaderTask.id == task_id))
    action = column.removesuffix("_at")
    audit.record(session, "bot", f"leader_task.{action}", "leader_task", task_id, ref=ref)
    return True


def to_platform(session: Session, case: ReturnCase, now: datetime, policy: Policy, *,
                 actor: str, note: str) -> None:
    """Puts the case in the platform's review queue (keeping an earlier platform deadline)."""
    if case.review is not Review.PLATFORM or case.review_due_at is None:
        case.review_due_at = now + timedelta(hours=policy.platform_review_hours)
    case.review = Review.PLATFORM
    case.updated_at = now
    add_event(session, case, actor=actor, kind="to_platform", at=now, note=note)
