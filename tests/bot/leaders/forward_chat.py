"""Forwarded chat a leader pastes, and quick looks at the database, for the forward tests.

Demo shop (bot/seed/demo_shop.yml): 阳光花园 (PP01, leader 刘芳): 王小美 「小美」 (bound
as rest demo-1) picked up 丹东草莓 ×2 (¥29.90), 土鸡蛋, 光明鲜牛奶 ×2 and 光明原味酸奶
an hour before seeding, 洗衣液 two days before; 陈晓雯 「豆豆妈妈」 (demo-4) 基围虾 1斤 and
菠菜 20 hours and a 定制生日蛋糕 5 hours before; 马丽华 is 「小王妈妈」. 翠湖湾 (PP02,
leader 陈建国): 李建华 「老李」 bought 东北大米 three days before.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import Customer, Leader, Order, OrderLine, PickupPoint, Product, ReturnCase
from bot.enums import OrderStage
from bot.evidence import store_photo
from tests.images import png_bytes

MERGED_FORWARD = """群聊的聊天记录
—————  2026-11-21  —————
小美 10:32
@团长 今天拿的草莓两盒都烂了[捂脸]
[图片]
琴琴 10:33
收到
豆豆妈妈 10:35
昨天买的大虾有一股臭味，不新鲜
浩然爸爸 10:36
今天几点到货啊
小王 10:40
我的牛奶少了一瓶
阳台上的猫 10:41
我的酸奶少了一盒
"""

SPEAKER_LINES = """豆豆妈妈：团长，昨天拿的大虾坏了
豆豆妈妈：有一半都是臭的😡
小美：我家草莓也烂了一盒
小美：还有鸡蛋碎了两个
刘奶奶：谢谢团长[玫瑰]
团长：好的，我下午去看看
"""


def leader_of(session: Session, code: str) -> int:
    return session.scalars(select(Leader.id).join(PickupPoint).where(PickupPoint.code == code)).one()


def count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def case(session: Session, ref: str) -> ReturnCase:
    return session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()


def customer_id(session: Session, nickname: str) -> int:
    return session.scalars(select(Customer.id).where(Customer.nickname == nickname)).one()


def photo(session: Session, app_db, customer: int, color=(200, 30, 40)) -> int:
    return store_photo(session, png_bytes(color=color), customer_id=customer,
                       evidence_dir=Path(app_db.data_dir) / "evidence").id


def unbound_shopper(session: Session, now: datetime) -> int:
    """秀兰奶奶 of PP01, who never bound a chat: one box of 丹东蓝莓 picked up 2 hours ago."""
    point = session.scalars(select(PickupPoint.id).where(PickupPoint.code == "PP01")).one()
    person = Customer(name="孙秀兰", nickname="秀兰奶奶", phone="13600009999", pickup_point_id=point)
    session.add(person)
    session.flush()
    product = session.scalars(select(Product).where(Product.sku == "F002")).one()
    order = Order(order_no="T-XIULAN-1", customer_id=person.id, pickup_point_id=point,
                  pickup_code="765432", placed_at=now - timedelta(hours=24))
    session.add(order)
    session.flush()
    session.add(OrderLine(order_id=order.id, product_id=product.id, quantity=Decimal("1"),
                          unit_price=product.price, stage=OrderStage.PICKED_UP,
                          arrived_at=now - timedelta(hours=5), picked_up_at=now - timedelta(hours=2)))
    session.flush()
    return person.id
