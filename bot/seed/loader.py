"""Parses and validates ``demo_shop.yml`` into a :class:`DemoShop`.

Customers without explicit orders get generated ones, drawn from a seeded
``random.Random`` so every load of the same file yields the same shop.
"""
from __future__ import annotations

import random
import re
from collections.abc import Iterable, Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation
from enum import Enum
from pathlib import Path
from typing import Any, TypeVar

import yaml

from bot.enums import Category, OrderStage, Reason
from bot.seed.orders import generate_orders, order_spec
from bot.seed.spec import (
    ClosedCaseSpec,
    CustomerSpec,
    DemoShop,
    IdentitySpec,
    LeaderSpec,
    LineSpec,
    OrderSpec,
    PickupPointSpec,
    ProductSpec,
    SeedError,
    SupplierSpec,
)

DEFAULT_PATH = Path(__file__).with_name("demo_shop.yml")

_PHONE = re.compile(r"1[3-9]\d{9}")
_CENT = Decimal("0.01")
E = TypeVar("E", bound=Enum)
Raw = Mapping[str, Any]


def load_demo_shop(path: Path | None = None) -> DemoShop:
    """Loads the demo shop file (the bundled ``demo_shop.yml`` by default).

    Raises:
        SeedError: the file cannot be read or its data is invalid; the message
            names the file and the offending entry.
    """
    path = path or DEFAULT_PATH
    try:
        return _parse(_mapping(yaml.safe_load(path.read_text(encoding="utf-8")), "top level"))
    except (OSError, yaml.YAMLError, SeedError) as exc:
        raise SeedError(f"{path}: {exc}") from exc


def _parse(raw: Raw) -> DemoShop:
    suppliers = tuple(_supplier(r, w) for w, r in _entries(raw, "suppliers"))
    _unique((s.code for s in suppliers), "supplier code")
    points = tuple(_pickup_point(r, w) for w, r in _entries(raw, "pickup_points"))
    _unique((p.code for p in points), "pickup point code")
    supplier_codes = {s.code for s in suppliers}
    products = tuple(_product(r, w, supplier_codes) for w, r in _entries(raw, "products"))
    _unique((p.sku for p in products), "sku")
    point_codes, skus = {p.code for p in points}, {p.sku for p in products}
    customers = [_customer(r, w, point_codes, skus) for w, r in _entries(raw, "customers")]
    _unique((c.phone for c in customers), "customer phone")
    _unique((f"{i.channel}:{i.external_id}" for c in customers for i in c.identities), "identity")
    cases = (l.closed_case for c in customers for o in c.orders for l in o.lines)
    _unique((case.ref for case in cases if case), "case ref")
    generated = _mapping(raw.get("generated_orders"), "generated_orders")
    rng = random.Random(_field(generated, "seed", "generated_orders", int))
    bounds = _range(generated, "orders_per_customer"), _range(generated, "lines_per_order")
    customers = [
        c if c.orders else replace(c, orders=generate_orders(rng, products, *bounds))
        for c in customers
    ]
    return DemoShop(suppliers, points, products, tuple(customers))


def _supplier(raw: Any, where: str) -> SupplierSpec:
    raw = _mapping(raw, where)
    return SupplierSpec(_field(raw, "code", where), _field(raw, "name", where), raw.get("contact"))


def _pickup_point(raw: Any, where: str) -> PickupPointSpec:
    raw = _mapping(raw, where)
    leader = _mapping(raw.get("leader"), f"{where}.leader")
    return PickupPointSpec(
        code=_field(raw, "code", where),
        name=_field(raw, "name", where),
        address=_field(raw, "address", where),
        opening_hours=_field(raw, "opening_hours", where),
        leader=LeaderSpec(_field(leader, "name", where), _phone(leader, where)),
    )


def _product(raw: Any, where: str, suppliers: set[str]) -> ProductSpec:
    raw = _mapping(raw, where)
    where = f"{where} ({raw.get('sku')})"
    supplier = _field(raw, "supplier", where)
    if supplier not in suppliers:
        raise SeedError(f"{where}: unknown supplier code {supplier!r}")
    return ProductSpec(
        sku=_field(raw, "sku", where),
        name=_word(_field(raw, "name", where), where),
        aliases=tuple(_word(a, where) for a in _field(raw, "aliases", where, list)),
        category=_enum(Category, raw, "category", where),
        price=_decimal(raw.get("price"), f"{where}.price"),
        unit=_field(raw, "unit", where),
        supplier=supplier,
        batch=str(_field(raw, "batch", where)),
    )


def _customer(raw: Any, where: str, pickup_points: set[str], skus: set[str]) -> CustomerSpec:
    raw = _mapping(raw, where)
    where = f"{where} ({raw.get('name')})"
    point = _field(raw, "pickup_point", where)
    if point not in pickup_points:
        raise SeedError(f"{where}: unknown pickup point {point!r}")
    identities = tuple(
        IdentitySpec(_field(i, "channel", w), _field(i, "external_id", w))
        for w, i in _entries(raw, "identities", where, required=False)
    )
    orders = tuple(_order(o, w, skus) for w, o in _entries(raw, "orders", where, required=False))
    return CustomerSpec(
        name=_field(raw, "name", where),
        nickname=raw.get("nickname"),
        phone=_phone(raw, where),
        pickup_point=point,
        identities=identities,
        note=raw.get("note"),
        orders=orders,
    )


def _order(raw: Any, where: str, skus: set[str]) -> OrderSpec:
    raw = _mapping(raw, where)
    stage = _enum(OrderStage, raw, "stage", where)
    lines = tuple(_line(l, w, skus) for w, l in _entries(raw, "lines", where))
    if stage is not OrderStage.PICKED_UP and any(l.closed_case for l in lines):
        raise SeedError(f"{where}: closed cases need a picked-up order")
    hours = {stem: _hours(raw, stem, where) for stem in ("placed", "arrived", "picked_up")}
    return order_spec(stage, lines, where, **hours)


def _line(raw: Any, where: str, skus: set[str]) -> LineSpec:
    raw = _mapping(raw, where)
    sku = _field(raw, "sku", where)
    if sku not in skus:
        raise SeedError(f"{where}: unknown sku {sku!r}")
    quantity = _decimal(raw.get("quantity"), f"{where}.quantity")
    case = raw.get("closed_case")
    if case is not None:
        case = _closed_case(case, f"{where}.closed_case", quantity)
    return LineSpec(sku, quantity, case)


def _closed_case(raw: Any, where: str, line_quantity: Decimal) -> ClosedCaseSpec:
    raw = _mapping(raw, where)
    affected = _decimal(raw.get("quantity", line_quantity), f"{where}.quantity")
    if affected > line_quantity:
        raise SeedError(f"{where}: quantity {affected} exceeds the line's {line_quantity}")
    return ClosedCaseSpec(
        ref=_field(raw, "ref", where),
        reason=_enum(Reason, raw, "reason", where),
        quantity=affected,
        description=_field(raw, "description", where),
    )


def _entries(
    raw: Raw, key: str, where: str = "top level", required: bool = True
) -> list[tuple[str, Any]]:
    items = raw.get(key)
    if items is None and not required:
        return []
    if not isinstance(items, list) or (required and not items):
        raise SeedError(f"{where}: {key!r} must be a non-empty list")
    return [(f"{key}[{i}]", item) for i, item in enumerate(items)]


def _mapping(value: Any, where: str) -> Raw:
    if not isinstance(value, dict):
        raise SeedError(f"{where}: expected a mapping, got {type(value).__name__}")
    return value


def _field(raw: Raw, key: str, where: str, kind: type = str) -> Any:
    value = raw.get(key)
    if not isinstance(value, kind) or isinstance(value, bool) or value in ("", []):
        raise SeedError(f"{where}: {key!r} must be a non-empty {kind.__name__}")
    return value


def _enum(enum_cls: type[E], raw: Raw, key: str, where: str) -> E:
    value = _field(raw, key, where)
    try:
        return enum_cls(value)
    except ValueError:
        raise SeedError(f"{where}: unknown {key} {value!r}") from None


def _phone(raw: Raw, where: str) -> str:
    phone = _field(raw, "phone", where)
    if not _PHONE.fullmatch(phone):
        raise SeedError(f"{where}: {phone!r} is not an 11-digit mobile number")
    return phone


def _word(word: Any, where: str) -> str:
    if not isinstance(word, str) or not word or any(ch.isspace() for ch in word):
        raise SeedError(f"{where}: product names and aliases must be words without spaces")
    return word


def _decimal(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value)).quantize(_CENT)
    except InvalidOperation:
        raise SeedError(f"{where}: {value!r} is not a number") from None
    if isinstance(value, bool) or amount <= 0:
        raise SeedError(f"{where}: must be a positive number")
    return amount


def _hours(raw: Raw, stem: str, where: str) -> float | None:
    value = raw.get(f"{stem}_hours_ago")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise SeedError(f"{where}: {stem}_hours_ago must be a non-negative number")
    return float(value)


def _range(raw: Raw, key: str) -> tuple[int, int]:
    bounds = raw.get(key)
    if not (
        isinstance(bounds, list)
        and len(bounds) == 2
        and all(isinstance(b, int) and not isinstance(b, bool) for b in bounds)
        and 1 <= bounds[0] <= bounds[1]
    ):
        raise SeedError(f"generated_orders: {key!r} must be [min, max] with 1 <= min <= max")
    return bounds[0], bounds[1]


def _unique(values: Iterable[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise SeedError(f"duplicate {what} {value!r}")
        seen.add(value)
