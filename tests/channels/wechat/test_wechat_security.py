"""Signatures, timestamps and safe (AES) mode, checked against wechatpy's own crypto."""
from __future__ import annotations

import time

import pytest
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.utils import check_signature

from bot.settings import WeChatSettings
from channels.wechat import wire
from channels.wechat.security import Rejected, check_query, decrypt, encrypt, sign

TOKEN = "test-token"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
SETTINGS = WeChatSettings(TOKEN, "wx-test-app", "secret", AES_KEY, "http://127.0.0.1:1")
XML = ("<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]>"
       "</FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType>"
       "<Content><![CDATA[草莓烂了]]></Content><MsgId>42</MsgId></xml>")


def _query(timestamp: int, nonce: str = "12345", token: str = TOKEN) -> dict[str, str]:
    return {"signature": sign(token, str(timestamp), nonce), "timestamp": str(timestamp),
            "nonce": nonce}


def test_the_signature_is_the_one_wechatpy_checks():
    signature = sign(TOKEN, "1700000000", "987")
    check_signature(TOKEN, signature, "1700000000", "987")  # raises if different


def test_a_good_signature_with_a_fresh_timestamp_is_accepted():
    now = time.time()
    assert check_query(TOKEN, _query(int(now) - 299), now) == (str(int(now) - 299), "12345")


@pytest.mark.parametrize("query", [
    _query(int(time.time()), token="another-token"),
    {**_query(int(time.time())), "signature": "0" * 40},
    {**_query(int(time.time())), "signature": "签名不对"},
    {"timestamp": str(int(time.time())), "nonce": "1"},
    {},
], ids=["wrong-token", "wrong-signature", "non-ascii-signature", "no-signature", "empty"])
def test_bad_signatures_are_rejected(query):
    with pytest.raises(Rejected):
        check_query(TOKEN, query, time.time())


@pytest.mark.parametrize("age", [301, -301, 86400])
def test_stale_or_future_timestamps_are_rejected(age):
    now = time.time()
    with pytest.raises(Rejected, match="stale"):
        check_query(TOKEN, _query(int(now) - age), now)


def _aes_query(envelope: str, timestamp: str, nonce: str) -> dict[str, str]:
    import xmltodict

    fields = xmltodict.parse(envelope)["xml"]
    return {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
            "msg_signature": fields["MsgSignature"]}


def test_a_message_encrypted_like_wechat_is_decrypted_by_the_channel():
    envelope = WeChatCrypto(TOKEN, AES_KEY, "wx-test-app").encrypt_message(XML, "555", "1700000000")

    plain = decrypt(SETTINGS, _aes_query(envelope, "1700000000", "555"), envelope.encode())

    assert plain == XML
    assert wire.parse(plain).content == "草莓烂了"


def test_what_the_channel_encrypts_wechatpy_decrypts():
    envelope = encrypt(SETTINGS, XML, "777", "1700000001")
    query = _aes_query(envelope, "1700000001", "777")

    crypto = WeChatCrypto(TOKEN, AES_KEY, "wx-test-app")
    assert crypto.decrypt_message(envelope, query["msg_signature"], "1700000001", "777") == XML
    with pytest.raises(InvalidSignatureException):
        crypto.decrypt_message(envelope, "0" * 40, "1700000001", "777")


def test_a_tampered_ciphertext_or_signature_is_rejected():
    envelope = encrypt(SETTINGS, XML, "777", "1700000001")
    query = _aes_query(envelope, "1700000001", "777")
    with pytest.raises(Rejected):
        decrypt(SETTINGS, {**query, "msg_signature": "f" * 40}, envelope.encode())
    tampered = envelope.replace("<Encrypt><![CDATA[", "<Encrypt><![CDATA[AAAA")
    with pytest.raises(Rejected):
        decrypt(SETTINGS, query, tampered.encode())


def test_a_message_for_another_app_or_garbage_is_malformed():
    other = WeChatCrypto(TOKEN, AES_KEY, "wx-other-app").encrypt_message(XML, "1", "1700000002")
    with pytest.raises(wire.Malformed):
        decrypt(SETTINGS, _aes_query(other, "1700000002", "1"), other.encode())

    garbage = "<xml><Encrypt><![CDATA[bm90IGEgY2lwaGVydGV4dA==]]></Encrypt></xml>"
    query = {"timestamp": "1700000003", "nonce": "2", "encrypt_type": "aes",
             "msg_signature": sign(TOKEN, "1700000003", "2", "bm90IGEgY2lwaGVydGV4dA==")}
    with pytest.raises(wire.Malformed):
        decrypt(SETTINGS, query, garbage.encode())


def test_an_encrypted_message_without_a_configured_key_is_malformed():
    envelope = encrypt(SETTINGS, XML, "9", "1700000004")
    plain_settings = WeChatSettings(TOKEN, "wx-test-app", "secret", None, "http://127.0.0.1:1")
    with pytest.raises(wire.Malformed, match="WECHAT_AES_KEY"):
        decrypt(plain_settings, _aes_query(envelope, "1700000004", "9"), envelope.encode())
