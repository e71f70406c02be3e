"""Signed, expiring links to one stored photo, served by the Rasa server.

A chat that cannot carry a picture (REST, ``make shell``) gets a task card's photos as
links: ``<PUBLIC_URL>/console/photos/<evidence id>?expires=<unix time>&sig=<hmac>``.
The signature is an HMAC-SHA256 over the evidence id and the expiry, keyed from
``CONSOLE_SECRET``; a link opens that one photo until it expires and nothing else (no
listing, no other id). Output channels that can send pictures recognise their own
links with ``evidence_id`` and upload the bytes instead of handing the address on.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlencode, urlsplit

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.db.session import unit_of_work
from bot.evidence import MissingEvidence, StoredPhoto, read_stored_photo
from bot.settings import get_settings

PATH = "/photos"  # under the desk's /console prefix
LINK_TTL = timedelta(hours=24)
HEADERS = {"X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=600",
           "Referrer-Policy": "no-referrer", "Content-Disposition": "inline"}


@dataclass(frozen=True)
class EvidenceLinks:
    """Makes and checks photo links.

    Args:
        secret: ``CONSOLE_SECRET``; links are signed with a key derived from it.
        base_url: Where leaders reach the Rasa server (``PUBLIC_URL``).
        prefix: The path the desk's blueprint is mounted at.
        ttl: How long a link opens its photo.
    """

    secret: str = field(repr=False)
    base_url: str
    prefix: str = "/console"
    ttl: timedelta = LINK_TTL

    @classmethod
    def from_settings(cls) -> "EvidenceLinks":
        settings = get_settings()
        return cls(settings.console_secret, settings.public_url)

    def _signature(self, evidence_id: int, expires: int) -> str:
        key = hmac.new(self.secret.encode("utf-8"), b"evidence-link", hashlib.sha256).digest()
        return hmac.new(key, f"{evidence_id}:{expires}".encode(), hashlib.sha256).hexdigest()

    def link(self, evidence_id: int, now: datetime) -> str:
        """An absolute link to the photo, valid for ``ttl`` from ``now``."""
        expires = int((now + self.ttl).timestamp())
        query = urlencode({"expires": expires, "sig": self._signature(evidence_id, expires)})
        return f"{self.base_url.rstrip('/')}{self.prefix}{PATH}/{evidence_id}?{query}"

    def valid(self, evidence_id: int, expires: str | None, signature: str | None,
              now: datetime) -> bool:
        """Whether ``expires`` and ``signature`` open ``evidence_id`` at ``now``."""
        if not expires or not expires.isdigit() or not signature:
            return False
        expected = self._signature(evidence_id, int(expires))
        return hmac.compare_digest(expected, signature) and int(expires) > now.timestamp()

    def evidence_id(self, url: str, now: datetime) -> int | None:
        """The photo a link made here opens, or None for any other (or expired) address."""
        parts = urlsplit(url)
        head, _, raw_id = parts.path.rpartition("/")
        if head != f"{self.prefix}{PATH}" or not raw_id.isdigit():
            return None
        query = {name: values[0] for name, values in parse_qs(parts.query).items()}
        evidence_id = int(raw_id)
        return evidence_id if self.valid(evidence_id, query.get("expires"), query.get("sig"),
                                         now) else None


def _photo(evidence_id: int) -> StoredPhoto:
    with unit_of_work() as session:
        return read_stored_photo(session, evidence_id, get_settings().evidence_dir)


def add_photo_route(bp: Blueprint, links: EvidenceLinks, clock: Callable[[], datetime]) -> None:
    """``GET <prefix>/photos/<id>?expires=…&sig=…``: the photo, or 403 for a bad or
    expired link and 404 for a photo no longer stored."""

    @bp.get(f"{PATH}/<evidence_id:int>")
    async def photo(request: Request, evidence_id: int) -> HTTPResponse:
        if not links.valid(evidence_id, request.args.get("expires"), request.args.get("sig"),
                           clock()):
            return response.text("forbidden", status=403, headers=HEADERS)
        try:
            stored = await asyncio.to_thread(_photo, evidence_id)
        except MissingEvidence:
            return response.text("not found", status=404, headers=HEADERS)
        return response.raw(stored.data, content_type=stored.mime_type, headers=HEADERS)
