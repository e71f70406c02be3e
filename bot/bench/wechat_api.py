"""The fake WeChat API a bench run's product answers through, and the WeChat settings
(token, app id and secret) both sides share."""
from __future__ import annotations

from typing import Any

from bot.bench.load import WeChatTransport
from bot.settings import WeChatSettings

WECHAT = WeChatSettings(token="bench-token", app_id="wx-bench", app_secret="bench-secret",
                        aes_key=None, api_base_url="")


class FakeApiRouter:
    """The fake WeChat API, started before the product, whose messages go to whichever
    WeChat transport is measuring."""

    def __init__(self) -> None:
        from channels.wechat.fake_api import FakeWeChatAPI

        self.target: WeChatTransport | None = None
        self.api = FakeWeChatAPI(WECHAT.app_id, WECHAT.app_secret, on_message=self._message)

    def _message(self, message: dict[str, Any]) -> None:
        if self.target is not None:
            self.target.on_api_message(message)

    def env(self) -> dict[str, str]:
        """The product's environment for the WeChat channel, pointing it at the fake API."""
        return {"WECHAT_TOKEN": WECHAT.token, "WECHAT_APP_ID": WECHAT.app_id,
                "WECHAT_APP_SECRET": WECHAT.app_secret, "WECHAT_API_BASE_URL": self.api.url}

    def close(self) -> None:
        """Stops the fake API."""
        self.api.close()
