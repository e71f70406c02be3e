"""The photo answer of the return form: a channel-stored picture, or an image address."""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.common import current_customer, latest_metadata, latest_raw_text
from bot.db import Evidence
from bot.db.session import unit_of_work
from bot.evidence import (
    NotAnImage,
    PhotoDownloadFailed,
    PhotoTooLarge,
    PhotoUnclear,
    fetch_photo,
    store_photo,
)
from bot.settings import get_settings

logger = logging.getLogger(__name__)
URL = re.compile(r"https?://\S+", re.IGNORECASE)


def image_url(tracker: Tracker) -> str | None:
    metadata = latest_metadata(tracker)
    url = metadata.get("image_url")
    if isinstance(url, str) and url:
        return url
    match = URL.search(latest_raw_text(tracker))
    return match.group(0) if match else None


def _channel_evidence(tracker: Tracker, customer_id: int) -> int | None:
    """Evidence a channel stored before passing the message on (metadata ``evidence_id``)."""
    raw = latest_metadata(tracker).get("evidence_id")
    if raw is None:
        return None
    with unit_of_work() as session:
        evidence = session.get(Evidence, int(raw))
        return evidence.id if evidence and evidence.customer_id == customer_id else None


def extract_photo_answer(dispatcher: CollectingDispatcher, tracker: Tracker) -> dict[str, Any]:
    """Stores the photo in the customer's latest message, or says what went wrong."""
    customer = current_customer(tracker)
    if customer is None:
        return {}
    evidence_id = _channel_evidence(tracker, customer.id)
    if evidence_id is not None:
        dispatcher.utter_message(response="utter_photo_received")
        return {"photo": float(evidence_id)}
    url = image_url(tracker)
    if url is None:
        dispatcher.utter_message(response="utter_photo_needed")
        return {"photo": None}
    settings = get_settings()
    try:
        data = fetch_photo(url, settings.photo_max_bytes, settings.photo_fetch_timeout)
        with unit_of_work() as session:
            stored = store_photo(session, data, customer_id=customer.id,
                                 evidence_dir=settings.evidence_dir,
                                 conversation_id=tracker.sender_id, source_url=url)
    except PhotoTooLarge:
        dispatcher.utter_message(response="utter_photo_too_large",
                                 limit_mb=settings.photo_max_bytes // (1024 * 1024))
        return {"photo": None}
    except PhotoDownloadFailed as error:
        logger.info("photo download failed for %s: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_photo_download_failed")
        return {"photo": None}
    except PhotoUnclear as error:
        logger.info("unclear photo from %s: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_photo_unclear")
        return {"photo": None}
    except NotAnImage as error:
        logger.info("not an image from %s: %s", tracker.sender_id, error)
        dispatcher.utter_message(response="utter_photo_not_image")
        return {"photo": None}
    dispatcher.utter_message(response="utter_photo_received")
    return {"photo": float(stored.id)}
