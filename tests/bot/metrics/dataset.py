"""A small, hand-checkable week of after-sales data, inserted row by row.

Days are 2025-03-10 … 2025-03-12 in China time (UTC+8), well before the demo seed's
data, so the seeded shop (customers, products, suppliers, leaders) is used but none of
its orders or cases fall in the period. The numbers each test expects are worked out in
the test's docstring from the rows below.
"""
from __future__ import annotations

import itertools
from datetime import date, datetime, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import (
    CaseEvent,
    ConversationRecord,
    Coupon,
    Customer,
    Leader,
    LeaderTask,
    Order,
    OrderLine,
    PickupPoint,
    Product,
    Refund,
    ReturnCase,
    SatisfactionSurvey,
    SupplierIncident,
    SurveySubject,
    TaskDecision,
)
from bot.enums import CaseState, Disposition, OrderStage, Reason, Resolution, Review
from bot.metrics.period import Period

CHINA = ZoneInfo("Asia/Shanghai")
FIRST, LAST = date(2025, 3, 10), date(2025, 3, 12)
_serial = itertools.count(1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """2025-03-``day`` ``hour``:``minute`` China time, as an aware UTC datetime."""
    return datetime(2025, 3, day, hour, minute, tzinfo=CHINA).astimezone(timezone.utc)


def period() -> Period:
    return Period(FIRST, LAST, CHINA)


def conversation(session: Session, started: datetime, *, user_turns: int = 1,
                 fallbacks: int = 0, escalated: bool = False, first_response_ms: int | None = None,
                 is_leader: bool = False) -> ConversationRecord:
    serial = next(_serial)
    record = ConversationRecord(
        sender_id=f"metrics-{serial}", first_event_id=serial, last_event_id=serial,
        channel="rest", is_leader=is_leader, started_at=started, last_at=started,
        user_turns=user_turns, fallbacks=fallbacks, escalated=escalated,
        first_response_ms=first_response_ms)
    session.add(record)
    return record


def product(session: Session, name: str) -> Product:
    return session.scalars(select(Product).where(Product.name == name)).one()


def order_line(session: Session, product_name: str) -> OrderLine:
    """A fresh order line of ``product_name`` for the first demo customer."""
    customer = session.scalars(select(Customer).order_by(Customer.id)).first()
    item = product(session, product_name)
    order = Order(order_no=f"MT{next(_serial):06d}", customer_id=customer.id,
                  pickup_point_id=customer.pickup_point_id, pickup_code="8888",
                  placed_at=at(1, 9))
    order.lines.append(OrderLine(product_id=item.id, quantity=Decimal("1"),
                                 unit_price=item.price, stage=OrderStage.PICKED_UP,
                                 picked_up_at=at(1, 10)))
    session.add(order)
    session.flush()
    return order.lines[0]


def case(session: Session, product_name: str, reason: Reason, created: datetime,
         state: CaseState, *, settled: list[tuple[CaseState, datetime]] = (),
         resellable: bool = False, words: str | None = None,
         forwarded_words: str | None = None) -> ReturnCase:
    """A case with a ``created`` timeline entry and one entry per ``settled`` move; a
    quality case gets its supplier incident, as opening a case does."""
    line = order_line(session, product_name)
    row = ReturnCase(
        customer_id=line.order.customer_id, order_line_id=line.id, state=state, reason=reason,
        description=words, quantity_affected=Decimal("1"),
        resolution=Resolution.REFUND_ORIGINAL, resellable=resellable,
        disposition=Disposition.RETURN_TRIP if resellable else Disposition.ON_SITE,
        review=Review.AUTO, rule_id="test", decision_text="test", refund_amount=line.unit_price,
        source_text=forwarded_words, created_at=created, updated_at=created)
    row.events.append(CaseEvent(at=created, actor="bot", kind="created",
                                to_state=CaseState.SUBMITTED))
    for target, moment in settled:
        row.events.append(CaseEvent(at=moment, actor="staff:1", kind="state", to_state=target))
    session.add(row)
    session.flush()
    row.ref = f"R{1000 + row.id}"
    if reason.is_quality:
        incident(session, row, line.product, created)
    return row


def incident(session: Session, row: ReturnCase, item: Product,
             created: datetime) -> SupplierIncident:
    found = SupplierIncident(supplier_id=item.supplier_id, product_id=item.id, batch=item.batch,
                             case_id=row.id, reason=row.reason, created_at=created)
    session.add(found)
    session.flush()
    return found


def refund(session: Session, row: ReturnCase, amount: str, created: datetime,
           state: str = "pending") -> None:
    session.add(Refund(case_id=row.id, order_line_id=row.order_line_id,
                       customer_id=row.customer_id, out_refund_no=f"RFT{next(_serial):06d}",
                       amount=Decimal(amount), method=Resolution.REFUND_ORIGINAL,
                       state=state, created_at=created))


def coupon(session: Session, row: ReturnCase | None, amount: str, created: datetime, *,
           kind: str = "compensation", state: str = "issued") -> None:
    customer_id = row.customer_id if row else session.scalars(select(Customer.id)).first()
    session.add(Coupon(code=f"CPT{next(_serial):06d}", customer_id=customer_id,
                       case_id=row.id if row else None, amount=Decimal(amount), kind=kind,
                       state=state, expires_at=created, created_at=created))


def leader_of(session: Session, point_code: str) -> Leader:
    return session.scalars(select(Leader).join(PickupPoint)
                           .where(PickupPoint.code == point_code)).one()


def task(session: Session, row: ReturnCase, point_code: str, created: datetime, *,
         notified: datetime | None = None, decided: datetime | None = None,
         overturned: bool = False) -> None:
    session.add(LeaderTask(
        case_id=row.id, leader_id=leader_of(session, point_code).id, created_at=created,
        due_at=created, notified_at=notified, decided_at=decided,
        decision=TaskDecision.APPROVED if decided else None, overturned=overturned))


def survey(session: Session, score: int | None, answered: datetime | None) -> None:
    session.add(SatisfactionSurvey(conversation_id=f"metrics-{next(_serial)}",
                                   subject=SurveySubject.CASE, asked_at=at(1, 9), score=score,
                                   answered_at=answered))


def seed_week(session: Session) -> dict[str, ReturnCase]:
    """The dataset every figure test reads (see the module docstring)."""
    # Conversations: four customer conversations in the period.
    conversation(session, at(10, 9), user_turns=4, fallbacks=1, first_response_ms=800)
    conversation(session, at(10, 10), user_turns=2, escalated=True, first_response_ms=1200)
    conversation(session, at(11, 7), user_turns=1, fallbacks=1, first_response_ms=400)
    conversation(session, at(11, 12), user_turns=5, is_leader=True, first_response_ms=50)
    conversation(session, at(12, 8), user_turns=0)
    conversation(session, at(12, 20), user_turns=3, escalated=True, first_response_ms=2000)
    conversation(session, at(9, 23, 59), user_turns=2, first_response_ms=10)
    conversation(session, at(13, 0), user_turns=2, first_response_ms=10)
    # Cases.
    cases = {
        "k1": case(session, "丹东草莓", Reason.SPOILED, at(10, 10), CaseState.CLOSED,
                   settled=[(CaseState.APPROVED, at(10, 10)), (CaseState.REFUNDED, at(10, 12)),
                            (CaseState.CLOSED, at(11, 9))], words="草莓发霉了"),
        "k2": case(session, "丹东草莓", Reason.DAMAGED, at(11, 9), CaseState.REJECTED,
                   settled=[(CaseState.REJECTED, at(11, 15))],
                   forwarded_words=("小美：草莓压坏了两盒，盒子都裂开了，汁流得到处都是，"
                                    "太让人失望了，下次还要不要在这里买真的要好好想一想")),
        "k3": case(session, "烟台红富士", Reason.WRONG_ITEM, at(11, 10), CaseState.REFUND_PENDING,
                   words="=HYPERLINK(\"http://x\")"),
        "k4": case(session, "东北大米", Reason.NO_REASON, at(12, 11), CaseState.APPROVED,
                   resellable=True),
        "k5": case(session, "原木抽纸", Reason.DAMAGED, at(12, 12), CaseState.CLOSED,
                   settled=[(CaseState.CLOSED, at(13, 0))]),
        "k6": case(session, "东北大米", Reason.NO_REASON, at(12, 9), CaseState.CANCELLED,
                   resellable=True),
        "k7": case(session, "烟台红富士", Reason.SPOILED, at(9, 20), CaseState.CLOSED,
                   settled=[(CaseState.CLOSED, at(10, 8))]),
    }
    # Money.
    refund(session, cases["k1"], "29.90", at(10, 10))
    refund(session, cases["k3"], "5.98", at(11, 10))
    refund(session, cases["k3"], "9.99", at(11, 10), state="cancelled")
    refund(session, cases["k7"], "5.98", at(9, 20))
    coupon(session, cases["k1"], "3.00", at(10, 10))
    coupon(session, cases["k5"], "5.00", at(12, 13), kind="goodwill")
    coupon(session, cases["k5"], "3.00", at(12, 12), state="revoked")
    coupon(session, None, "10.00", at(11, 9), kind="welcome")
    # Leaders' first checks.
    task(session, cases["k1"], "PP01", at(10, 10), notified=at(10, 10, 5), decided=at(10, 10, 35))
    task(session, cases["k2"], "PP01", at(11, 9), decided=at(11, 11), overturned=True)
    task(session, cases["k3"], "PP02", at(11, 10))
    task(session, cases["k7"], "PP01", at(9, 20), decided=at(9, 21))
    # Satisfaction.
    for score, answered in ((5, at(10, 11)), (4, at(10, 18)), (1, at(11, 16)), (5, at(12, 9)),
                            (5, at(12, 21)), (None, None), (2, at(13, 1))):
        survey(session, score, answered)
    session.flush()
    return cases
