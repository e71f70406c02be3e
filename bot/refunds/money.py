"""Amounts: yuan as ``Decimal`` with two places at the edges, whole cents (fen) inside the
ledgers and on the wire to WeChat Pay."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from bot.db import OrderLine
from bot.refunds.errors import AmountNotCents, AmountNotPositive

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def cents(amount: Decimal) -> int:
    """``Decimal("29.90")`` → ``2990``."""
    return int((Decimal(amount) * 100).to_integral_value(rounding=ROUND_HALF_UP))


def yuan(value: int) -> Decimal:
    """``2990`` → ``Decimal("29.90")``."""
    return (Decimal(value) / 100).quantize(CENT)


def paid_for(line: OrderLine) -> Decimal:
    """What the customer paid for an order line: price × quantity, rounded to the cent."""
    return (Decimal(line.unit_price) * Decimal(line.quantity)).quantize(CENT,
                                                                       rounding=ROUND_HALF_UP)


def refund_amount(amount: object) -> Decimal:
    """A refund amount as yuan with two places.

    Raises:
        AmountNotCents: not a ``Decimal``/``int`` (or numeric text), not finite, or finer
            than a cent (floats are refused: 0.1 + 0.2 is not money).
        AmountNotPositive: zero or negative.
    """
    if isinstance(amount, bool) or not isinstance(amount, (Decimal, int, str)):
        raise AmountNotCents(amount)
    try:
        value = Decimal(amount.strip() if isinstance(amount, str) else amount)
    except (InvalidOperation, ValueError):
        raise AmountNotCents(amount) from None
    if not value.is_finite():
        raise AmountNotCents(amount)
    if value <= 0:
        raise AmountNotPositive(amount)
    if value != value.quantize(CENT):
        raise AmountNotCents(amount)
    return value.quantize(CENT)
