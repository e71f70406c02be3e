"""The leader's first-check decisions (初审): approve or reject a case of their pickup
point, confirm how the goods were handled, and the platform overturning a decision.

An approval within the leader's authority (the case is in leader review and its refund is
at most ``policy.leader_approval_limit``) settles the case; any other approval sends it to
the platform. The tasks themselves (which cases need a check, cards, reminders,
escalation) are ``bot.leaders.tasks``.

Every function works in the caller's session and unit of work and commits nothing. Task
changes are audited (``leader_task.*``); case changes go through ``bot.cases.review``,
``transition`` or ``add_event``, under the actor ``leader:<id>``. Errors a leader can
cause are ``bot.leaders.check_errors.FirstCheckError`` subclasses raised before anything
changed.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import update
from sqlalchemy.orm import Session

from bot import audit, messages
from bot.cases import review
from bot.cases.review import DECIDABLE, NOTE_MAX
from bot.cases.states import add_event
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Leader, LeaderTask, ReturnCase, TaskDecision
from bot.enums import CaseState, Disposition
from bot.leaders.check_errors import (
    AlreadyDecided,
    NoSuchCase,
    NotApproved,
    NotForFirstCheck,
    NotYourPickupPoint,
    ReasonRequired,
    ReasonTooLong,
    TaskClosed,
    UnknownLeader,
)
from bot.leaders.tasks import (
    claim_undecided,
    needs_first_check,
    open_task,
    point_id,
    task_of_case,
    to_platform,
    within_authority,
)
from bot.policy import Policy


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
    task = task_of_case(session, case.id)
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
    if decision is TaskDecision.APPROVED and not within_authority(case, policy):
        outcome = TaskDecision.TO_PLATFORM
    if not claim_undecided(session, task, decision=outcome, decided_at=now, decision_note=note):
        session.refresh(task)
        raise AlreadyDecided(ref, task.decision or outcome)
    actor = f"leader:{leader.id}"
    amount = case.refund_amount
    if outcome is TaskDecision.APPROVED:
        view = review.approve(session, case.id, actor=actor, now=now, note=note)
    elif outcome is TaskDecision.REJECTED:
        view = review.reject(session, case.id, actor=actor, now=now, reason=note or "")
    else:
        to_platform(session, case, now, policy, actor=actor,
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
    task = task_of_case(session, case.id)
    if task is not None:
        task.disposition_confirmed_at = now
        audit.record(session, actor, "leader_task.disposition_confirmed", "leader_task", task.id,
                     ref=ref, disposition=disposition.value)
    session.flush()
    return Disposed(case_view(case), disposition, changed=True, leader_text=text)


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
    task = task_of_case(session, case_id)
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


# ---------------------------------------------------------------- helpers


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
    if point_id(case) != leader.pickup_point_id:
        raise NotYourPickupPoint(ref)
    return case


def _note(ref: str, text: str | None, *, required: bool) -> str | None:
    stripped = (text or "").strip()
    if not stripped:
        if required:
            raise ReasonRequired(ref)
        return None
    if len(stripped) > NOTE_MAX:
        raise ReasonTooLong(ref, f"{len(stripped)} characters")
    return stripped


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
