"""Fetching photos by address and storing them as evidence rows and files, with their
perceptual fingerprints (``bot.evidence.fingerprint``) for the photo checks."""
from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import Evidence, EvidenceCropHash
from bot.evidence.errors import MissingEvidence, NotAnImage, PhotoDownloadFailed, PhotoTooLarge
from bot.evidence.fingerprint import PhotoFingerprint, bands, fingerprint_bytes, to_signed
from bot.evidence.images import ALLOWED_FORMATS, ImageInfo, inspect_image

_CHUNK = 64 * 1024


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
    if info.fingerprint is not None:
        _store_fingerprint(session, row, info.fingerprint)
    audit.record(session, f"customer:{customer_id}", "evidence.stored", "evidence", row.id,
                 sha256=digest, conversation_id=conversation_id)
    return EvidenceView(row.id, digest, row.path, row.mime_type, row.taken_at)


def _hash_columns(frame) -> dict[str, object]:
    columns: dict[str, object] = {"phash": to_signed(frame.coarse), "phash_fine": frame.fine_hex}
    columns.update({f"phash_band{i}": band for i, band in enumerate(bands(frame.coarse))})
    return columns


def _store_fingerprint(session: Session, row: Evidence, prints: PhotoFingerprint) -> None:
    """Puts the full frame's hashes on ``row`` and adds the sub-frames' rows."""
    for name, value in _hash_columns(prints.full).items():
        setattr(row, name, value)
    session.add_all(EvidenceCropHash(evidence_id=row.id, frame=number, **_hash_columns(crop))
                    for number, crop in enumerate(prints.crops, start=1))
    session.flush()


def backfill_fingerprints(session: Session, evidence_dir: Path, *, after_id: int = 0,
                          limit: int = 500) -> tuple[int, int | None]:
    """Hashes up to ``limit`` unhashed photos with ids above ``after_id`` (stored before
    fingerprints existed).

    Returns:
        How many were hashed, and the last id looked at (None when none was left).
        A photo whose file is missing, changed or unreadable is skipped and stays
        unhashed (the identical-file check still covers it).
    """
    rows = session.scalars(select(Evidence).where(Evidence.phash.is_(None), Evidence.id > after_id)
                           .order_by(Evidence.id).limit(limit)).all()
    done = 0
    for row in rows:
        try:
            data = stored_path(evidence_dir, row.path).read_bytes()
            if hashlib.sha256(data).hexdigest() != row.sha256:
                continue
            prints = fingerprint_bytes(data)
        except (MissingEvidence, NotAnImage, OSError, ValueError):
            continue
        session.execute(EvidenceCropHash.__table__.delete()
                        .where(EvidenceCropHash.evidence_id == row.id))
        _store_fingerprint(session, row, prints)
        done += 1
    return done, rows[-1].id if rows else None


def photo_flags(
    session: Session, evidence_id: int, received_at: datetime | None
) -> tuple[bool, bool]:
    """``(reused, stale)`` for a stored photo, under the default policy.

    Reused: the same picture, or an edited copy, is already evidence of another case or
    customer. Stale: the camera says it was taken well before the goods were received.
    ``bot.risk.photos.check_photo`` gives the details (which photos, how close, times).
    """
    from bot.policy import load_policy
    from bot.risk.photos import check_photo

    findings = check_photo(session, evidence_id, received_at, load_policy())
    return (findings.reused, findings.stale) if findings else (False, False)


def _backfill_main() -> None:
    from bot.db.session import unit_of_work
    from bot.settings import get_settings

    total, after = 0, 0
    while after is not None:
        with unit_of_work() as session:
            done, after = backfill_fingerprints(session, get_settings().evidence_dir,
                                                after_id=after)
        total += done
    print(f"fingerprinted {total} stored photos")


if __name__ == "__main__":  # python -m bot.evidence.store --backfill
    import sys

    if sys.argv[1:] != ["--backfill"]:
        sys.exit("usage: python -m bot.evidence.store --backfill")
    _backfill_main()
