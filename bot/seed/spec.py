"""Typed, validated view of the demo shop file (``demo_shop.yml``).

Everything is frozen: a ``DemoShop`` is a value, loaded once and read by the
seeder and the NLU dictionary builder.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from bot.enums import Category, OrderStage, Reason


class SeedError(ValueError):
    """The demo shop file is malformed or inconsistent."""


@dataclass(frozen=True)
class SupplierSpec:
    code: str
    name: str
    contact: str | None


@dataclass(frozen=True)
class LeaderSpec:
    name: str
    phone: str


@dataclass(frozen=True)
class PickupPointSpec:
    code: str
    name: str
    address: str
    opening_hours: str
    leader: LeaderSpec


@dataclass(frozen=True)
class ProductSpec:
    sku: str
    name: str
    aliases: tuple[str, ...]
    category: Category
    price: Decimal
    unit: str
    supplier: str
    batch: str


@dataclass(frozen=True)
class IdentitySpec:
    channel: str
    external_id: str


@dataclass(frozen=True)
class ClosedCaseSpec:
    """An earlier, already closed return case on an order line."""

    ref: str
    reason: Reason
    quantity: Decimal
    description: str


@dataclass(frozen=True)
class LineSpec:
    sku: str
    quantity: Decimal
    closed_case: ClosedCaseSpec | None = None


@dataclass(frozen=True)
class OrderSpec:
    """An order template; times are hours before the moment of seeding.

    ``arrived_hours_ago`` is set for arrived and picked-up orders,
    ``picked_up_hours_ago`` for picked-up orders only.
    """

    stage: OrderStage
    placed_hours_ago: float
    arrived_hours_ago: float | None
    picked_up_hours_ago: float | None
    lines: tuple[LineSpec, ...]


@dataclass(frozen=True)
class CustomerSpec:
    name: str
    nickname: str | None
    phone: str
    pickup_point: str
    identities: tuple[IdentitySpec, ...]
    note: str | None
    orders: tuple[OrderSpec, ...]


@dataclass(frozen=True)
class DemoShop:
    suppliers: tuple[SupplierSpec, ...]
    pickup_points: tuple[PickupPointSpec, ...]
    products: tuple[ProductSpec, ...]
    customers: tuple[CustomerSpec, ...]

    def product(self, sku: str) -> ProductSpec:
        """The product with ``sku``.

        Raises:
            KeyError: no such product.
        """
        for product in self.products:
            if product.sku == sku:
                return product
        raise KeyError(sku)
