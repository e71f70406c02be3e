"""The leader's fixes to a forward before confirming: who, which product, how much, why,
and which items to drop.

``resolve_item`` settles who or which product an item is about, ``correct_item`` changes
its quantity, reason or "unopened", ``cancel_forward`` drops items (or the whole forward).
Each reads the item again against the customer's orders and the policy
(``bot.leaders.forward_assessment``), saves it and audits the change under
``leader:<id>``. Only the leader's own forward and the customers of their own pickup
point can be named; items with a case are never changed.
"""
from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from bot import answers, audit
from bot.choices import parse_choice
from bot.db import ForwardState
from bot.enums import Reason
from bot.leaders.forward_assessment import evaluate, with_customer, with_line
from bot.leaders.forward_errors import AnswerNotUnderstood, CustomerNotFound, QuantityNotAccepted
from bot.leaders.forward_items import ForwardDraft, encode
from bot.leaders.forward_replies import pick
from bot.leaders.forward_store import (
    actor,
    draft_of,
    get_leader,
    load_items,
    open_item,
    own_forward,
    save_items,
    store_item,
)
from bot.leaders.matching import Found, NotFound, line_by_answer, match_customer
from bot.orders import recent_lines
from bot.policy import Policy
from bot.quantity import parse_quantity


def resolve_item(session: Session, forward_id: int, leader_id: int, number: int, answer: str,
                 *, now: datetime, policy: Policy) -> ForwardDraft:
    """Settles who or which product item ``number`` is about, from the leader's answer.

    The answer may pick a candidate or product option by its number (``1``, ``①``), name
    a product the customer bought (``蓝莓``), or name the customer anew by phone tail,
    pickup code, nickname or name (``尾号1234``, ``取货码 123456``); the item is then
    read again (line, quantity, policy).

    Args:
        session: The caller's session (flushed, not committed).
        forward_id: The forward.
        leader_id: The leader answering.
        number: The item's number.
        answer: The leader's words about it.
        now: The clock.
        policy: The after-sales policy.

    Returns:
        The forward after the change.

    Raises:
        ForwardNotFound, ForwardClosed: not this leader's forward, or cancelled.
        ItemNotFound, ItemClosed: no such item, or it has its case or was dropped.
        CustomerNotFound: the answer names no customer of the leader's pickup point.
        AnswerNotUnderstood: a number that picks nothing.
    """
    row = own_forward(session, leader_id, forward_id)
    items = load_items(row)
    item = open_item(items, number)
    leader = get_leader(session, leader_id)
    pick_customer = pick(answer, len(item.candidates)) if item.customer_id is None else None
    pick_line = pick(answer, len(item.line_options)) if item.customer_id else None
    if pick_customer is not None:
        chosen = item.candidates[pick_customer - 1]
        item = with_customer(item, Found(chosen.customer_id, chosen.name, chosen.nickname,
                                         chosen.phone_tail, "leader"))
    elif pick_line is not None:
        option = item.line_options[pick_line - 1]
        item = replace(item, line_id=option.line_id, line_options=(), quantity_by_leader=False)
    elif item.customer_id is not None and (
            line := line_by_answer(recent_lines(session, item.customer_id, now), answer)):
        item = with_line(replace(item, quantity_by_leader=False), line)
    else:
        match = match_customer(session, leader.pickup_point_id, answer, now)
        if isinstance(match, NotFound):
            if parse_choice(unicodedata.normalize("NFKC", answer or ""), 99) is not None:
                raise AnswerNotUnderstood(answer)
            raise CustomerNotFound(answer)
        if isinstance(match, Found):
            match = replace(match, how="leader")
        item = with_customer(item, match)
    item = evaluate(session, item, now, policy)
    return store_item(session, row, items, item, "leader_forward.item_resolved",
                      answer=answer[:60])


def correct_item(session: Session, forward_id: int, leader_id: int, number: int, *,
                 now: datetime, policy: Policy, quantity: str | Decimal | None = None,
                 reason: Reason | str | None = None,
                 unopened: bool | None = None) -> ForwardDraft:
    """Corrects item ``number``: the affected quantity (``"3盒"``, ``"一半"``, ``"全部"`` or
    an amount in the line's unit), the reason (a ``Reason`` or words like ``变质``), or
    whether the goods are unopened; the policy is applied again.

    Args:
        session: The caller's session (flushed, not committed).
        forward_id: The forward.
        leader_id: The leader correcting it.
        number: The item's number.
        now: The clock.
        policy: The after-sales policy.
        quantity: The affected quantity, as words or an amount in the line's unit.
        reason: The reason, as a ``Reason`` or words.
        unopened: Whether the goods are unopened.

    Returns:
        The forward after the change.

    Raises:
        ForwardNotFound, ForwardClosed, ItemNotFound, ItemClosed: see ``resolve_item``.
        AnswerNotUnderstood: nothing to correct, or a reason or quantity not understood,
            or a quantity for an item whose product is not settled yet.
        QuantityNotAccepted: not positive, or more than the customer bought.
    """
    row = own_forward(session, leader_id, forward_id)
    items = load_items(row)
    item = open_item(items, number)
    if quantity is None and reason is None and unopened is None:
        raise AnswerNotUnderstood("")
    changes: dict[str, Any] = {}
    if reason is not None:
        read = reason if isinstance(reason, Reason) else answers.reason(reason)
        if read is None:
            raise AnswerNotUnderstood(str(reason))
        changes["reason"] = read
    if unopened is not None:
        changes["unopened"] = unopened
    if quantity is not None:
        if item.bought is None or item.unit is None:
            raise AnswerNotUnderstood(str(quantity))
        amount = (quantity if isinstance(quantity, Decimal)
                  else answers.quantity(quantity, item.unit, item.bought))
        if amount is None:
            if parse_quantity(str(quantity)) is None:
                raise AnswerNotUnderstood(str(quantity))
            raise QuantityNotAccepted(str(quantity))
        if not Decimal(0) < amount <= item.bought:
            raise QuantityNotAccepted(str(quantity))
        changes.update(quantity=amount, quantity_by_leader=True)
    item = evaluate(session, replace(item, **changes), now, policy)
    return store_item(session, row, items, item, "leader_forward.item_corrected",
                      **{k: encode(v) for k, v in changes.items()})


def cancel_forward(session: Session, leader_id: int, forward_id: int,
                   numbers: set[int] | None = None) -> ForwardDraft:
    """Drops the items ``numbers`` (None: every item without a case); a forward left
    without any case is cancelled. Cases already opened are not touched.

    Args:
        session: The caller's session (flushed, not committed).
        leader_id: The leader cancelling.
        forward_id: The forward.
        numbers: The items to drop; None for every item without a case.

    Returns:
        The forward after the change.

    Raises:
        ForwardNotFound, ForwardClosed: see ``resolve_item``.
        ItemNotFound, ItemClosed: a named item does not exist or already has its case.
    """
    row = own_forward(session, leader_id, forward_id, lock=True)
    items = load_items(row)
    if numbers is not None:
        for number in numbers:
            open_item(items, number)
    dropped = [i.number for i in items if i.case_id is None and not i.dropped
               and (numbers is None or i.number in numbers)]
    items = [replace(i, dropped=True) if i.number in dropped else i for i in items]
    save_items(row, items)
    if all(i.dropped for i in items):
        row.state = ForwardState.CANCELLED
    session.flush()
    audit.record(session, actor(leader_id), "leader_forward.cancelled", "leader_forward",
                 row.id, numbers=dropped, state=row.state.value)
    return draft_of(row)
