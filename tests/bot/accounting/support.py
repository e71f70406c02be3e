"""Accounting test helpers: demo customers' cases made directly (approved or not, of any
disposition), so the warehouse check and the loss ledger can be tried on them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from bot.cases.states import add_event, transition
from bot.customers import identify
from bot.db import OrderLine, Product, ReturnCase, SupplierIncident
from bot.enums import CaseState, Disposition, Reason, Review


def customer(session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def make_case(session, external_id: str, sku: str, *, reason: Reason, disposition: Disposition,
              quantity: str = "1", approved_at: datetime | None, state: CaseState | None = None,
              rule_id: str = "standard.quality_window", created_at: datetime) -> ReturnCase:
    """A case on the customer's line of ``sku``, approved at ``approved_at`` (None: not)."""
    customer_id = customer(session, external_id)
    line = session.scalars(select(OrderLine).join(Product).where(Product.sku == sku)
                           .order_by(OrderLine.id)).all()
    line = next(item for item in line if item.order.customer_id == customer_id)
    case = ReturnCase(customer_id=customer_id, order_line_id=line.id, state=CaseState.SUBMITTED,
                      reason=reason, quantity_affected=Decimal(quantity), disposition=disposition,
                      review=Review.PLATFORM, rule_id=rule_id, decision_text="",
                      refund_amount=line.unit_price * Decimal(quantity),
                      resellable=disposition is Disposition.RETURN_TRIP,
                      created_at=created_at, updated_at=created_at)
    session.add(case)
    session.flush()
    case.ref = f"R{5000 + case.id}"
    add_event(session, case, actor="bot", kind="created", at=created_at,
              to_state=CaseState.SUBMITTED)
    if reason.is_quality:
        product = line.product
        session.add(SupplierIncident(supplier_id=product.supplier_id, product_id=product.id,
                                     batch=product.batch, case_id=case.id, reason=reason,
                                     created_at=created_at))
    if approved_at is not None:
        transition(session, case, CaseState.APPROVED, actor="staff:1", at=approved_at)
    if state is not None and state is not case.state:
        transition(session, case, state, actor="staff:1", at=approved_at or created_at)
    session.flush()
    return case


def returned_rice(session, now: datetime, *, reason: Reason = Reason.DAMAGED, quantity: str = "1",
                  approved: bool = True) -> ReturnCase:
    """demo-2's rice (S001), coming back on the return trip; approved at ``now`` unless
    ``approved`` is False."""
    return make_case(session, "demo-2", "S001", reason=reason,
                     disposition=Disposition.RETURN_TRIP, quantity=quantity,
                     approved_at=now if approved else None, created_at=now)
