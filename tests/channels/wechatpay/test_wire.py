"""Reading WeChat Pay's refund result notifications: req_info's AES-256-ECB with the MD5 of
the API key, strict padding, and XML without DTDs, entities or nested elements."""
from __future__ import annotations

import pytest
from wechatpy.crypto import WeChatRefundCrypto

from channels.wechatpay import wire

KEY = "test-merchant-api-key-32-chars!!"
INNER = wire.to_xml({"out_refund_no": "R1024-1", "refund_fee": 5980,
                     "refund_status": "SUCCESS", "refund_recv_accout": "支付用户的零钱"}, "root")


def test_req_info_round_trips_and_wechatpy_reads_it():
    req_info = wire.encrypt_req_info(INNER, KEY)

    fields, digest = wire.read_req_info(req_info, KEY)

    assert fields == {"out_refund_no": "R1024-1", "refund_fee": "5980",
                      "refund_status": "SUCCESS", "refund_recv_accout": "支付用户的零钱"}
    assert digest == wire.read_req_info(req_info, KEY)[1], "the same notice, the same digest"
    envelope = {"appid": "wx-test", "mch_id": "1900000109", "req_info": req_info}
    assert WeChatRefundCrypto(KEY).decrypt_message(envelope, "wx-test", "1900000109")[
        "out_refund_no"] == "R1024-1"


@pytest.mark.parametrize("req_info", [
    wire.encrypt_req_info(INNER, "another-merchant-api-key-32chars"),
    wire.encrypt_req_info("<root><a>1</a>", KEY),           # decrypts, but is no notice
    wire.encrypt_req_info("<!DOCTYPE root><root/>", KEY),   # a DTD inside
    "%%% not base64 %%%",
    "QUJD",                                                  # not whole AES blocks
    "",
])
def test_anything_but_our_key_s_notice_is_undecryptable(req_info):
    with pytest.raises(wire.Undecryptable):
        wire.read_req_info(req_info, KEY)


@pytest.mark.parametrize("body, error", [
    (b"<!DOCTYPE xml [<!ENTITY a 'b'>]><xml><x>&a;</x></xml>", wire.Malformed),
    (b'<!ENTITY % x SYSTEM "file:///etc/passwd"><xml/>', wire.Malformed),
    (b"<xml><x><y>nested</y></x></xml>", wire.Malformed),
    (b"<other><x>1</x></other>", wire.Malformed),
    (b"\xff\xfe<xml/>", wire.Malformed),
    (b"<xml>" + b" " * wire.MAX_BODY_BYTES + b"</xml>", wire.TooLarge),
])
def test_unsafe_or_unexpected_xml_is_refused(body, error):
    with pytest.raises(error):
        wire.parse_fields(body)


def test_the_reply_is_wechat_pay_s_xml():
    assert wire.reply(True) == ("<xml><return_code><![CDATA[SUCCESS]]></return_code>"
                                "<return_msg><![CDATA[OK]]></return_msg></xml>")
    assert wire.parse_fields(wire.reply(False, "金额不一致 ]]> <x>")) == {
        "return_code": "FAIL", "return_msg": "金额不一致 ]]> <x>"}
