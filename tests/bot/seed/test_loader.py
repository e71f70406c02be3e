"""The demo shop: what a demo user would notice after seeding, and bad data."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from bot.db.cases import AuditEntry, ReturnCase
from bot.db.migrate import upgrade
from bot.db.session import get_sessionmaker, unit_of_work
from bot.db.shop import (
    ChannelIdentity,
    Customer,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Supplier,
)
from bot.enums import CaseState, Category, OrderStage
from bot.seed import DEFAULT_PATH, SeedError, load_demo_shop, seed_demo

NOW = datetime(2026, 11, 21, 2, 30, tzinfo=timezone.utc)


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker:
    url = "sqlite:///" + str(tmp_path / "t.db")
    upgrade(url)
    return get_sessionmaker(url)


@pytest.fixture
def seeded(factory: sessionmaker) -> sessionmaker:
    with unit_of_work(factory) as session:
        assert seed_demo(session, NOW).inserted
    return factory


def demo_customer(session: Session, external_id: str) -> Customer:
    return session.scalars(
        select(Customer)
        .join(ChannelIdentity)
        .where(ChannelIdentity.channel == "rest", ChannelIdentity.external_id == external_id)
    ).one()


def lines_of(session: Session, external_id: str) -> list[OrderLine]:
    customer = demo_customer(session, external_id)
    return list(
        session.scalars(select(OrderLine).join(Order).where(Order.customer_id == customer.id))
    )


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_demo_1_has_strawberries_picked_up_an_hour_ago(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        lines = lines_of(session, "demo-1")
        strawberries = [l for l in lines if "草莓" in l.product.aliases]
        assert len(strawberries) == 1
        line = strawberries[0]
        assert line.stage is OrderStage.PICKED_UP
        assert line.product.category is Category.FRESH
        assert line.quantity == 2
        assert timedelta(minutes=30) <= NOW - line.picked_up_at <= timedelta(hours=2)
        assert line.order.placed_at < line.arrived_at < line.picked_up_at
        assert any(
            l.product.category is Category.STANDARD
            and NOW - l.picked_up_at == timedelta(days=2)
            for l in lines
        )


def test_demo_2_has_fresh_goods_picked_up_three_days_ago(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        lines = lines_of(session, "demo-2")
        by_category = {l.product.category: l for l in lines}
        for category in (Category.FRESH, Category.STANDARD):
            assert NOW - by_category[category].picked_up_at == timedelta(days=3)


def test_demo_3_has_nothing_picked_up(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        lines = lines_of(session, "demo-3")
        assert {l.stage for l in lines} == {
            OrderStage.ARRIVED,
            OrderStage.DEPARTED,
            OrderStage.PAID,
        }
        assert all(l.picked_up_at is None for l in lines)
        arrived = [l for l in lines if l.stage is OrderStage.ARRIVED]
        assert all(l.arrived_at < NOW and len(l.order.pickup_code) == 6 for l in arrived)
        assert all(l.arrived_at is None for l in lines if l.stage is not OrderStage.ARRIVED)


def test_demo_4_has_fresh_goods_and_a_custom_cake(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        ages = {l.product.category: NOW - l.picked_up_at for l in lines_of(session, "demo-4")}
        assert ages[Category.FRESH] == timedelta(hours=20)
        assert ages[Category.CUSTOM] == timedelta(hours=5)


def test_demo_5_has_four_closed_cases_within_30_days(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        customer = demo_customer(session, "demo-5")
        cases = session.scalars(
            select(ReturnCase).where(ReturnCase.customer_id == customer.id)
        ).all()
        assert len(cases) == 4
        for case in cases:
            assert case.state is CaseState.CLOSED and case.open_key is None
            assert NOW - timedelta(days=30) < case.created_at < NOW
            assert case.refund_amount > 0 and len(case.events) == 1
        categories = {l.product.category for l in lines_of(session, "demo-5")}
        assert Category.HIGH_VALUE in categories


def test_shop_has_realistic_size(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        points = session.scalars(select(PickupPoint)).all()
        assert len(points) == 3 and all(p.leader is not None for p in points)
        assert count(session, Product) >= 40
        assert set(session.scalars(select(Product.category))) == set(Category)
        assert 6 <= count(session, Supplier) <= 8
        assert 28 <= count(session, Customer) <= 32
        assert count(session, ChannelIdentity) == 5
        codes = list(session.scalars(select(Order.pickup_code)))
        assert len(set(codes)) == len(codes)
        audit = session.scalars(select(AuditEntry)).one()
        assert audit.actor == "system:seed" and audit.detail["customers"] == 30


def test_seeding_twice_inserts_nothing(seeded: sessionmaker) -> None:
    with unit_of_work(seeded) as session:
        before = count(session, OrderLine), count(session, AuditEntry)
        summary = seed_demo(session, NOW + timedelta(days=1))
    assert not summary.inserted
    assert [i.external_id for i in summary.identities] == [f"demo-{n}" for n in range(1, 6)]
    with unit_of_work(seeded) as session:
        assert (count(session, OrderLine), count(session, AuditEntry)) == before


def test_loading_is_deterministic() -> None:
    assert load_demo_shop() == load_demo_shop()


def test_summary_names_each_demo_identity(factory: sessionmaker) -> None:
    with unit_of_work(factory) as session:
        lines = seed_demo(session, NOW).lines()
    assert lines[1].startswith("demo-1  王小美  ") and "草莓" in lines[1]
    assert [line.split()[0] for line in lines[1:6]] == [f"demo-{i}" for i in range(1, 6)]
    assert any("agent1" in line for line in lines[6:]), "demo staff follow the demo customers"


def broken(tmp_path: Path, edit) -> Path:
    data = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "shop.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["products"][0].update(supplier="SUP99"), "unknown supplier code 'SUP99'"),
        (lambda d: d["products"][0].update(category="frozen"), "unknown category 'frozen'"),
        (lambda d: d["products"][1].update(sku=d["products"][0]["sku"]), "duplicate sku"),
        (
            lambda d: d["customers"][1].update(phone=d["customers"][0]["phone"]),
            "duplicate customer phone",
        ),
        (lambda d: d["customers"][0].update(pickup_point="PP09"), "unknown pickup point"),
        (lambda d: d["customers"][0]["orders"][0]["lines"][0].update(sku="X1"), "unknown sku"),
        (
            lambda d: d["customers"][0]["orders"][0].pop("picked_up_hours_ago"),
            "need picked_up_hours_ago",
        ),
        (lambda d: d["products"][0].update(price="abc"), "is not a number"),
        (lambda d: d.pop("suppliers"), "'suppliers' must be a non-empty list"),
    ],
)
def test_bad_data_raises_seed_error(tmp_path: Path, edit, message: str) -> None:
    with pytest.raises(SeedError, match=message):
        load_demo_shop(broken(tmp_path, edit))


def test_unparsable_yaml_raises_seed_error(tmp_path: Path) -> None:
    path = tmp_path / "shop.yml"
    path.write_text("suppliers: [unclosed", encoding="utf-8")
    with pytest.raises(SeedError, match="shop.yml"):
        load_demo_shop(path)
