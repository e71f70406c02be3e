"""Reading updates with python-telegram-bot's types, and building replies with them."""
from __future__ import annotations

import pytest
from telegram import Bot, Chat, InlineKeyboardMarkup, Update

from bot.messages import GREETING_PAYLOAD
from channels.telegram.outgoing import MAX_TEXT, keyboard, split_text, text_payloads
from channels.telegram.updates import Kind, classify
from channels.telegram.webhook import (
    BadUpdate,
    BodyTooLarge,
    UnreadableUpdate,
    read_update,
    secret_matches,
)
from tests.channels.fake_telegram import (
    TOKEN,
    callback_update,
    document_update,
    edited_update,
    location_update,
    photo_update,
    text_update,
)

BOT = Bot(TOKEN, base_url="http://127.0.0.1:9/bot", base_file_url="http://127.0.0.1:9/file/bot")


def _inbound(data: dict):
    return classify(Update.de_json(data, BOT))


def test_a_text_message_is_text_from_the_user():
    inbound = _inbound(text_update(1, 42, "草莓烂了"))

    assert (inbound.kind, inbound.update_id, inbound.sender_id, inbound.text) == (
        Kind.TEXT, 1, "42", "草莓烂了")


@pytest.mark.parametrize("text", ["/start", "/start@shouhou_bot", "/start ref-123"])
def test_start_greets(text):
    inbound = _inbound(text_update(2, 42, text))

    assert (inbound.kind, inbound.text) == (Kind.START, GREETING_PAYLOAD)


def test_typed_commands_cannot_name_an_intent():
    assert _inbound(text_update(3, 42, "/request_human")).text == "request_human"


def test_a_photo_means_its_largest_size():
    inbound = _inbound(photo_update(4, 42, "big-photo"))

    assert inbound.kind is Kind.PHOTO
    assert inbound.file.file_id == "big-photo" and inbound.file.width == 1280


def test_an_image_sent_as_a_file_is_a_photo_and_other_files_are_not():
    assert _inbound(document_update(5, 42, "doc-1", "image/png")).kind is Kind.PHOTO
    unsupported = _inbound(document_update(6, 42, "doc-2", "application/pdf"))
    assert unsupported.kind is Kind.UNSUPPORTED and "document" in unsupported.note


def test_a_button_press_is_its_callback_data():
    inbound = _inbound(callback_update(7, 42, "1"))

    assert (inbound.kind, inbound.text, inbound.sender_id, inbound.callback_query_id) == (
        Kind.CALLBACK, "1", "42", "cq-7")


def test_content_the_channel_cannot_read_is_unsupported():
    inbound = _inbound(location_update(8, 42))

    assert inbound.kind is Kind.UNSUPPORTED and "location" in inbound.note


@pytest.mark.parametrize("data", [
    edited_update(9, 42, "改一下"),
    text_update(10, 42, "大家好", chat_type=Chat.GROUP),
    {"update_id": 11, "chat_join_request": None},
    {"update_id": 12, "some_update_type_from_the_future": {"x": 1}},
    {"update_id": 13},
])
def test_other_updates_are_ignored_with_a_reason(data):
    inbound = _inbound(data)

    assert inbound.kind is Kind.IGNORED and inbound.note


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"text"', b'{"message": {}}',
                                  b'{"update_id": "x"}', b'{"update_id": true}', b"\xff\xfe",
                                  b""])
def test_malformed_bodies_are_refused(body):
    with pytest.raises(BadUpdate):
        read_update(body, BOT)


def test_an_update_the_library_cannot_read_is_reported_with_its_id():
    with pytest.raises(UnreadableUpdate) as raised:
        read_update(b'{"update_id": 77, "message": {"message_id": 1}}', BOT)

    assert raised.value.update_id == 77


def test_an_enormous_body_is_refused_as_too_large():
    with pytest.raises(BodyTooLarge):
        read_update(b" " * (2 * 1024 * 1024), BOT)


def test_the_secret_header_must_match_when_a_secret_is_set():
    assert secret_matches("abc", "abc")
    assert not secret_matches("abc", "abd")
    assert not secret_matches("abc", None)
    assert not secret_matches("abc", "")
    assert secret_matches(None, None) and secret_matches(None, "anything")


def test_buttons_become_an_inline_keyboard_of_their_payloads():
    markup = keyboard([{"title": "原路退回 ¥12.90", "payload": "1"},
                       {"title": "换货", "payload": "2"},
                       {"title": "太长", "payload": "x" * 65}])

    assert isinstance(markup, InlineKeyboardMarkup)
    assert [[(b.text, b.callback_data) for b in row] for row in markup.inline_keyboard] == [
        [("原路退回 ¥12.90", "1")], [("换货", "2")]]


def test_long_text_is_split_and_buttons_go_with_the_last_piece():
    text = "\n".join(f"第{i}行" + "很长" * 30 for i in range(200))

    payloads = text_payloads(text, [{"title": "好", "payload": "1"}])

    assert len(payloads) > 1 and all(len(p["text"]) <= MAX_TEXT for p in payloads)
    assert "\n".join(p["text"] for p in payloads) == text
    assert "reply_markup" in payloads[-1] and all("reply_markup" not in p for p in payloads[:-1])
    assert split_text("") == [""]
