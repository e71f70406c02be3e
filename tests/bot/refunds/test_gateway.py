"""The WeChat Pay client (wechatpy underneath) against the fake on loopback: what each
kind of answer means for the payout, and what is not believed; the settings it needs."""
from __future__ import annotations

import pytest

from bot.refunds.gateway import Outcome, RefundRequest, WeChatPayGateway, signature
from bot.settings import WeChatPaySettings, load_settings
from channels.wechatpay.fake_api import QUERY, REFUND
from tests.bot.refunds.support import API_KEY, APP_ID, MCH_ID


def client(fake, sign_type="MD5", key=API_KEY, timeout=0.5) -> WeChatPayGateway:
    return WeChatPayGateway(WeChatPaySettings(APP_ID, MCH_ID, key, None, None, fake.url,
                                              sign_type, timeout))


def refund(key="R1024-1", fee=2990, total=5980) -> RefundRequest:
    return RefundRequest(key, "MT000123", total, fee, "售后单 R1024")


@pytest.mark.parametrize("sign_type", ["MD5", "HMAC-SHA256"])
def test_a_signed_refund_is_made_and_found_by_its_key(fake_pay, sign_type):
    gateway = client(fake_pay, sign_type)

    assert gateway.query("R1024-1").outcome is Outcome.NOT_FOUND
    made = gateway.apply(refund())
    found = gateway.query("R1024-1")

    assert (made.outcome, made.code) == (Outcome.SUCCEEDED, "SUCCESS")
    assert made.refund_id == fake_pay.refunds["R1024-1"].refund_id == found.refund_id
    assert found.outcome is Outcome.SUCCEEDED and found.code == "SUCCESS"
    assert "sign" not in made.answer and made.answer["out_refund_no"] == "R1024-1"
    assert all(call["sign_ok"] for call in fake_pay.calls)


def test_the_same_key_again_gives_the_original_result_and_refunds_once(fake_pay):
    gateway = client(fake_pay)
    first, again = gateway.apply(refund()), gateway.apply(refund())

    assert again.outcome is Outcome.SUCCEEDED and again.refund_id == first.refund_id
    assert len(fake_pay.refunds) == 1 and len(fake_pay.calls_to(REFUND)) == 2
    changed = gateway.apply(refund(fee=100))
    assert (changed.outcome, changed.code) == (Outcome.REFUSED, "PARAM_ERROR")


def test_wechat_pay_never_refunds_more_than_the_order_total(fake_pay):
    gateway = client(fake_pay)
    gateway.apply(refund("R1-1", fee=5000))
    over = gateway.apply(refund("R1-2", fee=1000))
    assert (over.outcome, over.code) == (Outcome.REFUSED, "ERROR")


@pytest.mark.parametrize(("code", "outcome"), [
    ("NOTENOUGH", Outcome.RETRY), ("SYSTEMERROR", Outcome.RETRY),
    ("BIZERR_NEED_RETRY", Outcome.RETRY), ("FREQUENCY_LIMITED", Outcome.RETRY),
    ("USER_ACCOUNT_ABNORMAL", Outcome.REFUSED), ("TRADE_OVERDUE", Outcome.REFUSED),
])
def test_refusals_are_told_apart(fake_pay, code, outcome):
    fake_pay.fail_next(code)
    answer = client(fake_pay).apply(refund())
    assert (answer.outcome, answer.code) == (outcome, code)
    assert fake_pay.refunds == {}


def test_no_answer_in_time_is_unknown(fake_pay):
    fake_pay.timeout_next(1.5, process=True)
    answer = client(fake_pay, timeout=0.3).apply(refund())
    assert (answer.outcome, answer.code) == (Outcome.UNKNOWN, "TIMEOUT")
    assert answer.duration_ms >= 300
    assert "R1024-1" in fake_pay.refunds, "it may well have been made: ask before retrying"


def test_an_answer_with_a_bad_signature_is_not_believed(fake_pay):
    fake_pay.tamper_next(process=True)
    answer = client(fake_pay).apply(refund())
    assert (answer.outcome, answer.code, answer.refund_id) == (Outcome.UNKNOWN, "BAD_SIGNATURE",
                                                               None)
    fake_pay.tamper_next(path=QUERY)
    assert client(fake_pay).query("R1024-1").outcome is Outcome.UNKNOWN


def test_an_http_error_is_unknown_and_a_wrong_key_refused(fake_pay):
    fake_pay.http_error_next(502)
    assert client(fake_pay).apply(refund()).code == "HTTP_502"
    wrong = client(fake_pay, key="x" * 32).apply(refund())
    assert (wrong.outcome, wrong.code, wrong.message) == (Outcome.REFUSED, "RETURN_FAIL",
                                                          "签名错误")
    assert fake_pay.refunds == {}


@pytest.mark.parametrize(("status", "outcome"), [
    ("PROCESSING", Outcome.SUCCEEDED), ("CHANGE", Outcome.REFUSED),
    ("REFUNDCLOSED", Outcome.REFUSED)])
def test_the_query_reports_the_refunds_state(fake_pay, status, outcome):
    gateway = client(fake_pay)
    gateway.apply(refund())
    fake_pay.set_status("R1024-1", status)
    assert (gateway.query("R1024-1").outcome, gateway.query("R1024-1").code) == (outcome, status)


def test_unreachable_is_unknown():
    gateway = WeChatPayGateway(WeChatPaySettings(APP_ID, MCH_ID, API_KEY, None, None,
                                                 "http://127.0.0.1:9", "MD5", 0.5))
    assert gateway.apply(refund()).outcome is Outcome.UNKNOWN


def test_signatures_match_wechat_pays_documented_example():
    # The example of WeChat Pay's signing guide (key 192006250b4c09247ec02edce69f6a2d).
    fields = {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "device_info": "1000",
              "body": "test", "nonce_str": "ibuaiVcKdpRxkhJA"}
    assert signature(fields, "192006250b4c09247ec02edce69f6a2d") == (
        "9A0A8659F005D6984697E2CA0A9CF3B7")


# ---------------------------------------------------------------- settings


def test_wechat_pay_is_off_unless_configured():
    assert load_settings({}).wechat_pay is None
    assert load_settings({"WECHAT_PAY_APP_ID": "wx1", "WECHAT_PAY_MCH_ID": "19"}).wechat_pay is None


def test_wechat_pay_settings_from_the_environment():
    settings = load_settings({
        "WECHAT_PAY_APP_ID": "wx1", "WECHAT_PAY_MCH_ID": "19", "WECHAT_PAY_API_KEY": "k" * 32,
        "WECHAT_PAY_CERT": "/etc/pay/apiclient_cert.pem",
        "WECHAT_PAY_KEY": "/etc/pay/apiclient_key.pem", "WECHAT_PAY_SIGN_TYPE": "hmac-sha256",
        "REFUND_MAX_ATTEMPTS": "3", "REFUND_RETRY_SECONDS": "10"})
    pay = settings.wechat_pay
    assert (pay.api_base_url, pay.sign_type, pay.cert_path) == (
        "https://api.mch.weixin.qq.com", "HMAC-SHA256", "/etc/pay/apiclient_cert.pem")
    assert (settings.refund_max_attempts, settings.refund_retry_seconds) == (3, 10.0)
    assert "k" * 32 not in repr(settings), "the API key stays out of logs"


@pytest.mark.parametrize(("extra", "message"), [
    ({}, "merchant certificate"),
    ({"WECHAT_PAY_CERT": "/c.pem"}, "go together"),
    ({"WECHAT_PAY_API_BASE_URL": "http://127.0.0.1:1", "WECHAT_PAY_SIGN_TYPE": "SHA1"},
     "WECHAT_PAY_SIGN_TYPE"),
])
def test_a_half_done_configuration_is_refused(extra, message):
    env = {"WECHAT_PAY_APP_ID": "wx1", "WECHAT_PAY_MCH_ID": "19", "WECHAT_PAY_API_KEY": "k",
           **extra}
    with pytest.raises(ValueError, match=message):
        load_settings(env)
