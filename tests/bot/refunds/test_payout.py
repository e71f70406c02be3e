"""Original-payment refunds end to end: approved case → ledger → payout round → WeChat
Pay's fake on loopback (real HTTP, signed XML) → ledger, case, customer notice."""
from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import select, update

from bot import messages
from bot.db import AuditEntry, Order, OrderLine, Refund
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.refunds import ledger, notices, payout
from bot.refunds.gateway import WeChatPayGateway
from bot.settings import get_settings
from channels.wechatpay.fake_api import QUERY, REFUND
from tests.bot.refunds.support import (
    approved_case,
    attempts_of,
    case_row,
    refunds_of,
    use_wechat_pay,
)

POLICY = payout.RetryPolicy(max_attempts=4, base_seconds=30)


def order_total_cents(refund: Refund) -> int:
    with unit_of_work() as session:
        line = session.get(OrderLine, refund.order_line_id)
        order = session.get(Order, line.order_id)
        return sum(int(item.unit_price * item.quantity * 100) for item in order.lines)


def notice_for(refund_id: int, now) -> notices.RefundNotice | None:
    with unit_of_work() as session:
        return notices.take(session, refund_id, now)


def test_a_refund_wechat_pay_accepts_is_paid_and_the_customer_told(app_db, now, gateway,
                                                                   fake_pay):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    assert (refund.state, refund.next_attempt_at) == ("pending", now)
    assert case_row(case.id).state is CaseState.REFUND_PENDING

    [result] = payout.run_round(gateway, now, POLICY)

    assert (result.result, result.out_refund_no) == ("succeeded", f"{case.ref}-1")
    [paid] = refunds_of(case.id)
    [call] = fake_pay.calls_to(REFUND)
    fake_refund = fake_pay.refunds[paid.out_refund_no]
    assert (paid.state, paid.external_ref, paid.paid_by, paid.attempts) == (
        "succeeded", fake_refund.refund_id, "gateway:wechatpay", 1)
    assert paid.gateway_answer["refund_id"] == fake_refund.refund_id
    assert call["sign_ok"] and call["fields"]["refund_fee"] == "5980"
    assert int(call["fields"]["total_fee"]) == order_total_cents(paid)
    assert attempts_of(paid.id) == [(1, "apply", "succeeded", "SUCCESS")]
    assert case_row(case.id).state is CaseState.REFUNDED
    notice = notice_for(paid.id, now)
    assert notice.text == f"您的售后单 {case.ref} 的退款 ¥59.80 已退回微信零钱，预计1-3天到账～"
    assert notice.chats == (("rest", "demo-1"),)
    assert notice_for(paid.id, now) is None, "told once"


def test_a_temporary_refusal_is_retried_with_the_same_key_after_a_back_off(app_db, now,
                                                                           gateway, fake_pay):
    case = approved_case(app_db, now)
    fake_pay.fail_next("NOTENOUGH", times=2)

    first = payout.run_round(gateway, now, POLICY)
    too_soon = payout.run_round(gateway, now + timedelta(seconds=29), POLICY)
    second = payout.run_round(gateway, now + timedelta(seconds=30), POLICY)
    [refund] = refunds_of(case.id)
    assert (refund.state, refund.next_attempt_at) == ("failed", now + timedelta(seconds=90))
    third = payout.run_round(gateway, now + timedelta(seconds=90), POLICY)

    assert [r.result for r in first + too_soon + second + third] == ["retry", "retry",
                                                                     "succeeded"]
    keys = {call["fields"]["out_refund_no"] for call in fake_pay.calls_to(REFUND)}
    assert keys == {f"{case.ref}-1"} and len(fake_pay.calls_to(REFUND)) == 3
    assert attempts_of(refund.id) == [(1, "apply", "retry", "NOTENOUGH"),
                                      (2, "apply", "retry", "NOTENOUGH"),
                                      (3, "apply", "succeeded", "SUCCESS")]
    assert refunds_of(case.id)[0].state == "succeeded"


def test_after_the_retry_budget_the_refund_goes_to_a_person(app_db, now, gateway, fake_pay):
    case = approved_case(app_db, now)
    fake_pay.fail_next("SYSTEMERROR", times=10)

    moment, results = now, []
    for _ in range(POLICY.max_attempts):
        results += payout.run_round(gateway, moment, POLICY)
        moment += timedelta(hours=1)

    assert [r.result for r in results] == ["retry", "retry", "retry", "manual"]
    [refund] = refunds_of(case.id)
    assert (refund.state, refund.manual_reason, refund.attempts) == (
        "manual", "retries_exhausted", 4)
    assert refund.failure.startswith("SYSTEMERROR")
    assert case_row(case.id).state is CaseState.REFUND_PENDING, "not paid: not refunded"
    assert notice_for(refund.id, now).text == messages.REFUND_NOTICE["manual"].format(
        ref=case.ref, amount="¥59.80")
    assert payout.run_round(gateway, moment + timedelta(days=1), POLICY) == [], "parked"


def test_a_customer_told_a_person_will_pay_hears_again_when_a_person_paid(app_db, now,
                                                                          gateway, fake_pay):
    case = approved_case(app_db, now)
    fake_pay.fail_next("USER_ACCOUNT_ABNORMAL")
    payout.run_round(gateway, now, POLICY)
    [refund] = refunds_of(case.id)
    assert notice_for(refund.id, now).text == messages.REFUND_NOTICE["manual"].format(
        ref=case.ref, amount="¥59.80")

    with unit_of_work() as session:
        ledger.mark_paid_offline(session, refund.id, actor="staff:1", amount="59.80",
                                 note="微信转账", at=now)

    assert notice_for(refund.id, now).text == messages.REFUND_NOTICE["offline"].format(
        ref=case.ref, amount="¥59.80")
    assert notice_for(refund.id, now) is None, "each piece of news once"


def test_a_definitive_refusal_goes_to_a_person_at_once(app_db, now, gateway, fake_pay):
    case = approved_case(app_db, now)
    fake_pay.fail_next("USER_ACCOUNT_ABNORMAL")

    [result] = payout.run_round(gateway, now, POLICY)

    [refund] = refunds_of(case.id)
    assert result.result == "manual"
    assert (refund.state, refund.manual_reason) == ("manual", "gateway_refused")
    assert "用户账号异常" in refund.failure


def test_after_a_timeout_it_asks_before_applying_again_and_pays_once(app_db, now, gateway,
                                                                     fake_pay):
    """WeChat Pay made the refund but the answer never arrived: the next attempt finds it
    by its key instead of refunding again."""
    case = approved_case(app_db, now)
    fake_pay.timeout_next(1.5, process=True)

    [first] = payout.run_round(gateway, now, POLICY)
    [refund] = refunds_of(case.id)
    assert (first.result, refund.state, refund.uncertain) == ("retry", "failed", True)
    [second] = payout.run_round(gateway, now + timedelta(minutes=1), POLICY)

    assert second.result == "succeeded"
    assert attempts_of(refund.id) == [(1, "apply", "unknown", "TIMEOUT"),
                                      (2, "query", "succeeded", "SUCCESS")]
    assert len(fake_pay.calls_to(REFUND)) == 1 and len(fake_pay.refunds) == 1
    assert refunds_of(case.id)[0].external_ref == fake_pay.refunds[refund.out_refund_no].refund_id


def test_after_a_timeout_that_made_nothing_it_applies_again_with_the_same_key(
        app_db, now, gateway, fake_pay):
    case = approved_case(app_db, now)
    fake_pay.timeout_next(1.5, process=False)

    payout.run_round(gateway, now, POLICY)
    [second] = payout.run_round(gateway, now + timedelta(minutes=1), POLICY)

    [refund] = refunds_of(case.id)
    assert second.result == "succeeded" and refund.state == "succeeded"
    assert attempts_of(refund.id) == [(1, "apply", "unknown", "TIMEOUT"),
                                      (2, "query", "not_found", "REFUNDNOTEXIST"),
                                      (2, "apply", "succeeded", "SUCCESS")]
    assert [c["fields"]["out_refund_no"] for c in fake_pay.calls_to(REFUND)] == [
        refund.out_refund_no] * 2


def test_an_answer_with_a_bad_signature_is_not_believed_and_recorded(app_db, now, gateway,
                                                                     fake_pay):
    case = approved_case(app_db, now)
    fake_pay.tamper_next(process=True)

    [first] = payout.run_round(gateway, now, POLICY)

    [refund] = refunds_of(case.id)
    assert (first.result, refund.state, refund.uncertain) == ("retry", "failed", True)
    assert case_row(case.id).state is CaseState.REFUND_PENDING, "a forged success pays nothing"
    with unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.gateway_apply")).one()
    assert (entry.detail["outcome"], entry.detail["code"]) == ("unknown", "BAD_SIGNATURE")
    [second] = payout.run_round(gateway, now + timedelta(minutes=1), POLICY)
    assert second.result == "succeeded" and len(fake_pay.calls_to(REFUND)) == 1


def test_hmac_signed_requests_and_answers_work_too(app_db, now, fake_pay, monkeypatch):
    use_wechat_pay(monkeypatch, fake_pay, sign_type="HMAC-SHA256")
    case = approved_case(app_db, now)

    [result] = payout.run_round(WeChatPayGateway(get_settings().wechat_pay), now, POLICY)

    assert result.result == "succeeded"
    [call] = fake_pay.calls_to(REFUND)
    assert call["fields"]["sign_type"] == "HMAC-SHA256" and call["sign_ok"]
    assert refunds_of(case.id)[0].state == "succeeded"


def test_a_wrong_api_key_is_refused_by_wechat_pay_and_goes_to_a_person(app_db, now, fake_pay,
                                                                       monkeypatch):
    use_wechat_pay(monkeypatch, fake_pay, api_key="x" * 32)
    case = approved_case(app_db, now)

    [result] = payout.run_round(WeChatPayGateway(get_settings().wechat_pay), now, POLICY)

    [refund] = refunds_of(case.id)
    assert result.result == "manual" and refund.failure == "RETURN_FAIL: 签名错误"
    assert fake_pay.refunds == {}


def test_a_process_that_died_mid_call_leaves_the_refund_to_be_checked(app_db, now, gateway,
                                                                      fake_pay):
    case = approved_case(app_db, now)
    [refund] = refunds_of(case.id)
    with unit_of_work() as session:
        claimed = payout.claim(session, refund.id, now)
    fake_pay.add_order(claimed.request.out_trade_no, claimed.request.total_fee)
    gateway.apply(claimed.request)  # ... and the process died before recording it

    assert payout.run_round(gateway, now + timedelta(minutes=1), POLICY) == [], "leased"
    [result] = payout.run_round(gateway, now + payout.LEASE + timedelta(seconds=1), POLICY)

    assert result.result == "succeeded" and len(fake_pay.calls_to(REFUND)) == 1
    assert attempts_of(refund.id) == [(2, "query", "succeeded", "SUCCESS")]


def test_two_replicas_never_send_the_same_refund_twice(app_db, now, gateway, fake_pay):
    case = approved_case(app_db, now)
    start = threading.Barrier(2)
    results = []

    def replica() -> None:
        start.wait()
        results.extend(payout.run_round(gateway, now, POLICY))

    threads = [threading.Thread(target=replica) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert [r.result for r in results] == ["succeeded"]
    assert len(fake_pay.calls_to(REFUND)) == 1 and fake_pay.calls_to(QUERY) == []
    assert refunds_of(case.id)[0].state == "succeeded"


def test_without_wechat_pay_a_waiting_refund_goes_to_a_person_and_the_customer_told(
        app_db, now, gateway, monkeypatch):
    case = approved_case(app_db, now)  # while WeChat Pay was configured: pending
    for name in ("WECHAT_PAY_APP_ID", "WECHAT_PAY_MCH_ID", "WECHAT_PAY_API_KEY"):
        monkeypatch.delenv(name)
    get_settings.cache_clear()

    assert payout.run_round(None, now, POLICY) == []

    [refund] = refunds_of(case.id)
    assert (refund.state, refund.manual_reason, refund.notify) == (
        "manual", "wechat_pay_not_configured", "manual")


def test_a_notice_no_chat_took_is_given_back(app_db, now, gateway):
    case = approved_case(app_db, now)
    payout.run_round(gateway, now, POLICY)
    [refund] = refunds_of(case.id)
    assert notice_for(refund.id, now) is not None
    with unit_of_work() as session:
        notices.give_back(session, refund.id)
        assert notices.due(session) == [refund.id]
        session.execute(update(Refund).values(notified_at=now))
        assert notices.due(session) == []
