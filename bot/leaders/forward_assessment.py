"""One forwarded complaint read against the customer's orders and the after-sales policy.

``with_customer`` sets who the item is about, ``evaluate`` finds which order line it is
about (unless the leader chose one), how much of it and whether the goods are unopened,
and asks the policy (``bot.cases.opening.assess``) what the claim is worth; ``claim_of``
is the ``ClaimDraft`` both the assessment and the confirmed case are made of.

Photos: the leader has the goods in front of them, so a forwarded quality claim is opened
without a photo (``ClaimDraft.forwarded_by_leader_id`` waives only the photo in
``open_case``; the policy still decides everything else). Without a photo the policy never
approves automatically: the case waits for the leader's first check (or the platform
above the leader's limit), and the item is marked ``photo_waived`` (the summary says
"无照片，请当面核实"). The first photo kept on an item is the claim's evidence.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from bot import answers
from bot.cases.opening import ClaimDraft, assess
from bot.leaders.forward_items import ForwardItem, LineOption
from bot.leaders.matching import (
    Ambiguous,
    CustomerMatch,
    Found,
    LineAmbiguous,
    LineFound,
    NotBought,
    match_line,
)
from bot.orders import LineView, customer_line
from bot.policy import Policy


def with_customer(item: ForwardItem, match: CustomerMatch) -> ForwardItem:
    """The item with the customer match; anything read from the old customer is reset.

    Args:
        item: The item.
        match: Who the item is about: found, several candidates, or not found.

    Returns:
        The item with the customer (or the candidates) and nothing about lines or policy.
    """
    cleared = replace(item, customer_id=None, customer_name=None, matched_by=None,
                      candidates=(), line_id=None, product=None, unit=None, bought=None,
                      line_options=(), not_bought=None, no_orders=False, quantity=None,
                      quantity_by_leader=False, evidence_ids=(), eligible=None,
                      refund_amount=None, review=None, refusal=None, missing=(),
                      photo_waived=False)
    if isinstance(match, Found):
        return replace(cleared, customer_id=match.customer_id, customer_name=match.name,
                       matched_by=match.how)
    if isinstance(match, Ambiguous):
        return replace(cleared, candidates=match.candidates)
    return cleared


def with_line(item: ForwardItem, line: LineView) -> ForwardItem:
    """The item about order line ``line`` (product, unit, amount bought).

    Args:
        item: The item.
        line: The customer's order line.

    Returns:
        The item with the line, no product options left.
    """
    return replace(item, line_id=line.line_id, product=line.product_name, unit=line.unit,
                   bought=line.quantity, line_options=(), not_bought=None, no_orders=False)


def _option(line: LineView) -> LineOption:
    return LineOption(line.line_id, line.product_name, line.quantity, line.unit, line.order_no)


def _said_quantity(text: str, line: LineView) -> Decimal | None:
    """The amount the customer names, if it fits the line; else None (everything)."""
    amount = answers.quantity(text, line.unit, line.quantity)
    return amount if amount is not None and amount <= line.quantity else None


def evaluate(session: Session, item: ForwardItem, now: datetime, policy: Policy) -> ForwardItem:
    """Finds the line (unless chosen) and applies the policy to the item as it stands.

    Args:
        session: The caller's session.
        item: The item; left as it is when it has its case, was dropped or has no customer.
        now: The clock.
        policy: The after-sales policy.

    Returns:
        The item with its line (or product options, or why there is none), quantity,
        "unopened" and the policy's verdict.
    """
    if item.case_id is not None or item.dropped or item.customer_id is None:
        return item
    item = replace(item, eligible=None, refund_amount=None, review=None, refusal=None,
                   missing=(), photo_waived=False)
    line = customer_line(session, item.customer_id, item.line_id) if item.line_id else None
    if line is None:
        found = match_line(session, item.customer_id, item.text, now)
        if isinstance(found, LineAmbiguous):
            return replace(item, line_id=None, product=found.product, unit=None, bought=None,
                           line_options=tuple(map(_option, found.options)), not_bought=None,
                           no_orders=False)
        if isinstance(found, NotBought):
            return replace(item, line_id=None, product=None, line_options=(),
                           not_bought=found.product, no_orders=False)
        if not isinstance(found, LineFound):
            return replace(item, line_id=None, product=None, line_options=(), not_bought=None,
                           no_orders=True)
        line = found.line
    item = with_line(item, line)
    quantity = item.quantity if item.quantity_by_leader else _said_quantity(item.text, line)
    unopened = item.unopened if item.unopened is not None else answers.unopened(item.text, None)
    item = replace(item, quantity=quantity, unopened=unopened)
    if item.reason is None:
        return item
    decision = assess(session, claim_of(item, leader_id=None), now, policy).decision
    return replace(
        item, eligible=decision.eligible, review=decision.review.value,
        refund_amount=decision.refund_amount if decision.eligible else None,
        refusal=None if decision.eligible else decision.explanation,
        missing=tuple(m for m in decision.missing if m != "photo"),
        photo_waived="photo" in decision.missing,
    )


def claim_of(item: ForwardItem, leader_id: int | None,
             conversation_id: str | None = None) -> ClaimDraft:
    """The customer's claim an item stands for.

    Args:
        item: An item with its customer, line and reason.
        leader_id: The forwarding leader (waives the photo), or None to assess the claim
            as the customer's own.
        conversation_id: The customer's own conversation, when bound.

    Returns:
        The claim; its evidence is the item's first photo.
    """
    assert item.customer_id is not None and item.line_id is not None and item.reason is not None
    return ClaimDraft(
        customer_id=item.customer_id, line_id=item.line_id, reason=item.reason,
        quantity_affected=item.quantity, unopened=item.unopened,
        evidence_id=item.evidence_ids[0] if item.evidence_ids else None,
        conversation_id=conversation_id, description=item.text[:500] or None,
        forwarded_by_leader_id=leader_id, source_text=item.raw,
    )
