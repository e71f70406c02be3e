"""The shop: customers and their channel identities, leaders, pickup points,
suppliers, products, orders and order lines."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    JSON,
    Column,
    ForeignKey,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, relationship

from bot.db.base import Base, UTCDateTime, str_enum, utcnow
from bot.enums import Category, OrderStage


class PickupPoint(Base):
    __tablename__ = "pickup_points"

    id: Mapped[int] = Column(Integer, primary_key=True)
    code: Mapped[str] = Column(String(20), unique=True, nullable=False)
    name: Mapped[str] = Column(String(100), nullable=False)
    address: Mapped[str] = Column(String(200), nullable=False)
    opening_hours: Mapped[str] = Column(String(50), nullable=False, default="08:00-21:00")

    leader: Mapped["Leader"] = relationship("Leader", back_populates="pickup_point", uselist=False)


class Leader(Base):
    """A group leader (团长) who runs one pickup point."""

    __tablename__ = "leaders"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(50), nullable=False)
    phone: Mapped[str] = Column(String(20), nullable=False)
    pickup_point_id: Mapped[int] = Column(ForeignKey("pickup_points.id"), unique=True, nullable=False)

    pickup_point: Mapped[PickupPoint] = relationship(PickupPoint, back_populates="leader")


class Customer(Base):
    __tablename__ = "customers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    name: Mapped[str] = Column(String(50), nullable=False)
    nickname: Mapped[str | None] = Column(String(50))
    phone: Mapped[str] = Column(String(20), unique=True, nullable=False)
    pickup_point_id: Mapped[int] = Column(ForeignKey("pickup_points.id"), nullable=False)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    identities: Mapped[list["ChannelIdentity"]] = relationship(
        "ChannelIdentity", back_populates="customer"
    )
    pickup_point: Mapped[PickupPoint] = relationship(PickupPoint)


class ChannelIdentity(Base):
    """Who a sender on a channel is (REST sender id, WeChat openid, Telegram user id)."""

    __tablename__ = "channel_identities"
    __table_args__ = (UniqueConstraint("channel", "external_id"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    channel: Mapped[str] = Column(String(20), nullable=False)
    external_id: Mapped[str] = Column(String(128), nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    bound_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    customer: Mapped[Customer] = relationship(Customer, back_populates="identities")


class Supplier(Base):
    __tablename__ = "suppliers"

    id: Mapped[int] = Column(Integer, primary_key=True)
    code: Mapped[str] = Column(String(20), unique=True, nullable=False)
    name: Mapped[str] = Column(String(100), nullable=False)
    contact: Mapped[str | None] = Column(String(50))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[int] = Column(Integer, primary_key=True)
    sku: Mapped[str] = Column(String(30), unique=True, nullable=False)
    name: Mapped[str] = Column(String(100), nullable=False)
    aliases: Mapped[list[str]] = Column(JSON, nullable=False, default=list)
    category: Mapped[Category] = Column(str_enum(Category, "product_category"), nullable=False)
    price: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    unit: Mapped[str] = Column(String(10), nullable=False)
    supplier_id: Mapped[int] = Column(ForeignKey("suppliers.id"), nullable=False, index=True)
    batch: Mapped[str] = Column(String(40), nullable=False)

    supplier: Mapped[Supplier] = relationship(Supplier)


class Order(Base):
    __tablename__ = "orders"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_no: Mapped[str] = Column(String(30), unique=True, nullable=False)
    customer_id: Mapped[int] = Column(ForeignKey("customers.id"), nullable=False, index=True)
    pickup_point_id: Mapped[int] = Column(ForeignKey("pickup_points.id"), nullable=False)
    pickup_code: Mapped[str] = Column(String(12), nullable=False)
    placed_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)

    customer: Mapped[Customer] = relationship(Customer)
    pickup_point: Mapped[PickupPoint] = relationship(PickupPoint)
    lines: Mapped[list["OrderLine"]] = relationship(
        "OrderLine", back_populates="order", order_by="OrderLine.id"
    )


class OrderLine(Base):
    """One product in an order; each line moves through the fulfilment stages."""

    __tablename__ = "order_lines"

    id: Mapped[int] = Column(Integer, primary_key=True)
    order_id: Mapped[int] = Column(ForeignKey("orders.id"), nullable=False, index=True)
    product_id: Mapped[int] = Column(ForeignKey("products.id"), nullable=False, index=True)
    quantity: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    unit_price: Mapped[Decimal] = Column(Numeric(10, 2), nullable=False)
    stage: Mapped[OrderStage] = Column(str_enum(OrderStage, "order_stage"), nullable=False)
    arrived_at: Mapped[datetime | None] = Column(UTCDateTime)
    picked_up_at: Mapped[datetime | None] = Column(UTCDateTime)

    order: Mapped[Order] = relationship(Order, back_populates="lines")
    product: Mapped[Product] = relationship(Product)
