"""A photo a customer sent: fetched from WeChat, checked, stored as their evidence."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import requests
from wechatpy.exceptions import WeChatClientException

from bot import messages as texts
from bot.customers import identify
from bot.db.session import unit_of_work
from bot.evidence import (
    NotAnImage,
    PhotoDownloadFailed,
    PhotoTooLarge,
    fetch_photo,
    read_limited,
    store_photo,
)
from bot.leaders.identity import identify_leader
from bot.settings import get_settings
from channels.wechat.client import TOKEN_ERRCODES, ApiClient

logger = logging.getLogger(__name__)
CHANNEL = "wechat"


@dataclass(frozen=True)
class PhotoOutcome:
    """The stored evidence's id; or, from a group leader, the picture's address (the
    leader's assistant stores it under the customer of the case it belongs to); or what
    to tell the sender instead."""

    evidence_id: int | None = None
    problem: str | None = None
    image_url: str | None = None


def _errcode(body: bytes) -> int | None:
    """WeChat answers a failed media request with JSON ``{"errcode": ...}``."""
    if not body.lstrip().startswith(b"{"):
        return None
    try:
        return int(json.loads(body.decode("utf-8")).get("errcode") or 0) or None
    except (ValueError, AttributeError, TypeError):
        return None


def download_media(client: ApiClient, media_id: str, max_bytes: int, timeout: float) -> bytes:
    """The bytes of a temporary media file, refreshing an expired access token once.

    Raises:
        PhotoDownloadFailed: HTTP or network failure, timeout, or a WeChat errcode.
        PhotoTooLarge: the file is larger than ``max_bytes``.
    """
    for attempt in (1, 2):
        try:
            with client.media_get(media_id, timeout) as response:
                response.raise_for_status()
                body = read_limited(response, max_bytes)
        except (requests.RequestException, WeChatClientException) as error:
            raise PhotoDownloadFailed(f"media {media_id}: {error}") from error
        errcode = _errcode(body)
        if errcode is None:
            return body
        if errcode in TOKEN_ERRCODES and attempt == 1:
            try:
                client.fetch_access_token()
            except (requests.RequestException, WeChatClientException) as error:
                raise PhotoDownloadFailed(f"token refresh failed: {error}") from error
            continue
        raise PhotoDownloadFailed(f"media {media_id}: errcode {errcode}")
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
        return fetch_photo(pic_url, limit, timeout)
    raise failure or PhotoDownloadFailed("image message without MediaId or PicUrl")


def take_photo(client: ApiClient, openid: str, media_id: str | None,
               pic_url: str | None) -> PhotoOutcome:
    """Stores the picture as evidence of the customer bound to ``openid``.

    Unbound users are asked to bind first and nothing is downloaded or stored.
    Never raises for a bad picture: the outcome then says what to tell the customer.
    """
    settings = get_settings()
    with unit_of_work() as session:
        customer = identify(session, CHANNEL, openid)
        leader = identify_leader(session, CHANNEL, openid) if customer is None else None
    if leader is not None and pic_url:
        return PhotoOutcome(image_url=pic_url)
    if customer is None:
        logger.info("wechat: photo from unbound openid %s, asked to bind first", openid)
        return PhotoOutcome(problem=texts.BIND_FIRST)
    try:
        data = fetch_picture(client, media_id, pic_url)
        with unit_of_work() as session:
            stored = store_photo(session, data, customer_id=customer.id,
                                 evidence_dir=settings.evidence_dir, conversation_id=openid,
                                 source_url=pic_url or f"wechat-media:{media_id}")
    except PhotoTooLarge as error:
        logger.info("wechat: photo from %s too large: %s", openid, error)
        limit_mb = settings.photo_max_bytes // (1024 * 1024)
        return PhotoOutcome(problem=texts.PHOTO_TOO_LARGE.format(limit_mb=limit_mb))
    except PhotoDownloadFailed as error:
        logger.warning("wechat: photo from %s could not be downloaded: %s", openid, error)
        return PhotoOutcome(problem=texts.PHOTO_DOWNLOAD_FAILED)
    except NotAnImage as error:
        logger.info("wechat: photo from %s is not an image: %s", openid, error)
        return PhotoOutcome(problem=texts.PHOTO_NOT_IMAGE)
    return PhotoOutcome(evidence_id=stored.id)
