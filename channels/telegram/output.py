"""Rasa's output channel for Telegram: every reply goes through the outbox."""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.channels.channel import OutputChannel

from bot.db.base import utcnow
from channels.evidence_links import EvidenceLinks
from channels.telegram.courier import Courier
from channels.telegram.outgoing import evidence_payload, photo_payload, text_payloads

logger = logging.getLogger(__name__)


class TelegramOutput(OutputChannel):
    """Sends Rasa's replies to a Telegram chat; choices become inline keyboard buttons.

    The recipient id is the Rasa sender id, which for Telegram is the user id (the same
    as the private chat's id).

    Args:
        courier: Delivers the outbox's messages and retries failures.
    """

    def __init__(self, courier: Courier) -> None:
        self._courier = courier

    @classmethod
    def name(cls) -> str:
        return "telegram"

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._courier.post(recipient_id, text_payloads(text))

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        """The text (with its numbered lines) and one inline button per choice; a press
        sends the button's payload back as the customer's message."""
        await self._courier.post(recipient_id, text_payloads(text, buttons))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """A picture by address; a signed link to a stored photo (``channels.evidence_links``)
        is uploaded from the store instead, so Telegram never needs to reach our server."""
        evidence_id = EvidenceLinks.from_settings().evidence_id(image, utcnow())
        payload = photo_payload(image) if evidence_id is None else evidence_payload(evidence_id)
        await self._courier.post(recipient_id, [payload])

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        await self._courier.post(recipient_id, text_payloads(str(attachment)))

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        """Sends a custom payload's ``text`` (and ``buttons``); anything else is logged."""
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if not text:
            logger.warning("telegram: custom payload for %s has no text, not sent: %s",
                           recipient_id, str(json_message)[:200])
            return
        await self._courier.post(recipient_id,
                                 text_payloads(str(text), json_message.get("buttons")))
