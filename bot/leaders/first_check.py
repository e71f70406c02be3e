"""The first check (初审): cases at a pickup point become tasks for its group leader.

A case needs the leader's first check when it waits in ``LEADER_REVIEW``, or when the
policy wants the leader to look at the goods in person (missing items, no-reason returns
of fresh goods) even though the platform decides (``Review.PLATFORM``). ``open_task``
gives such a case one ``LeaderTask`` for the leader of the customer's pickup point.

Deadlines run from the moment the case opened, as the customer waits from then: the task
is due ``policy.leader_review_hours_for(category)`` hours later (fresh goods sooner), and
a task still undecided ``policy.leader_escalate_hours`` after the case opened goes to the
platform. A background watcher drives the task's life with the ``tasks_to_*`` selections
and the once-only ``mark_*`` / ``escalate`` updates (safe if two watchers race); the chat
shows ``task_card`` and passes the leader's commands to ``decide`` and
``confirm_disposition``.

Every function works in the caller's session and unit of work and commits nothing. Task
changes are audited (``leader_task.*``); case changes go through ``bot.cases.review``,
``transition`` or ``add_event``, under the actor ``leader:<id>`` (or ``bot`` for the
watcher). Errors a leader can cause are ``FirstCheckError`` subclasses raised before
anything changed; each carries the Chinese answer for the leader (``leader_text``).
"""
from __future__ import annotations

import statistics
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, messages
from bot.answers import plain_number
from bot.cases import review
from bot.cases.review import DECIDABLE, NOTE_MAX
from bot.cases.states import add_event
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Evidence, Leader, LeaderTask, ReturnCase, TaskDecision
from bot.enums import CaseState, Category, Disposition, Reason, Review
from bot.policy import Policy, load_policy
from bot.timefmt import local_time

CLAIM_SHOWN = 120  # characters of the customer's words a task card shows


# ---------------------------------------------------------------- errors


class FirstCheckError(Exception):
    """A leader's first-check request that cannot be carried out; nothing was changed."""

    def __init__(self, ref: str, detail: str = "") -> None:
        super().__init__(f"{ref}: {detail}" if detail else ref)
        self.ref = ref

    @property
    def leader_text(self) -> str:
        """What to tell the leader, in Chinese."""
        return messages.TECHNICAL_PROBLEM


class UnknownLeader(FirstCheckError):
    """No such leader: the sender is not a registered group leader."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_UNKNOWN


class NoSuchCase(FirstCheckError):
    """No case has this reference."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NO_SUCH_CASE.format(ref=self.ref)


class NotYourPickupPoint(FirstCheckError):
    """The case belongs to a customer of another pickup point."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_YOUR_POINT.format(ref=self.ref)


class NotForFirstCheck(FirstCheckError):
    """The case is waiting for a decision, but not for the leader's check."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_FOR_CHECK.format(ref=self.ref)


class AlreadyDecided(FirstCheckError):
    """The task was decided (or escalated to the platform) before."""

    def __init__(self, ref: str, decision: TaskDecision) -> None:
        super().__init__(ref, decision.value)
        self.decision = decision

    @property
    def leader_text(self) -> str:
        return messages.LEADER_ALREADY_DECIDED.format(
            ref=self.ref, decision=messages.LEADER_DECISION[self.decision.value])


class TaskClosed(FirstCheckError):
    """The case no longer waits for a decision: withdrawn, or decided by the platform."""

    def __init__(self, ref: str, state: CaseState) -> None:
        super().__init__(ref, state.value)
        self.state = state

    @property
    def leader_text(self) -> str:
        return messages.LEADER_CASE_CLOSED.format(ref=self.ref,
                                                  state=messages.CASE_STATE[self.state])


class ReasonRequired(FirstCheckError):
    """A rejection needs a reason (the customer is told it)."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_ASK_REASON.format(ref=self.ref)


class ReasonTooLong(FirstCheckError):
    """The reason or note is longer than ``bot.cases.review.NOTE_MAX`` characters."""

    @property
    def leader_text(self) -> str:
        return messages.LEADER_REASON_TOO_LONG.format(limit=NOTE_MAX)


class NotApproved(FirstCheckError):
    """Goods can be handled only once the case was approved."""

    def __init__(self, ref: str, state: CaseState) -> None:
        super().__init__(ref, state.value)
        self.state = state

    @property
    def leader_text(self) -> str:
        return messages.LEADER_NOT_APPROVED.format(ref=self.ref)


class NoSuchTask(LookupError):
    """No task has this id (a caller's mistake, not a leader's)."""


# ---------------------------------------------------------------- read models


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


@dataclass(frozen=True)
class Decided:
    """The outcome of a leader's decision.

    ``outcome`` is APPROVED (refund requested if one is owed), REJECTED, or TO_PLATFORM
    (the leader approved but the refund is above their limit or the case needs the
    platform anyway; ``platform_due_at`` says by when the platform reviews).
    ``needs_disposition``: the leader should now say how the goods were handled.
    """

    task_id: int
    outcome: TaskDecision
    case: CaseView
    refund_amount: Decimal
    platform_due_at: datetime | None
    needs_disposition: bool
    leader_text: str


@dataclass(frozen=True)
class Disposed:
    """The physical handling recorded on a case; ``changed`` is False for a repeat."""

    case: CaseView
    disposition: Disposition
    changed: bool
    leader_text: str


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


# ---------------------------------------------------------------- opening tasks


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
    existing = _task_of_case(session, case.id)
    if existing is not None:
        return existing
    if not needs_first_check(case, policy):
        return None
    leader = session.scalars(
        select(Leader).where(Leader.pickup_point_id == _point_id(case))
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
        return _task_of_case(session, case.id)  # another process opened it meanwhile
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


# ---------------------------------------------------------------- the watcher's side


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
    task = _task(session, task_id)
    case = _locked_case(session, task.case_id)
    deadline = case.created_at + timedelta(hours=policy.leader_escalate_hours)
    if task.decision is not None or case.state not in DECIDABLE or now <= deadline:
        return False
    if not _claim(session, task, decision=TaskDecision.TO_PLATFORM, escalated_at=now):
        return False
    _to_platform(session, case, now, policy, actor="bot",
                 note=f"团长{policy.leader_escalate_hours}小时内未初审，转平台审核")
    audit.record(session, "bot", "leader_task.escalated", "leader_task", task.id, ref=case.ref,
                 leader_id=task.leader_id)
    session.flush()
    return True


# ---------------------------------------------------------------- the leader's side


def task_card(session: Session, task_id: int, policy: Policy | None = None) -> TaskCard:
    """What the leader's chat shows about a task.

    Args:
        session: The caller's unit of work.
        task_id: The task.
        policy: For the leader's approval limit; None uses the packaged policy.

    Raises:
        NoSuchTask: there is no such task.
    """
    task = _task(session, task_id)
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
        leader_may_approve=_within_authority(case, policy or load_policy()),
        what_to_check=messages.LEADER_CHECK[case.reason].format(product=product.name,
                                                               quantity=quantity),
        due_at=task.due_at, decision=task.decision,
    )


def open_tasks(session: Session, leader_id: int) -> list[int]:
    """The leader's tasks waiting for a decision, most urgent first."""
    return list(session.scalars(_waiting().where(LeaderTask.leader_id == leader_id)))


def decide(
    session: Session,
    leader_id: int,
    case_ref: str,
    decision: TaskDecision,
    *,
    now: datetime,
    policy: Policy,
    reason: str | None = None,
) -> Decided:
    """Carries out a leader's first-check decision on a case of their pickup point.

    An approval the leader may give (the case is in leader review and its refund is at
    most ``policy.leader_approval_limit``) approves the case through
    ``bot.cases.review.approve``, which requests the refund. Any other approval sends the
    case to platform review (outcome TO_PLATFORM). A rejection needs a reason and goes
    through ``bot.cases.review.reject``. The task records the decision, when and the note.
    A case needing the check whose task the watcher has not opened yet gets it now.

    Args:
        session: The caller's unit of work.
        leader_id: The deciding leader.
        case_ref: The case reference, e.g. ``R1024`` (case and full width do not matter).
        decision: ``TaskDecision.APPROVED`` or ``TaskDecision.REJECTED``.
        now: When.
        policy: The after-sales policy.
        reason: Why (required to reject; an optional note to approve), shown on the
            case's timeline.

    Returns:
        What happened, with the answer for the leader.

    Raises:
        ValueError: ``decision`` is TO_PLATFORM.
        UnknownLeader: no such leader.
        NoSuchCase: no case has this reference.
        NotYourPickupPoint: the case is of another pickup point.
        NotForFirstCheck: the case does not wait for a leader's check.
        AlreadyDecided: the task was decided or escalated before.
        TaskClosed: the case no longer waits for a decision.
        ReasonRequired: a rejection without a reason.
        ReasonTooLong: the reason is longer than ``NOTE_MAX`` characters.
        bot.cases.errors.CaseError: the case service refused the approval (e.g. the
            refund exceeds what is left of the line's paid value); the caller's unit of
            work must roll back.
    """
    if decision not in (TaskDecision.APPROVED, TaskDecision.REJECTED):
        raise ValueError(f"a leader approves or rejects, not {decision!r}")
    leader = _leader(session, leader_id)
    case = _own_case(session, leader, case_ref)
    ref = case.ref or ""
    task = _task_of_case(session, case.id)
    if task is not None and task.decision is not None:
        raise AlreadyDecided(ref, task.decision)
    if case.state not in DECIDABLE:
        raise TaskClosed(ref, case.state)
    if task is None and not needs_first_check(case, policy):
        raise NotForFirstCheck(ref)
    note = _note(ref, reason, required=decision is TaskDecision.REJECTED)
    task = task or open_task(session, case.id, now, policy)
    if task is None:
        raise NotForFirstCheck(ref)
    outcome = decision
    if decision is TaskDecision.APPROVED and not _within_authority(case, policy):
        outcome = TaskDecision.TO_PLATFORM
    if not _claim(session, task, decision=outcome, decided_at=now, decision_note=note):
        session.refresh(task)
        raise AlreadyDecided(ref, task.decision or outcome)
    actor = f"leader:{leader.id}"
    amount = case.refund_amount
    if outcome is TaskDecision.APPROVED:
        view = review.approve(session, case.id, actor=actor, now=now, note=note)
    elif outcome is TaskDecision.REJECTED:
        view = review.reject(session, case.id, actor=actor, now=now, reason=note or "")
    else:
        _to_platform(session, case, now, policy, actor=actor,
                     note=_platform_note(case, policy, note))
        session.flush()
        view = case_view(case)
    audit.record(session, actor, "leader_task.decided", "leader_task", task.id, ref=ref,
                 decision=outcome.value, note=note)
    needs_disposition = (outcome is TaskDecision.APPROVED
                         and case.disposition is not Disposition.NONE)
    return Decided(
        task_id=task.id, outcome=outcome, case=view, refund_amount=amount,
        platform_due_at=case.review_due_at if outcome is TaskDecision.TO_PLATFORM else None,
        needs_disposition=needs_disposition,
        leader_text=_decided_text(ref, outcome, case, policy, note, needs_disposition),
    )


def confirm_disposition(
    session: Session, leader_id: int, case_ref: str, disposition: Disposition, now: datetime
) -> Disposed:
    """Records how the leader physically handled the goods of an approved case.

    The case's disposition becomes ``disposition`` with a ``disposition`` timeline entry
    (the disposition, or ``<planned> -> <done>`` when it differs); the case's task, if it
    has one, records when. Saying the same again changes nothing; saying something else
    corrects the record.

    Args:
        session: The caller's unit of work.
        leader_id: The leader.
        case_ref: The case reference.
        disposition: ON_SITE (disposed of or donated at the point), RETURN_TRIP (held
            for the delivery vehicle's return trip) or COURIER_PICKUP (handed to courier).
        now: When.

    Returns:
        What is recorded, with the answer for the leader.

    Raises:
        ValueError: ``disposition`` is NONE.
        UnknownLeader, NoSuchCase, NotYourPickupPoint: see ``decide``.
        NotApproved: the case was never approved, or was rejected or withdrawn.
    """
    disposition = Disposition(disposition)
    if disposition is Disposition.NONE:
        raise ValueError("a disposition confirms what was done with the goods")
    leader = _leader(session, leader_id)
    case = _own_case(session, leader, case_ref)
    ref = case.ref or ""
    approved = any(event.to_state is CaseState.APPROVED for event in case.events)
    if not approved or case.state in (CaseState.CANCELLED, CaseState.REJECTED):
        raise NotApproved(ref, case.state)
    text = messages.LEADER_DISPOSED.format(ref=ref,
                                           disposition=messages.LEADER_DISPOSITION[disposition])
    confirmed = any(event.kind == "disposition" for event in case.events)
    if confirmed and case.disposition is disposition:
        return Disposed(case_view(case), disposition, changed=False, leader_text=text)
    actor = f"leader:{leader.id}"
    previous = case.disposition
    case.disposition = disposition
    case.updated_at = now
    note = (disposition.value if previous is disposition
            else f"{previous.value} -> {disposition.value}")
    add_event(session, case, actor=actor, kind="disposition", at=now, note=note)
    task = _task_of_case(session, case.id)
    if task is not None:
        task.disposition_confirmed_at = now
        audit.record(session, actor, "leader_task.disposition_confirmed", "leader_task", task.id,
                     ref=ref, disposition=disposition.value)
    session.flush()
    return Disposed(case_view(case), disposition, changed=True, leader_text=text)


# ---------------------------------------------------------------- afterwards


def mark_overturned(session: Session, case_id: int, now: datetime, *, actor: str,
                    note: str | None = None) -> bool:
    """Records that the platform reversed the leader's decision on a case.

    Nothing detects a reversal by itself (a rejected case cannot be re-approved; the
    platform opens a new case or gives a coupon instead), so the agent desk calls this
    when staff overrule a leader. Only a leader's own approval or rejection can be
    overturned, once.

    Args:
        session: The caller's unit of work.
        case_id: The case.
        now: When.
        actor: Who overturned it, e.g. ``"staff:3"``.
        note: Why, for the audit trail.

    Returns:
        True if recorded now; False if the case has no task, the leader's decision was
        not theirs to make (TO_PLATFORM) or not made, or it was overturned already.
    """
    task = _task_of_case(session, case_id)
    if task is None or task.decision not in (TaskDecision.APPROVED, TaskDecision.REJECTED):
        return False
    result = session.execute(
        update(LeaderTask)
        .where(LeaderTask.id == task.id, LeaderTask.overturned.is_(False))
        .values(overturned=True)
        .execution_options(synchronize_session="fetch")
    )
    if result.rowcount != 1:
        return False
    audit.record(session, actor, "leader_task.overturned", "leader_task", task.id,
                 ref=task.case.ref, leader_id=task.leader_id, decision=task.decision.value,
                 at=now.isoformat(), note=note)
    return True


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


# ---------------------------------------------------------------- helpers


def _point_id(case: ReturnCase) -> int:
    """The pickup point a case belongs to: its customer's."""
    return case.customer.pickup_point_id


def _task(session: Session, task_id: int) -> LeaderTask:
    task = session.get(LeaderTask, task_id)
    if task is None:
        raise NoSuchTask(task_id)
    return task


def _task_of_case(session: Session, case_id: int) -> LeaderTask | None:
    return session.scalars(
        select(LeaderTask).where(LeaderTask.case_id == case_id).with_for_update()
    ).first()


def _locked_case(session: Session, case_id: int) -> ReturnCase:
    return session.scalars(cases_query().where(ReturnCase.id == case_id).with_for_update()).one()


def _leader(session: Session, leader_id: int) -> Leader:
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise UnknownLeader(f"leader:{leader_id}")
    return leader


def _normal_ref(ref: str) -> str:
    text = unicodedata.normalize("NFKC", ref or "").strip().upper().replace(" ", "")
    return f"R{text}" if text.isdigit() else text


def _own_case(session: Session, leader: Leader, case_ref: str) -> ReturnCase:
    """The case ``case_ref`` if it is of the leader's pickup point.

    Raises:
        NoSuchCase, NotYourPickupPoint.
    """
    ref = _normal_ref(case_ref)
    case = session.scalars(
        cases_query().where(ReturnCase.ref == ref).with_for_update()
    ).first() if ref else None
    if case is None:
        raise NoSuchCase(ref or (case_ref or "").strip())
    if _point_id(case) != leader.pickup_point_id:
        raise NotYourPickupPoint(ref)
    return case


def _within_authority(case: ReturnCase, policy: Policy) -> bool:
    """Whether the leader's approval settles the case: leader review, refund within limit."""
    return case.review is Review.LEADER and case.refund_amount <= policy.leader_approval_limit


def _note(ref: str, text: str | None, *, required: bool) -> str | None:
    stripped = (text or "").strip()
    if not stripped:
        if required:
            raise ReasonRequired(ref)
        return None
    if len(stripped) > NOTE_MAX:
        raise ReasonTooLong(ref, f"{len(stripped)} characters")
    return stripped


def _claim(session: Session, task: LeaderTask, **values) -> bool:
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


def _to_platform(session: Session, case: ReturnCase, now: datetime, policy: Policy, *,
                 actor: str, note: str) -> None:
    """Puts the case in the platform's review queue (keeping an earlier platform deadline)."""
    if case.review is not Review.PLATFORM or case.review_due_at is None:
        case.review_due_at = now + timedelta(hours=policy.platform_review_hours)
    case.review = Review.PLATFORM
    case.updated_at = now
    add_event(session, case, actor=actor, kind="to_platform", at=now, note=note)


def _platform_note(case: ReturnCase, policy: Policy, note: str | None) -> str:
    if case.refund_amount > policy.leader_approval_limit:
        text = (f"团长核实同意；退款{messages.money(case.refund_amount)}超出团长审批额度"
                f"{messages.money(policy.leader_approval_limit)}，转平台审核")
    else:
        text = "团长核实同意；此单需平台审核"
    return f"{text}（{note}）" if note else text


def _decided_text(ref: str, outcome: TaskDecision, case: ReturnCase, policy: Policy,
                  note: str | None, needs_disposition: bool) -> str:
    amount = messages.money(case.refund_amount)
    if outcome is TaskDecision.REJECTED:
        return messages.LEADER_REJECTED.format(ref=ref, reason=note)
    if outcome is TaskDecision.TO_PLATFORM:
        if case.refund_amount > policy.leader_approval_limit:
            return messages.LEADER_TO_PLATFORM.format(
                ref=ref, amount=amount, limit=messages.money(policy.leader_approval_limit))
        return messages.LEADER_TO_PLATFORM_REVIEW.format(ref=ref)
    text = (messages.LEADER_APPROVED.format(ref=ref, amount=amount)
            if case.state is CaseState.REFUND_PENDING  # a refund was requested
            else messages.LEADER_APPROVED_NO_REFUND.format(ref=ref))
    return f"{text}\n{messages.LEADER_ASK_DISPOSITION}" if needs_disposition else text

