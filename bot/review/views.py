"""Conversation records as the review pages show them: who, where, what came of it.

Personal data is masked unless the caller says the lead revealed it (an audited act).
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import messages
from bot.db import Customer, OrderLine, PickupPoint, Product, ReturnCase
from bot.db.review import ConversationRecord
from bot.db.satisfaction import SatisfactionSurvey
from bot.review.masking import mask, mask_phone

SNIPPET = 60


def _cases(session: Session, records: Sequence[ConversationRecord]
           ) -> dict[int, list[dict[str, Any]]]:
    senders = {record.sender_id for record in records}
    if not senders:
        return {}
    rows = session.execute(
        select(ReturnCase, Product.name)
        .join(OrderLine, OrderLine.id == ReturnCase.order_line_id)
        .join(Product, Product.id == OrderLine.product_id)
        .where(ReturnCase.conversation_id.in_(senders)).order_by(ReturnCase.id)).all()
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for record in records:
        for case, product in rows:
            if case.conversation_id == record.sender_id \
                    and record.started_at <= case.created_at <= record.last_at:
                found[record.id].append({
                    "id": case.id, "ref": case.ref, "state": case.state.value,
                    "state_label": messages.CASE_STATE[case.state],
                    "reason": messages.REASON[case.reason], "product": product,
                    "refund_amount": str(case.refund_amount)})
    return found


def _scores(session: Session, records: Sequence[ConversationRecord]) -> dict[int, int]:
    senders = {record.sender_id for record in records}
    if not senders:
        return {}
    surveys = session.scalars(
        select(SatisfactionSurvey).where(SatisfactionSurvey.conversation_id.in_(senders),
                                         SatisfactionSurvey.score.is_not(None))
        .order_by(SatisfactionSurvey.id)).all()
    found: dict[int, int] = {}
    for record in records:
        for survey in surveys:
            if survey.conversation_id == record.sender_id \
                    and survey.asked_at >= record.started_at:
                found[record.id] = survey.score
    return found


def summaries(session: Session, records: Sequence[ConversationRecord], *,
              reveal: bool = False) -> list[dict[str, Any]]:
    """One row per record for the list (and the head of a transcript)."""
    customers = {c.id: c for c in session.scalars(select(Customer).where(
        Customer.id.in_({r.customer_id for r in records if r.customer_id is not None})))}
    points = {p.id: p.name for p in session.scalars(select(PickupPoint))}
    cases, scores = _cases(session, records), _scores(session, records)
    show = (lambda text: text) if reveal else mask
    rows = []
    for record in records:
        customer = customers.get(record.customer_id) if record.customer_id else None
        first_line = record.customer_text.split("\n", 1)[0]
        rows.append({
            "id": record.id, "sender_id": record.sender_id, "channel": record.channel,
            "started_at": record.started_at.isoformat(), "last_at": record.last_at.isoformat(),
            "customer": customer.name if customer else None,
            "phone": (customer.phone if reveal else mask_phone(customer.phone))
            if customer else None,
            "is_leader": record.is_leader,
            "pickup_point": points.get(record.pickup_point_id)
            if record.pickup_point_id else None,
            "intents": [seen.intent for seen in record.intents],
            "user_turns": record.user_turns, "escalated": record.escalated,
            "angry": record.angry, "max_anger": round(record.max_anger, 2),
            "fallbacks": record.fallbacks, "first_response_ms": record.first_response_ms,
            "cases": cases.get(record.id, []), "satisfaction": scores.get(record.id),
            "snippet": show(first_line[:SNIPPET]),
        })
    return rows
