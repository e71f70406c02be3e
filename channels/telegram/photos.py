"""A customer's Telegram photo, fetched with getFile and stored as evidence."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot, Document, PhotoSize
from telegram.error import TelegramError

from bot import messages as replies
from bot.customers import identify
from bot.db.session import unit_of_work
from bot.evidence import NotAnImage, store_photo
from bot.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"


@dataclass(frozen=True)
class PhotoResult:
    """What became of a photo.

    Attributes:
        evidence_id: The stored evidence, for Rasa's message metadata.
        reply: What to tell the customer instead of passing the photo on.
    """

    evidence_id: int | None = None
    reply: str | None = None


def _customer_id(sender_id: str) -> int | None:
    with unit_of_work() as session:
        customer = identify(session, CHANNEL, sender_id)
        return customer.id if customer else None


def _store(data: bytes, customer_id: int, sender_id: str, source: str, evidence_dir: Path) -> int:
    with unit_of_work() as session:
        return store_photo(session, data, customer_id=customer_id, evidence_dir=evidence_dir,
                           conversation_id=sender_id, source_url=source).id


async def photo_evidence(bot: Bot, file: PhotoSize | Document, sender_id: str,
                         settings: Settings) -> PhotoResult:
    """Downloads ``file`` to memory, checks it and stores it for the bound customer.

    A sender not bound to a customer gets an empty result: the photo cannot be kept,
    and the assistant guides them through binding first.

    Args:
        bot: The bot to call ``getFile`` and download with.
        file: The largest ``PhotoSize`` of a photo, or an image sent as a document.
        sender_id: The Telegram user id.
        settings: For the size limit, download timeout and evidence directory.
    """
    customer_id = await asyncio.to_thread(_customer_id, sender_id)
    if customer_id is None:
        logger.info("telegram: photo from unbound user %s not stored", sender_id)
        return PhotoResult()
    limit = settings.photo_max_bytes
    too_large = PhotoResult(reply=replies.photo_too_large(limit))
    if (file.file_size or 0) > limit:
        logger.info("telegram: photo from %s refused, %s bytes", sender_id, file.file_size)
        return too_large
    try:
        remote = await bot.get_file(file.file_id)
        if (remote.file_size or 0) > limit:
            return too_large
        data = bytes(await remote.download_as_bytearray(
            read_timeout=settings.photo_fetch_timeout))
    except (TelegramError, RuntimeError) as error:
        # The file's address contains the bot token: log the error, never the address.
        logger.warning("telegram: photo from %s could not be downloaded: %s: %s", sender_id,
                       type(error).__name__, error)
        return PhotoResult(reply=replies.PHOTO_DOWNLOAD_FAILED)
    if len(data) > limit:
        return too_large
    try:
        evidence_id = await asyncio.to_thread(
            _store, data, customer_id, sender_id, f"telegram:{remote.file_unique_id}",
            settings.evidence_dir)
    except NotAnImage as error:
        logger.info("telegram: file from %s is not an image: %s", sender_id, error)
        return PhotoResult(reply=replies.PHOTO_NOT_IMAGE)
    logger.info("telegram: photo from %s stored as evidence %s", sender_id, evidence_id)
    return PhotoResult(evidence_id=evidence_id)
