"""wechatpy's API client, pointed at a configurable base URL (WeChat's or a local fake)."""
from __future__ import annotations

from typing import Any

import requests
from wechatpy import WeChatClient

from bot.settings import WeChatSettings

# Access token expired or invalid: fetch a new one and try again.
TOKEN_ERRCODES = frozenset({40001, 40014, 42001})
DEFAULT_TIMEOUT = 10.0


class _TimeoutSession(requests.Session):
    """A requests session that never waits forever (wechatpy's token fetch sets no timeout)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self._timeout = timeout

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self._timeout
        return super().request(*args, **kwargs)


class ApiClient(WeChatClient):
    """A ``WeChatClient`` whose every call, the access token included, goes to ``base_url``.

    Automatic token retry is off: callers refresh once on ``TOKEN_ERRCODES`` and decide
    themselves what a second failure means (see ``channels.wechat.delivery``).
    """

    def __init__(self, settings: WeChatSettings, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(settings.app_id, settings.app_secret, timeout=timeout, auto_retry=False)
        self.base_url = settings.api_base_url.rstrip("/")
        self.API_BASE_URL = f"{self.base_url}/cgi-bin/"
        self._http = _TimeoutSession(timeout)

    def fetch_access_token(self) -> dict[str, Any]:
        """Fetches and caches a new access token from ``<base_url>/cgi-bin/token``."""
        return self._fetch_access_token(
            url=f"{self.base_url}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.appid,
                    "secret": self.secret},
        )

    def media_get(self, media_id: str, timeout: float) -> requests.Response:
        """Starts streaming a temporary media file (``/cgi-bin/media/get``).

        wechatpy's ``media.download`` reads the whole body into memory before anyone can
        check its size; this returns the open response so the caller can stop early.
        The caller closes it.
        """
        return self._http.get(
            f"{self.base_url}/cgi-bin/media/get",
            params={"access_token": self.access_token, "media_id": media_id},
            stream=True, timeout=timeout,
        )
