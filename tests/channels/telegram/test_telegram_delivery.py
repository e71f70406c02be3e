"""Replies to Telegram: inline keyboards, the outbox, retries, order, undeliverable."""
from __future__ import annotations

import asyncio
import json

from sqlalchemy import select

from bot import messages as replies
from bot.db import OutboundMessage
from bot.messaging import Delivery, undeliverable_for
from channels.telegram import TelegramInput
from tests.channels.fake_telegram import SECRET, text_update


def _states(app_db) -> list[str]:
    with app_db.session() as session:
        return list(session.scalars(select(OutboundMessage.state).order_by(OutboundMessage.id)))


async def test_buttons_are_sent_as_an_inline_keyboard_whose_data_is_the_payload(
        channel: TelegramInput, fake_telegram, app_db):
    output = channel.get_output_channel()

    await output.send_response("42", {
        "text": "您希望怎么处理？回复数字就行：\n1. 原路退回 ¥12.90\n2. 换货",
        "buttons": [{"title": "原路退回 ¥12.90", "payload": "1"}, {"title": "换货", "payload": "2"}],
    })

    [sent] = fake_telegram.sent(42)
    assert sent["text"].startswith("您希望怎么处理")
    assert sent["reply_markup"] == {"inline_keyboard": [
        [{"text": "原路退回 ¥12.90", "callback_data": "1"}],
        [{"text": "换货", "callback_data": "2"}],
    ]}
    assert _states(app_db) == [Delivery.DELIVERED.value]


async def test_a_server_error_is_retried_after_the_back_off(
        channel, fake_telegram, app_db, clock):
    fake_telegram.fail_next("sendMessage", 500)
    output = channel.get_output_channel()

    await output.send_text_message("42", "照片收到了👍")

    assert fake_telegram.texts(42) == [] and _states(app_db) == [Delivery.PENDING.value]
    await channel.courier.deliver_due()
    assert fake_telegram.texts(42) == [], "not before the back-off"

    clock.advance(3)
    await channel.courier.deliver_due()

    assert fake_telegram.texts(42) == ["照片收到了👍"]
    assert _states(app_db) == [Delivery.DELIVERED.value]
    assert len(fake_telegram.calls_of("sendMessage")) == 2


async def test_a_rate_limit_waits_as_long_as_telegram_asks(channel, fake_telegram, clock):
    fake_telegram.rate_limit_next("sendMessage", retry_after=30)

    await channel.get_output_channel().send_text_message("42", "稍等")
    clock.advance(10)
    await channel.courier.deliver_due()
    assert fake_telegram.texts(42) == []

    clock.advance(30)
    await channel.courier.deliver_due()
    assert fake_telegram.texts(42) == ["稍等"]


async def test_later_replies_wait_for_an_earlier_one_that_failed(channel, fake_telegram, clock):
    fake_telegram.fail_next("sendMessage", 502)
    output = channel.get_output_channel()

    await output.send_text_message("42", "第一条")
    await output.send_text_message("42", "第二条")
    await output.send_text_message("43", "别人的")
    assert fake_telegram.texts(42) == [] and fake_telegram.texts(43) == ["别人的"]

    clock.advance(3)
    await channel.courier.deliver_due()
    assert fake_telegram.texts(42) == ["第一条", "第二条"]


async def test_a_chat_that_blocked_the_bot_is_recorded_undeliverable(
        channel, fake_telegram, app_db):
    fake_telegram.block(42)

    await channel.get_output_channel().send_text_message("42", "您好")

    with app_db.session() as session:
        [given_up] = undeliverable_for(session, "42")
    assert given_up.payload == {"text": "您好"}
    assert _states(app_db) == [Delivery.UNDELIVERABLE.value]


async def test_the_retry_loop_delivers_without_being_asked(channel, fake_telegram, clock):
    fake_telegram.fail_next("sendMessage", 500)
    await channel.get_output_channel().send_text_message("42", "迟到的回复")
    await channel.start()
    try:
        clock.advance(3)
        for _ in range(100):
            if fake_telegram.texts(42):
                break
            await asyncio.sleep(0.05)
    finally:
        await channel.courier.stop()

    assert fake_telegram.texts(42) == ["迟到的回复"]
    assert fake_telegram.calls_of("getMe"), "start checks the token"


async def test_a_long_reply_arrives_in_pieces_in_order(channel, fake_telegram):
    text = "\n".join(f"{i}. " + "草莓" * 100 for i in range(40))

    await channel.get_output_channel().send_text_message("42", text)

    pieces = fake_telegram.texts(42)
    assert len(pieces) == 3 and all(len(piece) <= 4096 for piece in pieces)
    assert "\n".join(pieces) == text


async def test_images_and_custom_payloads(channel, fake_telegram):
    output = channel.get_output_channel()

    await output.send_response("42", {"image": "https://example.com/policy.png"})
    await output.send_response("42", {"custom": {"text": "自定义", "buttons": [
        {"title": "好", "payload": "/affirm"}]}})
    await output.send_response("42", {"custom": {"kind": "no text"}})

    [photo] = fake_telegram.calls_of("sendPhoto")
    assert photo.params["photo"] == "https://example.com/policy.png"
    [custom] = fake_telegram.sent(42)
    assert custom["text"] == "自定义"
    assert custom["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "/affirm"


async def test_the_channel_says_sorry_through_the_outbox_too(
        channel, rasa, fake_telegram, clock, quick_retries):
    rasa.error = RuntimeError("boom")
    fake_telegram.fail_next("sendMessage", 500)

    await channel.receive(json.dumps(text_update(50, 42, "你好")).encode(), SECRET, rasa)
    await channel.wait_idle(10)
    assert fake_telegram.texts(42) == []

    clock.advance(3)
    await channel.courier.deliver_due()
    assert fake_telegram.texts(42) == [replies.TECHNICAL_PROBLEM]
