"""Each message type's handling through the webhook: text and voice reach the assistant,
unsupported types get a polite sentence, photos are stored as the customer's evidence or
explained, and strangers are asked to bind before a photo is kept."""
from __future__ import annotations

import pytest

from bot import messages as texts
from bot.db import Evidence
from bot.db.session import unit_of_work
from bot.settings import get_settings
from channels.wechat import WeChatOutput
from tests.channels.wechat.webhook_support import (
    BOUND,
    STRANGER,
    Assistant,
    _count,
    _outbox,
    _post,
    _user,
)
from tests.images import flat_bytes, jpeg_bytes, png_bytes


async def test_text_reaches_the_assistant_and_the_answer_the_outbox(hook):
    assistant = Assistant()
    user = _user(hook.settings)

    answer = await _post(hook, assistant, user.xml("text", Content="草莓烂了"))

    assert (answer.status, answer.body) == (200, "success")
    [turn] = assistant.turns
    assert (turn.text, turn.sender_id, turn.input_channel) == ("草莓烂了", BOUND, "wechat")
    assert isinstance(turn.output_channel, WeChatOutput)
    assert _outbox(BOUND) == ["收到：草莓烂了"]


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
