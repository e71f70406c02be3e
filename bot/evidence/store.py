"""Fetching photos by address and storing them as evidence rows and files."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import Evidence
from bot.evidence.errors import MissingEvidence, PhotoDownloadFailed, PhotoTooLarge
from bot.evidence.images import ALLOWED_FORMATS, ImageInfo, inspect_image

_CHUNK = 64 * 1024
# A photo taken more than this long before the goods reached the customer
# cannot show what they received.
STALE_MARGIN = timedelta(hours=1)


@dataclass(frozen=True)
class EvidenceView:
    id: int
    sha256: str
    path: str
    mime_type: str
    taken_at: datetime | None


@dataclass(frozen=True)
class SavedFile:
    """A checked picture written to the store: its digest, path (relative to the
    evidence directory) and what ``inspect_image`` read from it."""

    sha256: str
    path: str
    info: ImageInfo


@dataclass(frozen=True)
class StoredPhoto:
    """A stored photo's bytes, for sending it on (never by address)."""

    evidence_id: int
    data: bytes
    mime_type: str
    extension: str


def read_limited(response: requests.Response, max_bytes: int) -> bytes:
    """A streamed response's body, refused as soon as it exceeds ``max_bytes``.

    Raises:
        PhotoTooLarge: declared or actual size over ``max_bytes``.
    """
    declared = int(response.headers.get("Content-Length") or 0)
    if declared > max_bytes:
        raise PhotoTooLarge(f"{declared} bytes")
    body = bytearray()
    for chunk in response.iter_content(_CHUNK):
        body.extend(chunk)
        if len(body) > max_bytes:
            raise PhotoTooLarge(f"more than {max_bytes} bytes")
    return bytes(body)


def fetch_photo(url: str, max_bytes: int, timeout: float) -> bytes:
    """Downloads ``url`` with a timeout, refusing bodies over ``max_bytes``.

    Raises:
        PhotoDownloadFailed: not http(s), unreachable, timed out or an HTTP error.
        PhotoTooLarge: the body is larger than ``max_bytes``.
    """
    if not url.lower().startswith(("http://", "https://")):
        raise PhotoDownloadFailed("only http(s) addresses can be fetched")
    try:
        with requests.get(url, stream=True, timeout=timeout, allow_redirects=True) as response:
            response.raise_for_status()
            return read_limited(response, max_bytes)
    except requests.RequestException as error:
        raise PhotoDownloadFailed(str(error)) from error


def _write_once(path: Path, data: bytes) -> None:
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".incoming-")
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def save_file(data: bytes, evidence_dir: Path) -> SavedFile:
    """Checks ``data`` and writes it once under ``evidence_dir``, named by its SHA-256.

    Raises:
        NotAnImage: the bytes are not an acceptable picture.
    """
    info = inspect_image(data)
    digest = hashlib.sha256(data).hexdigest()
    relative = Path(digest[:2]) / f"{digest}.{info.extension}"
    _write_once(evidence_dir / relative, data)
    return SavedFile(digest, str(relative), info)


def stored_path(evidence_dir: Path, relative: str) -> Path:
    """The file ``relative`` names inside ``evidence_dir``.

    Raises:
        MissingEvidence: the path leaves the directory or the file is not there.
    """
    root = evidence_dir.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root) or not path.is_file():
        raise MissingEvidence(relative)
    return path


def read_stored_photo(session: Session, evidence_id: int, evidence_dir: Path) -> StoredPhoto:
    """The bytes of a stored photo, checked against the digest it was stored under.

    Raises:
        MissingEvidence: no such evidence, an unexpected type, or the file is missing
            or changed.
    """
    evidence = session.get(Evidence, evidence_id)
    if evidence is None or evidence.mime_type not in ALLOWED_FORMATS.values():
        raise MissingEvidence(f"evidence {evidence_id}")
    data = stored_path(evidence_dir, evidence.path).read_bytes()
    if hashlib.sha256(data).hexdigest() != evidence.sha256:
        raise MissingEvidence(f"evidence {evidence_id}: file changed")
    return StoredPhoto(evidence.id, data, evidence.mime_type, Path(evidence.path).suffix[1:])


def store_photo(
    session: Session,
    data: bytes,
    *,
    customer_id: int,
    evidence_dir: Path,
    conversation_id: str | None = None,
    source_url: str | None = None,
) -> EvidenceView:
    """Validates and stores a photo; the file is named by its SHA-256.

    Raises:
        NotAnImage: the bytes are not an acceptable picture.
    """
    saved = save_file(data, evidence_dir)
    info, digest = saved.info, saved.sha256
    row = Evidence(
        customer_id=customer_id,
        conversation_id=conversation_id,
        sha256=digest,
        path=saved.path,
        mime_type=info.mime_type,
        size_bytes=len(data),
        width=info.width,
        height=info.height,
        taken_at=info.taken_at,
        source_url=source_url,
    )
    session.add(row)
    session.flush()
    audit.record(session, f"customer:{customer_id}", "evidence.stored", "evidence", row.id,
                 sha256=digest, conversation_id=conversation_id)
    return EvidenceView(row.id, digest, row.path, row.mime_type, row.taken_at)


def photo_flags(
    session: Session, evidence_id: int, received_at: datetime | None
) -> tuple[bool, bool]:
    """``(reused, stale)`` for a stored photo.

    Reused: the same picture is already evidence of another case or customer.
    Stale: the camera says it was taken before the goods were received.
    """
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        return False, False
    reused = session.scalars(
        select(Evidence.id).where(
            Evidence.sha256 == evidence.sha256,
            Evidence.id != evidence.id,
            (Evidence.case_id.is_not(None)) | (Evidence.customer_id != evidence.customer_id),
        )
    ).first() is not None
    stale = bool(
        evidence.taken_at and received_at and evidence.taken_at < received_at - STALE_MARGIN
    )
    return reused, stale
