"""The output channel: replies go into the outbox; the delivery worker sends them."""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import enqueue
from channels.evidence_links import EvidenceLinks
from channels.wechat.replies import split_text, with_numbered_choices

logger = logging.getLogger(__name__)
CHANNEL = "wechat"


def enqueue_texts(openid: str, texts: Iterable[str]) -> list[int]:
    """Puts texts for ``openid`` into the outbox in order, split to WeChat's size.

    Returns:
        The outbox ids, in sending order.
    """
    now = utcnow()
    with unit_of_work() as session:
        return [enqueue(session, CHANNEL, openid, {"msgtype": "text", "text": chunk}, now).id
                for text in texts for chunk in split_text(text)]


def enqueue_photo(openid: str, evidence_id: int) -> int:
    """Puts a stored photo for ``openid`` into the outbox (uploaded when it is sent).

    Returns:
        The outbox id.
    """
    with unit_of_work() as session:
        return enqueue(session, CHANNEL, openid, {"msgtype": "image", "evidence_id": evidence_id},
                       utcnow()).id


class WeChatOutput(OutputChannel):
    """Sends the assistant's replies to a WeChat user through the outbox.

    The recipient is the user's openid (the conversation's sender id), so the same
    instance serves replies to incoming messages and Rasa's ``output_channel=latest``.
    """

    def __init__(self, on_enqueued: Callable[[], None] | None = None) -> None:
        """Creates the output channel.

        Args:
            on_enqueued: Called after messages were put into the outbox (wakes the
                delivery worker).
        """
        self._on_enqueued = on_enqueued

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    async def send_texts(self, recipient_id: str, texts: Iterable[str]) -> None:
        """Queues ``texts`` for ``recipient_id`` and wakes the delivery worker."""
        texts = [text for text in texts if text and text.strip()]
        if not texts:
            return
        await asyncio.to_thread(enqueue_texts, recipient_id, texts)
        if self._on_enqueued is not None:
            self._on_enqueued()

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_texts(recipient_id, [text])

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        await self.send_texts(recipient_id, [with_numbered_choices(text, buttons)])

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """A signed link to a stored photo (``channels.evidence_links``) is sent as the
        picture (uploaded to WeChat when delivered); any other address as text."""
        evidence_id = EvidenceLinks.from_settings().evidence_id(image, utcnow())
        if evidence_id is None:
            await self.send_texts(recipient_id, [image])
            return
        await asyncio.to_thread(enqueue_photo, recipient_id, evidence_id)
        if self._on_enqueued is not None:
            self._on_enqueued()

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if isinstance(text, str):
            await self.send_texts(recipient_id, [text])
        else:
            logger.info("wechat: custom payload for %s not sent (no text)", recipient_id)
