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
  before the losses report (``losses_section``) and as ``python -m bot.accounting.losses
  book``; ``book_case_loss`` books one case (for callers that approve or dispose).
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

**Per batch**: quality incidents accumulate per supplier, product and batch
(``SupplierIncident``); ``batch_losses`` puts each batch's incidents next to its losses.
"""
from __future__ import annotations

import argparse
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import audit, messages
from bot.answers import plain_number
from bot.db import (
    CaseEvent,
    LossEntry,
    LossState,
    Order,
    Product,
    ResponsibleParty,
    ReturnCase,
    Supplier,
    SupplierIncident,
    WarehouseCheck,
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


# ---------------------------------------------------------------- reporting


@dataclass(frozen=True)
class BatchLoss:
    """One supplier batch: its quality incidents and the losses booked on its goods."""

    supplier_code: str
    supplier_name: str
    product: str
    batch: str
    incidents: int
    quantity: Decimal
    amount: Decimal
    supplier_amount: Decimal


def batch_losses(session: Session, start: datetime, end: datetime) -> list[BatchLoss]:
    """Per supplier, product and batch: incidents recorded and losses booked in
    [start, end), most costly first."""
    keys: dict[tuple[int, int, str], list] = defaultdict(lambda: [0, ZERO, ZERO, ZERO])
    for supplier_id, product_id, batch, count in session.execute(
        select(SupplierIncident.supplier_id, SupplierIncident.product_id,
               SupplierIncident.batch, func.count(SupplierIncident.id))
        .where(SupplierIncident.created_at >= start, SupplierIncident.created_at < end)
        .group_by(SupplierIncident.supplier_id, SupplierIncident.product_id,
                  SupplierIncident.batch)
    ):
        keys[(supplier_id, product_id, batch)][0] += count
    for entry in session.scalars(select(LossEntry).where(LossEntry.booked_at >= start,
                                                         LossEntry.booked_at < end)):
        totals = keys[(entry.supplier_id, entry.product_id, entry.batch)]
        totals[1] += entry.quantity
        totals[2] += entry.amount
        if entry.party is P.SUPPLIER:
            totals[3] += entry.amount
    suppliers = {s.id: s for s in session.scalars(select(Supplier))}
    products = {p.id: p.name for p in session.scalars(select(Product))}
    rows = [BatchLoss(suppliers[s].code, suppliers[s].name, products[p], batch, count,
                      Decimal(quantity), Decimal(amount).quantize(_CENT),
                      Decimal(supplier).quantize(_CENT))
            for (s, p, batch), (count, quantity, amount, supplier) in keys.items()]
    return sorted(rows, key=lambda r: (-r.amount, -r.incidents, r.supplier_code, r.batch))


@dataclass(frozen=True)
class LossesSection:
    """The ``losses`` section of the reconciliation report.

    ``lines`` are printed; ``problems`` are failed balance checks (empty when the
    ledgers balance); ``totals`` are the figures by responsible party.
    """

    title: str
    lines: list[str]
    problems: list[str] = field(default_factory=list)
    totals: dict[str, Decimal] = field(default_factory=dict)

    @property
    def balanced(self) -> bool:
        return not self.problems


def _check_entries(session: Session, entries: list[LossEntry]) -> list[str]:
    problems = []
    for entry in entries:
        if entry.amount != value(entry.quantity, entry.unit_value):
            problems.append(f"损失 #{entry.id}：金额 {entry.amount} ≠ 数量 "
                            f"{plain_number(entry.quantity)} × 单价 {entry.unit_value}")
        case = session.get(ReturnCase, entry.case_id)
        if case.state in NO_LOSS_STATES:
            problems.append(f"损失 #{entry.id}：售后单 {case.ref} 状态是「"
                            f"{messages.CASE_STATE[case.state]}」，不应再计损失（请核实后结清或改判）")
        if entry.quantity > case.quantity_affected:
            problems.append(f"损失 #{entry.id}：数量 {plain_number(entry.quantity)} 超过售后数量 "
                            f"{plain_number(case.quantity_affected)}")
    return problems


def _check_warehouse(session: Session, start: datetime, end: datetime) -> list[str]:
    from bot.accounting.stock import RESTOCK
    from bot.db import StockMovement

    problems = []
    for check in session.scalars(select(WarehouseCheck).where(
            WarehouseCheck.checked_at >= start, WarehouseCheck.checked_at < end)):
        case = session.get(ReturnCase, check.case_id)
        restocked = session.scalar(select(func.coalesce(func.sum(StockMovement.quantity), 0))
                                   .where(StockMovement.case_id == case.id,
                                          StockMovement.kind == RESTOCK))
        lost = session.scalar(select(func.coalesce(func.sum(LossEntry.quantity), 0))
                              .where(LossEntry.case_id == case.id))
        if check.quantity_restocked + check.quantity_lost != case.quantity_affected:
            problems.append(f"验货 {case.ref}：入库 {check.quantity_restocked} + 损失 "
                            f"{check.quantity_lost} ≠ 退回 {case.quantity_affected}")
        if Decimal(restocked) != check.quantity_restocked or Decimal(lost) != check.quantity_lost:
            problems.append(f"验货 {case.ref}：库存流水 {restocked} / 损失 {lost} 与验货记录不符")
    return problems


def _unbooked(session: Session, start: datetime, end: datetime) -> list[str]:
    approved_in_range = exists().where(
        CaseEvent.case_id == ReturnCase.id, CaseEvent.to_state == CaseState.APPROVED,
        CaseEvent.at >= start, CaseEvent.at < end)
    booked = exists().where(LossEntry.case_id == ReturnCase.id)
    refs = session.scalars(select(ReturnCase.ref).where(
        ReturnCase.disposition.in_(DISPOSED), ReturnCase.state.not_in(NO_LOSS_STATES),
        ReturnCase.rule_id.not_like("before_pickup.%"), approved_in_range, ~booked)).all()
    return [f"售后单 {ref}：商品已就地处理或缺失，但没有记损失" for ref in refs]


def losses_section(session: Session, start: datetime, end: datetime, *,
                   book: bool = True) -> LossesSection:
    """Losses booked in [start, end) by responsible party, by source and by supplier
    batch, open vs settled, with the ledger checks.

    ``book`` first books pending losses (``book_pending_losses``), so disposed goods
    are never missing from the report; the caller's unit of work commits them.
    """
    if book:
        book_pending_losses(session, actor="system:reconcile")
    entries = session.scalars(select(LossEntry).where(
        LossEntry.booked_at >= start, LossEntry.booked_at < end).order_by(LossEntry.id)).all()
    by_party: dict[ResponsibleParty, list] = {party: [0, ZERO, ZERO] for party in P}
    by_source: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry in entries:
        totals = by_party[entry.party]
        totals[0] += 1
        totals[1] += entry.amount
        if entry.state is LossState.OPEN:
            totals[2] += entry.amount
        by_source[entry.source] += entry.amount
    total = sum((e.amount for e in entries), ZERO)
    lines = [f"损失合计 ¥{total:.2f}（{len(entries)} 笔），按责任方："]
    for party, (count, amount, open_amount) in by_party.items():
        lines.append(f"  {PARTY_LABEL[party]:<12} {count:>4} 笔  ¥{amount:>10.2f}"
                     f"  （待结算 ¥{open_amount:.2f}）")
    source_label = {"on_site": "就地处理", "missing": "缺失", "warehouse": "仓库验货不合格"}
    lines.append("按去向：" + "，".join(f"{source_label.get(k, k)} ¥{v:.2f}"
                                      for k, v in sorted(by_source.items())) if by_source
                 else "按去向：无")
    batches = [b for b in batch_losses(session, start, end) if b.incidents or b.amount]
    if batches:
        lines.append("按供应商批次（质量事件 / 损失 / 其中供应商承担）：")
        lines += [f"  {b.supplier_code} {b.product} 批次 {b.batch}：{b.incidents} 次 / "
                  f"¥{b.amount:.2f} / ¥{b.supplier_amount:.2f}" for b in batches]
    problems = _check_entries(session, entries)
    if sum((amount for _, amount, _ in by_party.values()), ZERO) != total:
        problems.append("按责任方合计与损失总额不一致")
    problems += _check_warehouse(session, start, end) + _unbooked(session, start, end)
    return LossesSection("损失", lines, problems,
                         {party.value: amount for party, (_, amount, _) in by_party.items()})


# ---------------------------------------------------------------- command line


def _day(text: str) -> date:
    return date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    """``python -m bot.accounting.losses book | report --from D --to D | settle ID | reassign
    ID FAULT`` (dates inclusive, UTC days)."""
    from datetime import timezone

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
