"""A fake WeChat API for tests: a real HTTP server on loopback (threading http.server)
with programmable failures, recording every customer-service message it receives.

The server itself is ``channels.wechat.fake_api.FakeWeChatAPI`` (the simulator runs the
same one); this adds the failures tests ask for by name and waiting for replies.
"""
from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bot.settings import WeChatSettings
from channels.wechat.fake_api import MEDIA, SEND, Failure, FakeWeChatAPI
from tests.servers import Product, running_product

__all__ = ["FakeWeChat", "Failure", "MEDIA", "SEND", "wechat_product"]

APP_ID = "wx-test-app"
APP_SECRET = "test-secret"
TOKEN = "test-token"


class FakeWeChat(FakeWeChatAPI):
    """``FakeWeChatAPI`` with named failures and waiting for the bot's replies."""

    def __init__(self, app_id: str = APP_ID, app_secret: str = APP_SECRET) -> None:
        super().__init__(app_id, app_secret)

    def expire_token_once(self, errcode: int = 40001, path: str = SEND) -> None:
        """The next call to ``path`` says the access token expired (40001 or 42001),
        and every token issued so far stops working."""
        self.fail_next(path, Failure(errcode=errcode, expire_tokens=True))

    def refuse(self, errcode: int = 45015, times: int = 1, path: str = SEND) -> None:
        """The next ``times`` sends fail with ``errcode`` (45015: 48-hour window closed)."""
        self.fail_next(path, Failure(errcode=errcode), times)

    def http_error(self, status: int = 500, times: int = 1, path: str = SEND) -> None:
        """The next ``times`` calls to ``path`` answer with HTTP ``status``."""
        self.fail_next(path, Failure(status=status), times)

    def wait_for(self, openid: str, count: int, timeout: float = 30.0) -> list[str]:
        """Waits until at least ``count`` texts were sent to ``openid``; returns them all."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            texts = self.messages_to(openid)
            if len(texts) >= count:
                return texts
            time.sleep(0.05)
        raise AssertionError(f"{count} messages to {openid} expected within {timeout}s, "
                             f"got {self.messages_to(openid)}")

    def wait_for_text(self, openid: str, needle: str, after: int = 0,
                      timeout: float = 30.0) -> list[str]:
        """Waits for a text containing ``needle`` among those after the first ``after``;
        returns the new texts (waiting a moment for any that follow it in the same turn)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            new = self.messages_to(openid)[after:]
            if any(needle in text for text in new):
                return new
            time.sleep(0.05)
        raise AssertionError(f"no message containing {needle!r} to {openid} within "
                             f"{timeout}s; got {self.messages_to(openid)[after:]}")


@contextmanager
def wechat_product(workdir: Path, fake: FakeWeChat, aes_key: str | None = None,
                   extra_env: dict[str, str] | None = None,
                   ) -> Iterator[tuple[Product, WeChatSettings]]:
    """The real servers with the WeChat channel pointed at ``fake`` (and ``extra_env``)."""
    settings = WeChatSettings(TOKEN, fake.app_id, fake.app_secret, aes_key, fake.url)
    env = {"WECHAT_TOKEN": TOKEN, "WECHAT_APP_ID": fake.app_id,
           "WECHAT_APP_SECRET": fake.app_secret, "WECHAT_API_BASE_URL": fake.url}
    if aes_key:
        env["WECHAT_AES_KEY"] = aes_key
    with running_product(workdir, {**env, **(extra_env or {})}) as product:
        yield product, settings
