"""Fixtures of the refund tests: the seeding moment, WeChat Pay's fake, the gateway
configured against it and the refund result notification endpoint."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.refunds.gateway import WeChatPayGateway
from bot.settings import get_settings
from channels.wechatpay.notify import RefundNotifyEndpoint
from tests.bot.refunds.support import fake_pay, use_wechat_pay  # noqa: F401 (a fixture)


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)


@pytest.fixture
def gateway(app_db, fake_pay, monkeypatch):  # noqa: F811 (the fixture imported above)
    use_wechat_pay(monkeypatch, fake_pay)
    return WeChatPayGateway(get_settings().wechat_pay)


@pytest.fixture
def endpoint(gateway, now) -> RefundNotifyEndpoint:
    return RefundNotifyEndpoint(get_settings().wechat_pay,
                                clock=lambda: now + timedelta(minutes=1))
