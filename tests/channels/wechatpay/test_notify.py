"""The refund result notification URL on a real server, mounted as ``rasa run`` mounts
credentials.yml's channels: the fake WeChat Pay posts to it over loopback."""
from __future__ import annotations

import asyncio

import aiohttp
import pytest
from sqlalchemy import select

from bot.db import AuditEntry
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import CaseState
from bot.refunds import payout
from bot.refunds.gateway import WeChatPayGateway
from bot.settings import RateLimitSettings, get_settings
from channels.wechatpay import wire
from channels.wechatpay.notify import NOT_CONFIGURED, RefundNotifyEndpoint, RefundNotifyInput
from tests.bot.refunds.support import (
    approved_case,
    case_row,
    refunds_of,
    use_wechat_pay,
)
from tests.channels.serving import declared_post, served

PATH = "/webhooks/wechatpay/refund"
POLICY = payout.RetryPolicy(max_attempts=4, base_seconds=30)


class FakeClock:
    def __init__(self) -> None:
        self.now = 500.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def configured(app_db, fake_pay, monkeypatch):
    use_wechat_pay(monkeypatch, fake_pay)
    return get_settings().wechat_pay


def refusals() -> list[str]:
    with unit_of_work() as session:
        return [entry.detail["reason"] for entry in session.scalars(
            select(AuditEntry).where(AuditEntry.action == "refund.notify_refused")
            .order_by(AuditEntry.id))]


def lost_answer(app_db, fake_pay, settings):
    """A refund WeChat Pay made whose answer was not believed: ``failed``, uncertain."""
    now = utcnow()
    case = approved_case(app_db, now)
    fake_pay.tamper_next(process=True)
    [result] = payout.run_round(WeChatPayGateway(settings), now, POLICY)
    assert result.result == "retry"
    [refund] = refunds_of(case.id)
    return case, refund


async def test_without_wechat_pay_the_url_refuses_clearly(app_db):
    channel = RefundNotifyInput(None)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        async with http.post(server.url + PATH, data=b"<xml></xml>") as answer:
            status, body = answer.status, await answer.text()
            kind = answer.headers["Content-Type"]

    assert status == 404 and kind.startswith("text/xml")
    assert wire.parse_fields(body) == {"return_code": "FAIL", "return_msg": NOT_CONFIGURED}
    assert refusals() == []


def test_from_credentials_follows_the_settings(app_db, fake_pay, monkeypatch):
    assert RefundNotifyInput.from_credentials(None).endpoint is None
    use_wechat_pay(monkeypatch, fake_pay)
    channel = RefundNotifyInput.from_credentials(None)
    assert channel.endpoint is not None and channel.endpoint.settings.mch_id == "1900000109"
    assert RefundNotifyInput.name() == "wechatpay"


async def test_wechat_pay_s_notice_pays_once_and_its_replays_change_nothing(
        app_db, fake_pay, configured):
    case, refund = lost_answer(app_db, fake_pay, configured)
    channel = RefundNotifyInput(configured)
    async with served(channel) as server:
        url = server.url + PATH
        first = await asyncio.to_thread(fake_pay.notify, url, refund.out_refund_no)
        replays = [await asyncio.to_thread(fake_pay.replay) for _ in range(2)]

    assert (first.status, first.return_code) == (200, "SUCCESS")
    assert [(r.status, r.return_code) for r in replays] == [(200, "SUCCESS")] * 2
    [paid] = refunds_of(case.id)
    assert (paid.state, paid.notify) == ("succeeded", "succeeded")
    assert case_row(case.id).state is CaseState.REFUNDED
    with unit_of_work() as session:
        actions = [e.action for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("refund.%"))
            .where(AuditEntry.entity_id == str(paid.id)).order_by(AuditEntry.id))]
    assert actions.count("refund.succeeded") == 1
    assert actions[-3:] == ["refund.notify_paid", "refund.notify_replayed",
                            "refund.notify_replayed"]


async def test_forged_notices_are_refused_with_the_reason_and_change_nothing(
        app_db, fake_pay, configured):
    case, refund = lost_answer(app_db, fake_pay, configured)
    channel = RefundNotifyInput(configured)
    key = refund.out_refund_no
    async with served(channel) as server:
        url = server.url + PATH
        sent = [await asyncio.to_thread(fake_pay.notify, url, key, **forge) for forge in (
            {"api_key": "not-our-merchant-key-0123456789"}, {"tamper": True},
            {"mch_id": "1900000999"}, {"refund_fee": 1})]
        dtd = await asyncio.to_thread(
            fake_pay.post_notification, url,
            b'<!DOCTYPE xml [<!ENTITY lol "lol">]><xml><return_code>&lol;</return_code></xml>')

    assert [(s.status, s.return_code) for s in sent + [dtd]] == [
        (403, "FAIL"), (403, "FAIL"), (403, "FAIL"), (409, "FAIL"), (400, "FAIL")]
    assert "不能用本商户的 API 密钥解密" in wire.parse_fields(sent[0].answer)["return_msg"]
    assert "不一致" in wire.parse_fields(sent[3].answer)["return_msg"]
    assert refusals() == ["decrypt_failed", "decrypt_failed", "wrong_merchant",
                          "amount_mismatch", "malformed"]
    assert refunds_of(case.id)[0].state == "failed"
    assert case_row(case.id).state is CaseState.REFUND_PENDING


async def test_an_oversized_body_is_refused_before_it_is_read(app_db, configured):
    channel = RefundNotifyInput(configured)
    huge = b"<xml><req_info>" + b"A" * wire.MAX_BODY_BYTES + b"</req_info></xml>"
    async with served(channel) as server, aiohttp.ClientSession() as http:
        async with http.post(server.url + PATH, data=huge) as answer:
            status, refusal = answer.status, await answer.json(content_type=None)
        declared = await declared_post(server.url, PATH, 10 * 1024 * 1024)

    assert status == 413 and refusal["error"] == "too_large"
    assert declared[0] == 413
    assert refusals() == [], "nothing of it was parsed"


async def test_an_address_sending_forged_notices_is_slowed_down(app_db, fake_pay,
                                                                configured):
    case, refund = lost_answer(app_db, fake_pay, configured)
    channel = RefundNotifyInput(configured, RateLimitSettings(ip_per_minute=60, ip_burst=3),
                                monotonic=FakeClock())
    forged = fake_pay.notification(refund.out_refund_no, api_key="forged-key-forged-key-0000")
    genuine = fake_pay.notification(refund.out_refund_no)
    async with served(channel) as server, aiohttp.ClientSession() as http:
        server.app.config.REAL_IP_HEADER = "x-real-ip"

        async def post(body: bytes, address: str) -> int:
            async with http.post(server.url + PATH, data=body,
                                 headers={"X-Real-IP": address}) as answer:
                return answer.status

        attacker = [await post(forged, "203.0.113.9") for _ in range(5)]
        wechat_pay = await post(genuine, "101.226.103.1")

    assert attacker == [403, 403, 403, 429, 429]
    assert wechat_pay == 200 and refunds_of(case.id)[0].state == "succeeded"
    assert refusals() == ["decrypt_failed"] * 3


async def test_the_fake_notifies_the_url_configured_in_the_merchant_platform(
        app_db, fake_pay, configured):
    """WeChat Pay notifies by itself once it made a refund: the notice and the payout job's
    own answer settle the refund once, whichever comes first."""
    now = utcnow()
    case = approved_case(app_db, now)
    channel = RefundNotifyInput(configured)
    async with served(channel) as server:
        fake_pay.notify_url = server.url + PATH
        [result] = await asyncio.to_thread(payout.run_round, WeChatPayGateway(configured), now,
                                           POLICY)
        for _ in range(100):
            if fake_pay.notifications:
                break
            await asyncio.sleep(0.05)

    assert result.result in ("succeeded", "lost")
    [sent] = fake_pay.notifications
    assert (sent.status, sent.return_code) == (200, "SUCCESS")
    [paid] = refunds_of(case.id)
    assert paid.state == "succeeded" and paid.notify == "succeeded"
    with unit_of_work() as session:
        assert len(session.scalars(select(AuditEntry).where(
            AuditEntry.action == "refund.succeeded")).all()) == 1


def test_the_endpoint_answers_wechat_pay_s_xml(app_db, configured):
    reply = RefundNotifyEndpoint(configured, gateway=None).receive(b"not xml at all")
    assert (reply.status, reply.accepted, reply.reason) == (400, False, "malformed")
    assert reply.body.startswith("<xml><return_code><![CDATA[FAIL]]></return_code>")

