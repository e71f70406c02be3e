"""A Telegram photo, fetched with getFile: a customer's is stored as their evidence, a
group leader's is staged for the leader's assistant (``bot.evidence.staging``)."""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from telegram import Bot, Document, PhotoSize
from telegram.error import TelegramError

from bot import messages as replies
from bot.customers import identify
from bot.db.session import unit_of_work
from bot.evidence import NotAnImage, PhotoUnclear, stage_photo, store_photo
from bot.evidence.staging import METADATA_KEY
from bot.leaders.identity import is_leader_chat
from bot.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL = "telegram"


@dataclass(frozen=True)
class PhotoResult:
    """What became of a photo.

    Attributes:
        evidence_id: The customer's stored evidence.
        staged_id: A leader's staged photo.
        reply: What to tell the sender instead of passing the photo on.
    """

    evidence_id: int | None = None
    staged_id: str | None = None
    reply: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """What Rasa's message metadata carries about the photo (never an address)."""
        if self.staged_id is not None:
            return {METADATA_KEY: self.staged_id}
        return {} if self.evidence_id is None else {"evidence_id": self.evidence_id}


@dataclass(frozen=True)
class _Sender:
    leader: bool
    customer_id: int | None


def _sender(sender_id: str) -> _Sender:
    """A bound leader's chat is in leader mode (as ``LeaderPolicy`` decides), else the
    customer bound to it, if any."""
    if is_leader_chat(CHANNEL, sender_id):
        return _Sender(leader=True, customer_id=None)
    with unit_of_work() as session:
        customer = identify(session, CHANNEL, sender_id)
        return _Sender(leader=False, customer_id=customer.id if customer else None)


def _keep(data: bytes, sender: _Sender, sender_id: str, source: str,
          evidence_dir: Path) -> PhotoResult:
    with unit_of_work() as session:
        if sender.leader:
            return PhotoResult(staged_id=stage_photo(
                session, data, channel=CHANNEL, sender=sender_id, source=source,
                evidence_dir=evidence_dir))
        return PhotoResult(evidence_id=store_photo(
            session, data, customer_id=sender.customer_id, evidence_dir=evidence_dir,
            conversation_id=sender_id, source_url=source).id)


@dataclass(frozen=True)
class _Download:
    """The file's bytes and ``telegram:<file_unique_id>``; or what to tell the sender."""

    data: bytes = b""
    source: str = ""
    refused: PhotoResult | None = None


async def _download(bot: Bot, file: PhotoSize | Document, sender_id: str,
                    settings: Settings) -> _Download:
    limit = settings.photo_max_bytes
    too_large = _Download(refused=PhotoResult(reply=replies.photo_too_large(limit)))
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
        return _Download(refused=PhotoResult(reply=replies.PHOTO_DOWNLOAD_FAILED))
    if len(data) > limit:
        return too_large
    return _Download(data, f"telegram:{remote.file_unique_id}")


async def photo_evidence(bot: Bot, file: PhotoSize | Document, sender_id: str,
                         settings: Settings) -> PhotoResult:
    """Downloads ``file`` to memory, checks it and keeps it for whoever sent it.

    A bound customer's photo becomes their evidence; a bound leader's is staged for the
    leader's assistant, which knows the case it belongs to. A sender bound to nobody
    gets an empty result: the photo cannot be kept, and the assistant guides them
    through binding first. Only ``telegram:<file_unique_id>`` is recorded as the source:
    the download address contains the bot token.

    Args:
        bot: The bot to call ``getFile`` and download with.
        file: The largest ``PhotoSize`` of a photo, or an image sent as a document.
        sender_id: The Telegram user id.
        settings: For the size limit, download timeout and evidence directory.
    """
    sender = await asyncio.to_thread(_sender, sender_id)
    if not sender.leader and sender.customer_id is None:
        logger.info("telegram: photo from unbound user %s not stored", sender_id)
        return PhotoResult()
    download = await _download(bot, file, sender_id, settings)
    if download.refused is not None:
        return download.refused
    try:
        result = await asyncio.to_thread(_keep, download.data, sender, sender_id,
                                         download.source, settings.evidence_dir)
    except PhotoUnclear as error:
        logger.info("telegram: photo from %s too small or blank: %s", sender_id, error)
        return PhotoResult(reply=replies.PHOTO_UNCLEAR)
    except NotAnImage as error:
        logger.info("telegram: file from %s is not an image: %s", sender_id, error)
        return PhotoResult(reply=replies.PHOTO_NOT_IMAGE)
    logger.info("telegram: photo from %s %s", sender_id,
                "staged for the leader's assistant" if sender.leader
                else f"stored as evidence {result.evidence_id}")
    return result
