"""The losses section of the reconciliation report: what the loss ledger
(``bot.accounting.losses``) holds for a date range, and whether it balances.

**What it shows** (``losses_section``), for losses booked in ``[start, end)``: the total
and the figures per responsible party (with what is still open), per source (disposed of
on site, missing, failed the warehouse check) and per supplier batch. Quality incidents
accumulate per supplier, product and batch (``SupplierIncident``); ``batch_losses`` puts
each batch's incidents next to its losses.

**What it checks** (``problems``; the section is ``balanced`` when there are none):

- each loss's amount is its quantity × the unit price, and its quantity is within the
  case's;
- no loss is charged on a withdrawn or rejected case;
- the per-party figures add up to the total;
- each warehouse check's restocked + lost equals what came back, and agrees with the stock
  movements and losses booked for the case;
- no approved case with disposed or missing goods is without its loss.

The section is part of the reconciliation (``bot.accounting.reconcile``) and is printed by
``python -m bot.accounting.losses report``.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from bot import messages
from bot.accounting.losses import (
    DISPOSED,
    NO_LOSS_STATES,
    PARTY_LABEL,
    ZERO,
    book_pending_losses,
    value,
)
from bot.accounting.stock import RESTOCK
from bot.answers import plain_number
from bot.db import (
    CaseEvent,
    LossEntry,
    LossState,
    Product,
    ResponsibleParty,
    ReturnCase,
    StockMovement,
    Supplier,
    SupplierIncident,
    WarehouseCheck,
)
from bot.enums import CaseState

_CENT = Decimal("0.01")


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
        if entry.party is ResponsibleParty.SUPPLIER:
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
    by_party: dict[ResponsibleParty, list] = {party: [0, ZERO, ZERO] for party in ResponsibleParty}
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
