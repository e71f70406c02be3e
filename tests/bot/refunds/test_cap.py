"""Requesting a refund: the per-line cap (in the database, under concurrency) and bad input
refused with a reason."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.cases import cancel_case, open_case
from bot.cases.errors import AmountInvalid
from bot.cases.review import approve, reject
from bot.db import AuditEntry, OrderLineRefundTotal
from bot.db.session import unit_of_work
from bot.enums import Resolution
from bot.policy import load_policy
from bot.refunds.errors import (
    AmountAbovePaid,
    AmountNotCents,
    AmountNotPositive,
    CaseNotRefundable,
    DestinationInvalid,
)
from tests.bot.cases.claims import customer_id, missing_claim
from tests.bot.refunds.support import (
    approved_case,
    exchange_case,
    refunds_of,
    request,
)


def line_total(line_id: int) -> tuple[int, int]:
    with unit_of_work() as session:
        row = session.get(OrderLineRefundTotal, line_id)
        return row.paid_cents, row.refunded_cents


# ---------------------------------------------------------------- the cap


def test_refunds_of_a_line_add_up_to_what_was_paid_and_no_further(app_db, now):
    case = exchange_case(app_db, now)  # ¥59.80 paid for the line

    first = request(case.id, Decimal("29.90"), now=now)
    second = request(case.id, "29.90", now=now)
    with pytest.raises(AmountAbovePaid) as refused:
        request(case.id, Decimal("0.01"), now=now)

    assert (first.out_refund_no, second.out_refund_no) == (f"{case.ref}-1", f"{case.ref}-2")
    assert line_total(case.order_line_id) == (5980, 5980)
    error = refused.value
    assert (error.reason, error.paid, error.refunded, error.remaining) == (
        "amount_above_paid", Decimal("59.80"), Decimal("59.80"), Decimal("0.00"))
    assert "最多还能退 ¥0.00" in str(error)
    assert len(refunds_of(case.id)) == 2


def test_concurrent_requests_never_refund_more_than_was_paid(app_db, now):
    """Eight requests of ¥20 for a ¥59.80 line at once: two get through, six are refused,
    and the database's total agrees with the refunds."""
    case = exchange_case(app_db, now)
    start = threading.Barrier(8)
    outcomes: list[str] = []
    lock = threading.Lock()

    def attempt() -> None:
        start.wait()
        try:
            request(case.id, Decimal("20.00"), now=now)
            result = "ok"
        except AmountAbovePaid:
            result = "refused"
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(outcomes) == ["ok"] * 2 + ["refused"] * 6
    refunds = refunds_of(case.id)
    assert sum(r.amount for r in refunds) == Decimal("40.00")
    assert len({r.out_refund_no for r in refunds}) == 2
    assert line_total(case.order_line_id) == (5980, 4000)


def test_the_database_itself_refuses_a_total_above_what_was_paid(app_db, now):
    case = exchange_case(app_db, now)
    request(case.id, Decimal("50.00"), now=now)

    with pytest.raises(IntegrityError), unit_of_work() as session:
        # Skipping the ledger's conditional update: the CHECK constraint still says no.
        session.execute(update(OrderLineRefundTotal)
                        .where(OrderLineRefundTotal.order_line_id == case.order_line_id)
                        .values(refunded_cents=OrderLineRefundTotal.paid_cents + 1))
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.execute(text("UPDATE refunds SET amount = -1"))
    assert line_total(case.order_line_id) == (5980, 5000)


def test_two_cases_on_one_line_share_its_cap(app_db, now):
    with unit_of_work() as session:
        missing = open_case(session, missing_claim(session, now), now, load_policy(),
                            "customer:demo-1").case  # one box missing: ¥29.90
    paid = approved_case(app_db, now, amount=Decimal("40.00"))  # both spoiled, ¥40 given
    with pytest.raises(AmountInvalid) as refused, unit_of_work() as session:
        approve(session, missing.id, actor="staff:1", now=now)
    assert refused.value.limit == Decimal("19.80")
    assert line_total(paid.order_line_id) == (5980, 4000)
    with unit_of_work() as session:
        approve(session, missing.id, actor="staff:1", now=now, amount=Decimal("19.80"))
    assert line_total(paid.order_line_id) == (5980, 5980)


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("amount", "error", "reason"), [
    (Decimal("0"), AmountNotPositive, "amount_not_positive"),
    (Decimal("-5"), AmountNotPositive, "amount_not_positive"),
    ("-0.01", AmountNotPositive, "amount_not_positive"),
    (Decimal("0.001"), AmountNotCents, "amount_not_cents"),
    (10.5, AmountNotCents, "amount_not_cents"),
    ("十块", AmountNotCents, "amount_not_cents"),
    (Decimal("NaN"), AmountNotCents, "amount_not_cents"),
    (Decimal("59.81"), AmountAbovePaid, "amount_above_paid"),
    (Decimal("1000"), AmountAbovePaid, "amount_above_paid"),
])
def test_a_bad_amount_is_refused_with_its_reason_and_changes_nothing(app_db, now, amount,
                                                                     error, reason):
    case = exchange_case(app_db, now)
    with unit_of_work() as session:
        before = session.scalar(select(func.count(AuditEntry.id)))

    with pytest.raises(error) as refused:
        request(case.id, amount, now=now)

    assert refused.value.reason == reason and str(refused.value)
    assert refunds_of(case.id) == []
    with unit_of_work() as session:
        assert session.scalar(select(func.count(AuditEntry.id))) == before
        total = session.get(OrderLineRefundTotal, case.order_line_id)
        assert total is None or total.refunded_cents == 0


def test_no_refund_for_a_cancelled_rejected_or_undecided_case(app_db, now):
    with unit_of_work() as session:
        withdrawn = open_case(session, missing_claim(session, now), now, load_policy(),
                              "customer:demo-1").case
        cancel_case(session, customer_id(session, "demo-1"), withdrawn.ref, now, "customer:demo-1")
    with pytest.raises(CaseNotRefundable) as cancelled:
        request(withdrawn.id, Decimal("1"), now=now)
    assert cancelled.value.reason == "case_cancelled"
    assert str(cancelled.value) == "售后单已被顾客撤销，不能退款"

    with unit_of_work() as session:
        undecided = open_case(session, missing_claim(session, now), now, load_policy(),
                              "customer:demo-1").case
    with pytest.raises(CaseNotRefundable) as waiting:
        request(undecided.id, Decimal("1"), now=now)
    assert waiting.value.reason == "case_not_approved"

    with unit_of_work() as session:
        reject(session, undecided.id, actor="staff:1", now=now, reason="两盒都在")
    with pytest.raises(CaseNotRefundable) as rejected:
        request(undecided.id, Decimal("1"), now=now)
    assert rejected.value.reason == "case_rejected"
    assert refunds_of(withdrawn.id) == refunds_of(undecided.id) == []


@pytest.mark.parametrize("destination", [Resolution.EXCHANGE, "cash", None])
def test_only_real_destinations(app_db, now, destination):
    case = exchange_case(app_db, now)
    with pytest.raises(DestinationInvalid):
        request(case.id, Decimal("5"), destination, now=now)

