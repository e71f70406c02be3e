"""The warehouse check of returned goods, and the stock ledger.

Standard goods come back on the delivery vehicle's return trip (``return_trip``) and
high-value goods by courier (``courier_pickup``) to the grid warehouse, where someone
checks them once per case (``warehouse_check``): what can be sold again goes back to
stock (a ``StockMovement`` of kind ``return_restock`` for the product and batch), the
rest is booked as a loss charged to the responsible party (``bot.accounting.losses``;
the checker may name the fault, e.g. ``storage`` when the pickup point kept the goods
badly). The check is recorded (``warehouse_checks``, unique per case), on the case's
timeline (``warehouse_check``) and in the audit trail; ``case.resellable`` becomes
whether everything went back to stock.

Command line (audited as ``warehouse:<name>``)::

    python -m bot.accounting.stock check R1024 --restocked 2 --by 王仓管
    python -m bot.accounting.stock check R1025 --restocked 0 --fault storage --note 包装受潮
    python -m bot.accounting.stock on-hand SKU [--batch B]
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.accounting.losses import (
    NO_LOSS_STATES,
    PARTY_BY_FAULT,
    LossError,
    goods_batch,
    new_entry,
    responsible_party,
)
from bot.cases.states import add_event
from bot.db import LossEntry, Product, ReturnCase, StockMovement, WarehouseCheck
from bot.enums import CaseState, Disposition

RESTOCK = "return_restock"
#: Dispositions whose goods travel back to the grid warehouse.
COMES_BACK = (Disposition.RETURN_TRIP, Disposition.COURIER_PICKUP)


class WarehouseCheckRefused(LossError):
    """The check cannot be recorded; the message says why (in Chinese, for the checker)."""


@dataclass(frozen=True)
class CheckResult:
    """What a warehouse check recorded."""

    case_ref: str
    restocked: Decimal
    lost: Decimal
    movement_id: int | None
    loss_id: int | None
    party: str | None


def _quantity(value: Decimal | str | int, what: str) -> Decimal:
    try:
        quantity = Decimal(str(value))
    except InvalidOperation:
        raise WarehouseCheckRefused(f"{what}不是数字：{value!r}") from None
    if not quantity.is_finite() or quantity < 0 or quantity != quantity.quantize(Decimal("0.01")):
        raise WarehouseCheckRefused(f"{what}必须是不小于0、最多两位小数的数：{value}")
    return quantity


def _case(session: Session, case_ref: str) -> ReturnCase:
    case = session.scalars(select(ReturnCase).where(ReturnCase.ref == case_ref.strip().upper())
                           ).first()
    if case is None:
        raise WarehouseCheckRefused(f"没有售后单 {case_ref}")
    if case.disposition not in COMES_BACK:
        raise WarehouseCheckRefused(
            f"{case.ref} 的商品不退回仓库（{case.disposition.value}），不需要验货")
    if case.state in NO_LOSS_STATES or not any(e.to_state is CaseState.APPROVED
                                               for e in case.events):
        raise WarehouseCheckRefused(f"{case.ref} 没有同意退货（{case.state.value}），不能验货入库")
    return case


def warehouse_check(session: Session, case_ref: str, *, restocked: Decimal | str | int,
                    lost: Decimal | str | int | None = None, fault: str | None = None,
                    note: str | None = None, actor: str, at: datetime) -> CheckResult:
    """Records the warehouse's check of a case's returned goods.

    Args:
        session: The caller's unit of work.
        case_ref: The case, e.g. ``R1024``.
        restocked: How much can be sold again (the case's unit: 盒, 斤...).
        lost: How much cannot; default: the rest of what the case returned.
            ``restocked + lost`` must be what the case returned.
        fault: Whose fault the lost part is, if the checker knows (``quality``,
            ``transit``, ``storage``, ``unknown``); default: from the case's reason.
        note: What the checker saw.
        actor: Who checked, e.g. ``warehouse:王仓管`` or ``staff:3``.
        at: When.

    Raises:
        WarehouseCheckRefused: no such case, goods that do not come back, a case never
            approved, quantities that do not add up, an unknown fault, or checked already.
    """
    case = _case(session, case_ref)
    returned = case.quantity_affected
    restocked = _quantity(restocked, "入库数量")
    lost = returned - restocked if lost is None else _quantity(lost, "损失数量")
    if lost < 0 or restocked + lost != returned:
        raise WarehouseCheckRefused(
            f"入库 {restocked} + 损失 {lost} 应等于 {case.ref} 退回的 {returned}")
    if lost > 0:
        try:
            responsible_party(case.reason, fault)
        except LossError as error:
            raise WarehouseCheckRefused(str(error)) from None
        if session.scalar(select(LossEntry.id).where(LossEntry.case_id == case.id)) is not None:
            raise WarehouseCheckRefused(f"{case.ref} 已经记过损失了")
    line = case.order_line
    try:
        with session.begin_nested():
            check = WarehouseCheck(case_id=case.id, quantity_restocked=restocked,
                                   quantity_lost=lost, fault=fault if lost > 0 else None,
                                   note=note and note[:500], checked_by=actor, checked_at=at)
            session.add(check)
            session.flush()
    except IntegrityError:
        raise WarehouseCheckRefused(f"{case.ref} 已经验过货了") from None
    movement = entry = None
    if restocked > 0:
        movement = StockMovement(product_id=line.product_id, batch=goods_batch(session, case),
                                 case_id=case.id, kind=RESTOCK, quantity=restocked,
                                 unit_value=line.unit_price, actor=actor, at=at)
        session.add(movement)
    if lost > 0:
        entry = new_entry(session, case, quantity=lost, source="warehouse", fault=fault,
                          actor=actor, at=at, note=note and note[:500])
    case.resellable = lost == 0
    case.updated_at = at
    add_event(session, case, actor=actor, kind="warehouse_check", at=at,
              note=f"restocked {restocked}, lost {lost}"
              + (f" ({fault})" if lost > 0 and fault else ""))
    session.flush()
    return CheckResult(case.ref or "", restocked, lost, movement and movement.id,
                       entry and entry.id, entry and entry.party.value)


def on_hand(session: Session, product_id: int, batch: str | None = None) -> Decimal:
    """Returned goods put back into stock, net of any movements out."""
    query = select(func.coalesce(func.sum(StockMovement.quantity), 0)).where(
        StockMovement.product_id == product_id)
    if batch is not None:
        query = query.where(StockMovement.batch == batch)
    return Decimal(session.scalar(query))


def main(argv: list[str] | None = None) -> int:
    """The warehouse's command line (see the module docstring)."""
    from bot.db.session import unit_of_work

    parser = argparse.ArgumentParser(prog="python -m bot.accounting.stock")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("check", help="record the warehouse check of a case's goods")
    check.add_argument("case_ref")
    check.add_argument("--restocked", required=True, help="quantity that can be sold again")
    check.add_argument("--lost", help="quantity that cannot (default: the rest)")
    check.add_argument("--fault", choices=sorted(PARTY_BY_FAULT))
    check.add_argument("--note")
    check.add_argument("--by", required=True, help="who checked (recorded in the audit trail)")
    stock = commands.add_parser("on-hand", help="returned goods back in stock")
    stock.add_argument("sku")
    stock.add_argument("--batch")
    args = parser.parse_args(argv)
    try:
        with unit_of_work() as session:
            if args.command == "on-hand":
                product = session.scalars(select(Product).where(Product.sku == args.sku)).first()
                if product is None:
                    print(f"no product {args.sku}")
                    return 2
                print(f"{product.name} {on_hand(session, product.id, args.batch)}{product.unit}")
                return 0
            result = warehouse_check(session, args.case_ref, restocked=args.restocked,
                                     lost=args.lost, fault=args.fault, note=args.note,
                                     actor=f"warehouse:{args.by}", at=datetime.now(timezone.utc))
    except WarehouseCheckRefused as error:
        print(f"refused: {error}")
        return 2
    print(f"{result.case_ref}: restocked {result.restocked}, lost {result.lost}"
          + (f" charged to {result.party}" if result.party else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
