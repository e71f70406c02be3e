"""Reading WeChat's XML: every message type, and bad input that must not get through."""
from __future__ import annotations

import time

import pytest

from bot import messages as texts
from bot.settings import WeChatSettings
from channels.wechat import wire
from channels.wechat.inbound import Kind, classify
from channels.wechat_sim import WeChatUser

USER = WeChatUser("http://unused", "oUser1", WeChatSettings("t", "wx", "s", None, "http://x"))


def _inbound(msg_type: str, **fields):
    return classify(wire.parse(USER.xml(msg_type, **fields)))


def test_text_goes_to_the_assistant_with_a_msgid_key():
    inbound = _inbound("text", Content="草莓烂了", msg_id=6001)
    assert (inbound.kind, inbound.text, inbound.openid, inbound.key) == (
        Kind.TEXT, "草莓烂了", "oUser1", "msg:6001")


def test_an_image_carries_its_media_id_and_picture_address():
    inbound = _inbound("image", PicUrl="http://mmbiz.example/p.jpg", MediaId="m-1")
    assert (inbound.kind, inbound.media_id, inbound.pic_url) == (
        Kind.PHOTO, "m-1", "http://mmbiz.example/p.jpg")


def test_voice_with_recognition_is_text_and_without_it_we_ask_for_text():
    heard = _inbound("voice", MediaId="v", Format="amr", Recognition="我的菜到了吗")
    assert (heard.kind, heard.text) == (Kind.TEXT, "我的菜到了吗")
    unheard = _inbound("voice", MediaId="v", Format="amr")
    assert (unheard.kind, unheard.text) == (Kind.REPLY, texts.VOICE_NOT_RECOGNISED)


@pytest.mark.parametrize("event_key", ["", "qrscene_123"])
def test_following_the_account_greets(event_key):
    inbound = _inbound("event", Event="subscribe", EventKey=event_key, create_time=1700000000)
    assert (inbound.kind, inbound.text) == (Kind.GREETING, texts.GREETING_PAYLOAD)
    assert inbound.key.startswith("event:oUser1:1700000000:subscribe")


@pytest.mark.parametrize("event", ["unsubscribe", "CLICK", "VIEW", "LOCATION", "somethingnew"])
def test_other_events_are_ignored(event):
    assert _inbound("event", Event=event, EventKey="k").kind is Kind.IGNORE


@pytest.mark.parametrize("msg_type,fields", [
    ("location", {"Location_X": "23.1", "Location_Y": "113.3", "Scale": "20", "Label": "小区"}),
    ("link", {"Title": "t", "Description": "d", "Url": "http://example.com"}),
    ("video", {"MediaId": "m", "ThumbMediaId": "t"}),
    ("shortvideo", {"MediaId": "m", "ThumbMediaId": "t"}),
    ("file", {"Title": "发票.pdf", "FileMd5": "abc", "FileTotalLen": "100"}),
    ("hologram", {"Whatever": "x"}),
])
def test_what_we_cannot_read_gets_the_polite_sentence(msg_type, fields):
    inbound = _inbound(msg_type, **fields)
    assert (inbound.kind, inbound.text) == (Kind.REPLY, texts.UNSUPPORTED_MESSAGE)


def test_events_are_keyed_by_sender_time_and_event():
    first = _inbound("event", Event="subscribe", create_time=1700000000)
    again = _inbound("event", Event="subscribe", create_time=1700000000)
    later = _inbound("event", Event="subscribe", create_time=1700000001)
    assert first.key == again.key != later.key


BOMB = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]>
<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&lol9;</Content></xml>"""
EXTERNAL = """<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>o</FromUserName><MsgType>text</MsgType><Content>&e;</Content></xml>"""


@pytest.mark.parametrize("body", [
    b"not xml at all",
    b"<xml><FromUserName>o</FromUserName><MsgType>text</MsgType>",
    b"<html><body>hi</body></html>",
    b"<xml><FromUserName>o</FromUserName></xml>",
    b"<xml><MsgType>text</MsgType></xml>",
    b"<xml><FromUserName>o</FromUserName><MsgType>a</MsgType><MsgType>b</MsgType></xml>",
    b"<xml>just text</xml>",
    b"",
    "<xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>".encode("gbk") + b"\xff",
    BOMB.encode(),
    EXTERNAL.encode(),
    b'<!doctype xml><xml><FromUserName>o</FromUserName><MsgType>text</MsgType></xml>',
], ids=["not-xml", "unclosed", "other-root", "no-type", "no-sender", "repeated-type",
        "no-fields", "empty", "not-utf8", "billion-laughs", "external-entity", "doctype"])
def test_malformed_bodies_are_refused(body):
    started = time.monotonic()
    with pytest.raises(wire.Malformed):
        classify(wire.parse(body))
    assert time.monotonic() - started < 1


def test_bodies_over_64_kb_are_refused_before_parsing():
    body = USER.xml("text", Content="烂" * 30000).encode()
    assert len(body) > wire.MAX_BODY_BYTES
    with pytest.raises(wire.TooLarge):
        wire.parse(body)
