"""Inserts the demo shop, with every order time computed relative to ``now``."""
from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.cases import AuditEntry, CaseEvent, ReturnCase
from bot.db.leaders import LeaderIdentity
from bot.db.shop import (
    ChannelIdentity,
    Customer,
    Leader,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Supplier,
)
from bot.db.staff import StaffAccount, StaffRole
from bot.enums import CaseState, Disposition, Resolution, Review
from bot.seed.loader import load_demo_shop
from bot.seed.spec import ClosedCaseSpec, CustomerSpec, DemoShop, OrderSpec
from bot.staff.passwords import hash_password

SEED_ACTOR = "system:seed"
CHINA_TZ = timezone(timedelta(hours=8))
CUSTOMERS_JOINED_DAYS_AGO = 90
_PICKUP_CODE_SEED = 20261121
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class DemoIdentity:
    """A channel identity anyone can use to try the demo."""

    channel: str
    external_id: str
    customer_name: str
    description: str


@dataclass(frozen=True)
class DemoStaff:
    """A desk account of the demo shop. Its password is public: only the demo seed, run
    on an empty database, creates these accounts."""

    username: str
    display_name: str
    role: StaffRole
    password: str


DEMO_STAFF = (
    DemoStaff("agent1", "客服小李", StaffRole.AGENT, "demo-agent-pass"),
    DemoStaff("lead1", "客服主管老陈", StaffRole.LEAD, "demo-lead-pass"),
    DemoStaff("leader1", "", StaffRole.LEADER, "demo-leader-pass"),  # first point's leader
    DemoStaff("admin1", "管理员", StaffRole.ADMIN, "demo-admin-pass"),
)


# REST sender ids bound to the demo pickup points' leaders (leader mode).
DEMO_LEADER_SENDERS = {"leader-1": "PP01", "leader-2": "PP02", "leader-3": "PP03"}


@dataclass(frozen=True)
class SeedSummary:
    """What ``seed_demo`` did, and the demo identities to tell the user about."""

    inserted: bool
    counts: Mapping[str, int] = field(default_factory=dict)
    identities: tuple[DemoIdentity, ...] = ()
    staff: tuple[DemoStaff, ...] = ()

    def lines(self) -> list[str]:
        """Human-readable lines, as ``make run`` prints them."""
        if self.inserted:
            head = "Demo shop seeded: " + ", ".join(f"{k} {v}" for k, v in self.counts.items())
        else:
            head = "Demo shop already present; nothing inserted."
        width = max((len(i.external_id) for i in self.identities), default=0)
        lines = [head] + [
            f"{i.external_id:<{width}}  {i.customer_name}  {i.description}"
            for i in self.identities
        ]
        lines.append("Group leaders (leader mode over REST): " + ", ".join(
            f"{sender} → {point}" for sender, point in DEMO_LEADER_SENDERS.items()))
        if self.staff:
            lines.append("Agent desk demo accounts (/console/; demo passwords, never production):")
            lines += [f"{s.username:<8}  {s.password:<17}  {s.role.value:<6}  {s.display_name}"
                      for s in self.staff]
        return lines


def seed_demo(session: Session, now: datetime, shop: DemoShop | None = None) -> SeedSummary:
    """Inserts the demo shop into ``session``; the caller's unit of work commits.

    Idempotent: if any customer exists, nothing is inserted.

    Args:
        session: an open session inside a transaction.
        now: the moment order offsets count back from (timezone-aware).
        shop: the shop to insert (the bundled demo shop by default).

    Raises:
        ValueError: ``now`` is naive.
    """
    if now.tzinfo is None:
        raise ValueError("seed_demo needs a timezone-aware now")
    now = now.astimezone(timezone.utc)
    shop = shop or load_demo_shop()
    identities = tuple(
        DemoIdentity(i.channel, i.external_id, c.name, c.note or "")
        for c in shop.customers
        for i in c.identities
    )
    if session.scalars(select(Customer.id).limit(1)).first() is not None:
        return SeedSummary(inserted=False, identities=identities, staff=_demo_staff_present(session))

    suppliers = {
        s.code: Supplier(code=s.code, name=s.name, contact=s.contact) for s in shop.suppliers
    }
    points = {
        p.code: PickupPoint(
            code=p.code,
            name=p.name,
            address=p.address,
            opening_hours=p.opening_hours,
            leader=Leader(name=p.leader.name, phone=p.leader.phone),
        )
        for p in shop.pickup_points
    }
    products = {
        p.sku: Product(
            sku=p.sku,
            name=p.name,
            aliases=list(p.aliases),
            category=p.category,
            price=p.price,
            unit=p.unit,
            supplier=suppliers[p.supplier],
            batch=p.batch,
        )
        for p in shop.products
    }
    session.add_all([*suppliers.values(), *points.values(), *products.values()])
    joined = now - timedelta(days=CUSTOMERS_JOINED_DAYS_AGO)
    customers = [(c, _customer(c, points, joined)) for c in shop.customers]
    session.add_all(customer for _, customer in customers)

    templates = sorted(
        ((order, customer) for spec, customer in customers for order in spec.orders),
        key=lambda item: -item[0].placed_hours_ago,
    )
    codes = random.Random(_PICKUP_CODE_SEED).sample(range(100000, 1000000), len(templates))
    cases = []
    for seq, ((template, customer), code) in enumerate(zip(templates, codes), start=1):
        order = _order(template, customer, products, now, seq, f"{code:06d}")
        session.add(order)
        for line_spec, line in zip(template.lines, order.lines):
            if line_spec.closed_case:
                cases.append(_closed_case(line_spec.closed_case, customer, line))
    session.add_all(cases)
    session.add_all(
        LeaderIdentity(channel="rest", external_id=sender, leader=points[code].leader)
        for sender, code in DEMO_LEADER_SENDERS.items()
    )
    first_leader = points[shop.pickup_points[0].code].leader
    staff = _demo_staff(first_leader, now)
    session.add_all(staff)

    counts = {
        "suppliers": len(suppliers),
        "pickup_points": len(points),
        "products": len(products),
        "customers": len(customers),
        "identities": len(identities),
        "orders": len(templates),
        "order_lines": sum(len(order.lines) for order, _ in templates),
        "return_cases": len(cases),
        "staff_accounts": len(staff),
    }
    session.add(
        AuditEntry(
            at=now,
            actor=SEED_ACTOR,
            action="seed_demo",
            entity="shop",
            entity_id="demo",
            detail=counts,
        )
    )
    session.flush()
    return SeedSummary(inserted=True, counts=counts, identities=identities,
                       staff=_demo_staff_present(session))


@lru_cache(maxsize=None)
def _demo_password_hash(password: str) -> str:
    """Hashed once per process: scrypt is slow on purpose and these passwords are public."""
    return hash_password(password)


def _demo_staff(first_leader: Leader, now: datetime) -> list[StaffAccount]:
    return [
        StaffAccount(
            username=s.username,
            display_name=s.display_name or f"团长{first_leader.name}",
            role=s.role,
            password_hash=_demo_password_hash(s.password),
            leader=first_leader if s.role is StaffRole.LEADER else None,
            active=True,
            created_at=now,
        )
        for s in DEMO_STAFF
    ]


def _demo_staff_present(session: Session) -> tuple[DemoStaff, ...]:
    """The demo accounts this database has (none when it was not seeded from empty)."""
    names = dict(session.execute(
        select(StaffAccount.username, StaffAccount.display_name)
        .where(StaffAccount.username.in_([s.username for s in DEMO_STAFF]))
    ).all())
    return tuple(
        DemoStaff(s.username, names[s.username], s.role, s.password)
        for s in DEMO_STAFF if s.username in names
    )


def _customer(spec: CustomerSpec, points: dict[str, PickupPoint], joined: datetime) -> Customer:
    return Customer(
        name=spec.name,
        nickname=spec.nickname,
        phone=spec.phone,
        pickup_point=points[spec.pickup_point],
        created_at=joined,
        identities=[
            ChannelIdentity(channel=i.channel, external_id=i.external_id, bound_at=joined)
            for i in spec.identities
        ],
    )


def _order(
    spec: OrderSpec,
    customer: Customer,
    products: dict[str, Product],
    now: datetime,
    seq: int,
    pickup_code: str,
) -> Order:
    def ago(hours: float | None) -> datetime | None:
        return None if hours is None else now - timedelta(hours=hours)

    placed_at = ago(spec.placed_hours_ago)
    return Order(
        order_no=f"SQ{placed_at.astimezone(CHINA_TZ):%Y%m%d}-{seq:04d}",
        customer=customer,
        pickup_point=customer.pickup_point,
        pickup_code=pickup_code,
        placed_at=placed_at,
        lines=[
            OrderLine(
                product=products[line.sku],
                quantity=line.quantity,
                unit_price=products[line.sku].price,
                stage=spec.stage,
                arrived_at=ago(spec.arrived_hours_ago),
                picked_up_at=ago(spec.picked_up_hours_ago),
            )
            for line in spec.lines
        ],
    )


def _closed_case(spec: ClosedCaseSpec, customer: Customer, line: OrderLine) -> ReturnCase:
    """An earlier quality case, reported 2h after pickup and closed an hour later."""
    created_at = line.picked_up_at + timedelta(hours=2)
    closed_at = created_at + timedelta(hours=1)
    refund = (line.unit_price * spec.quantity).quantize(_CENT)
    case = ReturnCase(
        ref=spec.ref,
        customer=customer,
        order_line=line,
        state=CaseState.CLOSED,
        reason=spec.reason,
        description=spec.description,
        quantity_affected=spec.quantity,
        resolution=Resolution.REFUND_ORIGINAL,
        resellable=False,
        disposition=Disposition.ON_SITE,
        review=Review.AUTO,
        rule_id="demo.history",
        decision_text=f"提货后24小时内报质量问题，自动通过；已原路退款 ¥{refund}，商品由团长就地处理。",
        refund_amount=refund,
        open_key=None,
        created_at=created_at,
        updated_at=closed_at,
    )
    case.events.append(
        CaseEvent(
            at=closed_at,
            actor=SEED_ACTOR,
            kind="seeded",
            to_state=CaseState.CLOSED,
            note="演示历史售后：已退款并关闭",
        )
    )
    return case
