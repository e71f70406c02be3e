"""The automatic summary an agent reads first, and the ticket it goes on."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import messages
from bot.answers import plain_number
from bot.cases.errors import CaseError
from bot.cases.opening import ClaimDraft, assess
from bot.db import Customer, HandoffTicket, ReturnCase
from bot.enums import Reason
from bot.handoff.priority import priority
from bot.orders import customer_line
from bot.policy import Policy
from bot.risk import case_notes, notes

KEEP_TURNS = 6


@dataclass(frozen=True)
class HandoffRequest:
    """What the conversation knows when it asks for a person."""

    conversation_id: str
    reason: str
    channel: str | None = None
    customer_id: int | None = None
    order_line_id: int | None = None
    problem_reason: str | None = None
    problem_description: str | None = None
    evidence_ids: tuple[int, ...] = ()
    anger: float = 0.0
    case_ref: str | None = None
    bot_said: tuple[str, ...] = field(default_factory=tuple)
    customer_said: tuple[str, ...] = field(default_factory=tuple)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _customer(session: Session, customer_id: int | None) -> dict[str, Any] | None:
    customer = session.get(Customer, customer_id) if customer_id else None
    if customer is None:
        return None
    return {"id": customer.id, "name": customer.name, "nickname": customer.nickname,
            "phone_tail": customer.phone[-4:], "pickup_point": customer.pickup_point.name}


def _case(session: Session, request: HandoffRequest) -> ReturnCase | None:
    if request.case_ref:
        return session.scalars(select(ReturnCase).where(
            ReturnCase.ref == request.case_ref, ReturnCase.customer_id == request.customer_id,
        )).first()
    if request.customer_id and request.order_line_id:
        return session.scalars(
            select(ReturnCase).where(ReturnCase.customer_id == request.customer_id,
                                     ReturnCase.order_line_id == request.order_line_id)
            .order_by(ReturnCase.id.desc())
        ).first()
    return None


def _reason(value: str | None) -> Reason | None:
    try:
        return Reason(value) if value else None
    except ValueError:
        return None


def _decision(session: Session, request: HandoffRequest, now: datetime,
              policy: Policy) -> dict[str, Any] | None:
    """The policy's decision on the conversation's claim, with its risk flags explained
    for the agent (``risk``: [{code, label, text}]; never shown to the customer)."""
    reason = _reason(request.problem_reason)
    if not (request.customer_id and request.order_line_id and reason):
        return None
    draft = ClaimDraft(customer_id=request.customer_id, line_id=request.order_line_id,
                       reason=reason, evidence_id=(request.evidence_ids or (None,))[-1])
    try:
        assessment = assess(session, draft, now, policy)
    except CaseError:
        return None
    decision = assessment.decision
    risk = (notes(assessment.risk, decision.risk_flags, policy)
            if assessment.risk is not None else [])
    return {"eligible": decision.eligible, "text": decision.explanation,
            "refund_amount": _money(decision.refund_amount), "review": decision.review.value,
            "risk": [note.as_dict() for note in risk]}


def _risk(session: Session, case: ReturnCase | None,
          decision: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The risk flags the agent should know about: the case's stored ones (explained when
    it opened), else those of the policy's decision on the claim in the conversation."""
    if case is not None:
        stored = case_notes(session, [case.id]).get(case.id)
        if stored:
            return stored
    return list((decision or {}).get("risk") or [])


def build_ticket(session: Session, request: HandoffRequest, now: datetime,
                 policy: Policy) -> HandoffTicket:
    """A ticket (not yet added) with its priority and the summary of the conversation."""
    customer = _customer(session, request.customer_id)
    case = _case(session, request) if customer else None
    line_id = request.order_line_id or (case.order_line_id if case else None)
    line = customer_line(session, request.customer_id, line_id) if customer and line_id else None
    reason = _reason(request.problem_reason) or (case.reason if case else None)
    order_value = line.unit_price * line.quantity if line else None
    decision = _decision(session, request, now, policy)
    summary: dict[str, Any] = {
        "reason": request.reason,
        "customer": customer,
        "order_line": line and {
            "id": line.line_id, "order_no": line.order_no, "product": line.product_name,
            "quantity": plain_number(line.quantity), "unit": line.unit,
            "amount": _money(order_value), "stage": line.stage.value,
            "picked_up_at": line.picked_up_at and line.picked_up_at.isoformat(),
        },
        "problem": reason and {"reason": reason.value, "label": messages.REASON[reason],
                               "description": request.problem_description},
        "photos": list(request.evidence_ids),
        "decision": decision,
        "risk": _risk(session, case, decision),
        "case": case and {"id": case.id, "ref": case.ref, "state": case.state.value,
                          "state_label": messages.CASE_STATE[case.state],
                          "decision_text": case.decision_text,
                          "refund_amount": _money(case.refund_amount)},
        "anger": round(request.anger, 2),
        "bot_said": list(request.bot_said[-KEEP_TURNS:]),
        "customer_said": list(request.customer_said[-KEEP_TURNS:]),
    }
    return HandoffTicket(
        conversation_id=request.conversation_id, channel=request.channel,
        customer_id=customer and customer["id"], case_id=case and case.id,
        order_line_id=line and line.line_id, reason=request.reason,
        priority=priority(request.reason, request.anger, order_value),
        anger=request.anger, order_value=order_value, summary=summary,
    )
