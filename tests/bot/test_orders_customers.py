"""Whose order lines the assistant talks about, and who is writing (bot/orders.py, bot/customers.py)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.customers import identify
from bot.db import Customer, Order, OrderLine, Product
from bot.db.session import unit_of_work
from bot.enums import Category, OrderStage
from bot.orders import RECENT_DAYS, customer_line, recent_lines

DEMO_1_PRODUCTS = {"丹东草莓", "土鸡蛋", "光明鲜牛奶", "光明原味酸奶", "洗衣液"}


def demo(session: Session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def add_order(session: Session, customer_id: int, sku: str, *, placed_ago: timedelta,
              picked_up_ago: timedelta | None, now, order_no: str) -> int:
    """Inserts a one-line order and returns the line id."""
    customer = session.get(Customer, customer_id)
    product = session.scalars(select(Product).where(Product.sku == sku)).one()
    picked_up = None if picked_up_ago is None else now - picked_up_ago
    order = Order(order_no=order_no, customer_id=customer_id, pickup_point_id=customer.pickup_point_id,
                  pickup_code="000111", placed_at=now - placed_ago,
                  lines=[OrderLine(product=product, quantity=Decimal("1"), unit_price=product.price,
                                   stage=OrderStage.PICKED_UP if picked_up else OrderStage.PAID,
                                   arrived_at=picked_up and picked_up - timedelta(hours=1),
                                   picked_up_at=picked_up)])
    session.add(order)
    session.flush()
    return order.lines[0].id


def activity(line) -> object:
    return line.picked_up_at or line.arrived_at or line.placed_at


# ---------------------------------------------------------------- recent_lines


def test_recent_lines_are_the_customers_own(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = demo(session, "demo-1")
        lines = recent_lines(session, customer, now)
    assert {l.product_name for l in lines} == DEMO_1_PRODUCTS
    assert {l.customer_id for l in lines} == {customer}


@pytest.mark.parametrize("external_id", ["demo-1", "demo-2", "demo-3", "demo-4", "demo-5"])
def test_recent_lines_newest_activity_first(app_db, external_id: str) -> None:
    with unit_of_work() as session:
        lines = recent_lines(session, demo(session, external_id), app_db.seeded_at)
    assert lines
    assert [activity(l) for l in lines] == sorted((activity(l) for l in lines), reverse=True)


def test_demo_1_sees_the_strawberries_before_the_detergent(app_db) -> None:
    with unit_of_work() as session:
        names = [l.product_name for l in recent_lines(session, demo(session, "demo-1"), app_db.seeded_at)]
    assert names.index("丹东草莓") < names.index("洗衣液")
    assert names[-1] == "洗衣液"  # picked up two days ago


def test_a_line_picked_up_just_now_comes_first_even_if_ordered_earlier(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = demo(session, "demo-1")
        line_id = add_order(session, customer, "S001", placed_ago=timedelta(days=3),
                            picked_up_ago=timedelta(minutes=5), now=now, order_no="SQTEST-LATE")
        assert recent_lines(session, customer, now)[0].line_id == line_id


def test_orders_older_than_two_weeks_are_left_out(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = demo(session, "demo-1")
        old = add_order(session, customer, "F003", placed_ago=timedelta(days=RECENT_DAYS + 6),
                        picked_up_ago=timedelta(days=RECENT_DAYS + 5), now=now, order_no="SQTEST-OLD")
        recent = add_order(session, customer, "F004", placed_ago=timedelta(days=RECENT_DAYS - 1),
                           picked_up_ago=timedelta(days=RECENT_DAYS - 2), now=now, order_no="SQTEST-13D")
        ids = [l.line_id for l in recent_lines(session, customer, now)]
        assert recent in ids and old not in ids
        assert old in [l.line_id for l in recent_lines(session, customer, now, days=30)]


def test_demo_5s_month_old_orders_are_not_recent(app_db) -> None:
    # 26 days ago demo-5 bought strawberries (closed case R0901); not in the last 14 days.
    with unit_of_work() as session:
        names = [l.product_name for l in recent_lines(session, demo(session, "demo-5"), app_db.seeded_at)]
    assert "丹东草莓" not in names
    assert {"空气炸锅", "丹东蓝莓"} <= set(names)


def test_customer_without_orders(app_db) -> None:
    with unit_of_work() as session:
        customer = Customer(name="新客", phone="13000000000",
                            pickup_point_id=session.get(Customer, demo(session, "demo-1")).pickup_point_id)
        session.add(customer)
        session.flush()
        assert recent_lines(session, customer.id, app_db.seeded_at) == []


# ---------------------------------------------------------------- customer_line


def test_customer_line_of_ones_own_order(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        customer = demo(session, "demo-1")
        strawberry = next(l for l in recent_lines(session, customer, now) if l.product_name == "丹东草莓")
        view = customer_line(session, customer, strawberry.line_id)
    assert view == strawberry
    assert (view.category, view.unit, view.quantity, view.unit_price) == (
        Category.FRESH, "盒", Decimal("2"), Decimal("29.90"))
    assert view.picked_up and view.stage is OrderStage.PICKED_UP
    assert abs(view.picked_up_at - (now - timedelta(hours=1))) < timedelta(seconds=1)
    assert (view.pickup_point, view.opening_hours) == ("阳光花园自提点", "07:30-21:30")
    assert "士多啤梨" in view.product_names


def test_customer_line_of_someone_elses_order_is_none(app_db) -> None:
    now = app_db.seeded_at
    with unit_of_work() as session:
        theirs = recent_lines(session, demo(session, "demo-1"), now)[0].line_id
        assert customer_line(session, demo(session, "demo-2"), theirs) is None
        assert customer_line(session, demo(session, "demo-1"), 999_999) is None


def test_a_line_not_yet_picked_up(app_db) -> None:
    with unit_of_work() as session:
        customer = demo(session, "demo-3")
        arrived = next(l for l in recent_lines(session, customer, app_db.seeded_at)
                       if l.stage is OrderStage.ARRIVED)
    assert not arrived.picked_up and arrived.picked_up_at is None
    assert arrived.pickup_point == "幸福里社区自提点"
    assert len(arrived.pickup_code) == 6 and arrived.pickup_code.isdigit()


# ---------------------------------------------------------------- identify


def test_identify_a_demo_customer(app_db) -> None:
    with unit_of_work() as session:
        customer = identify(session, "rest", "demo-1")
    assert (customer.name, customer.nickname) == ("王小美", "小美")


@pytest.mark.parametrize(
    ("channel", "external_id"),
    [("rest", "stranger"), ("telegram", "demo-1"), ("wechat", "demo-1"), ("rest", "DEMO-1"), ("rest", "")],
)
def test_unknown_senders(app_db, channel: str, external_id: str) -> None:
    with unit_of_work() as session:
        assert identify(session, channel, external_id) is None


def test_each_demo_identity_is_a_different_customer(app_db) -> None:
    with unit_of_work() as session:
        ids = [identify(session, "rest", f"demo-{n}").id for n in range(1, 6)]
    assert len(set(ids)) == 5
