"""A client for the Rasa server's HTTP API (``rasa run --enable-api``), for everything that
speaks into conversations from outside a turn: the agent desk, the background jobs
(unclaimed tickets, leader tasks, refund notices) and actions that reach another chat
(a leader's decision told to the customer, a satisfaction question).

Only the few calls they need: read a conversation's tracker, append a bot message that
Rasa then sends to the customer's channel, and run an action. When the
server is started with ``--auth-token``, the same token (``RASA_API_TOKEN``) is sent
as the ``token`` query parameter, as Rasa expects.
"""
from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from bot.settings import get_settings

LATEST = "latest"


class RasaUnavailable(Exception):
    """The Rasa server could not be reached or refused the request."""


@dataclass(frozen=True)
class RasaClient:
    """Calls one Rasa server.

    Args:
        base_url: e.g. ``http://127.0.0.1:5005``.
        token: Rasa's ``--auth-token``, or ``None`` when the API is open.
        timeout: Seconds for one whole request.
    """

    base_url: str
    token: str | None = None
    timeout: float = 10.0

    @classmethod
    def from_settings(cls) -> "RasaClient":
        """The client for ``RASA_URL`` and ``RASA_API_TOKEN``."""
        settings = get_settings()
        return cls(settings.rasa_url, settings.rasa_api_token)

    def _url(self, conversation_id: str, tail: str) -> str:
        return f"{self.base_url.rstrip('/')}/conversations/{quote(conversation_id, safe='')}/{tail}"

    async def _call(self, method: str, url: str, params: dict[str, str],
                    body: Any = None) -> Any:
        if self.token:
            params = {**params, "token": self.token}
        try:
            async with aiohttp.ClientSession(
                timeout=aiohttp.ClientTimeout(total=self.timeout)
            ) as client:
                async with client.request(method, url, params=params, json=body) as response:
                    if response.status >= 400:
                        detail = (await response.text())[:300]
                        raise RasaUnavailable(f"{method} {url} answered {response.status}: "
                                              f"{detail}")
                    return await response.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            raise RasaUnavailable(f"{method} {url} failed: {error!r}") from error

    async def tracker(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's tracker with all its events.

        Raises:
            RasaUnavailable: unreachable, timed out or an error status.
        """
        return await self._call("GET", self._url(conversation_id, "tracker"),
                                {"include_events": "ALL"})

    async def state(self, conversation_id: str) -> dict[str, Any]:
        """The conversation's state without its events (``paused``, ``latest_event_time``…).

        Raises:
            RasaUnavailable: unreachable, timed out or an error status.
        """
        return await self._call("GET", self._url(conversation_id, "tracker"),
                                {"include_events": "NONE"})

    async def latest_event_time(self, conversation_id: str) -> float | None:
        """When the conversation's latest event happened (cheap: no events are sent).

        Raises:
            RasaUnavailable: unreachable, timed out or an error status.
        """
        return (await self.state(conversation_id)).get("latest_event_time")

    async def send_bot_message(self, conversation_id: str, text: str,
                               metadata: dict[str, Any], output_channel: str = LATEST,
                               data: dict[str, Any] | None = None) -> None:
        """Appends a ``bot`` event and lets Rasa send it on ``output_channel`` (by default the
        conversation's latest channel).

        ``execute_side_effects`` is what makes Rasa hand the message to the output
        channel; without it the message would only be recorded. ``data`` carries what
        else the message holds, e.g. ``{"image": url}`` (Rasa's ``send_image_url``).

        Raises:
            RasaUnavailable: unreachable, timed out or an error status.
        """
        event = {"event": "bot", "text": text, "metadata": metadata}
        if data:
            event["data"] = data
        await self._call(
            "POST", self._url(conversation_id, "tracker/events"),
            {"output_channel": output_channel, "execute_side_effects": "true"},
            [event],
        )

    async def execute(self, conversation_id: str, action: str) -> dict[str, Any]:
        """Runs ``action`` in the conversation; its messages go to the latest channel.

        Raises:
            RasaUnavailable: unreachable, timed out or an error status.
        """
        return await self._call("POST", self._url(conversation_id, "execute"),
                                {"output_channel": LATEST}, {"name": action})
