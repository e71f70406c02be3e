"""After-sales: return cases and their timeline, evidence, supplier incidents and the
audit log (refunds and coupons: ``bot.db.refunds``)."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.db.shop import Customer, OrderLine
from bot.enums import CaseState, Disposition, Reason, Resolution, Review


class ReturnCase(Base):
    """An after-sales case for one order line and one reason."""

    __tablename__ = "return_cases"

    id: Mapped[int] = Column(Integer, primary_key=True)
    ref: Mapped[str | None] = Column(String(20), unique=True)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    order_line_id: Mapped[int] = Column(ForeignKey("order_lines.id"), nullable=False, index=True)
    state: Mapped[CaseState] = Column(str_enum(CaseState, "case_state"), nullable=False)
    reason: Mapped[Reason] = Column(str_enum(Reason, "case_reason"), nullable=False)
    description: Mapped[str | None] = Column(String(500))
    quantity_affected: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    resolution: Mapped[Resolution | None] = Column(str_enum(Resolution, "case_resolution"))
    resellable: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    disposition: Mapped[Disposition] = Column(str_enum(Disposition, "case_disposition"), nullable=False)
    review: Mapped[Review] = Column(str_enum(Review, "case_review"), nullable=False)
    rule_id: Mapped[str] = Column(String(60), nullable=False)
    decision_text: Mapped[str] = Column(Text, nullable=False)
    refund_amount: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    compensation: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False, default=Decimal("0"))
    risk_flags: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    priority: Mapped[int] = Column(Integer, nullable=False, default=0)
    urge_count: Mapped[int] = Column(Integer, nullable=False, default=0)
    escalated: Mapped[bool] = Column(Boolean, nullable=False, default=False)
    review_due_at: Mapped[datetime | None] = Column(UTCDateTime)
    source: Mapped[str] = Column(String(20), nullable=False, default="customer")
    # Cases a leader created from forwarded group-chat text: who, and the customer's words.
    forwarded_by_leader_id: Mapped[int | None] = Column(ForeignKey("leaders.id"))
    source_text: Mapped[str | None] = Column(Text)
    conversation_id: Mapped[str | None] = Column(String(128), index=True)
    # "<order_line_id>:<reason>" until the case is cancelled or rejected: a unique
    # column, so two cases claiming the same problem on the same line cannot exist,
    # even under concurrent requests.
    open_key: Mapped[str | None] = Column(String(40), unique=True)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    updated_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    customer: Mapped[Customer] = relationship(Customer)
    order_line: Mapped[OrderLine] = relationship(OrderLine)
    events: Mapped[list["CaseEvent"]] = relationship(
        "CaseEvent", back_populates="case", order_by="CaseEvent.id"
    )
    evidence: Mapped[list["Evidence"]] = relationship("Evidence", back_populates="case")


class CaseEvent(Base):
    """One entry of a case's timeline: who changed what, when and why."""

    __tablename__ = "case_events"
    # The metrics and the review's outcome filters look events up by state (migration 0010).
    __table_args__ = (Index("ix_case_events_to_state_at", "to_state", "at"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, index=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    actor: Mapped[str] = Column(String(60), nullable=False)
    kind: Mapped[str] = Column(String(30), nullable=False)
    from_state: Mapped[CaseState | None] = Column(str_enum(CaseState, "event_from_state"))
    to_state: Mapped[CaseState | None] = Column(str_enum(CaseState, "event_to_state"))
    note: Mapped[str | None] = Column(String(500))

    case: Mapped[ReturnCase] = relationship(ReturnCase, back_populates="events")


class Evidence(Base):
    """A photo, stored content-addressed under the data directory.

    ``phash`` (signed 64-bit), its four 16-bit bands (indexed, for lookups) and
    ``phash_fine`` (hex) are the full picture's perceptual hashes; the nine sub-frames'
    are ``EvidenceCropHash`` rows (``bot.evidence.fingerprint``). None on photos stored
    before the hashes existed until ``bot.evidence.store.backfill_fingerprints`` runs.
    """

    __tablename__ = "evidence"

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int | None] = Column(ForeignKey("return_cases.id"), index=True)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    conversation_id: Mapped[str | None] = Column(String(128))
    sha256: Mapped[str] = Column(String(64), nullable=False, index=True)
    path: Mapped[str] = Column(String(300), nullable=False)
    mime_type: Mapped[str] = Column(String(30), nullable=False)
    size_bytes: Mapped[int] = Column(Integer, nullable=False)
    width: Mapped[int] = Column(Integer, nullable=False)
    height: Mapped[int] = Column(Integer, nullable=False)
    taken_at: Mapped[datetime | None] = Column(UTCDateTime)
    source_url: Mapped[str | None] = Column(String(1000))
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
    phash: Mapped[int | None] = Column(BigInteger)
    phash_fine: Mapped[str | None] = Column(String(36))
    phash_band0: Mapped[int | None] = Column(Integer, index=True)
    phash_band1: Mapped[int | None] = Column(Integer, index=True)
    phash_band2: Mapped[int | None] = Column(Integer, index=True)
    phash_band3: Mapped[int | None] = Column(Integer, index=True)

    case: Mapped[ReturnCase | None] = relationship(ReturnCase, back_populates="evidence")


class SupplierIncident(Base):
    """A quality case attributed to the product's supplier and batch."""

    __tablename__ = "supplier_incidents"

    id: Mapped[int] = Column(Integer, primary_key=True)
    supplier_id: Mapped[int] = Column(ForeignKey("suppliers.id"), nullable=False, index=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False)
    batch: Mapped[str] = Column(String(40), nullable=False)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, unique=True)
    reason: Mapped[Reason] = Column(str_enum(Reason, "incident_reason"), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)


class AuditEntry(Base):
    """Append-only record of every state change in the system."""

    __tablename__ = "audit_log"

    id: Mapped[int] = Column(Integer, primary_key=True)
    at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow, index=True)
    actor: Mapped[str] = Column(String(60), nullable=False)
    action: Mapped[str] = Column(String(60), nullable=False)
    entity: Mapped[str] = Column(String(40), nullable=False)
    entity_id: Mapped[str] = Column(String(40), nullable=False)
    detail: Mapped[dict] = Column(JSON, nullable=False, default=dict)
