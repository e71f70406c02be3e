"""The leader's ``确认``: a forward's ready items become cases in the customers' names.

``confirm`` opens each chosen ready item's case through ``bot.cases.opening.open_case``
with source ``leader_forward``, the forwarding leader, the customer's words and the
customer's own conversation when bound (``bot.leaders.notices`` then tells them).

Decisions:

* **Never twice.** Confirming again returns the cases already made; ``open_case``'s
  claim key also stops a second case for the same line and reason (e.g. one the customer
  opened themselves, which is then reported, not changed).
* **Nothing guessed.** Only ready items are confirmed; the others are reported back
  (``Skipped``).
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.cases.opening import ClaimIncomplete, ClaimRefused, open_case
from bot.cases.views import CaseView, case_view, cases_query
from bot.db import Evidence, ForwardState, ReturnCase
from bot.leaders.forward_assessment import claim_of, evaluate
from bot.leaders.forward_items import ForwardDraft, ForwardItem, ItemStatus
from bot.leaders.forward_store import actor, draft_of, load_items, own_forward, save_items
from bot.leaders.notices import customer_conversation
from bot.policy import Policy


@dataclass(frozen=True)
class Skipped:
    """An item ``confirm`` did not turn into a case; status None: no such number."""

    number: int
    status: ItemStatus | None


@dataclass(frozen=True)
class Confirmation:
    """What ``confirm`` did: cases opened now, cases that existed, items left out."""

    created: tuple[CaseView, ...]
    existing: tuple[CaseView, ...]
    skipped: tuple[Skipped, ...]
    draft: ForwardDraft

    @property
    def cases(self) -> tuple[CaseView, ...]:
        """The cases opened now, then the ones that existed."""
        return self.created + self.existing


def _case_views(session: Session, case_ids: Iterable[int]) -> dict[int, CaseView]:
    ids = list(case_ids)
    rows = session.scalars(cases_query().where(ReturnCase.id.in_(ids))).all() if ids else []
    return {row.id: case_view(row) for row in rows}


def _attach(session: Session, evidence_ids: Iterable[int], case_id: int, ref: str,
            by: str) -> None:
    for evidence in session.scalars(select(Evidence).where(Evidence.id.in_(list(evidence_ids)),
                                                          Evidence.case_id.is_(None))).all():
        evidence.case_id = case_id
        audit.record(session, by, "evidence.attached", "evidence", evidence.id, ref=ref)


def _open(session: Session, item: ForwardItem, leader_id: int, now: datetime,
          policy: Policy) -> tuple[ForwardItem, CaseView | None, bool]:
    """Opens the ready item's case: ``(item, case, created)``; case None if refused."""
    identity = customer_conversation(session, item.customer_id)
    draft = claim_of(item, leader_id, identity.external_id if identity else None)
    by = actor(leader_id)
    try:
        opened = open_case(session, draft, now, policy, by)
    except ClaimRefused as refused:
        return replace(item, eligible=False, refund_amount=None,
                       refusal=refused.decision.explanation), None, False
    except ClaimIncomplete as incomplete:
        return replace(item, missing=incomplete.missing), None, False
    case = opened.case
    if opened.created:
        _attach(session, item.evidence_ids[1:], case.id, case.ref, by)
    return replace(item, case_id=case.id, case_ref=case.ref,
                   already_open=not opened.created), case, opened.created


def confirm(session: Session, leader_id: int, forward_id: int, numbers: set[int] | None,
            now: datetime, policy: Policy) -> Confirmation:
    """Opens the cases of the chosen ready items (all items when ``numbers`` is None).

    Each case is opened through ``open_case`` in the customer's name (the policy decides
    again, as of ``now``) with source ``leader_forward``, the forwarding leader, the
    customer's words as ``source_text`` and the customer's own conversation when bound;
    the actor is ``leader:<id>``. Items not ready are reported in ``skipped``. Confirming
    again returns the cases already opened (``existing``) and opens nothing twice.

    Args:
        session: The caller's session (flushed, not committed).
        leader_id: The leader confirming.
        forward_id: The forward.
        numbers: The items to confirm; None for all.
        now: The clock.
        policy: The after-sales policy.

    Returns:
        The cases opened now, those that existed, the items left out, and the forward.

    Raises:
        ForwardNotFound, ForwardClosed: not this leader's forward, or cancelled.
    """
    row = own_forward(session, leader_id, forward_id, lock=True)
    items = load_items(row)
    by_number = {item.number: item for item in items}
    chosen = sorted(by_number) if numbers is None else sorted(numbers)
    created: list[CaseView] = []
    existing_ids: list[int] = []
    skipped: list[Skipped] = []
    changed = False
    for number in chosen:
        item = by_number.get(number)
        if item is None:
            skipped.append(Skipped(number, None))
            continue
        if item.case_id is not None:
            existing_ids.append(item.case_id)
            continue
        if item.dropped:
            if numbers is not None:
                skipped.append(Skipped(number, ItemStatus.DROPPED))
            continue
        fresh = evaluate(session, item, now, policy)
        case = None
        if fresh.status is ItemStatus.READY:
            fresh, case, new = _open(session, fresh, leader_id, now, policy)
            if case is not None and new:
                created.append(case)
            elif case is not None:
                existing_ids.append(case.id)
        if case is None:
            skipped.append(Skipped(number, fresh.status))
        changed = changed or fresh != item
        by_number[number] = fresh
    if changed:
        save_items(row, [by_number[n] for n in sorted(by_number)])
        if row.case_ids and row.state is ForwardState.PENDING:
            row.state, row.confirmed_at = ForwardState.CONFIRMED, now
        session.flush()
        audit.record(session, actor(leader_id), "leader_forward.confirmed", "leader_forward",
                     row.id, numbers=chosen, created=[c.ref for c in created],
                     skipped=[s.number for s in skipped])
    views = _case_views(session, existing_ids)
    return Confirmation(tuple(created), tuple(views[i] for i in existing_ids if i in views),
                        tuple(skipped), draft_of(row))
