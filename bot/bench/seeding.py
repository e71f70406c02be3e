"""Bench customers: many customers with a fresh, claimable order, bound to REST sender
ids and WeChat openids, so every benchmark conversation is a real first claim.

Each customer gets the order the demo's ``demo-1`` has: 丹东草莓 ×2 (the line the bench
claims), 土鸡蛋, 光明鲜牛奶 ×2 and 光明原味酸奶, picked up an hour before ``now`` — inside
the fresh-goods 24-hour window, with a choice of lines to make. A claimed line cannot be
claimed twice, so a load run needs one customer per conversation.

Rows are inserted with Core ``INSERT``s and explicit ids (PostgreSQL's sequences are moved
past them afterwards), so tens of thousands of customers take seconds.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, insert, select, text
from sqlalchemy.orm import Session

from bot.db.shop import ChannelIdentity, Customer, Order, OrderLine, PickupPoint, Product
from bot.enums import OrderStage

#: (product name, quantity) of every bench order; the first is the one claimed.
ORDER = (("丹东草莓", Decimal("2")), ("土鸡蛋", Decimal("1")), ("光明鲜牛奶", Decimal("2")),
         ("光明原味酸奶", Decimal("1")))
CLAIMED_PRODUCT = ORDER[0][0]
PICKED_UP_HOURS_AGO = 1
BATCH = 2000


@dataclass(frozen=True)
class BenchCustomer:
    """One bench customer: the REST sender id and the WeChat openid bound to them."""

    customer_id: int
    rest_sender: str
    openid: str


def _next_id(session: Session, column) -> int:
    return (session.scalar(select(func.max(column))) or 0) + 1


def _move_sequences(session: Session, tables: list[str]) -> None:
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in tables:
        session.execute(text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT max(id) FROM {table}))"))


def seed_bench_customers(session: Session, count: int, now: datetime,
                         tag: str | None = None) -> list[BenchCustomer]:
    """Inserts ``count`` bench customers into a database holding the demo shop (its
    products and pickup points); the caller's unit of work commits.

    Args:
        session: An open session inside a transaction.
        count: How many customers.
        now: The moment pickups count back from (timezone-aware).
        tag: Makes sender ids, openids, phones and order numbers unique to this call
            (random by default), so bench runs can share a database.

    Raises:
        ValueError: ``now`` is naive, or the demo shop is missing.
    """
    if now.tzinfo is None:
        raise ValueError("seed_bench_customers needs a timezone-aware now")
    now = now.astimezone(timezone.utc)
    tag = tag or secrets.token_hex(3)
    products = dict(session.execute(select(Product.name, Product)).all())
    missing = [name for name, _ in ORDER if name not in products]
    points = session.scalars(select(PickupPoint).order_by(PickupPoint.id)).all()
    if missing or not points:
        raise ValueError(f"seed the demo shop first (missing: {missing or 'pickup points'})")
    picked_up = now - timedelta(hours=PICKED_UP_HOURS_AGO)
    arrived, placed = picked_up - timedelta(hours=3), picked_up - timedelta(hours=21)
    phone_base = int(secrets.token_hex(2), 16) % 90 + 10  # 10..99
    customer_id = _next_id(session, Customer.id)
    identity_id = _next_id(session, ChannelIdentity.id)
    order_id = _next_id(session, Order.id)
    line_id = _next_id(session, OrderLine.id)
    made: list[BenchCustomer] = []
    for start in range(0, count, BATCH):
        customers, identities, orders, lines = [], [], [], []
        for n in range(start, min(start + BATCH, count)):
            cid, point = customer_id + n, points[n % len(points)]
            rest, openid = f"bench-{tag}-{n}", f"o-bench-{tag}-{n}"
            customers.append({"id": cid, "name": f"压测顾客{n}", "nickname": f"压测{n}",
                              "phone": f"19{phone_base:02d}{cid % 10**7:07d}",
                              "pickup_point_id": point.id, "created_at": now - timedelta(days=30)})
            for offset, (channel, external) in enumerate((("rest", rest), ("wechat", openid))):
                identities.append({"id": identity_id + 2 * n + offset, "channel": channel,
                                   "external_id": external, "customer_id": cid,
                                   "bound_at": now - timedelta(days=30)})
            oid = order_id + n
            orders.append({"id": oid, "order_no": f"BENCH{tag}-{n:07d}", "customer_id": cid,
                           "pickup_point_id": point.id, "pickup_code": f"{(cid * 7919) % 10**6:06d}",
                           "placed_at": placed})
            for k, (name, quantity) in enumerate(ORDER):
                product = products[name]
                lines.append({"id": line_id + len(ORDER) * n + k, "order_id": oid,
                              "product_id": product.id, "quantity": quantity,
                              "unit_price": product.price, "stage": OrderStage.PICKED_UP,
                              "arrived_at": arrived, "picked_up_at": picked_up})
            made.append(BenchCustomer(cid, rest, openid))
        session.execute(insert(Customer), customers)
        session.execute(insert(ChannelIdentity), identities)
        session.execute(insert(Order), orders)
        session.execute(insert(OrderLine), lines)
    _move_sequences(session, ["customers", "channel_identities", "orders", "order_lines"])
    return made
