"""Who and what a forwarded complaint is about: customers of one pickup point, order lines.

Demo shop (bot/seed/demo_shop.yml): at 阳光花园 (PP01) 王小美 「小美」 picked up 丹东草莓 ×2,
土鸡蛋, 光明鲜牛奶 ×2 and 酸奶 an hour before seeding; 陈晓雯 「豆豆妈妈」 基围虾 and 菠菜
20 hours and a 定制生日蛋糕 5 hours before; 马丽华 is 「小王妈妈」. 李建华 「老李」 belongs
to 翠湖湾 (PP02). Customers made here have exactly the orders the test gives them.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import Customer, Order, OrderLine, PickupPoint, Product
from bot.enums import OrderStage
from bot.leaders.matching import (
    Ambiguous,
    Found,
    LineAmbiguous,
    LineFound,
    NoRecentOrders,
    NotBought,
    NotFound,
    line_by_answer,
    match_customer,
    match_line,
)
from bot.orders import recent_lines


def point(session: Session, code: str) -> int:
    return session.scalars(select(PickupPoint.id).where(PickupPoint.code == code)).one()


def customer(session: Session, nickname: str) -> Customer:
    return session.scalars(select(Customer).where(Customer.nickname == nickname)).one()


_orders = iter(range(1, 10_000))


def shopper(session: Session, *, name: str, nickname: str | None, phone: str, code: str = "PP01",
            lines: tuple[tuple[str, str, float], ...] = (), placed_at: datetime | None = None,
            pickup_code: str | None = None) -> Customer:
    """A customer of pickup point ``code`` whose only orders are ``lines``:
    ``(sku, quantity, picked up hours ago)``, one order each."""
    person = Customer(name=name, nickname=nickname, phone=phone, pickup_point_id=point(session, code))
    session.add(person)
    session.flush()
    for sku, quantity, hours in lines:
        product = session.scalars(select(Product).where(Product.sku == sku)).one()
        picked = (placed_at or datetime.now().astimezone()) - timedelta(hours=hours)
        seq = next(_orders)
        order = Order(order_no=f"T{seq:08d}", customer_id=person.id,
                      pickup_point_id=person.pickup_point_id,
                      pickup_code=pickup_code or f"{900000 + seq:06d}",
                      placed_at=picked - timedelta(hours=20))
        session.add(order)
        session.flush()
        session.add(OrderLine(order_id=order.id, product_id=product.id, quantity=Decimal(quantity),
                              unit_price=product.price, stage=OrderStage.PICKED_UP,
                              arrived_at=picked - timedelta(hours=3), picked_up_at=picked))
    session.flush()
    return person


# --------------------------------------------------------------------------- customers


@pytest.mark.parametrize(("who", "name", "how"), [
    ("小美", "王小美", "nickname"),
    ("豆豆妈妈", "陈晓雯", "nickname"),
    (" 豆豆妈妈 ", "陈晓雯", "nickname"),
    ("陈晓雯", "陈晓雯", "name"),
    ("Lily🌸", "孙丽娜", "nickname"),        # 🌸Lily in the shop: decorations do not count
    ("ＬＩＬＹ", "孙丽娜", "nickname"),       # full-width, upper case
    ("静静", "蒋文静", "nickname"),           # 静静🌙
    ("3栋豆豆妈妈", "陈晓雯", "label"),       # a group label containing the nickname
    ("5号楼-吴阿姨🌷", "吴秀英", "label"),
    ("手机尾号4571", "王小美", "phone_tail"),
    ("尾号 4571", "王小美", "phone_tail"),
    ("是尾号4571", "王小美", "phone_tail"),
    ("13816624571", "王小美", "phone"),
    ("138 1662 4571", "王小美", "phone"),
])
def test_found_at_the_pickup_point(session, now, who: str, name: str, how: str) -> None:
    match = match_customer(session, point(session, "PP01"), who, now)

    assert isinstance(match, Found), match
    assert (match.name, match.how) == (name, how)


def test_found_by_pickup_code_of_a_recent_order(session, now) -> None:
    xiaomei = customer(session, "小美")
    code = session.scalars(select(Order.pickup_code).where(Order.customer_id == xiaomei.id)).first()

    match = match_customer(session, point(session, "PP01"), f"取货码 {code}", now)

    assert isinstance(match, Found)
    assert (match.customer_id, match.how) == (xiaomei.id, "pickup_code")


def test_four_digits_fit_a_phone_tail_and_a_pickup_code_tail(session, now) -> None:
    a = shopper(session, name="甲", nickname="甲甲", phone="13000005555",
                lines=(("F001", "1", 1),), placed_at=now, pickup_code="128888")
    b = shopper(session, name="乙", nickname="乙乙", phone="13000008888")

    match = match_customer(session, point(session, "PP01"), "8888", now)
    by_phone = match_customer(session, point(session, "PP01"), "手机尾号8888", now)
    by_code = match_customer(session, point(session, "PP01"), "取货码8888", now)

    assert isinstance(match, Ambiguous)
    assert {c.customer_id for c in match.candidates} == {a.id, b.id}
    assert isinstance(by_phone, Found) and by_phone.customer_id == b.id
    assert isinstance(by_code, Found) and by_code.customer_id == a.id


def test_a_nickname_two_customers_share_is_ambiguous_with_names_and_phone_tails(session, now) -> None:
    other = shopper(session, name="王美丽", nickname="小美🌼", phone="13900001111")

    match = match_customer(session, point(session, "PP01"), "小美", now)

    assert isinstance(match, Ambiguous)
    assert [(c.name, c.phone_tail) for c in match.candidates] == [("王小美", "4571"), ("王美丽", "1111")]
    assert match.candidates[1].customer_id == other.id


def test_a_shared_phone_tail_is_ambiguous(session, now) -> None:
    shopper(session, name="赵四", nickname="四哥", phone="13700004571")

    match = match_customer(session, point(session, "PP01"), "手机尾号4571", now)

    assert isinstance(match, Ambiguous)
    assert sorted(c.name for c in match.candidates) == ["王小美", "赵四"]


def test_part_of_a_nickname_is_never_taken_silently(session, now) -> None:
    """「小王」 is only part of 「小王妈妈」: the leader is asked, even with one candidate."""
    one = match_customer(session, point(session, "PP01"), "小王", now)
    several = match_customer(session, point(session, "PP01"), "妈妈", now)

    assert isinstance(one, Ambiguous)
    assert [(c.name, c.nickname, c.phone_tail) for c in one.candidates] == [("马丽华", "小王妈妈", "9340")]
    assert isinstance(several, Ambiguous)
    assert sorted(c.nickname for c in several.candidates) == ["小王妈妈", "豆豆妈妈"]


@pytest.mark.parametrize("who", [
    "老李",            # a customer of 翠湖湾 (PP02), not of this point
    "李建华",
    "手机尾号7742",    # 老李's phone tail
    "15901387742",     # 老李's phone
    "阳台上的猫",
    "🌸",
    "",
    "12",
    "尾号",
])
def test_nobody_outside_the_pickup_point(session, now, who: str) -> None:
    assert isinstance(match_customer(session, point(session, "PP01"), who, now), NotFound)


def test_another_points_customer_is_found_by_their_own_leader(session, now) -> None:
    match = match_customer(session, point(session, "PP02"), "老李", now)

    assert isinstance(match, Found) and match.name == "李建华"


def test_another_points_pickup_code_is_not_found(session, now) -> None:
    laoli = customer(session, "老李")
    code = session.scalars(select(Order.pickup_code).where(Order.customer_id == laoli.id)).first()

    assert isinstance(match_customer(session, point(session, "PP01"), f"取货码{code}", now), NotFound)


# --------------------------------------------------------------------------- order lines


def test_the_product_named_picks_its_line(session, now) -> None:
    xiaomei = customer(session, "小美")

    strawberries = match_line(session, xiaomei.id, "今天拿的草莓两盒都烂了", now)
    milk = match_line(session, xiaomei.id, "牛奶是酸的", now)

    assert isinstance(strawberries, LineFound)
    assert (strawberries.line.product_name, strawberries.line.quantity, strawberries.how) == (
        "丹东草莓", Decimal("2"), "product")
    assert isinstance(milk, LineFound) and milk.line.product_name == "光明鲜牛奶"


def test_a_product_the_customer_did_not_buy(session, now) -> None:
    match = match_line(session, customer(session, "小美").id, "蓝莓全是烂的", now)

    assert match == NotBought("丹东蓝莓")


def test_nothing_named_and_several_lines_is_ambiguous(session, now) -> None:
    match = match_line(session, customer(session, "豆豆妈妈").id, "东西坏了，怎么办", now)

    assert isinstance(match, LineAmbiguous)
    assert sorted(o.product_name for o in match.options) == ["基围虾", "定制生日蛋糕", "菠菜"]
    assert match.product is None


def test_nothing_named_and_one_line_is_that_line(session, now) -> None:
    person = shopper(session, name="钱多多", nickname="多多", phone="13600000001",
                     lines=(("S001", "1", 30),), placed_at=now)

    match = match_line(session, person.id, "有虫子，怎么回事", now)

    assert isinstance(match, LineFound)
    assert (match.line.product_name, match.how) == ("东北大米", "only_line")


def test_a_category_word_narrows_the_lines(session, now) -> None:
    person = shopper(session, name="钱多多", nickname="多多", phone="13600000001",
                     lines=(("S001", "1", 30), ("F003", "3", 2)), placed_at=now)

    match = match_line(session, person.id, "水果烂了好几个", now)

    assert isinstance(match, LineFound)
    assert (match.line.product_name, match.how) == ("烟台红富士", "category")


def test_the_same_product_in_two_orders_is_ambiguous(session, now) -> None:
    person = shopper(session, name="钱多多", nickname="多多", phone="13600000001",
                     lines=(("F001", "1", 2), ("F001", "2", 50)), placed_at=now)

    match = match_line(session, person.id, "草莓坏了", now)

    assert isinstance(match, LineAmbiguous)
    assert match.product == "丹东草莓"
    assert sorted(o.quantity for o in match.options) == [Decimal("1"), Decimal("2")]


def test_no_recent_orders(session, now) -> None:
    fresh = shopper(session, name="钱多多", nickname="多多", phone="13600000001")
    old = shopper(session, name="孙少少", nickname="少少", phone="13600000002",
                  lines=(("F001", "1", 24 * 20),), placed_at=now)

    assert match_line(session, fresh.id, "草莓坏了", now) == NoRecentOrders()
    assert match_line(session, old.id, "草莓坏了", now) == NoRecentOrders()


def test_the_leader_names_the_product_among_the_lines(session, now) -> None:
    lines = recent_lines(session, customer(session, "豆豆妈妈").id, now)

    assert line_by_answer(lines, "蛋糕").product_name == "定制生日蛋糕"
    assert line_by_answer(lines, "虾") is None  # 虾 is no name of 基围虾
    assert line_by_answer(lines, "草莓") is None
    assert line_by_answer(lines, "") is None
