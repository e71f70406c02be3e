"""Order templates: normalising their time offsets and generating the orders of
customers the demo file lists without any."""
from __future__ import annotations

import random
from decimal import Decimal

from bot.enums import Category, OrderStage
from bot.seed.spec import LineSpec, OrderSpec, ProductSpec, SeedError

ARRIVAL_BEFORE_PICKUP_HOURS = 3
PLACED_BEFORE_ARRIVAL_HOURS = 18

_GENERATED_STAGES = (
    (OrderStage.PICKED_UP, 12),
    (OrderStage.ARRIVED, 3),
    (OrderStage.DEPARTED, 2),
    (OrderStage.PACKED, 1),
    (OrderStage.PAID, 2),
)
_PICK_WEIGHT = {Category.FRESH: 6, Category.STANDARD: 3, Category.CUSTOM: 1, Category.HIGH_VALUE: 1}


def order_spec(
    stage: OrderStage,
    lines: tuple[LineSpec, ...],
    where: str,
    placed: float | None = None,
    arrived: float | None = None,
    picked_up: float | None = None,
) -> OrderSpec:
    """Builds an order template, filling in the offsets the stage implies.

    Args:
        stage: the stage every line of the order is at.
        lines: the order's lines.
        where: names the order in error messages.
        placed: hours ago the order was placed (required before arrival).
        arrived: hours ago it arrived at the pickup point (required for arrived).
        picked_up: hours ago it was picked up (required for picked_up only).

    Raises:
        SeedError: an offset is missing, not allowed at this stage, or out of order.
    """
    if stage is OrderStage.PICKED_UP:
        if picked_up is None:
            raise SeedError(f"{where}: picked_up orders need picked_up_hours_ago")
        arrived = arrived if arrived is not None else picked_up + ARRIVAL_BEFORE_PICKUP_HOURS
    elif picked_up is not None:
        raise SeedError(f"{where}: only picked_up orders have picked_up_hours_ago")
    elif stage is OrderStage.ARRIVED and arrived is None:
        raise SeedError(f"{where}: arrived orders need arrived_hours_ago")
    elif stage is not OrderStage.ARRIVED and arrived is not None:
        raise SeedError(f"{where}: a {stage.value} order has not arrived yet")
    if arrived is not None:
        placed = placed if placed is not None else arrived + PLACED_BEFORE_ARRIVAL_HOURS
    elif placed is None:
        raise SeedError(f"{where}: {stage.value} orders need placed_hours_ago")
    times = [t for t in (placed, arrived, picked_up) if t is not None]
    if times != sorted(set(times), reverse=True) or times[-1] < 0:
        raise SeedError(f"{where}: placing must come before arrival, arrival before pickup")
    return OrderSpec(stage, placed, arrived, picked_up, lines)


def generate_orders(
    rng: random.Random,
    products: tuple[ProductSpec, ...],
    orders_per_customer: tuple[int, int],
    lines_per_order: tuple[int, int],
) -> tuple[OrderSpec, ...]:
    """Draws one customer's orders: mostly picked up, mostly fresh produce.

    Args:
        rng: the seeded generator shared by all customers (deterministic output).
        products: the catalogue to draw lines from.
        orders_per_customer: inclusive bounds of the number of orders.
        lines_per_order: inclusive bounds of the number of lines per order.
    """
    stages, stage_weights = zip(*_GENERATED_STAGES)
    weights = [_PICK_WEIGHT[p.category] for p in products]
    orders = []
    for _ in range(rng.randint(*orders_per_customer)):
        stage = rng.choices(stages, stage_weights)[0]
        if stage is OrderStage.PICKED_UP:
            hours = {"picked_up": float(rng.randint(1, 240))}
        elif stage is OrderStage.ARRIVED:
            hours = {"arrived": float(rng.randint(1, 12))}
        else:
            hours = {"placed": float(rng.randint(1, 16))}
        chosen: dict[str, ProductSpec] = {}
        count = min(rng.randint(*lines_per_order), len(products))
        while len(chosen) < count:
            product = rng.choices(products, weights)[0]
            chosen.setdefault(product.sku, product)
        lines = tuple(LineSpec(p.sku, _quantity(rng, p)) for p in chosen.values())
        orders.append(order_spec(stage, lines, "generated order", **hours))
    return tuple(orders)


def _quantity(rng: random.Random, product: ProductSpec) -> Decimal:
    if product.category in (Category.CUSTOM, Category.HIGH_VALUE):
        return Decimal("1.00")
    if product.unit == "斤":
        return Decimal(rng.choice(("1.00", "1.50", "2.00", "3.00")))
    return Decimal(rng.randint(1, 3)).quantize(Decimal("0.01"))
