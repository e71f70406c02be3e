"""Finding demo data in the test database by what a person would call it."""
from __future__ import annotations

from sqlalchemy import select

from bot.db import ChannelIdentity, Customer, Order, OrderLine, Product, ReturnCase
from bot.db.session import unit_of_work


def line_id(sender: str, product_name: str) -> int:
    """The id of ``sender``'s order line for ``product_name``."""
    with unit_of_work() as session:
        return session.scalars(
            select(OrderLine.id).join(Order).join(Customer).join(ChannelIdentity)
            .join(Product, Product.id == OrderLine.product_id)
            .where(ChannelIdentity.external_id == sender, Product.name == product_name)
        ).one()


def cases_of(sender: str) -> list[ReturnCase]:
    with unit_of_work() as session:
        return list(session.scalars(
            select(ReturnCase).join(Customer).join(ChannelIdentity)
            .where(ChannelIdentity.external_id == sender).order_by(ReturnCase.id)
        ).all())
