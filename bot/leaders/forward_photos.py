"""Photos a leader sends about forwarded complaints: where each belongs, and attaching it.

Before confirmation a photo is kept on its forward item, and the item's first photo is
the claim's evidence (so the policy sees a photo, see ``bot.leaders.forward_assessment``);
after confirmation it is attached to the case. ``photo_target`` says where a photo goes
(the caller stores it for that customer first), ``attach_photo`` puts it there.

Authority: a leader only ever reaches their own forwards and the open cases they forwarded
or of their own pickup point.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.cases.states import OPEN
from bot.choices import case_ref
from bot.db import Evidence, Leader, Order, OrderLine, ReturnCase
from bot.leaders.forward_assessment import evaluate
from bot.leaders.forward_errors import (
    EvidenceNotUsable,
    PhotoTargetAmbiguous,
    PhotoTargetNotFound,
)
from bot.leaders.forward_items import summary_line
from bot.leaders.forward_replies import pick
from bot.leaders.forward_store import (
    actor,
    get_leader,
    latest_forward,
    load_items,
    open_item,
    own_forward,
    store_item,
)
from bot.policy import Policy


@dataclass(frozen=True)
class PhotoTarget:
    """Where a leader's photo goes: a case (``case_id``) or a forward item not yet
    confirmed (``forward_id`` and ``number``); the photo is stored for ``customer_id``."""

    customer_id: int
    case_id: int | None = None
    case_ref: str | None = None
    forward_id: int | None = None
    number: int | None = None


def _may_touch(session: Session, leader: Leader, case: ReturnCase) -> bool:
    if case.forwarded_by_leader_id == leader.id:
        return True
    point = session.scalar(select(Order.pickup_point_id).join(OrderLine)
                           .where(OrderLine.id == case.order_line_id))
    return point == leader.pickup_point_id


def _case_target(session: Session, leader: Leader, ref: str) -> PhotoTarget:
    case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref.upper())).first()
    if case is None or not _may_touch(session, leader, case) or case.state not in OPEN:
        raise PhotoTargetNotFound(ref)
    return PhotoTarget(case.customer_id, case.id, case.ref)


def photo_target(session: Session, leader_id: int, target: str | None = None) -> PhotoTarget:
    """Where a photo the leader sends belongs.

    Args:
        session: The caller's session.
        leader_id: The leader.
        target: A case reference (``R1024``: a case the leader forwarded or of their
            pickup point, still open), an item number of the leader's latest forward
            (``2``), or None: the only case or item of the latest forward.

    Returns:
        The target; store the photo for its ``customer_id`` and pass it to ``attach_photo``.

    Raises:
        PhotoTargetNotFound: no such open case or item of this leader.
        PhotoTargetAmbiguous: no target given and the latest forward has several.
    """
    leader = get_leader(session, leader_id)
    ref = case_ref(target or "")
    if ref:
        return _case_target(session, leader, ref)
    draft = latest_forward(session, leader_id)
    candidates = [i for i in (draft.items if draft else ())
                  if not i.dropped and (i.case_id is not None or i.customer_id is not None)]
    number = pick(target or "", max((i.number for i in candidates), default=0))
    if number is not None:
        item = next((i for i in candidates if i.number == number), None)
    elif target and target.strip():
        raise PhotoTargetNotFound(target)
    elif len(candidates) == 1:
        item = candidates[0]
    elif candidates:
        raise PhotoTargetAmbiguous(tuple(summary_line(i) for i in candidates))
    else:
        item = None
    if item is None or draft is None:
        raise PhotoTargetNotFound(target or "")
    if item.case_ref is not None:
        return _case_target(session, leader, item.case_ref)
    assert item.customer_id is not None
    return PhotoTarget(item.customer_id, forward_id=draft.forward_id, number=item.number)


def attach_photo(session: Session, leader_id: int, target: str | None, evidence_id: int,
                 now: datetime, policy: Policy) -> PhotoTarget:
    """Attaches a photo the leader sent to its case, or keeps it on the forward item until
    confirmation (where it becomes the claim's photo); see ``photo_target`` for ``target``.

    Args:
        session: The caller's session (flushed, not committed).
        leader_id: The leader.
        target: Where the photo goes, as for ``photo_target``.
        evidence_id: The stored photo, not yet attached, of the target's customer.
        now: The clock (an item is read against the policy again).
        policy: The after-sales policy.

    Returns:
        Where the photo went.

    Raises:
        PhotoTargetNotFound, PhotoTargetAmbiguous: see ``photo_target``.
        EvidenceNotUsable: no such photo, already attached, or stored for another customer.
    """
    where = photo_target(session, leader_id, target)
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.case_id is not None or \
            evidence.customer_id != where.customer_id:
        raise EvidenceNotUsable(evidence_id)
    if where.case_id is not None:
        evidence.case_id = where.case_id
        session.flush()
        audit.record(session, actor(leader_id), "evidence.attached", "evidence", evidence.id,
                     ref=where.case_ref)
        return where
    assert where.forward_id is not None and where.number is not None
    row = own_forward(session, leader_id, where.forward_id)
    items = load_items(row)
    item = open_item(items, where.number)
    if evidence_id not in item.evidence_ids:
        item = replace(item, evidence_ids=(*item.evidence_ids, evidence_id))
    item = evaluate(session, item, now, policy)
    store_item(session, row, items, item, "leader_forward.photo_added", evidence_id=evidence_id)
    return where
