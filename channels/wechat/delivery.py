"""Delivering the outbox through WeChat's customer-service message API (客服消息).

Text goes as a text message; a stored photo is uploaded as temporary media
(``media/upload``) and sent as an image message. Transient failures (HTTP errors,
timeouts, WeChat being busy) are retried with the outbox's back-off; an expired access
token is refreshed and the send retried at once; errcodes that will never succeed (45015:
the customer has not written for 48 hours) are recorded as undeliverable for agents and
leads to see.
"""
from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime

import requests
from wechatpy.exceptions import WeChatClientException

from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.evidence import MissingEvidence, StoredPhoto, read_stored_photo
from bot.messaging import (
    OutboxMessage,
    claim_due,
    due_again,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    postpone,
    prune_inbound_keys,
)
from bot.settings import get_settings
from channels.background import BackgroundLoop
from channels.wechat.client import TOKEN_ERRCODES, ApiClient

logger = logging.getLogger(__name__)
CHANNEL = "wechat"
BATCH = 20
# Errcodes that retrying cannot fix, with what they mean for whoever reads the record.
FINAL_ERRCODES = {
    40003: "not a valid openid for this account",
    40005: "WeChat does not take this picture's file type",
    40009: "picture too large for WeChat",
    43004: "the customer no longer follows the account",
    43019: "the customer is on the account's blacklist",
    45002: "message too long",
    45015: "customer-service window closed: the customer has not written for 48 hours",
    45047: "customer-service message limit reached until the customer writes again",
    47001: "message format rejected",
    48001: "the account may not use the customer-service API",
}


@dataclass(frozen=True)
class Outcome:
    """How one send went: delivered, worth retrying (``error``), or final (``reason``)."""

    delivered: bool = False
    error: str | None = None
    reason: str | None = None


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    claimed: int = 0
    delivered: int = 0
    retrying: int = 0
    postponed: int = 0  # waiting behind a failed message to the same customer
    undeliverable: int = 0


def _describe(error: WeChatClientException) -> str:
    if error.errcode is None:
        status = getattr(error.response, "status_code", None)
        return f"HTTP {status}" if status else f"request failed: {error}"
    return f"errcode {error.errcode}: {error.errmsg}"


def _stored(evidence_id: int) -> StoredPhoto:
    with unit_of_work() as session:
        return read_stored_photo(session, evidence_id, get_settings().evidence_dir)


def _send_photo(client: ApiClient, openid: str, photo: StoredPhoto) -> None:
    name = f"photo-{photo.evidence_id}.{photo.extension}"
    uploaded = client.media.upload("image", (name, photo.data, photo.mime_type))
    client.message.send_image(openid, uploaded["media_id"])


def send_one(client: ApiClient, message: OutboxMessage) -> Outcome:
    """Sends one outbox message; refreshes the access token once if WeChat says it expired."""
    photo: StoredPhoto | None = None
    if message.payload.get("msgtype") == "image":
        try:
            photo = _stored(int(message.payload["evidence_id"]))
        except MissingEvidence as error:
            return Outcome(reason=f"the photo is no longer stored ({error})")
    text = str(message.payload.get("text") or "")
    for attempt in (1, 2):
        try:
            if photo is None:
                client.message.send_text(message.recipient, text)
            else:
                _send_photo(client, message.recipient, photo)
            return Outcome(delivered=True)
        except WeChatClientException as error:
            if error.errcode in TOKEN_ERRCODES and attempt == 1:
                logger.info("wechat: access token rejected (%s), refreshing", error.errcode)
                try:
                    client.fetch_access_token()
                except (WeChatClientException, requests.RequestException) as refresh_error:
                    return Outcome(error=f"token refresh failed: {refresh_error}")
                continue
            if error.errcode in FINAL_ERRCODES:
                return Outcome(reason=f"WeChat {_describe(error)} — "
                                      f"{FINAL_ERRCODES[error.errcode]}")
            return Outcome(error=_describe(error))
        except requests.RequestException as error:
            return Outcome(error=f"request failed: {error}")
    return Outcome(error="access token rejected again after a refresh")


def deliver_due(client: ApiClient, now: datetime | None = None, limit: int = BATCH) -> DeliveryReport:
    """Sends the due WeChat messages once each and records every outcome.

    Messages to one customer keep their order: after a failed send, that customer's
    later messages in the batch wait for the retry instead of overtaking it.
    """
    now = now or utcnow()
    report = DeliveryReport()
    with unit_of_work() as session:
        batch = claim_due(session, CHANNEL, now, limit=limit)
    report.claimed = len(batch)
    waiting: dict[str, datetime] = {}  # recipient → when their failed message is due again
    for message in batch:
        if message.recipient in waiting:
            with unit_of_work() as session:
                postpone(session, message.id, waiting[message.recipient])
            report.postponed += 1
            continue
        outcome = send_one(client, message)
        with unit_of_work() as session:
            if outcome.delivered:
                mark_delivered(session, message.id, now)
                report.delivered += 1
            elif outcome.reason is not None:
                logger.warning("wechat: message %s to %s undeliverable: %s", message.id,
                               message.recipient, outcome.reason)
                mark_undeliverable(session, message.id, outcome.reason)
                report.undeliverable += 1
            else:
                logger.warning("wechat: message %s to %s failed (attempt %s): %s", message.id,
                               message.recipient, message.attempts, outcome.error)
                if mark_failed(session, message.id, outcome.error or "failed", now):
                    report.retrying += 1
                    waiting[message.recipient] = due_again(session, message.id)
                else:
                    report.undeliverable += 1
    return report


class DeliveryWorker(BackgroundLoop):
    """Runs ``deliver_due`` in the background: at once when woken, else every few seconds."""

    name = "wechat delivery"

    def __init__(self, client: ApiClient, poll_seconds: float = 2.0) -> None:
        super().__init__(poll_seconds)
        self._client = client

    async def run_pass(self) -> bool:
        report = await asyncio.to_thread(deliver_due, self._client)
        await asyncio.to_thread(prune_inbound_keys)
        return report.claimed >= BATCH
