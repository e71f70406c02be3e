"""Demo claims and quick looks at the database for the case service tests."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cases import (
    ClaimDraft,
)
from bot.customers import identify
from bot.db import (
    ReturnCase,
)
from bot.enums import Reason, Resolution
from bot.evidence import store_photo
from bot.orders import LineView, recent_lines
from tests.images import png_bytes


def customer_id(session: Session, external_id: str) -> int:
    return identify(session, "rest", external_id).id


def line(session: Session, external_id: str, product: str, now) -> LineView:
    lines = recent_lines(session, customer_id(session, external_id), now)
    return next(item for item in lines if item.product_name == product)


def photo(session: Session, app_db, external_id: str, color=(200, 30, 40)) -> int:
    return store_photo(session, png_bytes(color=color), customer_id=customer_id(session, external_id),
                       evidence_dir=app_db.data_dir / "evidence").id


def strawberry_claim(session: Session, app_db, now, **changes) -> ClaimDraft:
    """demo-1: one of two boxes of 丹东草莓 went bad, photo sent, money back to WeChat."""
    fields = dict(
        customer_id=customer_id(session, "demo-1"),
        line_id=line(session, "demo-1", "丹东草莓", now).line_id,
        reason=Reason.SPOILED,
        quantity_affected=Decimal("1"),
        evidence_id=photo(session, app_db, "demo-1"),
        resolution=Resolution.REFUND_ORIGINAL,
        conversation_id="demo-1",
        description="草莓发霉了",
    )
    fields.update(changes)
    return ClaimDraft(**fields)


def missing_claim(session: Session, now) -> ClaimDraft:
    """demo-1: one box of strawberries was not in the bag (no photo needed)."""
    return ClaimDraft(customer_id(session, "demo-1"), line(session, "demo-1", "丹东草莓", now).line_id,
                      Reason.MISSING, Decimal("1"))


def count(session: Session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def row(session: Session, ref: str) -> ReturnCase:
    return session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
