"""The outbox delivered through the customer-service API of a fake WeChat."""
from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, OutboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import Delivery, undeliverable_for
from bot.settings import WeChatSettings
from channels.wechat.client import ApiClient
from channels.wechat.delivery import DeliveryWorker, deliver_due
from channels.wechat.outbound import WeChatOutput, enqueue_texts

OPENID = "oCustomer1"


def _states() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(OutboundMessage.state).order_by(OutboundMessage.id)))


def test_queued_replies_are_delivered_in_order(app_db, fake_wechat, api_client):
    enqueue_texts(OPENID, ["您好", "请问有什么可以帮您？"])

    report = deliver_due(api_client)

    assert (report.delivered, report.retrying, report.undeliverable) == (2, 0, 0)
    assert fake_wechat.messages_to(OPENID) == ["您好", "请问有什么可以帮您？"]
    assert fake_wechat.sent[0]["msgtype"] == "text"
    assert _states() == [Delivery.DELIVERED.value] * 2
    assert deliver_due(api_client).claimed == 0


@pytest.mark.parametrize("errcode", [40001, 42001])
def test_an_expired_token_is_refreshed_and_the_message_delivered(app_db, fake_wechat,
                                                                 api_client, errcode):
    enqueue_texts(OPENID, ["第一条"])
    deliver_due(api_client)
    assert fake_wechat.tokens_issued == 1
    fake_wechat.expire_token_once(errcode)
    enqueue_texts(OPENID, ["第二条"])

    report = deliver_due(api_client)

    assert report.delivered == 1
    assert fake_wechat.tokens_issued == 2
    assert fake_wechat.messages_to(OPENID) == ["第一条", "第二条"]


def test_45015_is_recorded_as_undeliverable_and_visible(app_db, fake_wechat, api_client):
    fake_wechat.refuse(45015)
    [message_id] = enqueue_texts(OPENID, ["您的售后单已登记"])

    report = deliver_due(api_client)

    assert report.undeliverable == 1 and fake_wechat.messages_to(OPENID) == []
    with unit_of_work() as session:
        [record] = undeliverable_for(session, OPENID)
        assert record.id == message_id and record.payload["text"] == "您的售后单已登记"
        row = session.get(OutboundMessage, message_id)
        assert "45015" in row.last_error and "48 hours" in row.last_error
        audit = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "message.undeliverable")).one()
        assert audit.entity_id == str(message_id)
    assert deliver_due(api_client, utcnow() + timedelta(days=1)).claimed == 0, "never retried"


def test_http_500_is_retried_later_and_order_is_kept(app_db, fake_wechat, api_client):
    fake_wechat.http_error(500)
    enqueue_texts(OPENID, ["第一条", "第二条"])
    now = utcnow()

    first = deliver_due(api_client, now)

    assert (first.delivered, first.retrying, first.postponed) == (0, 1, 1), \
        "the second waits behind the first"
    assert fake_wechat.messages_to(OPENID) == []
    assert deliver_due(api_client, now).claimed == 0, "not again before the back-off"
    later = deliver_due(api_client, now + timedelta(seconds=5))
    assert later.delivered == 2
    assert fake_wechat.messages_to(OPENID) == ["第一条", "第二条"]
    with unit_of_work() as session:
        assert undeliverable_for(session, OPENID) == []


def test_replies_queued_through_a_long_outage_all_arrive_in_order(app_db, fake_wechat,
                                                                  api_client):
    """WeChat answers 503 for two minutes; nothing is given up, nothing reordered,
    and the messages waiting behind the first do not use up their attempts."""
    fake_wechat.http_error(503, times=6)
    enqueue_texts(OPENID, ["第一条", "第二条", "第三条"])
    now = utcnow()
    for _ in range(100):
        deliver_due(api_client, now)
        now += timedelta(seconds=2)
        if len(fake_wechat.messages_to(OPENID)) == 3:
            break

    assert fake_wechat.messages_to(OPENID) == ["第一条", "第二条", "第三条"]
    with unit_of_work() as session:
        attempts = list(session.scalars(select(OutboundMessage.attempts)
                                        .order_by(OutboundMessage.id)))
    assert attempts == [7, 1, 1]


def test_an_unreachable_api_is_retried(app_db):
    client = ApiClient(WeChatSettings("t", "wx", "s", None, "http://127.0.0.1:9"), timeout=2)
    enqueue_texts(OPENID, ["您好"])

    report = deliver_due(client)

    assert report.retrying == 1
    assert _states() == [Delivery.PENDING.value]


def test_another_customers_failure_does_not_hold_back_others(app_db, fake_wechat, api_client):
    fake_wechat.refuse(45015)
    enqueue_texts("oGone", ["过期了"])
    enqueue_texts(OPENID, ["您好"])

    report = deliver_due(api_client)

    assert (report.undeliverable, report.delivered) == (1, 1)
    assert fake_wechat.messages_to(OPENID) == ["您好"]


async def test_the_output_channel_wakes_the_worker(app_db, fake_wechat, api_client):
    worker = DeliveryWorker(api_client, poll_seconds=30)
    output = WeChatOutput(on_enqueued=worker.wake)
    try:
        await output.send_text_with_buttons(OPENID, "商品拆封了吗？",
                                            [{"title": "没拆封", "payload": "1"}])
        await output.send_text_message(OPENID, "烂" * 700)
        deadline = time.monotonic() + 10
        while len(fake_wechat.messages_to(OPENID)) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
    finally:
        await worker.stop()
    assert fake_wechat.messages_to(OPENID) == ["商品拆封了吗？\n1. 没拆封", "烂" * 600, "烂" * 100]
