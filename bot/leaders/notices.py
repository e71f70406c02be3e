"""What a customer hears in their own chat about what their leader did for them: a case
the leader opened from forwarded group chat, or the leader's decision on their case.

The notices are returned, not sent: ``actions.leader`` sends each ``CustomerNotice`` into
that customer's conversation through Rasa's API.
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import answers, messages
from bot.cases.views import case_view, cases_query
from bot.db import ChannelIdentity, LeaderTask, ReturnCase, TaskDecision
from bot.timefmt import local_time


class CustomerNotice(NamedTuple):
    """A message for a customer's own chat."""

    channel: str
    external_id: str
    text: str


def customer_conversation(session: Session, customer_id: int) -> ChannelIdentity | None:
    """The customer's own chat: their most recently bound channel identity.

    Args:
        session: The caller's session.
        customer_id: The customer.

    Returns:
        The identity, or None when the customer never bound a chat.
    """
    return session.scalars(
        select(ChannelIdentity).where(ChannelIdentity.customer_id == customer_id)
        .order_by(ChannelIdentity.bound_at.desc(), ChannelIdentity.id.desc())
    ).first()


def customer_notices(session: Session, case_ids: Iterable[int]) -> list[CustomerNotice]:
    """What to tell each bound customer, in their own chat, about cases their leader
    opened for them from forwarded chat; customers without a bound chat get nothing.

    The notice goes to the customer's most recently bound identity (the conversation the
    case records), e.g. ``团长已帮您登记售后单 R1024（丹东草莓 2盒），团长会在…前核实…``.

    Args:
        session: The caller's session.
        case_ids: Cases just opened; those not forwarded by a leader are left out.

    Returns:
        One notice per case whose customer has a bound chat, in case order.
    """
    ids = list(case_ids)
    if not ids:
        return []
    rows = session.scalars(cases_query().where(ReturnCase.id.in_(ids),
                                               ReturnCase.forwarded_by_leader_id.is_not(None))
                           .order_by(ReturnCase.id)).all()
    notices = []
    for case in rows:
        identity = customer_conversation(session, case.customer_id)
        if identity is None:
            continue
        view = case_view(case)
        step = messages.NEXT_STEP.get(case.state, "")
        due = local_time(case.review_due_at) if case.review_due_at else ""
        product = f"{view.product_name} {answers.plain_number(view.quantity_affected)}{view.unit}"
        text = messages.FORWARD_CUSTOMER_NOTICE.format(ref=view.ref, product=product,
                                                       next_step=step.format(due=due))
        notices.append(CustomerNotice(identity.channel, identity.external_id, text))
    return notices


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
    """One notice per chat the case's customer has bound (none for an undecided task).

    Args:
        session: The caller's session.
        case_id: The case the leader decided.

    Returns:
        The notices; empty when the case has no decided task or nothing to say.
    """
    case = session.get(ReturnCase, case_id)
    task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case_id)).first()
    text = _text(case, task) if case is not None and task is not None else None
    if text is None:
        return []
    identities = session.scalars(select(ChannelIdentity).where(
        ChannelIdentity.customer_id == case.customer_id)).all()
    return [CustomerNotice(i.channel, i.external_id, text) for i in identities]
