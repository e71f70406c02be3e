"""WeChat Pay's refund result notifications refused: forged, mismatched or unreadable
bodies reaching the real endpoint code (``RefundNotifyEndpoint``) are answered FAIL,
recorded and change nothing; what the fake WeChat Pay encrypts with the merchant key, an
independent implementation reads too."""
from __future__ import annotations

import pytest

from bot.enums import CaseState
from tests.bot.refunds.support import (
    API_KEY,
    APP_ID,
    MCH_ID,
    audit,
    case_row,
    count,
    lost_answer,
    receive,
    refunds_of,
    snapshot,
    told,
)

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


# ---------------------------------------------------------------- the fake's encryption


def test_the_fake_s_notifications_read_with_wechatpy_too(fake_pay, app_db, now, gateway):
    """An independent implementation (wechatpy's) decrypts what the fake sends."""
    from wechatpy.pay import WeChatPay

    _, refund, _ = lost_answer(app_db, now, gateway, fake_pay)
    data = WeChatPay(APP_ID, API_KEY, MCH_ID).parse_refund_notify_result(
        fake_pay.notification(refund.out_refund_no).decode())
    assert (data["out_refund_no"], data["refund_fee"], data["refund_status"]) == (
        refund.out_refund_no, 5980, "SUCCESS")
