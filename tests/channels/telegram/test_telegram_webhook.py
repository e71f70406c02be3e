"""The Telegram webhook: checks, parsing, de-duplication, and what reaches Rasa."""
from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta

from sqlalchemy import select

from bot import messages as replies
from bot.db import Evidence, InboundKey, InboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import inbox
from bot.settings import TelegramSettings
from channels.telegram import TelegramInput, TelegramOutput
from tests.channels.fake_telegram import (
    SECRET,
    TOKEN,
    callback_update,
    document_update,
    location_update,
    photo_update,
    text_update,
)
from tests.images import flat_bytes, jpeg_bytes


def _body(update: dict) -> bytes:
    return json.dumps(update).encode()


async def _post(channel: TelegramInput, rasa, update: dict | bytes,
                secret: str | None = SECRET) -> int:
    body = update if isinstance(update, bytes) else _body(update)
    status, _ = await channel.receive(body, secret, rasa)
    await channel.wait_idle(10)
    return status


async def test_an_unconfigured_channel_answers_503(app_db, rasa):
    channel = TelegramInput(None)

    assert await _post(channel, rasa, text_update(1, 42, "你好")) == 503
    assert channel.get_output_channel() is None and rasa.messages == []


async def test_the_secret_token_header_is_checked(channel, rasa):
    assert await _post(channel, rasa, text_update(1, 42, "你好"), secret="wrong") == 403
    assert await _post(channel, rasa, text_update(2, 42, "你好"), secret=None) == 403
    assert rasa.messages == []

    assert await _post(channel, rasa, text_update(3, 42, "你好")) == 200
    assert rasa.texts == ["你好"]


async def test_without_a_secret_configured_any_request_is_accepted(app_db, fake_telegram, rasa):
    channel = TelegramInput(TelegramSettings(TOKEN, None, fake_telegram.base_url))

    assert await _post(channel, rasa, text_update(1, 42, "你好"), secret=None) == 200
    assert rasa.texts == ["你好"]


async def test_malformed_json_is_a_400_and_nothing_is_recorded(channel, rasa, app_db):
    assert await _post(channel, rasa, b"{oops") == 400
    assert await _post(channel, rasa, b"[]") == 400
    assert await _post(channel, rasa, b'{"message": {"text": "hi"}}') == 400

    assert rasa.messages == []
    with app_db.session() as session:
        assert session.scalars(select(InboundKey)).all() == []


async def test_a_text_message_reaches_rasa_as_the_telegram_user(channel, rasa):
    assert await _post(channel, rasa, text_update(10, 42, "草莓烂了")) == 200

    [message] = rasa.messages
    assert (message.text, message.sender_id, message.input_channel) == ("草莓烂了", "42", "telegram")
    assert isinstance(message.output_channel, TelegramOutput)
    assert message.metadata["telegram_update_id"] == 10


async def test_start_is_a_greeting(channel, rasa):
    await _post(channel, rasa, text_update(11, 42, "/start"))

    assert rasa.texts == ["/greet"]


async def test_a_button_press_is_answered_and_its_data_sent_as_the_message(
        channel, rasa, fake_telegram):
    await _post(channel, rasa, callback_update(12, 42, "2"))

    assert rasa.texts == ["2"] and rasa.messages[0].sender_id == "42"
    [answered] = fake_telegram.calls_of("answerCallbackQuery")
    assert answered.params["callback_query_id"] == "cq-12"


async def test_a_photo_from_a_bound_customer_becomes_evidence(
        channel, rasa, fake_telegram, bound_user, app_db):
    picture = jpeg_bytes()
    fake_telegram.add_file("straw", picture)

    assert await _post(channel, rasa, photo_update(13, bound_user, "straw")) == 200

    [message] = rasa.messages
    assert message.text == replies.PHOTO_TURN_TEXT and message.sender_id == str(bound_user)
    with app_db.session() as session:
        evidence = session.get(Evidence, message.metadata["evidence_id"])
        assert evidence.size_bytes == len(picture) and evidence.mime_type == "image/jpeg"
        assert evidence.conversation_id == str(bound_user) and evidence.case_id is None
        assert evidence.source_url == "telegram:u-straw" and TOKEN not in evidence.source_url
        assert (app_db.data_dir / "evidence" / evidence.path).read_bytes() == picture
    [get_file] = fake_telegram.calls_of("getFile")
    assert get_file.params["file_id"] == "straw", "the largest size is fetched"


async def test_a_photo_from_an_unbound_user_reaches_rasa_without_evidence(
        channel, rasa, fake_telegram, app_db):
    fake_telegram.add_file("p", jpeg_bytes())

    await _post(channel, rasa, photo_update(14, 999, "p"))

    [message] = rasa.messages
    assert message.text == replies.PHOTO_TURN_TEXT and "evidence_id" not in message.metadata
    assert message.sender_id == "999"
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []


async def test_a_non_image_disguised_as_an_image_is_refused_politely(
        channel, rasa, fake_telegram, bound_user, app_db):
    fake_telegram.add_file("fake", b"MZ\x90\x00 this is not a picture" * 10)

    assert await _post(channel, rasa, document_update(15, bound_user, "fake", "image/jpeg")) == 200

    assert rasa.messages == []
    assert fake_telegram.texts(bound_user) == [replies.PHOTO_NOT_IMAGE]
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []


async def test_a_blank_photo_is_asked_for_again_and_not_stored(
        channel, rasa, fake_telegram, bound_user, app_db):
    fake_telegram.add_file("blank", flat_bytes())

    assert await _post(channel, rasa, photo_update(17, bound_user, "blank")) == 200

    assert rasa.messages == []
    assert fake_telegram.texts(bound_user) == [replies.PHOTO_UNCLEAR]
    with app_db.session() as session:
        assert session.scalars(select(Evidence)).all() == []


async def test_a_30_mb_image_is_refused_without_downloading_it(
        channel, rasa, fake_telegram, bound_user):
    await _post(channel, rasa, document_update(16, bound_user, "huge", "image/jpeg",
                                               file_size=30 * 1024 * 1024))

    assert rasa.messages == [] and fake_telegram.calls_of("getFile") == []
    assert fake_telegram.texts(bound_user) == [replies.photo_too_large(10 * 1024 * 1024)]


async def test_a_failed_download_asks_to_send_again(channel, rasa, fake_telegram, bound_user):
    fake_telegram.fail_next("getFile", 500)

    await _post(channel, rasa, photo_update(17, bound_user, "lost"))

    assert rasa.messages == []
    assert fake_telegram.texts(bound_user) == [replies.PHOTO_DOWNLOAD_FAILED]


async def test_content_it_cannot_read_gets_a_polite_answer(channel, rasa, fake_telegram):
    await _post(channel, rasa, location_update(18, 42))

    assert rasa.messages == []
    assert fake_telegram.texts(42) == [replies.UNSUPPORTED_MESSAGE]


async def test_an_unknown_update_type_is_logged_and_acknowledged(
        channel, rasa, fake_telegram, caplog):
    caplog.set_level(logging.INFO, logger="channels.telegram")
    unknown = {"update_id": 19, "message_reaction_from_the_future": {"chat": {"id": 1}}}
    unreadable = {"update_id": 20, "message": {"message_id": 1, "chat": {"id": 42}}}

    assert await _post(channel, rasa, unknown) == 200
    assert await _post(channel, rasa, unreadable) == 200

    assert rasa.messages == [] and fake_telegram.calls == []
    log = caplog.text
    assert "update 19 ignored" in log and "message_reaction_from_the_future" in log
    assert "update 20" in log and "skipped" in log


async def test_a_redelivered_update_is_handled_once_even_after_a_restart(
        channel, rasa, app_db, fake_telegram, clock):
    update = text_update(21, 42, "我的菜到了吗")

    assert await _post(channel, rasa, update) == 200
    assert await _post(channel, rasa, update) == 200
    restarted = TelegramInput(channel.telegram, clock=clock)
    assert await _post(restarted, rasa, update) == 200

    assert rasa.texts == ["我的菜到了吗"]


async def test_when_rasa_fails_on_every_attempt_the_customer_is_told_once(
        channel, rasa, fake_telegram, quick_retries):
    rasa.error = RuntimeError("model not loaded")

    assert await _post(channel, rasa, text_update(22, 42, "你好")) == 200

    assert rasa.texts == ["你好"] * 3, "tried again before giving up"
    assert fake_telegram.texts(42) == [replies.TECHNICAL_PROBLEM]
    assert _inbox_states() == ["failed"]


async def test_an_update_rasa_fails_on_once_is_answered_on_the_next_attempt(
        channel, rasa, fake_telegram, quick_retries):
    calls = []

    async def flaky(message):
        calls.append(message.text)
        if len(calls) == 1:
            raise ConnectionError("Redis restarting")
        await message.output_channel.send_text_message(message.sender_id, "您好！")

    assert await _post(channel, flaky, text_update(23, 42, "你好")) == 200

    assert calls == ["你好", "你好"]
    assert fake_telegram.texts(42) == ["您好！"], "answered once, no apology"
    assert _inbox_states() == ["done"]


async def test_an_update_a_dead_process_accepted_is_handled_by_the_next_one(
        channel, rasa, fake_telegram):
    """The process took the update into the inbox, answered Telegram 200 and died before
    handling it: once the lease runs out, a new process handles it."""
    stale = utcnow() - inbox.LEASE - timedelta(seconds=5)
    with unit_of_work() as session:
        inbox.add(session, "telegram", "42", "123456:24", {"update": text_update(24, 42, "草莓烂了")},
                  stale)
        inbox.claim_due(session, "telegram", stale)

    channel.blueprint(rasa)
    await channel.start()
    await channel.wait_idle(10)

    assert rasa.texts == ["草莓烂了"]
    assert rasa.messages[0].message_id == "123456:24"
    assert _inbox_states() == ["done"]


def _inbox_states() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(InboundMessage.state).order_by(InboundMessage.id)))


async def test_updates_from_one_user_are_handled_in_arrival_order(channel, rasa):
    for update_id, text in enumerate(["一", "二", "三", "四"], start=30):
        status, _ = await channel.receive(_body(text_update(update_id, 42, text)), SECRET, rasa)
        assert status == 200
    await channel.wait_idle(10)

    assert rasa.texts == ["一", "二", "三", "四"]


async def test_a_stop_that_times_out_still_shuts_down_and_keeps_the_update(channel):
    """An update still in hand when the stop's time is up is left in the inbox for the
    next start, and the rest of the channel (the outbox's retry loop) stops all the same."""
    entered = asyncio.Event()

    async def stuck(_message) -> None:
        entered.set()
        await asyncio.Event().wait()

    status, _ = await channel.receive(_body(text_update(41, 42, "在吗")), SECRET, stuck)
    assert status == 200
    await asyncio.wait_for(entered.wait(), 10)
    channel.courier.start()

    await asyncio.wait_for(channel.stop(0.2), 5)

    assert channel.courier._loop is None, "the outbox's retry loop stopped"
    assert _inbox_states() != ["done"], "the update waits for the next start"


async def test_rasa_replies_go_back_to_the_chat(channel, rasa, fake_telegram):
    rasa.answers = [{"text": "您好！"}]

    await _post(channel, rasa, text_update(40, 42, "你好"))

    assert fake_telegram.texts(42) == ["您好！"]


def test_the_channel_is_named_telegram_and_serves_its_webhook(app_db):
    channel = TelegramInput.from_credentials(None)
    blueprint = channel.blueprint(lambda message: None)

    assert TelegramInput.name() == "telegram" and channel.url_prefix() == "telegram"
    assert {route.uri for route in blueprint._future_routes} == {"/", "/webhook"}


async def test_an_update_the_database_cannot_record_is_refused_so_telegram_sends_it_again(
        channel, rasa, monkeypatch, caplog):
    from sqlalchemy.exc import OperationalError

    from channels.telegram import input as module

    recorded = module.first_time

    def database_locked(*args, **kwargs):
        raise OperationalError("INSERT INTO inbound_keys", {}, Exception("database is locked"))

    monkeypatch.setattr(module, "first_time", database_locked)
    status, body = await channel.receive(_body(text_update(60, 42, "草莓烂了")), SECRET, rasa)

    assert (status, body) == (500, "try again")
    assert rasa.messages == []
    with unit_of_work() as session:
        assert inbox.open_count(session, "telegram") == 0
    assert "not recorded; Telegram will retry" in caplog.text
    monkeypatch.setattr(module, "first_time", recorded)

    assert await _post(channel, rasa, text_update(60, 42, "草莓烂了")) == 200
    assert rasa.texts == ["草莓烂了"]
