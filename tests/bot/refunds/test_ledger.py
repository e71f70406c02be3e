"""The refund ledger: the per-line cap (in the database, under concurrency), bad input
refused with a reason, nothing paid twice, destinations, the manual queue, the audit."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.cases import cancel_case, open_case
from bot.cases.errors import AmountInvalid, RefundAlreadyPaid
from bot.cases.review import approve, reject
from bot.db import (
    AuditEntry,
    BalanceEntry,
    Coupon,
    CustomerBalance,
    OrderLineRefundTotal,
    Refund,
    ReturnCase,
)
from bot.db.session import unit_of_work
from bot.enums import CaseState, Resolution
from bot.policy import load_policy
from bot.refunds import ledger
from bot.refunds.balance import balance_of
from bot.refunds.errors import (
    AmountAbovePaid,
    AmountMismatch,
    AmountNotCents,
    AmountNotPositive,
    CaseNotRefundable,
    DestinationInvalid,
    NoteRequired,
    RefundNotManual,
)
from tests.bot.cases.claims import customer_id, missing_claim
from tests.bot.refunds.support import (
    approved_case,
    case_row,
    exchange_case,
    refunds_of,
)


def request(case_id: int, amount, destination=Resolution.REFUND_ORIGINAL, *, now,
            pay: bool = False) -> Refund:
    with unit_of_work() as session:
        case = session.get(ReturnCase, case_id)
        refund = ledger.create_refund(session, case, amount=amount, destination=destination,
                                      actor="staff:1", at=now)
        if pay:
            ledger.start_payout(session, refund, actor="staff:1", at=now, gateway=False)
        session.expunge(refund)
        return refund


def line_total(line_id: int) -> tuple[int, int]:
    with unit_of_work() as session:
        row = session.get(OrderLineRefundTotal, line_id)
        return row.paid_cents, row.refunded_cents


def audit_actions(entity: str = "refund") -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEntry.action)
                                    .where(AuditEntry.entity == entity)
                                    .order_by(AuditEntry.id)))


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


# ---------------------------------------------------------------- destinations


def test_a_balance_refund_is_credited_once_and_the_case_is_refunded(app_db, now):
    case = approved_case(app_db, now, resolution=Resolution.REFUND_BALANCE)

    [refund] = refunds_of(case.id)
    assert (refund.state, refund.paid_by, refund.notify) == ("succeeded", "staff:1", None)
    assert case_row(case.id).state is CaseState.REFUNDED
    with unit_of_work() as session:
        demo1 = customer_id(session, "demo-1")
        assert balance_of(session, demo1) == Decimal("59.80")
        [entry] = session.scalars(select(BalanceEntry)).all()
        assert (entry.amount_cents, entry.kind, entry.refund_id, entry.balance_after_cents) == (
            5980, "refund", refund.id, 5980)
    # The same refund credited again: the database refuses a second entry.
    with pytest.raises(IntegrityError), unit_of_work() as session:
        session.add(BalanceEntry(customer_id=demo1, amount_cents=5980, kind="refund",
                                 refund_id=refund.id, balance_after_cents=11960,
                                 actor="staff:1", created_at=now))


def test_a_coupon_refund_gives_a_coupon_of_the_same_value(app_db, now):
    case = approved_case(app_db, now, resolution=Resolution.COUPON)

    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        coupon = session.get(Coupon, refund.coupon_id)
        assert (coupon.amount, coupon.kind, coupon.state, coupon.code) == (
            Decimal("59.80"), "refund", "issued", refund.external_ref)
    assert refund.state == "succeeded" and case_row(case.id).state is CaseState.REFUNDED


def test_without_wechat_pay_the_refund_waits_for_a_person(app_db, now):
    case = approved_case(app_db, now)

    [refund] = refunds_of(case.id)
    assert (refund.state, refund.manual_reason, refund.attempts) == (
        "manual", "wechat_pay_not_configured", 0)
    assert case_row(case.id).state is CaseState.REFUND_PENDING
    with unit_of_work() as session:
        rows, count = ledger.manual_queue(session)
    assert count == 1 and rows[0].id == refund.id and rows[0].case_ref == case.ref
    assert (rows[0].amount, rows[0].customer_name, rows[0].product) == (
        Decimal("59.80"), "王小美", "丹东草莓")


# ---------------------------------------------------------------- manual payout


def test_a_person_records_the_manual_payout_once(app_db, now):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)

    with unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:7", amount="59.80",
                                 note="微信转账，流水 4200001234", at=now)
    with pytest.raises(RefundAlreadyPaid), unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:8", amount="59.80",
                                 note="又转了一次", at=now)

    [paid] = refunds_of(case.id)
    assert (paid.state, paid.paid_by, paid.manual_note, paid.notify) == (
        "succeeded", "staff:7", "微信转账，流水 4200001234", "offline")
    assert case_row(case.id).state is CaseState.REFUNDED
    with unit_of_work() as session:
        assert ledger.manual_queue(session)[1] == 0
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.paid_offline")).one()
        assert (entry.actor, entry.detail["amount"], entry.detail["note"]) == (
            "staff:7", "59.80", "微信转账，流水 4200001234")


@pytest.mark.parametrize(("amount", "note", "error"), [
    ("29.90", "转账", AmountMismatch),
    ("0", "转账", AmountNotPositive),
    ("59.80", "   ", NoteRequired),
    ("59.80", "很" * 201, NoteRequired),
])
def test_a_wrong_manual_payout_is_refused(app_db, now, amount, note, error):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with pytest.raises(error), unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:7", amount=amount, note=note,
                                 at=now)
    assert refunds_of(case.id)[0].state == "manual"


def test_a_refund_the_gateway_still_has_cannot_be_marked_paid_by_hand(app_db, now):
    case = exchange_case(app_db, now)
    refund = request(case.id, Decimal("10"), now=now)  # pending: WeChat Pay will get it
    with pytest.raises(RefundNotManual), unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:7", amount="10", note="转账",
                                 at=now)


# ---------------------------------------------------------------- changing and auditing


def test_a_refund_sent_to_the_gateway_keeps_its_destination(app_db, now):
    case = approved_case(app_db, now)
    with unit_of_work() as session:
        session.execute(update(Refund).values(attempts=1, state="failed"))
    [refund] = refunds_of(case.id)
    with pytest.raises(RefundAlreadyPaid), unit_of_work() as session:
        ledger.change_destination(session, session.get(Refund, refund.id),
                                  Resolution.REFUND_BALANCE, actor="staff:1", at=now)
    assert refunds_of(case.id)[0].method is Resolution.REFUND_ORIGINAL


def test_every_refund_change_is_audited(app_db, now):
    approved_case(app_db, now, resolution=Resolution.REFUND_BALANCE)

    assert audit_actions() == ["refund.requested", "refund.succeeded"]
    assert audit_actions("balance_entry") == ["balance.credited"]
    with unit_of_work() as session:
        balance = session.scalars(select(CustomerBalance)).one()
        assert balance.balance_cents == 5980
