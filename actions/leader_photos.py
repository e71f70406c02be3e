"""A photo a group leader sends: stored for the right customer, attached to the right case.

The photo arrives either staged by the channel (Telegram, WeChat: metadata
``{"staged_photo": id}``, see ``bot.evidence.staging``) or as an image address (REST
metadata ``image_url``, or an address typed in the terminal chat), which is fetched here.
"""
from __future__ import annotations

import logging

from rasa_sdk import Tracker
from sqlalchemy.orm import Session

from actions.common import latest_metadata, now, policy
from actions.return_photo import URL, image_url
from bot import messages
from bot.db.session import unit_of_work
from bot.evidence import (
    EvidenceError,
    EvidenceView,
    fetch_photo,
    store_photo,
    take_staged,
)
from bot.evidence.staging import METADATA_KEY
from bot.leaders.forward_errors import ForwardError
from bot.leaders.forward_photos import attach_photo, photo_target
from bot.settings import get_settings

logger = logging.getLogger(__name__)


def is_photo(tracker: Tracker, text: str) -> bool:
    """A picture from a channel, or (terminal chat) an image address with a short note."""
    metadata = latest_metadata(tracker)
    if metadata.get("image_url") or metadata.get("evidence_id") or metadata.get(METADATA_KEY):
        return True
    match = URL.search(text)
    return match is not None and len(URL.sub("", text).strip()) <= 10


def _staged_id(tracker: Tracker) -> str | None:
    staged = latest_metadata(tracker).get(METADATA_KEY)
    return staged if isinstance(staged, str) and staged else None


def _keep(session: Session, tracker: Tracker, customer_id: int, staged_id: str | None,
          data: bytes | None, url: str | None) -> EvidenceView:
    """The photo as evidence of ``customer_id``: the staged one, or the fetched bytes."""
    settings = get_settings()
    if staged_id is not None:
        return take_staged(session, staged_id, channel=tracker.get_latest_input_channel() or "",
                           sender=tracker.sender_id, customer_id=customer_id,
                           evidence_dir=settings.evidence_dir, now=now())
    return store_photo(session, data, customer_id=customer_id,
                       evidence_dir=settings.evidence_dir,
                       conversation_id=tracker.sender_id, source_url=url)


async def leader_photo(tracker: Tracker, leader_id: int, text: str) -> str:
    """Attaches the photo in the leader's latest message; returns what to tell them.

    The words sent with it (``R1024``, an item number) say where it goes; without them it
    goes to the only open case or item of the leader's latest forward.
    """
    hint = URL.sub("", text).replace(messages.PHOTO_TURN_TEXT, "").strip() or None
    settings = get_settings()
    staged_id = _staged_id(tracker)
    url = None if staged_id else image_url(tracker)
    try:
        with unit_of_work() as session:
            target = photo_target(session, leader_id, hint)
        if staged_id is None and url is None:
            return messages.LEADER_PHOTO_UNREADABLE
        data = (fetch_photo(url, settings.photo_max_bytes, settings.photo_fetch_timeout)
                if url else None)
        with unit_of_work() as session:
            stored = _keep(session, tracker, target.customer_id, staged_id, data, url)
            placed = attach_photo(session, leader_id, hint, stored.id, now(), policy())
    except ForwardError as refused:
        return messages.forward_error(refused)
    except EvidenceError as error:
        logger.info("leader %s photo not stored: %s", leader_id, error)
        return messages.LEADER_PHOTO_UNREADABLE
    where = placed.case_ref or messages.FORWARD_ITEM_NAME.format(n=placed.number)
    return messages.LEADER_PHOTO_ATTACHED.format(target=where)
