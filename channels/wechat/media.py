"""A photo sent over WeChat: fetched from WeChat and checked; a customer's is stored as
their evidence, a group leader's is staged for the leader's assistant
(``bot.evidence.staging``), which knows the case it belongs to."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import requests
from wechatpy.exceptions import WeChatClientException

from bot import messages as texts
from bot.customers import identify
from bot.db.session import unit_of_work
from bot.evidence import (
    NotAnImage,
    PhotoDownloadFailed,
    PhotoNotYetFetched,
    PhotoTooLarge,
    PhotoUnclear,
    fetch_photo,
    read_limited,
    stage_photo,
    store_photo,
)
from bot.evidence.staging import METADATA_KEY
from bot.leaders.identity import is_leader_chat
from bot.settings import get_settings
from channels.wechat.client import TOKEN_ERRCODES, ApiClient

logger = logging.getLogger(__name__)
BUSY_ERRCODE = -1  # WeChat: system busy, try again
CHANNEL = "wechat"


@dataclass(frozen=True)
class PhotoOutcome:
    """The customer's stored evidence; a leader's staged photo; or what to tell the
    sender instead."""

    evidence_id: int | None = None
    problem: str | None = None
    staged_id: str | None = None

    @property
    def metadata(self) -> dict[str, Any]:
        """What Rasa's message metadata carries about the photo."""
        if self.staged_id is not None:
            return {METADATA_KEY: self.staged_id}
        return {"evidence_id": self.evidence_id}


def _errcode(body: bytes) -> int | None:
    """WeChat answers a failed media request with JSON ``{"errcode": ...}``."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        return int(json.loads(body.decode("utf-8")).get("errcode") or 0) or None
    except (ValueError, AttributeError, TypeError):
        return None


def _is_transient(error: Exception) -> bool:
    response = getattr(error, "response", None)
    status = getattr(response, "status_code", None)
    return status is None or status >= 500 or status == 429


def download_media(client: ApiClient, media_id: str, max_bytes: int, timeout: float) -> bytes:
    """The bytes of a temporary media file, refreshing an expired access token once.

    Raises:
        PhotoNotYetFetched: network failure, timeout, a server error, WeChat busy.
        PhotoDownloadFailed: any other HTTP error or WeChat errcode.
        PhotoTooLarge: the file is larger than ``max_bytes``.
    """
    for attempt in (1, 2):
        try:
            with client.media_get(media_id, timeout) as response:
                response.raise_for_status()
                body = read_limited(response, max_bytes)
        except (requests.RequestException, WeChatClientException) as error:
            failure = PhotoNotYetFetched if _is_transient(error) else PhotoDownloadFailed
            raise failure(f"media {media_id}: {error}") from error
        errcode = _errcode(body)
        if errcode is None:
            return body
        if errcode in TOKEN_ERRCODES and attempt == 1:
            try:
                client.fetch_access_token()
            except (requests.RequestException, WeChatClientException) as error:
                raise PhotoNotYetFetched(f"token refresh failed: {error}") from error
            continue
        failure = PhotoNotYetFetched if errcode == BUSY_ERRCODE else PhotoDownloadFailed
        raise failure(f"media {media_id}: errcode {errcode}")
    raise PhotoDownloadFailed(f"media {media_id}: access token rejected twice")


def fetch_picture(client: ApiClient, media_id: str | None, pic_url: str | None) -> bytes:
    """The picture by ``MediaId`` through the media API, falling back to ``PicUrl``."""
    settings = get_settings()
    limit, timeout = settings.photo_max_bytes, settings.photo_fetch_timeout
    failure: PhotoDownloadFailed | None = None
    if media_id:
        try:
            return download_media(client, media_id, limit, timeout)
        except PhotoDownloadFailed as error:
            logger.warning("wechat: media download failed, trying PicUrl: %s", error)
            failure = error
    if pic_url:
        try:
            return fetch_photo(pic_url, limit, timeout)
        except PhotoDownloadFailed:
            if isinstance(failure, PhotoNotYetFetched):
                raise failure from None  # the media API may answer next time
            raise
    raise failure or PhotoDownloadFailed("image message without MediaId or PicUrl")


def _keep(data: bytes, openid: str, leader: bool, customer_id: int | None,
          source: str) -> PhotoOutcome:
    evidence_dir = get_settings().evidence_dir
    with unit_of_work() as session:
        if leader:
            return PhotoOutcome(staged_id=stage_photo(
                session, data, channel=CHANNEL, sender=openid, source=source,
                evidence_dir=evidence_dir))
        return PhotoOutcome(evidence_id=store_photo(
            session, data, customer_id=customer_id, evidence_dir=evidence_dir,
            conversation_id=openid, source_url=source).id)


def take_photo(client: ApiClient, openid: str, media_id: str | None,
               pic_url: str | None) -> PhotoOutcome:
    """Fetches the picture (``MediaId``, ``PicUrl`` as fallback) and keeps it.

    A bound leader's chat is in leader mode (as ``LeaderPolicy`` decides): the photo is
    staged for the leader's assistant. Otherwise it is stored as evidence of the
    customer bound to ``openid``; unbound users are asked to bind first and nothing is
    downloaded or stored. Never raises for a bad picture: the outcome then says what to
    tell the sender.

    Raises:
        PhotoNotYetFetched: WeChat did not hand the picture over this time.
    """
    settings = get_settings()
    leader = is_leader_chat(CHANNEL, openid)
    customer = None
    if not leader:
        with unit_of_work() as session:
            customer = identify(session, CHANNEL, openid)
        if customer is None:
            logger.info("wechat: photo from unbound openid %s, asked to bind first", openid)
            return PhotoOutcome(problem=texts.BIND_FIRST)
    try:
        data = fetch_picture(client, media_id, pic_url)
        outcome = _keep(data, openid, leader, customer.id if customer else None,
                        pic_url or f"wechat-media:{media_id}")
    except PhotoNotYetFetched:
        raise
    except PhotoDownloadFailed as error:
        logger.warning("wechat: photo from %s could not be downloaded: %s", openid, error)
        return PhotoOutcome(problem=texts.PHOTO_DOWNLOAD_FAILED)
    except PhotoTooLarge as error:
        logger.info("wechat: photo from %s too large: %s", openid, error)
        limit_mb = settings.photo_max_bytes // (1024 * 1024)
        return PhotoOutcome(problem=texts.PHOTO_TOO_LARGE.format(limit_mb=limit_mb))
    except PhotoUnclear as error:
        logger.info("wechat: photo from %s too small or blank: %s", openid, error)
        return PhotoOutcome(problem=texts.PHOTO_UNCLEAR)
    except NotAnImage as error:
        logger.info("wechat: photo from %s is not an image: %s", openid, error)
        return PhotoOutcome(problem=texts.PHOTO_NOT_IMAGE)
    return outcome
