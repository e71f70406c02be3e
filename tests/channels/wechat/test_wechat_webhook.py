"""The webhook without HTTP: checks, de-duplication and each message type's handling."""
from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy import func, select

from bot import messages as texts
from bot.db import (
    ChannelIdentity,
    Customer,
    Evidence,
    InboundKey,
    InboundMessage,
    OutboundMessage,
)
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.db.tracker_store import UrlSQLTrackerStore
from bot.messaging import inbox
from bot.settings import WeChatSettings, get_settings
from channels.wechat import WeChatInput, WeChatOutput
from channels.wechat.client import ApiClient
from channels.wechat.inbound import Inbound, Kind
from channels.wechat.outbound import WeChatOutput as Output
from channels.wechat.webhook import WeChatWebhook
from channels.wechat_sim import WeChatUser
from tests.channels.fake_wechat import APP_ID, APP_SECRET, MEDIA
from tests.images import flat_bytes, jpeg_bytes, png_bytes

BOUND, STRANGER = "oBoundUser", "oStranger"


class Assistant:
    """Stands in for Rasa's message handler: records turns, answers each one."""

    def __init__(self) -> None:
        self.turns = []

    async def __call__(self, message) -> None:
        self.turns.append(message)
        await message.output_channel.send_text_message(message.sender_id, f"收到：{message.text}")


@pytest.fixture
def hook(app_db, wechat_settings):
    with unit_of_work() as session:
        customer_id = session.scalars(select(Customer.id).order_by(Customer.id)).first()
        session.add(ChannelIdentity(channel="wechat", external_id=BOUND, customer_id=customer_id))
    client = ApiClient(wechat_settings, timeout=5)
    webhook = WeChatWebhook(wechat_settings, client, Output())
    webhook.customer_id = customer_id
    return webhook


def _user(settings: WeChatSettings, openid: str = BOUND, encrypted: bool = False) -> WeChatUser:
    return WeChatUser("http://unused", openid, settings, encrypted)


async def _post(hook, assistant, xml, user=None, **signing):
    query, body = (user or _user(hook.settings)).signed(xml, **signing)
    answer = await hook.receive(query, body, assistant)
    await hook.drain()
    return answer


def _outbox(openid: str) -> list[str]:
    with unit_of_work() as session:
        return [row.payload["text"] for row in session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient == openid)
            .order_by(OutboundMessage.id))]


def _count(model) -> int:
    with unit_of_work() as session:
        return session.scalar(select(func.count()).select_from(model))


async def test_verification_echoes_only_for_a_good_signature(hook):
    user = _user(hook.settings)
    query, _ = user.signed("")
    assert (await hook.verify({**query, "echostr": "abc"})).body == "abc"
    assert (await hook.verify({**query, "echostr": "abc", "signature": "0" * 40})).status == 403


async def test_text_reaches_the_assistant_and_the_answer_the_outbox(hook):
    assistant = Assistant()
    user = _user(hook.settings)

    answer = await _post(hook, assistant, user.xml("text", Content="草莓烂了"))

    assert (answer.status, answer.body) == (200, "success")
    [turn] = assistant.turns
    assert (turn.text, turn.sender_id, turn.input_channel) == ("草莓烂了", BOUND, "wechat")
    assert isinstance(turn.output_channel, WeChatOutput)
    assert _outbox(BOUND) == ["收到：草莓烂了"]


@pytest.mark.parametrize("change,status", [
    ({"signature": "0" * 40}, 403),
    ({"timestamp": "1000000000"}, 403),
], ids=["bad-signature", "stale"])
async def test_bad_requests_are_refused_and_nothing_processed(hook, change, status):
    assistant = Assistant()
    query, body = _user(hook.settings).signed(_user(hook.settings).xml("text", Content="你好"))

    answer = await hook.receive({**query, **change}, body, assistant)

    assert answer.status == status
    await hook.drain()
    assert assistant.turns == [] and _count(InboundKey) == 0


async def test_a_replayed_nonce_is_refused(hook):
    assistant = Assistant()
    user = _user(hook.settings)
    query, body = user.signed(user.xml("text", Content="你好"))
    assert (await hook.receive(query, body, assistant)).status == 200

    assert (await hook.receive(query, body, assistant)).status == 403
    await hook.drain()
    assert len(assistant.turns) == 1


async def test_the_same_msgid_three_times_is_one_turn(hook):
    assistant = Assistant()
    user = _user(hook.settings)
    xml = user.xml("text", Content="你好", msg_id=777)

    answers = [await _post(hook, assistant, xml) for _ in range(3)]

    assert [a.body for a in answers] == ["success"] * 3
    assert len(assistant.turns) == 1 and _outbox(BOUND) == ["收到：你好"]


async def test_the_same_event_twice_is_one_greeting(hook):
    assistant = Assistant()
    xml = _user(hook.settings).xml("event", Event="subscribe", create_time=1700000000)
    await _post(hook, assistant, xml)
    await _post(hook, assistant, xml)
    assert [t.text for t in assistant.turns] == [texts.GREETING_PAYLOAD]


async def test_voice_recognition_is_text_and_silence_gets_asked_for_text(hook):
    assistant = Assistant()
    user = _user(hook.settings)
    await _post(hook, assistant, user.xml("voice", MediaId="v1", Recognition="退款到哪一步了"))
    await _post(hook, assistant, user.xml("voice", MediaId="v2"))
    assert [t.text for t in assistant.turns] == ["退款到哪一步了"]
    assert _outbox(BOUND)[-1] == texts.VOICE_NOT_RECOGNISED


async def test_unsupported_types_get_the_polite_sentence(hook):
    assistant = Assistant()
    kinds = ["location", "link", "video", "shortvideo", "file", "unheard-of"]
    for msg_type in kinds:
        await _post(hook, assistant, _user(hook.settings).xml(msg_type, Title="x", MediaId="m"))
    assert assistant.turns == [] and _outbox(BOUND) == [texts.UNSUPPORTED_MESSAGE] * len(kinds)


async def test_a_photo_is_stored_as_the_customers_evidence(hook, fake_wechat):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes(), "image/jpeg")

    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id, PicUrl=""))

    [turn] = assistant.turns
    assert turn.text == texts.PHOTO_TURN_TEXT
    with unit_of_work() as session:
        evidence = session.get(Evidence, turn.metadata["evidence_id"])
        assert evidence.customer_id == hook.customer_id
        assert evidence.conversation_id == BOUND and evidence.mime_type == "image/jpeg"
        assert (get_settings().evidence_dir / evidence.path).read_bytes() == jpeg_bytes()


async def test_the_picture_address_is_the_fallback(hook, fake_wechat):
    assistant = Assistant()
    media_id = fake_wechat.add_media(png_bytes(), "image/png")
    fake_wechat.http_error(500, path="/cgi-bin/media/get")

    await _post(hook, assistant, _user(hook.settings).xml(
        "image", MediaId=media_id, PicUrl=fake_wechat.media_url(media_id)))

    assert [t.text for t in assistant.turns] == [texts.PHOTO_TURN_TEXT]
    assert _count(Evidence) == 1


async def test_an_expired_token_while_downloading_is_refreshed(hook, fake_wechat):
    assistant = Assistant()
    media_id = fake_wechat.add_media(png_bytes(), "image/png")
    fake_wechat.expire_token_once(42001, path="/cgi-bin/media/get")
    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))
    assert len(assistant.turns) == 1 and fake_wechat.tokens_issued == 2


async def test_a_stranger_is_asked_to_bind_before_a_photo_is_stored(hook, fake_wechat):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes())
    await _post(hook, assistant, _user(hook.settings, STRANGER).xml("image", MediaId=media_id))
    assert assistant.turns == [] and _count(Evidence) == 0
    assert _outbox(STRANGER) == [texts.BIND_FIRST]


async def test_a_stranger_still_talks_to_the_assistant(hook):
    assistant = Assistant()
    await _post(hook, assistant, _user(hook.settings, STRANGER).xml("text", Content="你好"))
    assert [(t.sender_id, t.input_channel) for t in assistant.turns] == [(STRANGER, "wechat")]


@pytest.mark.parametrize("content,reply", [
    (b"%PDF-1.4 not a picture at all" * 10, texts.PHOTO_NOT_IMAGE),
    (b"\xff\xd8\xff" + bytes(30 * 1024 * 1024), texts.PHOTO_TOO_LARGE.format(limit_mb=10)),
    (None, texts.PHOTO_DOWNLOAD_FAILED),
    (flat_bytes(), texts.PHOTO_UNCLEAR),
], ids=["disguised", "30-MB", "download-fails", "blank"])
async def test_bad_photos_are_explained_and_not_stored(hook, fake_wechat, content, reply):
    assistant = Assistant()
    media_id = fake_wechat.add_media(content, "image/jpeg") if content else "no-such-media"
    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))
    assert assistant.turns == [] and _count(Evidence) == 0
    assert _outbox(BOUND) == [reply]


async def test_a_message_the_assistant_fails_on_once_is_handled_on_the_next_attempt(
        hook, quick_retries):
    assistant = Assistant()
    calls = []

    async def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise ConnectionError("Redis restarting")
        await assistant(message)

    answer = await _post(hook, flaky, _user(hook.settings).xml("text", Content="你好"))
    assert answer.status == 200 and calls == ["你好", "你好"]
    assert _outbox(BOUND) == ["收到：你好"], "answered once, no apology"
    assert _inbox_states() == ["done"]


async def test_a_message_failing_every_attempt_is_apologised_for_once(hook, quick_retries):
    calls = []

    async def broken(message):
        calls.append(message.text)
        raise RuntimeError("boom")

    answer = await _post(hook, broken, _user(hook.settings).xml("text", Content="你好"))
    assert answer.status == 200 and len(calls) == 3
    assert _outbox(BOUND) == [texts.TECHNICAL_PROBLEM]
    assert _inbox_states() == ["failed"]


async def test_a_photo_wechat_cannot_hand_over_yet_is_fetched_on_a_retry(
        hook, fake_wechat, quick_retries):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes(), "image/jpeg")
    fake_wechat.http_error(502, times=1, path=MEDIA)

    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))

    [turn] = assistant.turns
    assert turn.text == texts.PHOTO_TURN_TEXT and _count(Evidence) == 1
    assert texts.PHOTO_DOWNLOAD_FAILED not in _outbox(BOUND)


async def test_a_photo_wechat_never_hands_over_is_asked_for_again_once(
        hook, fake_wechat, quick_retries):
    assistant = Assistant()
    media_id = fake_wechat.add_media(jpeg_bytes(), "image/jpeg")
    fake_wechat.http_error(502, times=inbox.MAX_ATTEMPTS, path=MEDIA)

    await _post(hook, assistant, _user(hook.settings).xml("image", MediaId=media_id))

    assert assistant.turns == [] and _count(Evidence) == 0
    assert _outbox(BOUND) == [texts.PHOTO_DOWNLOAD_FAILED]
    assert _inbox_states() == ["failed"]


async def test_a_message_another_replica_acknowledged_and_died_on_is_handled_here(hook):
    """The other replica took the message into the inbox and died while handling it:
    once its lease runs out, this replica's worker handles it."""
    stale = utcnow() - inbox.LEASE - timedelta(seconds=5)
    inbound = Inbound(BOUND, "msg:9001", Kind.TEXT, "text", text="草莓烂了")
    with unit_of_work() as session:
        inbox.add(session, "wechat", BOUND, inbound.key, inbound.as_payload(), stale)
        inbox.claim_due(session, "wechat", stale)
    assert _inbox_states() == ["handling"]
    assistant = Assistant()

    hook.attach(assistant)
    await hook.drain()

    assert [t.text for t in assistant.turns] == ["草莓烂了"]
    assert assistant.turns[0].message_id == "msg:9001" and _inbox_states() == ["done"]


async def test_a_message_rasa_stored_before_the_crash_is_not_handled_twice(hook):
    stale = utcnow() - inbox.LEASE - timedelta(seconds=5)
    inbound = Inbound(BOUND, "msg:9002", Kind.TEXT, "text", text="草莓烂了")
    with unit_of_work() as session:
        inbox.add(session, "wechat", BOUND, inbound.key, inbound.as_payload(), stale)
        inbox.claim_due(session, "wechat", stale)
    await _stored_in_tracker(BOUND, "草莓烂了", "msg:9002")
    assistant = Assistant()

    hook.attach(assistant)
    await hook.drain()

    assert assistant.turns == [] and _inbox_states() == ["done"]


def _inbox_states() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(InboundMessage.state).order_by(InboundMessage.id)))


async def _stored_in_tracker(sender: str, text: str, message_id: str) -> None:
    """Writes the customer's message as Rasa's SQL tracker store would have."""
    tracker = DialogueStateTracker.from_events(sender, [
        ActionExecuted("action_listen"),
        UserUttered(text, {"name": "report_spoiled", "confidence": 0.9},
                    input_channel="wechat", message_id=message_id)])
    await UrlSQLTrackerStore(Domain.empty()).save(tracker)


async def test_unreadable_bodies_get_a_400_class_answer(hook):
    assistant = Assistant()
    for body, status in [
        (b"<xml><oops>", 400),
        (b'<!DOCTYPE x [<!ENTITY a "aaaa">]><xml><Content>&a;</Content></xml>', 400),
        (b"<xml>" + b"a" * (65 * 1024) + b"</xml>", 413),
    ]:
        query, _ = _user(hook.settings).signed(b"")
        assert (await hook.receive(query, body, assistant)).status == status, body[:30]
    await hook.drain()
    assert assistant.turns == [] and _outbox(BOUND) == []


async def test_safe_mode_messages_are_decrypted(app_db, fake_wechat):
    settings = WeChatSettings("test-token", APP_ID, APP_SECRET,
                              "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", fake_wechat.url)
    webhook = WeChatWebhook(settings, ApiClient(settings), Output())
    assistant = Assistant()
    user = _user(settings, encrypted=True)
    query, body = user.signed(user.xml("text", Content="我的菜到了吗"))
    assert b"Encrypt" in body and "我的菜".encode() not in body

    assert (await webhook.receive(query, body, assistant)).status == 200
    await webhook.drain()
    assert [t.text for t in assistant.turns] == ["我的菜到了吗"]
    bad = {**query, "msg_signature": "0" * 40, "nonce": "1"}
    bad["signature"] = user.signed(b"", nonce="1", timestamp=query["timestamp"])[0]["signature"]
    assert (await webhook.receive(bad, body, assistant)).status == 403


def _request(query: dict[str, str], body: bytes = b"") -> SimpleNamespace:
    return SimpleNamespace(args={k: [v] for k, v in query.items()}, body=body)


async def test_an_unconfigured_channel_answers_503(monkeypatch):
    for name in ("WECHAT_TOKEN", "WECHAT_APP_ID", "WECHAT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    try:
        channel = WeChatInput.from_credentials(None)
    finally:
        get_settings.cache_clear()
    assert channel.name() == "wechat" and channel.get_output_channel() is None
    assert (await channel.on_get(_request({}))).status == 503
    response = await channel.on_post(_request({}, b"<xml/>"), Assistant())
    assert response.status == 503 and b"WECHAT_TOKEN" in response.body


async def test_the_configured_channel_from_the_environment(app_db, monkeypatch, fake_wechat):
    monkeypatch.setenv("WECHAT_TOKEN", "env-token")
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    monkeypatch.setenv("WECHAT_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("WECHAT_API_BASE_URL", fake_wechat.url)
    get_settings.cache_clear()
    channel = WeChatInput.from_credentials(None)
    try:
        assert isinstance(channel.get_output_channel(), WeChatOutput)
        assert channel.client.API_BASE_URL == f"{fake_wechat.url}/cgi-bin/"
        query, _ = _user(channel.settings).signed("")
        response = await channel.on_get(_request({**query, "echostr": "ok-123"}))
        assert (response.status, response.body) == (200, b"ok-123")
    finally:
        await channel.worker.stop()
        get_settings.cache_clear()
