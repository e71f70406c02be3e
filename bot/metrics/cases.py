"""Figures about after-sales cases: how many opened each day and why, by product,
category and supplier (case → order line → product → supplier)."""
from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db import OrderLine, Product, ReturnCase, Supplier
from bot.enums import Category, Reason
from bot.metrics.period import Period
from bot.metrics.stats import daily_counts


@dataclass
class ReasonCounts:
    """Cases of one product, category or supplier, by reason."""

    key: Hashable
    label: str
    counts: dict[Reason, int] = field(default_factory=lambda: dict.fromkeys(Reason, 0))

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class CaseFigures:
    """Cases opened in the period (any state, withdrawn ones too): per day, and by reason
    for each product, category and supplier, largest first."""

    daily: dict[date, int]
    by_product: list[ReasonCounts]
    by_category: list[ReasonCounts]
    by_supplier: list[ReasonCounts]

    @property
    def total(self) -> int:
        return sum(self.daily.values())


def _group(rows: list, key: Callable, label: Callable) -> list[ReasonCounts]:
    groups: dict[Hashable, ReasonCounts] = {}
    for row in rows:
        group = groups.setdefault(key(row), ReasonCounts(key(row), label(row)))
        group.counts[row.reason] += row.cases
    return sorted(groups.values(), key=lambda group: (-group.total, group.label))


def case_figures(session: Session, period: Period,
                 category_names: dict[Category, str]) -> CaseFigures:
    """Cases per day and reasons by product, category and supplier.

    Args:
        session: A session to read with.
        period: The days.
        category_names: How each category is called (the policy's names).
    """
    in_period = (ReturnCase.created_at >= period.start, ReturnCase.created_at < period.end)
    opened = session.scalars(select(ReturnCase.created_at).where(*in_period)).all()
    rows = session.execute(
        select(Product.id.label("product_id"), Product.name.label("product"),
               Product.category, Supplier.id.label("supplier_id"),
               Supplier.name.label("supplier"), ReturnCase.reason,
               func.count(ReturnCase.id).label("cases"))
        .join(OrderLine, ReturnCase.order_line_id == OrderLine.id)
        .join(Product, OrderLine.product_id == Product.id)
        .join(Supplier, Product.supplier_id == Supplier.id)
        .where(*in_period)
        .group_by(Product.id, Product.name, Product.category, Supplier.id, Supplier.name,
                  ReturnCase.reason)
    ).all()
    return CaseFigures(
        daily=daily_counts(period, opened),
        by_product=_group(rows, lambda row: row.product_id, lambda row: row.product),
        by_category=_group(rows, lambda row: row.category,
                           lambda row: category_names.get(row.category, row.category.value)),
        by_supplier=_group(rows, lambda row: row.supplier_id, lambda row: row.supplier),
    )
