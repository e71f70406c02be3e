"""Fixtures for the WeChat channel tests: a fake WeChat API, settings pointing at it, and
the webhook with a customer bound to a WeChat user (``hook``)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.settings import WeChatSettings
from channels.wechat.client import ApiClient
from tests.channels.fake_wechat import APP_ID, APP_SECRET, TOKEN, FakeWeChat
from tests.channels.wechat.webhook_support import hook  # noqa: F401 (a fixture)


@pytest.fixture
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat()
    yield fake
    fake.close()


@pytest.fixture
def wechat_settings(fake_wechat: FakeWeChat) -> WeChatSettings:
    return WeChatSettings(TOKEN, APP_ID, APP_SECRET, None, fake_wechat.url)


@pytest.fixture
def api_client(wechat_settings: WeChatSettings) -> ApiClient:
    return ApiClient(wechat_settings, timeout=5)
