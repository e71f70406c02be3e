"""The refund ledger: paying at each destination, nothing paid twice, the manual queue and
payout, changing a refund's destination, the audit."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from bot.cases.errors import RefundAlreadyPaid
from bot.db import AuditEntry, BalanceEntry, Coupon, CustomerBalance, Refund
from bot.db.session import unit_of_work
from bot.enums import CaseState, Resolution
from bot.refunds import ledger
from bot.refunds.balance import balance_of
from bot.refunds.errors import AmountMismatch, AmountNotPositive, NoteRequired, RefundNotManual
from tests.bot.cases.claims import customer_id
from tests.bot.refunds.support import (
    approved_case,
    case_row,
    exchange_case,
    refunds_of,
    request,
)


def audit_actions(entity: str = "refund") -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEntry.action)
                                    .where(AuditEntry.entity == entity)
                                    .order_by(AuditEntry.id)))


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
