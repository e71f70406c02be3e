"""Vocabulary shared by the policy engine, the data layer and the actions.

Values are stable strings: they are stored in the database, written in the policy
file and carried in Rasa slots.
"""
from __future__ import annotations

from enum import Enum


class Category(str, Enum):
    """How a product is handled after sale."""

    FRESH = "fresh"
    STANDARD = "standard"
    CUSTOM = "custom"
    HIGH_VALUE = "high_value"


class OrderStage(str, Enum):
    """Fulfilment stage of an order line, in order."""

    PAID = "paid"
    PACKED = "packed"
    DEPARTED = "departed"
    ARRIVED = "arrived"
    PICKED_UP = "picked_up"


class Reason(str, Enum):
    """Why the customer wants after-sales; quality reasons first."""

    SPOILED = "spoiled"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING = "missing"
    NO_REASON = "no_reason"

    @property
    def is_quality(self) -> bool:
        return self is not Reason.NO_REASON


class Resolution(str, Enum):
    """What the customer wants back."""

    REFUND_ORIGINAL = "refund_original"
    REFUND_BALANCE = "refund_balance"
    COUPON = "coupon"
    EXCHANGE = "exchange"


class Disposition(str, Enum):
    """What happens to the returned goods."""

    ON_SITE = "on_site"
    RETURN_TRIP = "return_trip"
    COURIER_PICKUP = "courier_pickup"
    NONE = "none"


class Review(str, Enum):
    """Who has to look at a case before it is approved."""

    AUTO = "auto"
    LEADER = "leader"
    PLATFORM = "platform"


class CaseState(str, Enum):
    """States of a return case (product.md, "A case's life")."""

    SUBMITTED = "submitted"
    LEADER_REVIEW = "leader_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    CLOSED = "closed"
    CANCELLED = "cancelled"
