"""Order lines as the assistant talks about them."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from bot.db import Order, OrderLine, Product
from bot.enums import Category, OrderStage

RECENT_DAYS = 14


@dataclass(frozen=True)
class LineView:
    """One order line with everything a reply or the policy needs."""

    line_id: int
    order_no: str
    customer_id: int
    product_id: int
    product_name: str
    product_names: tuple[str, ...]
    category: Category
    unit: str
    quantity: Decimal
    unit_price: Decimal
    stage: OrderStage
    placed_at: datetime
    arrived_at: datetime | None
    picked_up_at: datetime | None
    pickup_code: str
    pickup_point: str
    pickup_address: str
    opening_hours: str

    @property
    def picked_up(self) -> bool:
        return self.stage is OrderStage.PICKED_UP


def _view(line: OrderLine) -> LineView:
    order, product, point = line.order, line.product, line.order.pickup_point
    return LineView(
        line_id=line.id,
        order_no=order.order_no,
        customer_id=order.customer_id,
        product_id=product.id,
        product_name=product.name,
        product_names=(product.name, *product.aliases),
        category=product.category,
        unit=product.unit,
        quantity=line.quantity,
        unit_price=line.unit_price,
        stage=line.stage,
        placed_at=order.placed_at,
        arrived_at=line.arrived_at,
        picked_up_at=line.picked_up_at,
        pickup_code=order.pickup_code,
        pickup_point=point.name,
        pickup_address=point.address,
        opening_hours=point.opening_hours,
    )


def _lines_query():
    return select(OrderLine).join(Order).options(
        joinedload(OrderLine.order).joinedload(Order.pickup_point),
        joinedload(OrderLine.product).joinedload(Product.supplier),
    )


def recent_lines(
    session: Session, customer_id: int, now: datetime, days: int = RECENT_DAYS
) -> list[LineView]:
    """The customer's order lines of the last ``days`` days, newest activity first."""
    rows = session.scalars(
        _lines_query()
        .where(Order.customer_id == customer_id, Order.placed_at >= now - timedelta(days=days))
        .order_by(Order.placed_at.desc(), OrderLine.id)
    ).all()
    views = [_view(row) for row in rows]
    return sorted(views, key=lambda v: v.picked_up_at or v.arrived_at or v.placed_at, reverse=True)


def customer_line(session: Session, customer_id: int, line_id: int) -> LineView | None:
    """The line ``line_id`` if it belongs to the customer, else ``None``."""
    row = session.scalars(
        _lines_query().where(OrderLine.id == line_id, Order.customer_id == customer_id)
    ).first()
    return _view(row) if row else None
