"""The loss ledger: goods that cannot be sold again, charged to whoever is responsible.

先行赔付 — the customer is paid first and responsibility is settled afterwards: when a
case's goods are lost, a ``LossEntry`` charges their value to a party at once (state
``open``); the party pays or it is written off later (``settle_loss``); staff who learn
better move it to another party (``reassign_loss``). Everything is audited.

**When a loss is booked.**

- Goods disposed of at the pickup point (disposition ``on_site``: fresh and custom goods
  are never shipped back) and goods never received (disposition ``none``: missing) are
  lost as soon as the case is approved. ``book_pending_losses`` books every such case
  that has none yet (idempotent: one entry per case, enforced by a unique constraint),
  dated when the goods were lost (the leader's disposition, else the approval). It runs
  before the losses report (``bot.accounting.loss_report.losses_section``) and as
  ``python -m bot.accounting.losses book``; ``book_case_loss`` books one case (for callers
  that approve or dispose).
- Goods that come back (``return_trip``, ``courier_pickup``) are checked at the
  warehouse (``bot.accounting.stock.warehouse_check``): what cannot be resold is booked
  there.

**Who is responsible** (``responsible_party``; a checker's or agent's ``fault`` wins):

=============  ==============  ==============================================
reason         party           why
=============  ==============  ==============================================
spoiled        supplier        quality: the goods were bad (supplier, batch)
damaged        logistics       broken in transit (grid warehouse → pickup point)
wrong_item     logistics       mis-sorted at the grid warehouse
missing        logistics       short delivery to the pickup point
no_reason      platform        the platform's own no-reason promise
=============  ==============  ==============================================

Faults: ``quality`` → supplier, ``transit`` → logistics, ``storage`` → pickup point
(kept badly at the pickup point: the leader's fault), ``unknown`` → platform.

**Amount**: quantity × the unit price the customer paid (what 先行赔付 gave them for the
goods). Compensation coupons are not goods and are reported with the coupons.

What the ledger holds for a date range, per party, source and supplier batch, and
whether it balances, is the losses section (``bot.accounting.loss_report``).

Command line (``main``)::

    python -m bot.accounting.losses book
    python -m bot.accounting.losses report --from 2026-11-16 --to 2026-11-22
    python -m bot.accounting.losses settle ID [--note …] [--by NAME]
    python -m bot.accounting.losses reassign ID FAULT [--note …] [--by NAME]
"""
from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit
from bot.db import (
    CaseEvent,
    LossEntry,
    LossState,
    Order,
    ResponsibleParty,
    ReturnCase,
    SupplierIncident,
)
from bot.enums import CaseState, Disposition, Reason

P = ResponsibleParty
PARTY_BY_REASON: dict[Reason, ResponsibleParty] = {
    Reason.SPOILED: P.SUPPLIER,
    Reason.DAMAGED: P.LOGISTICS,
    Reason.WRONG_ITEM: P.LOGISTICS,
    Reason.MISSING: P.LOGISTICS,
    Reason.NO_REASON: P.PLATFORM,
}
PARTY_BY_FAULT: dict[str, ResponsibleParty] = {
    "quality": P.SUPPLIER,
    "transit": P.LOGISTICS,
    "storage": P.PICKUP_POINT,
    "unknown": P.PLATFORM,
}
PARTY_LABEL = {
    P.SUPPLIER: "供应商",
    P.LOGISTICS: "物流（网格仓/配送）",
    P.PICKUP_POINT: "自提点（团长）",
    P.PLATFORM: "平台",
}
#: Dispositions whose goods never come back to the warehouse.
DISPOSED = (Disposition.ON_SITE, Disposition.NONE)
#: Cases of these states pay nothing out, so lose nothing.
NO_LOSS_STATES = (CaseState.CANCELLED, CaseState.REJECTED)
_CENT = Decimal("0.01")
ZERO = Decimal("0.00")


class LossError(Exception):
    """A loss cannot be booked or changed; the message says why."""


def responsible_party(reason: Reason, fault: str | None = None) -> tuple[ResponsibleParty, str]:
    """Who bears the loss, and the basis recorded with it (``fault:storage``,
    ``reason:spoiled``).

    Raises:
        LossError: an unknown fault.
    """
    if fault is not None:
        if fault not in PARTY_BY_FAULT:
            raise LossError(f"unknown fault {fault!r} (known: {', '.join(PARTY_BY_FAULT)})")
        return PARTY_BY_FAULT[fault], f"fault:{fault}"
    reason = Reason(reason)
    return PARTY_BY_REASON[reason], f"reason:{reason.value}"


def value(quantity: Decimal, unit_price: Decimal) -> Decimal:
    return (Decimal(quantity) * Decimal(unit_price)).quantize(_CENT, rounding=ROUND_HALF_UP)


def goods_batch(session: Session, case: ReturnCase) -> str:
    """The batch the case's goods came from: its supplier incident's, else the product's."""
    incident = session.scalars(select(SupplierIncident.batch)
                               .where(SupplierIncident.case_id == case.id)).first()
    return incident or case.order_line.product.batch


def new_entry(session: Session, case: ReturnCase, *, quantity: Decimal, source: str,
              fault: str | None, actor: str, at: datetime, note: str | None = None) -> LossEntry:
    """A loss entry for ``quantity`` of the case's goods, added to the session (not
    flushed) and audited as ``loss.booked``."""
    line = case.order_line
    product = line.product
    party, basis = responsible_party(case.reason, fault)
    order = session.get(Order, line.order_id)
    entry = LossEntry(
        case_id=case.id, product_id=product.id, supplier_id=product.supplier_id,
        batch=goods_batch(session, case), pickup_point_id=order.pickup_point_id, reason=case.reason,
        quantity=Decimal(quantity), unit_value=line.unit_price,
        amount=value(quantity, line.unit_price), party=party, basis=basis, source=source,
        state=LossState.OPEN, booked_by=actor, booked_at=at, note=note,
    )
    session.add(entry)
    audit.record(session, actor, "loss.booked", "return_case", case.id, ref=case.ref,
                 party=party.value, basis=basis, source=source, quantity=str(entry.quantity),
                 amount=str(entry.amount), batch=entry.batch)
    return entry


def _approved_at(case: ReturnCase) -> datetime | None:
    return next((e.at for e in case.events if e.to_state is CaseState.APPROVED), None)


def _lost_at(case: ReturnCase) -> datetime | None:
    """When the goods were lost: the leader's disposition if confirmed, else approval."""
    approved = _approved_at(case)
    if approved is None:
        return None
    disposed = [e.at for e in case.events if e.kind == "disposition"]
    return max([approved, *disposed[-1:]])


def book_case_loss(session: Session, case: ReturnCase, *, actor: str = "system",
                   fault: str | None = None) -> LossEntry | None:
    """Books the loss of an approved case whose goods are disposed of on site or were
    never received; None (nothing booked) if the case does not qualify or has its loss
    already. Safe to call again, and from two processes at once.
    """
    if (case.disposition not in DISPOSED or case.state in NO_LOSS_STATES
            or case.rule_id.startswith("before_pickup.")):
        return None
    lost_at = _lost_at(case)
    if lost_at is None:
        return None
    if session.scalar(select(LossEntry.id).where(LossEntry.case_id == case.id)) is not None:
        return None
    source = "on_site" if case.disposition is Disposition.ON_SITE else "missing"
    try:
        with session.begin_nested():
            entry = new_entry(session, case, quantity=case.quantity_affected, source=source,
                              fault=fault, actor=actor, at=lost_at)
            session.flush()
    except IntegrityError:
        return None  # booked by someone else meanwhile
    return entry


def _pending_cases(session: Session):
    approved = exists().where(CaseEvent.case_id == ReturnCase.id,
                              CaseEvent.to_state == CaseState.APPROVED)
    booked = exists().where(LossEntry.case_id == ReturnCase.id)
    return select(ReturnCase).where(
        ReturnCase.disposition.in_(DISPOSED), ReturnCase.state.not_in(NO_LOSS_STATES),
        ReturnCase.rule_id.not_like("before_pickup.%"), approved, ~booked,
    ).order_by(ReturnCase.id)


def book_pending_losses(session: Session, *, actor: str = "system") -> list[LossEntry]:
    """Books every approved case with disposed (on-site) or missing goods that has no
    loss yet."""
    booked = []
    for case in session.scalars(_pending_cases(session)).all():
        entry = book_case_loss(session, case, actor=actor)
        if entry is not None:
            booked.append(entry)
    return booked


def _open_entry(session: Session, loss_id: int) -> LossEntry:
    entry = session.get(LossEntry, loss_id)
    if entry is None:
        raise LossError(f"no loss {loss_id}")
    if entry.state is not LossState.OPEN:
        raise LossError(f"loss {loss_id} is settled already")
    return entry


def reassign_loss(session: Session, loss_id: int, fault: str, *, actor: str, at: datetime,
                  note: str | None = None) -> LossEntry:
    """Charges an open loss to the party ``fault`` names; audited as ``loss.reassigned``.

    Raises:
        LossError: no such loss, settled already, or an unknown fault.
    """
    entry = _open_entry(session, loss_id)
    party, basis = responsible_party(entry.reason, fault)
    previous = entry.party
    entry.party, entry.basis = party, basis
    if note:
        entry.note = note[:500]
    audit.record(session, actor, "loss.reassigned", "loss_entry", entry.id,
                 case_id=entry.case_id, from_party=previous.value, to_party=party.value,
                 basis=basis, note=note, at=at.isoformat())
    session.flush()
    return entry


def settle_loss(session: Session, loss_id: int, *, actor: str, at: datetime,
                note: str | None = None) -> LossEntry:
    """Marks an open loss settled (the party paid, or it was written off).

    Raises:
        LossError: no such loss, or settled already.
    """
    entry = _open_entry(session, loss_id)
    entry.state, entry.settled_by, entry.settled_at = LossState.SETTLED, actor, at
    if note:
        entry.note = note[:500]
    audit.record(session, actor, "loss.settled", "loss_entry", entry.id,
                 case_id=entry.case_id, party=entry.party.value, amount=str(entry.amount),
                 note=note)
    session.flush()
    return entry


# ---------------------------------------------------------------- command line


def _day(text: str) -> date:
    return date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.accounting.losses book | report --from D --to D | settle ID | reassign
    ID FAULT`` (dates inclusive, UTC days)."""
    from datetime import timezone

    from bot.accounting.loss_report import losses_section
    from bot.db.session import unit_of_work

    parser = argparse.ArgumentParser(prog="python -m bot.accounting.losses")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("book", help="book the losses of approved disposed/missing goods")
    report = commands.add_parser("report", help="the losses section for a date range")
    report.add_argument("--from", dest="start", type=_day, required=True)
    report.add_argument("--to", dest="end", type=_day, required=True)
    settle = commands.add_parser("settle", help="mark a loss settled")
    settle.add_argument("loss_id", type=int)
    settle.add_argument("--note")
    reassign = commands.add_parser("reassign", help="charge a loss to another party")
    reassign.add_argument("loss_id", type=int)
    reassign.add_argument("fault", choices=sorted(PARTY_BY_FAULT))
    reassign.add_argument("--note")
    for sub in (settle, reassign):
        sub.add_argument("--by", default="cli", help="who (recorded in the audit trail)")
    args = parser.parse_args(argv)
    now = datetime.now(timezone.utc)
    try:
        with unit_of_work() as session:
            if args.command == "book":
                print(f"booked {len(book_pending_losses(session, actor='system:cli'))} losses")
            elif args.command == "report":
                start = datetime.combine(args.start, datetime.min.time(), timezone.utc)
                end = datetime.combine(args.end, datetime.min.time(), timezone.utc) + timedelta(days=1)
                section = losses_section(session, start, end)
                print("\n".join(section.lines))
                for problem in section.problems:
                    print(f"! {problem}")
                return 0 if section.balanced else 1
            elif args.command == "settle":
                settle_loss(session, args.loss_id, actor=f"staff:{args.by}", at=now, note=args.note)
                print(f"loss {args.loss_id} settled")
            else:
                entry = reassign_loss(session, args.loss_id, args.fault, actor=f"staff:{args.by}",
                                      at=now, note=args.note)
                print(f"loss {args.loss_id} now charged to {entry.party.value}")
    except LossError as error:
        print(f"refused: {error}")
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
