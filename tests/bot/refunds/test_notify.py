"""WeChat Pay's refund result notifications applied to the ledger: the real endpoint code
(``RefundNotifyEndpoint``) reading bodies the fake WeChat Pay encrypts with the merchant
key, the payout job paying through the same fake over loopback.

Each notice is applied once: a success pays a refund on its way exactly as the payout job
would (customer told once), a replay changes nothing, a forged or mismatched notice is
refused and recorded, a refund WeChat Pay fails afterwards goes to a person."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from bot import messages
from bot.accounting.reconcile import reconcile
from bot.cases.errors import RefundAlreadyPaid
from bot.db import AuditEntry, Refund, RefundAttempt
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.refunds import ledger, notices, payout
from bot.refunds.gateway import WeChatPayGateway
from bot.settings import get_settings
from channels.wechatpay.fake_api import QUERY, FakeWeChatPay
from channels.wechatpay.notify import RefundNotifyEndpoint
from tests.bot.refunds.support import (
    API_KEY,
    APP_ID,
    MCH_ID,
    approved_case,
    case_row,
    refunds_of,
    use_wechat_pay,
)

POLICY = payout.RetryPolicy(max_attempts=4, base_seconds=30)
PAID_NEWS = "您的售后单 {ref} 的退款 ¥59.80 已退回微信零钱，预计1-3天到账～"


@pytest.fixture
def gateway(app_db, fake_pay, monkeypatch):
    use_wechat_pay(monkeypatch, fake_pay)
    return WeChatPayGateway(get_settings().wechat_pay)


@pytest.fixture
def endpoint(gateway, now) -> RefundNotifyEndpoint:
    return RefundNotifyEndpoint(get_settings().wechat_pay,
                                clock=lambda: now + timedelta(minutes=1))


def receive(endpoint: RefundNotifyEndpoint, fake: FakeWeChatPay, key: str, status=None, /,
            **options):
    return endpoint.receive(fake.notification(key, status, **options), "127.0.0.1")


def audit(action: str) -> list[AuditEntry]:
    with unit_of_work() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                    .order_by(AuditEntry.id)))


def count(action: str) -> int:
    return len(audit(action))


def notify_rows(refund_id: int) -> list[tuple[str, str, str | None]]:
    with unit_of_work() as session:
        return [(a.operation, a.outcome, a.code) for a in session.scalars(
            select(RefundAttempt).where(RefundAttempt.refund_id == refund_id,
                                        RefundAttempt.operation.in_(("notify", "query")))
            .order_by(RefundAttempt.id))]


def told(refund_id: int, at: datetime) -> str | None:
    """The refund's news the payout job would send now (taken once), if any."""
    with unit_of_work() as session:
        if refund_id not in notices.due(session):
            return None
        notice = notices.take(session, refund_id, at)
        return notice and notice.text


def snapshot(refund_id: int) -> tuple:
    with unit_of_work() as session:
        r = session.get(Refund, refund_id)
        attempts = session.scalar(select(func.count(RefundAttempt.id)).where(
            RefundAttempt.refund_id == refund_id,
            RefundAttempt.operation.not_in(("notify", "query"))))
        return (r.state, r.paid_at, r.paid_by, r.external_ref, r.notify, r.notified_at,
                r.manual_reason, r.failure, r.attempts, attempts)


def balanced(now: datetime) -> list[str]:
    with unit_of_work() as session:
        return reconcile(session, now - timedelta(days=1), now + timedelta(days=1),
                         title="t").problems


def lost_answer(app_db, now, gateway, fake_pay, policy=POLICY):
    """An approved strawberry refund WeChat Pay made, whose answer was not believed (a bad
    signature): ``failed``, uncertain, a retry scheduled."""
    case = approved_case(app_db, now)
    fake_pay.tamper_next(process=True)
    [result] = payout.run_round(gateway, now, policy)
    [refund] = refunds_of(case.id)
    assert fake_pay.refunds[refund.out_refund_no].status == "SUCCESS"
    return case, refund, result


def paid_by_job(app_db, now, gateway):
    case = approved_case(app_db, now)
    [result] = payout.run_round(gateway, now, POLICY)
    assert result.result == "succeeded"
    [refund] = refunds_of(case.id)
    return case, refund


# ---------------------------------------------------------------- success


def test_a_success_notice_pays_a_refund_whose_answer_was_lost_once_and_the_customer_is_told_once(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund, result = lost_answer(app_db, now, gateway, fake_pay)
    assert (result.result, refund.state, refund.uncertain) == ("retry", "failed", True)

    reply = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.status, reply.accepted, reply.outcome) == (200, True, "paid")
    assert "<return_code><![CDATA[SUCCESS]]></return_code>" in reply.body
    [paid] = refunds_of(case.id)
    assert (paid.state, paid.paid_by, paid.external_ref, paid.uncertain) == (
        "succeeded", "gateway:wechatpay", fake_pay.refunds[paid.out_refund_no].refund_id, False)
    assert paid.gateway_answer["refund_status"] == "SUCCESS"
    assert case_row(case.id).state is CaseState.REFUNDED
    [succeeded] = audit("refund.succeeded")
    assert (succeeded.detail["via"], succeeded.detail["previous_state"]) == ("notify", "failed")
    assert count("refund.notify_paid") == 1
    assert notify_rows(paid.id) == [("notify", "paid", "SUCCESS")]
    assert told(paid.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(paid.id, now) is None, "told once"
    assert payout.run_round(gateway, now + timedelta(hours=2), POLICY) == [], "nothing due"
    assert balanced(now) == []


def test_a_replayed_notice_is_answered_success_and_changes_nothing(app_db, now, gateway,
                                                                   fake_pay, endpoint):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    body = fake_pay.notification(refund.out_refund_no)
    first = endpoint.receive(body)
    assert told(refund.id, now) is not None
    before = snapshot(refund.id)

    again = [endpoint.receive(body) for _ in range(3)]

    assert [(r.status, r.accepted, r.outcome) for r in again] == [(200, True, "replayed")] * 3
    assert first.outcome == "paid" and snapshot(refund.id) == before
    assert count("refund.succeeded") == 1 and count("refund.notify_replayed") == 3
    assert told(refund.id, now) is None, "not told again"
    assert [o for _, o, _ in notify_rows(refund.id)] == ["paid"] + ["replayed"] * 3


def test_the_notice_for_a_refund_the_job_paid_confirms_it_and_changes_nothing(
        app_db, now, gateway, fake_pay, endpoint):
    case, refund = paid_by_job(app_db, now, gateway)
    before = snapshot(refund.id)

    reply = receive(endpoint, fake_pay, refund.out_refund_no)
    replay = receive(endpoint, fake_pay, refund.out_refund_no)

    assert (reply.accepted, reply.outcome, replay.outcome) == (True, "confirmed", "replayed")
    assert snapshot(refund.id) == before
    assert count("refund.succeeded") == 1 and count("refund.notify_confirmed") == 1


def test_a_notice_arriving_while_the_job_waits_for_the_answer_pays_it_once(
        app_db, now, gateway, fake_pay, endpoint):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    calls = payout.attempt(gateway, claimed)  # WeChat Pay made it; our answer is on its way
    assert refunds_of(case.id)[0].state == "sending"

    reply = receive(endpoint, fake_pay, refund.out_refund_no)
    with unit_of_work() as session:
        late = payout.finish(session, claimed, calls, now, POLICY)

    assert (reply.outcome, late.result) == ("paid", "lost")
    [paid] = refunds_of(case.id)
    assert (paid.state, paid.lease_until) == ("succeeded", None)
    assert count("refund.succeeded") == 1
    assert told(paid.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(paid.id, now) is None
    assert balanced(now) == []


# ---------------------------------------------------------------- refused


@pytest.mark.parametrize("forge, reason, status", [
    ({"api_key": "another-merchant-key-0123456789ab"}, "decrypt_failed", 403),
    ({"tamper": True}, "decrypt_failed", 403),
    ({"mch_id": "1900000999"}, "wrong_merchant", 403),
    ({"app_id": "wx-someone-else"}, "wrong_merchant", 403),
    ({"refund_fee": 1}, "amount_mismatch", 409),
    ({"out_trade_no": "O-OTHER"}, "order_mismatch", 409),
    ({"total_fee": 999999}, "total_mismatch", 409),
    ({"out_refund_no": "R9999-1"}, "unknown_refund", 404),
    ({"refund_id": None}, "incomplete", 400),
    ({"refund_fee": "59.80"}, "bad_amount", 400),
    ({"refund_status": "PAID"}, "unknown_status", 400),
])
def test_a_forged_or_mismatched_notice_is_refused_recorded_and_changes_nothing(
        app_db, now, gateway, fake_pay, endpoint, forge, reason, status):
    case, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    before = snapshot(refund.id)

    reply = receive(endpoint, fake_pay, refund.out_refund_no, **forge)

    assert (reply.status, reply.accepted, reply.reason) == (status, False, reason)
    assert "<return_code><![CDATA[FAIL]]></return_code>" in reply.body
    assert reply.message in reply.body
    assert snapshot(refund.id) == before
    assert case_row(case.id).state is CaseState.REFUND_PENDING
    [refused] = audit("refund.notify_refused")
    assert refused.detail["reason"] == reason and refused.detail["message"] == reply.message
    assert count("refund.succeeded") == 0 and told(refund.id, now) is None


def test_a_refused_notice_sent_again_is_refused_again(app_db, now, gateway, fake_pay,
                                                      endpoint):
    _, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    body = fake_pay.notification(refund.out_refund_no, refund_fee=1)

    answers = [endpoint.receive(body).reason for _ in range(2)]

    assert answers == ["amount_mismatch"] * 2
    assert refunds_of(refund.case_id)[0].state == "failed"


@pytest.mark.parametrize("body, reason", [
    (b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x "SUCCESS">]>'
     b"<xml><return_code>&x;</return_code></xml>", "malformed"),
    (b"<xml><return_code>SUCCESS", "malformed"),
    (b"", "malformed"),
    (b"<xml>" + b"<a>x</a>" * 3000 + b"</xml>", "too_large"),
    (b"<xml><return_code>FAIL</return_code><return_msg>x</return_msg></xml>", "return_fail"),
    (f"<xml><return_code>SUCCESS</return_code><appid>{APP_ID}</appid><mch_id>{MCH_ID}</mch_id>"
     "</xml>".encode(), "no_req_info"),
    (f"<xml><return_code>SUCCESS</return_code><appid>{APP_ID}</appid><mch_id>{MCH_ID}</mch_id>"
     "<req_info>not base64!</req_info></xml>".encode(), "decrypt_failed"),
])
def test_an_unreadable_body_is_refused_and_recorded(app_db, now, gateway, endpoint, body,
                                                    reason):
    reply = endpoint.receive(body, "10.0.0.9")

    assert (reply.accepted, reply.reason) == (False, reason)
    [refused] = audit("refund.notify_refused")
    assert (refused.entity, refused.detail["reason"], refused.detail["source"]) == (
        "wechatpay_notify", reason, "10.0.0.9")


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


def ledger_queue():
    with unit_of_work() as session:
        return ledger.manual_queue(session)[0]


def reconcile_text(now: datetime) -> str:
    with unit_of_work() as session:
        return reconcile(session, now - timedelta(days=1), now + timedelta(days=1),
                         title="t").text()


def test_the_fake_s_notifications_read_with_wechatpy_too(fake_pay, app_db, now, gateway):
    """An independent implementation (wechatpy's) decrypts what the fake sends."""
    from wechatpy.pay import WeChatPay

    _, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    data = WeChatPay(APP_ID, API_KEY, MCH_ID).parse_refund_notify_result(
        fake_pay.notification(refund.out_refund_no).decode())
    assert (data["out_refund_no"], data["refund_fee"], data["refund_status"]) == (
        refund.out_refund_no, 5980, "SUCCESS")



def test_notices_racing_the_job_and_each_other_pay_once(app_db, now, gateway, fake_pay,
                                                        endpoint):
    """The payout job records WeChat Pay's answer while two replicas receive the same
    notification (threads on one SQLite file; PostgreSQL: tests/services)."""
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    calls = payout.attempt(gateway, claimed)
    body = fake_pay.notification(refund.out_refund_no)
    start, outcomes = threading.Barrier(3), []

    def job() -> None:
        start.wait()
        with unit_of_work() as session:
            outcomes.append("job:" + payout.finish(session, claimed, calls, now, POLICY).result)

    def replica() -> None:
        start.wait()
        outcomes.append("notice:" + endpoint.receive(body).outcome)

    threads = [threading.Thread(target=work) for work in (job, replica, replica)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sorted(o for o in outcomes if o.startswith("notice:")) in (
        ["notice:confirmed", "notice:replayed"], ["notice:paid", "notice:replayed"])
    assert ("job:succeeded" in outcomes) == ("notice:confirmed" in outcomes)
    assert count("refund.succeeded") == 1
    assert told(refund.id, now) == PAID_NEWS.format(ref=case.ref)
    assert told(refund.id, now) is None
