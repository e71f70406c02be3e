"""Cases waiting for a leader's first check, put straight into a running product's
database (the watcher in the Rasa process then pushes their cards)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.db import ChannelIdentity, Customer, Evidence, Order, OrderLine, Product
from bot.db.base import utcnow
from bot.enums import Reason
from bot.evidence import store_photo
from bot.policy import load_policy
from tests.servers import Product as RunningProduct


def missing_item_with_a_photo(product: RunningProduct, sender: str, product_name: str,
                              picture: bytes) -> tuple[str, int]:
    """Opens a "missing item" case (the leader verifies in person) for the demo customer
    behind REST ``sender`` with ``picture`` attached; returns its reference and the
    photo's evidence id."""
    with product.session() as session, session.begin():
        customer_id = session.scalars(select(ChannelIdentity.customer_id).where(
            ChannelIdentity.channel == "rest", ChannelIdentity.external_id == sender)).one()
        line_id = session.scalars(
            select(OrderLine.id).join(Order).join(Customer)
            .join(Product, Product.id == OrderLine.product_id)
            .where(Customer.id == customer_id, Product.name == product_name)).one()
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id, reason=Reason.MISSING,
                           quantity_affected=Decimal(1))
        case = open_case(session, draft, utcnow(), load_policy(), "customer:test").case
        evidence_id = store_photo(session, picture, customer_id=customer_id,
                                  evidence_dir=product.data_dir / "evidence").id
        session.get(Evidence, evidence_id).case_id = case.id
        return case.ref, evidence_id
