"""Returned goods: the warehouse check, the stock ledger and the loss ledger
(``bot.accounting.stock``, ``bot.accounting.losses``).

Each is append-only apart from a loss's settlement, and unique per case where the
business says "once": one warehouse check per case, one restock movement per case, one
loss entry per case. So a check or a booking run twice (a retry, two processes) records
nothing twice; the unique constraints decide, not Python.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import Enum

from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.enums import Reason


class ResponsibleParty(str, Enum):
    """Who bears a loss (``bot.accounting.losses.responsible_party``)."""

    SUPPLIER = "supplier"          # quality: spoiled, wrong goods from the supplier
    LOGISTICS = "logistics"        # damaged or lost in transit (grid warehouse → pickup point)
    PICKUP_POINT = "pickup_point"  # stored badly at the pickup point
    PLATFORM = "platform"          # unknown, or the platform's own choice (先行赔付)


class LossState(str, Enum):
    """A loss is charged to its party at once (the customer was paid first) and settled
    when that party has paid or it is written off."""

    OPEN = "open"
    SETTLED = "settled"


class WarehouseCheck(Base):
    """The grid warehouse's check of goods that came back for one case: how much went
    back to stock and how much was lost (and whose fault, when the checker knows)."""

    __tablename__ = "warehouse_checks"
    __table_args__ = (
        CheckConstraint("quantity_restocked >= 0 AND quantity_lost >= 0", name="quantities"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, unique=True)
    quantity_restocked: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    quantity_lost: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    fault: Mapped[str | None] = Column(String(20))
    note: Mapped[str | None] = Column(String(500))
    checked_by: Mapped[str] = Column(String(60), nullable=False)
    checked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class StockMovement(Base):
    """Goods into (+) or out of (−) sellable stock, by product and batch."""

    __tablename__ = "stock_movements"
    __table_args__ = (UniqueConstraint("case_id", "kind"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False, index=True)
    batch: Mapped[str] = Column(String(40), nullable=False)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"), index=True)
    kind: Mapped[str] = Column(String(20), nullable=False)
    quantity: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    unit_value: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    actor: Mapped[str] = Column(String(60), nullable=False)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class LossEntry(Base):
    """Goods of one case that cannot be sold again, charged to the responsible party.

    ``amount`` is the goods' value at the price the customer paid (``quantity`` ×
    ``unit_value``): what 先行赔付 gave the customer for them. ``basis`` says how the
    party was decided (``reason:spoiled``, ``fault:storage``). ``source`` is where the
    goods ended: ``on_site`` (disposed of at the pickup point), ``missing`` (never
    received), ``warehouse`` (came back, failed the check).
    """

    __tablename__ = "loss_entries"
    __table_args__ = (
        CheckConstraint("quantity > 0 AND amount >= 0", name="positive"),
    )

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, unique=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False, index=True)
    supplier_id: Mapped[int] = Column(ForeignKey("suppliers.id"), nullable=False, index=True)
    batch: Mapped[str] = Column(String(40), nullable=False)
    pickup_point_id: Mapped[int] = Column(ForeignKey("pickup_points.id"), nullable=False)
    reason: Mapped[Reason] = Column(str_enum(Reason, "loss_reason"), nullable=False)
    quantity: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    unit_value: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    amount: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    party: Mapped[ResponsibleParty] = Column(str_enum(ResponsibleParty, "loss_party"),
                                             nullable=False, index=True)
    basis: Mapped[str] = Column(String(40), nullable=False)
    source: Mapped[str] = Column(String(20), nullable=False)
    state: Mapped[LossState] = Column(str_enum(LossState, "loss_state"), nullable=False,
                                      default=LossState.OPEN)
    booked_by: Mapped[str] = Column(String(60), nullable=False)
    booked_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    settled_by: Mapped[str | None] = Column(String(60))
    settled_at: Mapped[datetime | None] = Column(UTCDateTime)
    note: Mapped[str | None] = Column(String(500))
