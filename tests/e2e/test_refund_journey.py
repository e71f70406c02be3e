"""A refund paid through WeChat Pay, end to end: the real Rasa and action servers with
WeChat Pay configured against its fake on loopback; the customer is told the refund is on
its way, the payout job in the Rasa process pays it, the customer's chat gets the news, and
"我的优惠券" shows the compensation coupon. WeChat Pay's refund result notification reaches
the Rasa server too (the URL in credentials.yml): it settles nothing twice, its replay is
answered SUCCESS and a forged one is refused and recorded."""
from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, Refund, ReturnCase
from bot.enums import CaseState
from channels.wechatpay.fake_api import REFUND, FakeWeChatPay
from tests.bot.refunds.support import API_KEY, APP_ID, MCH_ID
from tests.e2e.test_rest_journey import _return_journey
from tests.images import jpeg_bytes
from tests.servers import Product, running_product

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def pay() -> Iterator[FakeWeChatPay]:
    fake = FakeWeChatPay(APP_ID, MCH_ID, API_KEY)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def paying_product(tmp_path_factory, pay) -> Iterator[Product]:
    env = {"WECHAT_PAY_APP_ID": APP_ID, "WECHAT_PAY_MCH_ID": MCH_ID,
           "WECHAT_PAY_API_KEY": API_KEY, "WECHAT_PAY_API_BASE_URL": pay.url}
    with running_product(tmp_path_factory.mktemp("paying"), env) as running:
        yield running


def _bot_texts(product: Product, sender: str) -> list[str]:
    tracker = product.api(f"/conversations/{sender}/tracker")
    return [e.get("text") or "" for e in tracker["events"] if e.get("event") == "bot"]


def test_a_wechat_refund_is_announced_only_when_wechat_pay_paid_it(paying_product, pay,
                                                                   image_server):
    photo_url = image_server.add("/Photos/Straw.JPG", jpeg_bytes(), "image/jpeg")
    # The notification URL as configured in the merchant platform: WeChat Pay notifies by
    # itself once it made the refund, racing the payout job's own answer.
    pay.notify_url = f"{paying_product.rasa_url}/webhooks/wechatpay/refund"

    closing = "\n".join(_return_journey(paying_product, "demo-1", photo_url))

    ref = re.search(r"R\d{4}", closing).group(0)
    assert "正在原路退回您的微信，微信支付确认退款后会马上通知您" in closing
    assert "已退回微信零钱" not in closing
    deadline = time.monotonic() + 60
    news = f"您的售后单 {ref} 的退款 ¥29.90 已退回微信零钱，预计1-3天到账～"
    while news not in _bot_texts(paying_product, "demo-1"):
        assert time.monotonic() < deadline, _bot_texts(paying_product, "demo-1")[-3:]
        time.sleep(0.5)
    [call] = pay.calls_to(REFUND)
    assert call["sign_ok"] and call["fields"]["out_refund_no"] == f"{ref}-1"
    with paying_product.session() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        refund = session.scalars(select(Refund).where(Refund.case_id == case.id)).one()
        assert case.state is CaseState.REFUNDED
        assert (refund.state, refund.external_ref) == (
            "succeeded", pay.refunds[f"{ref}-1"].refund_id)

    while not pay.notifications:
        assert time.monotonic() < deadline, "WeChat Pay's notification was not sent"
        time.sleep(0.2)
    [notified] = pay.notifications
    assert (notified.status, notified.return_code) == (200, "SUCCESS")
    replayed = pay.replay()
    forged = pay.notify(pay.notify_url, f"{ref}-1", api_key="forged-key-forged-key-forged-k")
    assert (replayed.status, replayed.return_code) == (200, "SUCCESS")
    assert (forged.status, forged.return_code) == (403, "FAIL")
    time.sleep(6)  # a payout round later: still one piece of news
    assert _bot_texts(paying_product, "demo-1").count(news) == 1
    with paying_product.session() as session:
        actions = [e.action for e in session.scalars(
            select(AuditEntry).where(AuditEntry.action.like("refund.%"))
            .order_by(AuditEntry.id))]
        assert actions.count("refund.succeeded") == 1
        assert actions.count("refund.notify_replayed") == 1
        assert actions.count("refund.notify_refused") == 1
        assert session.scalars(select(Refund.state).where(
            Refund.out_refund_no == f"{ref}-1")).one() == "succeeded"

    coupons = "\n".join(paying_product.say("demo-1", "我的优惠券"))
    assert "您有 1 张可用的无门槛优惠券" in coupons
    assert "¥3.00" in coupons and f"售后单 {ref} 的补偿" in coupons
