"""Fuzzing what WeChat (or anyone pretending to be WeChat) posts: the XML, the signature
and the safe-mode envelope. Whatever arrives, the channel answers with one of its own
refusals (``Malformed``/``TooLarge`` → 400/413, ``Rejected`` → 403) or reads a message;
nothing else escapes, nothing hangs, no entity is ever expanded."""
from __future__ import annotations

import asyncio
import itertools

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.db import InboundKey
from bot.db.session import unit_of_work
from bot.settings import WeChatSettings
from channels.wechat import wire
from channels.wechat.client import ApiClient
from channels.wechat.inbound import Inbound, classify
from channels.wechat.outbound import WeChatOutput
from channels.wechat.security import Rejected, check_query, decrypt, encrypt, sign
from channels.wechat.webhook import WeChatWebhook
from tests.fuzz.budget import FUZZ, FUZZ_SLOW

pytestmark = pytest.mark.fuzz

TOKEN, APP_ID = "fuzz-token", "wx-fuzz-app"
AES_KEY = "c2hlcXUtYWZ0ZXJzYWxlcy13ZWNoYXQtc2ltLWtleSE"
SETTINGS = WeChatSettings(TOKEN, APP_ID, "fuzz-secret", AES_KEY, "http://127.0.0.1:9")
NOW = 1_800_000_000

# --- XML a fuzzer would write -----------------------------------------------------------

_TAGS = st.sampled_from(["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content",
                         "MsgId", "Event", "MediaId", "PicUrl", "Recognition", "Encrypt", "xml",
                         "MsgID", "EventKey", "a", "x:y", "1bad", ""])
_TYPES = st.sampled_from(["text", "text", "image", "voice", "event", "video", "location",
                          "link", "", "TEXT", "unknown", "<", "&amp;"])
_PLAIN = st.text(alphabet=st.characters(blacklist_categories=["Cs", "Cc"],
                                        blacklist_characters="<&]"), max_size=60)
_TEXT = st.one_of(_PLAIN, _PLAIN, _PLAIN, st.text(max_size=60), st.sampled_from([
    "草莓烂了", "&lt;&gt;", "&amp;", "&xxe;", "&#0;", "&#x110000;", "]]>", "<![CDATA[",
    "\x00", "\ud7ff", "😡", "<script>", "%param;"]))
_DECLARATIONS = st.sampled_from([
    '<?xml version="1.0" encoding="utf-8"?>',
    '<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]>',
    "<! doctype xml>", "<!ELEMENT xml ANY>", '<!ATTLIST xml a CDATA "x">',
    '<?xml version="1.0" encoding="gbk"?>', "<!-- comment -->", "<?pi data?>",
] + [""] * 10)  # mostly none, as WeChat sends


@st.composite
def _field(draw) -> str:
    tag = draw(_TAGS)
    value = draw(_TEXT)
    if draw(st.booleans()):
        value = f"<![CDATA[{value}]]>"
    attrs = ""
    if draw(st.integers(0, 4)) == 0:
        attrs = f' a="{"x" * draw(st.integers(0, 70_000))}"'  # huge attributes
    return f"<{tag}{attrs}>{value}</{tag}>"


@st.composite
def _message_xml(draw) -> bytes:
    fields = [f"<MsgType><![CDATA[{draw(_TYPES)}]]></MsgType>",
              f"<FromUserName><![CDATA[{draw(_TEXT)}]]></FromUserName>"]
    fields += draw(st.lists(_field(), max_size=8))
    if draw(st.booleans()):
        fields = draw(st.permutations(fields))
    body = "".join(fields)
    prefix = draw(_DECLARATIONS)
    close = draw(st.sampled_from(["</xml>"] * 8 + ["", "</xml></xml>", "</XML>"]))
    encoding = draw(st.sampled_from(["utf-8"] * 8 + ["utf-16", "gb18030"]))
    return f"{prefix}<xml>{body}{close}".encode(encoding, errors="surrogatepass")


_BODIES = st.one_of(_message_xml(), st.binary(max_size=2000), st.text(max_size=500).map(
    lambda text: text.encode("utf-8", errors="surrogatepass")))


def _read(body: bytes) -> Inbound | None:
    """The channel's own path: parse, then classify; ``None`` for a typed refusal."""
    try:
        return classify(wire.parse(body))
    except wire.Malformed:
        return None


@FUZZ
@given(body=_BODIES)
@example(body=b"<xml>" + b"<a>" * 20_000 + b"</xml>")  # deep nesting
@example(body=b'<!DOCTYPE x [<!ENTITY a "' + b"A" * 1000 + b'">]><xml>&a;</xml>')
@example(body=b"<xml><MsgType>text</MsgType><FromUserName>u</FromUserName>"
         b"<Content>&#x1F600;&lt;</Content></xml>")
@example(body=b"\xef\xbb\xbf<xml><MsgType>text</MsgType><FromUserName>u</FromUserName></xml>")
def test_any_body_is_a_message_or_a_typed_refusal(body):
    inbound = _read(body)

    if inbound is not None:
        assert inbound.openid and inbound.key
        assert isinstance(inbound.text, str)


@FUZZ
@given(body=_BODIES)
def test_no_declaration_is_ever_accepted(body):
    if wire._DECLARATION.search(body):
        with pytest.raises(wire.Malformed):
            wire.parse(body)


@FUZZ
@given(size=st.integers(wire.MAX_BODY_BYTES + 1, wire.MAX_BODY_BYTES * 4))
def test_anything_over_the_size_limit_is_too_large(size):
    with pytest.raises(wire.TooLarge):
        wire.parse(b"<xml>" + b" " * size + b"</xml>")


# --- signatures and the safe-mode envelope ----------------------------------------------

_QUERY_VALUES = st.one_of(st.text(max_size=50), st.sampled_from(["", "0", "-1", "1e9", " 42",
                                                                  str(NOW), "9" * 400]))
_QUERIES = st.dictionaries(st.sampled_from(["signature", "timestamp", "nonce", "msg_signature",
                                            "encrypt_type", "echostr", "openid"]),
                           _QUERY_VALUES, max_size=7)


@FUZZ
@given(query=_QUERIES)
def test_a_forged_query_is_rejected_and_nothing_else(query):
    try:
        timestamp, nonce = check_query(TOKEN, query, NOW)
    except Rejected:
        return
    assert query["signature"] == sign(TOKEN, timestamp, nonce)  # only a real signature passes


@FUZZ
@given(body=_BODIES, query=_QUERIES)
def test_a_forged_envelope_is_a_typed_refusal(body, query):
    try:
        decrypt(SETTINGS, query, body)
    except (Rejected, wire.Malformed):
        return
    pytest.fail("a forged envelope was decrypted")


@FUZZ
@given(encrypt_field=st.one_of(st.text(max_size=300), st.binary(max_size=300).map(bytes.hex),
                               st.sampled_from(["", "====", "AAAA", "a" * 43])),
       nonce=st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_a_correctly_signed_but_garbled_envelope_is_malformed(encrypt_field, nonce):
    """Someone with the token but not the key (or a corrupted message): never a crash."""
    timestamp = str(NOW)
    body = f"<xml><Encrypt><![CDATA[{encrypt_field}]]></Encrypt></xml>".encode()
    query = {"timestamp": timestamp, "nonce": nonce,
             "msg_signature": sign(TOKEN, timestamp, nonce, encrypt_field)}
    try:
        decrypt(SETTINGS, query, body)
    except (Rejected, wire.Malformed):
        return


@FUZZ
@given(xml=_message_xml().map(lambda body: body.decode("utf-8", errors="replace")),
       nonce=st.text(alphabet="0123456789", min_size=1, max_size=12))
def test_whatever_the_envelope_carries_is_read_like_a_plaintext_body(xml, nonce):
    timestamp = str(NOW)
    envelope = encrypt(SETTINGS, xml, nonce, timestamp)
    if len(envelope.encode()) > wire.MAX_BODY_BYTES:
        with pytest.raises(wire.TooLarge):  # the webhook answers 413 before decrypting
            decrypt(SETTINGS, {"timestamp": timestamp, "nonce": nonce}, envelope.encode())
        return
    encrypted = wire.parse_fields(envelope)["Encrypt"]
    query = {"timestamp": timestamp, "nonce": nonce, "encrypt_type": "aes",
             "msg_signature": sign(TOKEN, timestamp, nonce, encrypted)}

    inner = decrypt(SETTINGS, query, envelope.encode())

    _read(inner.encode("utf-8"))  # a message or a typed refusal, as in plaintext mode


# --- the webhook as a whole: always an answer -----------------------------------------------

_NONCES = itertools.count(1)


def _message_keys() -> int:
    """Accepted messages and events (nonces aside)."""
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(InboundKey)
                              .where(~InboundKey.key.startswith("nonce:")))


@FUZZ_SLOW
@given(body=_BODIES)
def test_the_webhook_answers_every_signed_body_without_raising(app_db, body):
    """With a valid signature the body reaches the parser: the answer is always one of the
    channel's, and a refused body is never recorded as a message nor reaches Rasa."""
    webhook = WeChatWebhook(SETTINGS, ApiClient(SETTINGS, timeout=1), WeChatOutput(),
                            clock=lambda: NOW)
    nonce = str(next(_NONCES))
    query = {"timestamp": str(NOW), "nonce": nonce, "signature": sign(TOKEN, str(NOW), nonce)}
    received = []

    async def on_new_message(message) -> None:
        received.append(message)

    async def post():
        answer = await webhook.receive(query, body, on_new_message)
        await webhook.drain()
        return answer

    before = _message_keys()
    answer = asyncio.run(post())

    assert answer.status in (200, 400, 403, 413)
    if answer.status != 200:
        assert received == [] and _message_keys() == before
