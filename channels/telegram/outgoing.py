"""Replies as outbox payloads, and sending one payload with python-telegram-bot.

A payload is what the outbox stores for one Telegram message: ``{"text": ...}`` with an
optional ``"reply_markup"`` (an ``InlineKeyboardMarkup`` as ``to_dict()`` gives it),
``{"photo": url, "caption": ...}``, or ``{"evidence_id": ...}`` for a stored photo, which
is uploaded from the evidence store when it is sent (its bytes never sit in the outbox).
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, Message

from bot.db.session import unit_of_work
from bot.evidence import StoredPhoto, read_stored_photo
from bot.settings import get_settings

logger = logging.getLogger(__name__)

MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CALLBACK_BYTES = 64  # Telegram's limit for callback_data


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cuts ``text`` into pieces Telegram accepts, at line ends where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip("\n")
    if rest or not pieces:
        pieces.append(rest)
    return pieces


def _button(button: dict[str, Any]) -> InlineKeyboardButton | None:
    title = str(button.get("title") or button.get("payload") or "").strip()
    if button.get("url"):
        return InlineKeyboardButton(title or button["url"], url=button["url"])
    payload = str(button.get("payload") or "")
    if not title or not payload:
        return None
    if len(payload.encode("utf-8")) > MAX_CALLBACK_BYTES:
        logger.warning("telegram: button %r left out, payload longer than %d bytes",
                       title, MAX_CALLBACK_BYTES)
        return None
    return InlineKeyboardButton(title, callback_data=payload)


def keyboard(buttons: list[dict[str, Any]]) -> InlineKeyboardMarkup | None:
    """Rasa buttons (``title``, ``payload``) as an inline keyboard, one button a row.

    The button's payload is its ``callback_data``, so a press comes back as that text.
    """
    rows = [[made] for made in map(_button, buttons) if made is not None]
    return InlineKeyboardMarkup(rows) if rows else None


def text_payloads(text: str, buttons: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """The payloads for a text reply; buttons go with the last piece."""
    payloads: list[dict[str, Any]] = [{"text": piece} for piece in split_text(text or " ")]
    markup = keyboard(buttons or [])
    if markup is not None:
        payloads[-1]["reply_markup"] = markup.to_dict()
    return payloads


def photo_payload(url: str, caption: str | None = None) -> dict[str, Any]:
    """The payload for a picture sent by address."""
    return {"photo": url, "caption": caption[:1024] if caption else None}


def evidence_payload(evidence_id: int) -> dict[str, Any]:
    """The payload for a stored photo, sent as the file itself."""
    return {"evidence_id": evidence_id}


def _stored(evidence_id: int) -> StoredPhoto:
    with unit_of_work() as session:
        return read_stored_photo(session, evidence_id, get_settings().evidence_dir)


def chat_id(recipient: str) -> int | str:
    """Telegram's chat id for a Rasa sender id (a user id, or an ``@channel`` name)."""
    return int(recipient) if recipient.lstrip("-").isdigit() else recipient


async def send_payload(bot: Bot, recipient: str, payload: dict[str, Any]) -> Message:
    """Sends one stored payload.

    Raises:
        telegram.error.TelegramError: whatever the Bot API answered instead of success.
        bot.evidence.MissingEvidence: a stored photo that is no longer there.
    """
    if payload.get("evidence_id"):
        photo = await asyncio.to_thread(_stored, int(payload["evidence_id"]))
        return await bot.send_photo(chat_id(recipient), InputFile(
            photo.data, filename=f"photo-{photo.evidence_id}.{photo.extension}"))
    if payload.get("photo"):
        return await bot.send_photo(chat_id(recipient), payload["photo"],
                                    caption=payload.get("caption"))
    markup = payload.get("reply_markup")
    return await bot.send_message(
        chat_id(recipient), payload["text"],
        reply_markup=InlineKeyboardMarkup.de_json(markup, bot) if markup else None,
    )
