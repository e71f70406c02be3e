"""The store balance (账户余额): one balance per customer and the entries that move it.

Every change is an entry (``balance_entries``) and a conditional UPDATE of the balance in
the same transaction, so the balance is always the sum of its entries (the reconciliation
checks it), never goes below zero (a CHECK and the UPDATE's condition) and a refund is
credited at most once (``balance_entries.refund_id`` is unique).
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot import audit
from bot.db import BalanceEntry, CustomerBalance
from bot.db.statements import insert_if_missing, moved
from bot.refunds.errors import RefundError
from bot.refunds.money import ZERO, cents, yuan

REFUND = "refund"
SPEND = "spend"
ADJUSTMENT = "adjustment"


class BalanceTooLow(RefundError):
    """A debit larger than the balance."""

    reason = "balance_too_low"

    def __init__(self, amount: Decimal, balance: Decimal) -> None:
        super().__init__(f"余额不足：需要 ¥{amount:.2f}，账户余额 ¥{balance:.2f}")
        self.amount, self.balance = amount, balance


def balance_of(session: Session, customer_id: int) -> Decimal:
    """The customer's store balance in yuan (0.00 when they never had one)."""
    value = session.scalar(select(CustomerBalance.balance_cents)
                           .where(CustomerBalance.customer_id == customer_id))
    return yuan(value) if value is not None else ZERO


def _move(session: Session, customer_id: int, amount_cents: int, *, kind: str,
          refund_id: int | None, actor: str, note: str | None, at: datetime,
          ref: str | None = None) -> BalanceEntry:
    insert_if_missing(session, CustomerBalance.__table__,
                      {"customer_id": customer_id, "balance_cents": 0, "updated_at": at})
    ok = moved(session, update(CustomerBalance)
               .where(CustomerBalance.customer_id == customer_id,
                      CustomerBalance.balance_cents + amount_cents >= 0)
               .values(balance_cents=CustomerBalance.balance_cents + amount_cents,
                       updated_at=at))
    if not ok:
        raise BalanceTooLow(yuan(-amount_cents), balance_of(session, customer_id))
    after = session.scalar(select(CustomerBalance.balance_cents)
                           .where(CustomerBalance.customer_id == customer_id))
    entry = BalanceEntry(customer_id=customer_id, amount_cents=amount_cents, kind=kind,
                         refund_id=refund_id, balance_after_cents=after, actor=actor,
                         note=note, created_at=at)
    session.add(entry)
    session.flush()
    audit.record(session, actor, "balance.credited" if amount_cents > 0 else "balance.debited",
                 "balance_entry", entry.id, ref=ref, customer_id=customer_id,
                 amount=str(yuan(abs(amount_cents))), kind=kind, refund_id=refund_id,
                 balance_after=str(yuan(after)))
    return entry


def credit(session: Session, customer_id: int, amount: Decimal, *, kind: str = REFUND,
           refund_id: int | None = None, actor: str, note: str | None = None,
           at: datetime, ref: str | None = None) -> BalanceEntry:
    """Adds ``amount`` (yuan, positive) to the customer's balance.

    Raises:
        sqlalchemy.exc.IntegrityError: the refund was credited already (unique
            ``refund_id``) — never paid twice.
    """
    return _move(session, customer_id, cents(amount), kind=kind, refund_id=refund_id,
                 actor=actor, note=note, at=at, ref=ref)


def debit(session: Session, customer_id: int, amount: Decimal, *, kind: str = SPEND,
          actor: str, note: str | None = None, at: datetime) -> BalanceEntry:
    """Takes ``amount`` (yuan, positive) from the balance, e.g. paid at checkout.

    Raises:
        BalanceTooLow: the balance is smaller than ``amount``.
    """
    return _move(session, customer_id, -cents(amount), kind=kind, refund_id=None, actor=actor,
                 note=note, at=at)
