"""Data layer: tables, engine and sessions, repositories."""
from bot.db.base import Base
from bot.db.cases import (
    AuditEntry,
    CaseEvent,
    Coupon,
    Evidence,
    Refund,
    ReturnCase,
    SupplierIncident,
)
from bot.db.messaging import InboundKey, OutboundMessage
from bot.db.shop import (
    ChannelIdentity,
    Customer,
    Leader,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Supplier,
)

__all__ = [
    "AuditEntry", "Base", "CaseEvent", "ChannelIdentity", "Coupon", "Customer", "Evidence",
    "InboundKey", "Leader", "Order", "OutboundMessage", "OrderLine", "PickupPoint", "Product", "Refund", "ReturnCase",
    "Supplier", "SupplierIncident",
]
