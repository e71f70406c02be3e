"""A leader's stored forward (``LeaderForward``): loading it, its items, saving changes.

The items live as JSON in ``LeaderForward.items`` (``bot.leaders.forward_items``); the
functions here read them into ``ForwardItem``\\ s and write them back, together with the
ids of the cases opened so far, and give the ``ForwardDraft`` the leader's replies work on.

Authority: a leader only ever sees or changes their own forwards. ``own_forward`` finds
another leader's forward as little as a missing one (``ForwardNotFound``).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import flag_modified

from bot import audit
from bot.db import ForwardState, Leader, LeaderForward
from bot.leaders.forward_errors import (
    ForwardClosed,
    ForwardNotFound,
    ItemClosed,
    ItemNotFound,
    LeaderNotFound,
)
from bot.leaders.forward_items import (
    ForwardDraft,
    ForwardItem,
    ItemStatus,
    item_from_json,
    item_json,
)


def actor(leader_id: int) -> str:
    """The audit and case-event actor for a leader.

    Args:
        leader_id: The leader.

    Returns:
        ``leader:<id>``.
    """
    return f"leader:{leader_id}"


def get_leader(session: Session, leader_id: int) -> Leader:
    """The leader, or an error.

    Args:
        session: The caller's session.
        leader_id: The leader's id.

    Returns:
        The leader's row.

    Raises:
        LeaderNotFound: no such leader.
    """
    leader = session.get(Leader, leader_id)
    if leader is None:
        raise LeaderNotFound(leader_id)
    return leader


def load_items(row: LeaderForward) -> list[ForwardItem]:
    """The forward's items, read from their JSON.

    Args:
        row: The stored forward.

    Returns:
        The items in their stored order.
    """
    return [item_from_json(data) for data in row.items or []]


def save_items(row: LeaderForward, items: list[ForwardItem]) -> None:
    """Writes the items back and adds their cases to ``row.case_ids`` (not flushed).

    Args:
        row: The stored forward.
        items: All of its items, as they now stand.
    """
    row.items = [item_json(item) for item in items]
    row.case_ids = sorted({*row.case_ids, *(i.case_id for i in items if i.case_id)})
    flag_modified(row, "items")
    flag_modified(row, "case_ids")


def draft_of(row: LeaderForward, repeated: bool = False) -> ForwardDraft:
    """The forward as the leader's replies and the summary see it.

    Args:
        row: The stored forward.
        repeated: Whether the leader has just forwarded the same text again.

    Returns:
        The draft: the forward's id, leader, state, items and case references.
    """
    items = tuple(load_items(row))
    refs = tuple(item.case_ref for item in items if item.case_ref)
    return ForwardDraft(row.id, row.leader_id, row.state, items, refs, repeated)


def own_forward(session: Session, leader_id: int, forward_id: int,
                lock: bool = False) -> LeaderForward:
    """The leader's own forward, still open.

    Args:
        session: The caller's session.
        leader_id: The leader asking.
        forward_id: The forward.
        lock: Whether to lock the row (``SELECT … FOR UPDATE``) for the transaction.

    Returns:
        The stored forward.

    Raises:
        ForwardNotFound: no such forward of this leader.
        ForwardClosed: the forward was cancelled.
    """
    query = select(LeaderForward).where(LeaderForward.id == forward_id,
                                        LeaderForward.leader_id == leader_id)
    row = session.scalars(query.with_for_update() if lock else query).first()
    if row is None:
        raise ForwardNotFound(forward_id)
    if row.state is ForwardState.CANCELLED:
        raise ForwardClosed(forward_id)
    return row


def open_item(items: list[ForwardItem], number: int) -> ForwardItem:
    """Item ``number``, if it may still change.

    Args:
        items: The forward's items.
        number: The item's number as the summary shows it.

    Returns:
        The item.

    Raises:
        ItemNotFound: no item with this number.
        ItemClosed: the item has its case, or was dropped.
    """
    item = next((i for i in items if i.number == number), None)
    if item is None:
        raise ItemNotFound(number)
    if item.status in (ItemStatus.CREATED, ItemStatus.DROPPED):
        raise ItemClosed(number)
    return item


def store_item(session: Session, row: LeaderForward, items: list[ForwardItem],
               changed: ForwardItem, action: str, **detail: Any) -> ForwardDraft:
    """Saves one changed item in place of its old self and audits the change.

    Args:
        session: The caller's session (flushed, not committed).
        row: The stored forward.
        items: The forward's items before the change.
        changed: The item as it now stands (matched by its number).
        action: The audit action, e.g. ``leader_forward.item_resolved``.
        **detail: More audit detail.

    Returns:
        The forward after the change.
    """
    items = [changed if i.number == changed.number else i for i in items]
    save_items(row, items)
    session.flush()
    audit.record(session, actor(row.leader_id), action, "leader_forward", row.id,
                 number=changed.number, status=changed.status.value, **detail)
    return draft_of(row)


def latest_forward(session: Session, leader_id: int) -> ForwardDraft | None:
    """The leader's most recent forward that is not cancelled, if any.

    It is the one short replies such as ``确认`` or a photo refer to.

    Args:
        session: The caller's session.
        leader_id: The leader.

    Returns:
        The forward, or None when the leader has none open.
    """
    row = session.scalars(
        select(LeaderForward).where(LeaderForward.leader_id == leader_id,
                                    LeaderForward.state != ForwardState.CANCELLED)
        .order_by(LeaderForward.created_at.desc(), LeaderForward.id.desc())
    ).first()
    return draft_of(row) if row is not None else None
