"""WeChat Pay's refund result notifications that concern a person: CHANGE or REFUNDCLOSE
sends a refund on its way, or one WeChat Pay had accepted, to the manual queue (checked
with the refund query first when it reverses the ledger) and never says it was paid;
SUCCESS for a refund waiting for a person is checked, then paid, and for one an agent paid
by hand it is a conflict for staff."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from bot import messages
from bot.accounting.reconcile import reconcile
from bot.cases.errors import RefundAlreadyPaid
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.refunds import ledger, payout
from channels.wechatpay.fake_api import QUERY
from tests.bot.refunds.support import (
    PAID_NEWS,
    POLICY,
    audit,
    balanced,
    case_row,
    count,
    lost_answer,
    notify_rows,
    paid_by_job,
    receive,
    refunds_of,
    snapshot,
    told,
)


def ledger_queue():
    with unit_of_work() as session:
        return ledger.manual_queue(session)[0]


def reconcile_text(now: datetime) -> str:
    with unit_of_work() as session:
        return reconcile(session, now - timedelta(days=1), now + timedelta(days=1),
                         title="t").text()


# ---------------------------------------------------------------- WeChat Pay failed it


def test_change_for_a_refund_on_its_way_sends_it_to_a_person_and_never_says_paid(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    fake_pay.set_status(refund.out_refund_no, "CHANGE")

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome) == (True, "manual")
    [manual] = refunds_of(case.id)
    assert (manual.state, manual.manual_reason, manual.uncertain) == (
        "manual", ledger.GATEWAY_REFUSED, True)
    assert "CHANGE" in manual.failure and "商户平台" in manual.failure
    assert case_row(case.id).state is CaseState.REFUND_PENDING
    assert told(manual.id, now) == messages.REFUND_NOTICE["manual"].format(
        ref=case.ref, amount="¥59.80")
    assert payout.run_round(gateway, now + timedelta(hours=2), POLICY) == [], "a person's now"
    assert receive(endpoint, fake_pay, refund.out_refund_no).outcome == "replayed"
    assert balanced(now) == []


def test_change_after_wechat_pay_accepted_it_reopens_it_for_a_person(app_db, now, gateway,
                                                                      fake_pay, endpoint):
    case, refund = paid_by_job(app_db, now, gateway)
    assert told(refund.id, now) == PAID_NEWS.format(ref=case.ref)
    fake_pay.set_status(refund.out_refund_no, "CHANGE")  # the user's card was cancelled

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome) == (True, "reopened")
    [owed] = refunds_of(case.id)
    assert (owed.state, owed.paid_at, owed.paid_by, owed.manual_reason) == (
        "manual", None, None, ledger.GATEWAY_REFUSED)
    assert "CHANGE" in owed.failure and owed.uncertain
    assert notify_rows(owed.id) == [("query", "refused", "CHANGE"),
                                    ("notify", "reopened", "CHANGE")]
    assert [r.out_refund_no for r in ledger_queue()] == [owed.out_refund_no]
    assert count("refund.reopened") == 1
    assert told(owed.id, now) == messages.REFUND_NOTICE["manual"].format(
        ref=case.ref, amount="¥59.80"), "the customer learns a person will pay it"
    assert balanced(now) == []
    report = reconcile_text(now)
    assert "其中待人工退款 1 笔" in report

    # The agent pays it by hand: the usual manual payout, the customer told again.
    with unit_of_work() as session:
        ledger.mark_paid_offline(session, owed.id, actor="staff:1", amount="59.80",
                                 note="微信转账 单号123", at=now + timedelta(hours=1))
    assert told(owed.id, now) == messages.REFUND_NOTICE["offline"].format(
        ref=case.ref, amount="¥59.80")
    assert balanced(now) == []
    assert receive(endpoint, fake_pay, refund.out_refund_no).outcome == "replayed"


def test_a_stale_change_for_a_refund_wechat_pay_still_says_paid_changes_nothing(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund = paid_by_job(app_db, now, gateway)
    before = snapshot(refund.id)

    reply = receive(endpoint, fake_pay, refund.out_refund_no, "CHANGE")  # the query: SUCCESS

    assert (reply.accepted, reply.outcome) == (True, "noted")
    assert snapshot(refund.id) == before
    assert len(fake_pay.calls_to(QUERY)) == 1


def test_a_change_the_query_cannot_confirm_is_refused_for_wechat_pay_to_retry(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund = paid_by_job(app_db, now, gateway)
    fake_pay.set_status(refund.out_refund_no, "REFUNDCLOSE")
    fake_pay.http_error_next(502, path=QUERY)
    before = snapshot(refund.id)

    first = receive(endpoint, fake_pay, refund.out_refund_no)
    assert (first.status, first.accepted, first.reason) == (503, False, "unconfirmed")
    assert snapshot(refund.id) == before

    second = receive(endpoint, fake_pay, refund.out_refund_no)  # WeChat Pay retries
    assert second.outcome == "reopened"
    [owed] = refunds_of(case.id)
    assert "REFUNDCLOSE" in owed.failure and not owed.uncertain


# ---------------------------------------------------------------- a person's refunds


def test_success_for_a_refund_waiting_for_a_person_is_checked_then_paid(app_db, now, gateway,
                                                                        fake_pay, endpoint):
    case, refund, result = lost_answer(app_db, now, gateway, fake_pay,
                                       payout.RetryPolicy(max_attempts=1))
    assert (result.result, refund.state, refund.manual_reason) == (
        "manual", "manual", ledger.RETRIES_EXHAUSTED)
    assert told(refund.id, now) is not None  # "a person will pay it"

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome) == (True, "paid")
    assert notify_rows(refund.id) == [("query", "succeeded", "SUCCESS"),
                                      ("notify", "paid", "SUCCESS")]
    [paid] = refunds_of(case.id)
    assert paid.state == "succeeded" and case_row(case.id).state is CaseState.REFUNDED
    assert told(paid.id, now) == PAID_NEWS.format(ref=case.ref), "then told it is paid"
    assert ledger_queue() == []
    with unit_of_work() as session, pytest.raises(RefundAlreadyPaid):
        ledger.mark_paid_offline(session, paid.id, actor="staff:1", amount="59.80",
                                 note="转账", at=now)
    assert balanced(now) == []


def test_success_for_a_refund_an_agent_paid_by_hand_is_a_conflict_for_staff(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay,
                                  payout.RetryPolicy(max_attempts=1))
    with unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:1", amount="59.80",
                                 note="微信转账", at=now)
    before = snapshot(refund.id)

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome) == (True, "conflict")
    assert snapshot(refund.id) == before
    [conflict] = audit("refund.notify_conflict")
    assert conflict.detail["paid_by"] == "staff:1" and "两次" in conflict.detail["message"]
    assert count("refund.succeeded") == 1
    assert receive(endpoint, fake_pay, refund.out_refund_no).outcome == "replayed"


def test_a_stale_success_for_a_refund_wechat_pay_failed_leaves_it_with_a_person(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay,
                                  payout.RetryPolicy(max_attempts=1))
    fake_pay.set_status(refund.out_refund_no, "CHANGE")

    reply = receive(endpoint, fake_pay, refund.out_refund_no, "SUCCESS")

    assert (reply.accepted, reply.outcome) == (True, "noted")
    assert refunds_of(case.id)[0].state == "manual"
