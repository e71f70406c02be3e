"""Photo checks for a claim: the same (or an edited) picture used before, and a camera
time well before the goods were received.

**Reused.** Another evidence row is the same picture when its file is identical
(SHA-256) or its perceptual fingerprint is within the policy's ``photo_match_bits``
(``bot.evidence.fingerprint``): full frame against full frame, and full frame against
the other photo's sub-frames both ways, so slight crops match too. Candidates come from
the indexed hash bands (multi-index hashing: three indexed lookups, never a scan of all
evidence); exact distances are computed only for them. It counts as reuse when the other
photo belongs to another customer, or is already evidence of a case other than this
photo's own — the same customer sending the same picture twice for one claim is not.

**Stale.** The camera's capture time (EXIF ``DateTimeOriginal``, or ``DateTime``) more
than ``photo_stale_minutes`` before the goods were picked up (or arrived, if not yet
picked up) cannot show what the customer received. No camera time: nothing is said.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, any_, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from bot.db import Customer, Evidence, EvidenceCropHash, ReturnCase
from bot.evidence.fingerprint import (
    BANDS,
    MAX_COARSE,
    FrameHash,
    band_neighbours,
    bands,
    hamming,
    to_unsigned,
)
from bot.policy.model import Policy

#: At most this many matches are kept (and shown to the reviewer), closest first.
MATCHES_KEPT = 5


@dataclass(frozen=True)
class PhotoMatch:
    """Another photo that is the same picture. ``distance`` is in fine-hash bits
    (0 for an identical file)."""

    evidence_id: int
    customer_id: int
    customer_name: str
    phone_tail: str
    case_id: int | None
    case_ref: str | None
    distance: int
    identical: bool
    created_at: datetime


@dataclass(frozen=True)
class PhotoFindings:
    """What the checks found about one evidence photo."""

    evidence_id: int
    matches: tuple[PhotoMatch, ...]
    taken_at: datetime | None
    received_at: datetime | None
    stale_minutes: int

    @property
    def reused(self) -> bool:
        return bool(self.matches)

    @property
    def stale(self) -> bool:
        return bool(self.taken_at and self.received_at
                    and self.taken_at < self.received_at - timedelta(minutes=self.stale_minutes))


def _frame(evidence_or_crop) -> FrameHash | None:
    if evidence_or_crop.phash is None or not evidence_or_crop.phash_fine:
        return None
    return FrameHash(to_unsigned(evidence_or_crop.phash), int(evidence_or_crop.phash_fine, 16))


def _crop_frames(session: Session, evidence_id: int) -> list[FrameHash]:
    rows = session.scalars(select(EvidenceCropHash).where(EvidenceCropHash.evidence_id == evidence_id)
                           .order_by(EvidenceCropHash.frame)).all()
    return [frame for frame in map(_frame, rows) if frame is not None]


def _band_filter(session: Session, model, frames: list[FrameHash]):
    """Rows sharing, on some band, a value within the lookup radius of any of ``frames``."""
    conditions = []
    for index in range(BANDS):
        values = sorted({value for frame in frames
                         for value in band_neighbours(bands(frame.coarse)[index])})
        conditions.append(_one_of(session, getattr(model, f"phash_band{index}"), values))
    return or_(*conditions)


def _one_of(session: Session, column, values: list[int]):
    """``column IN values`` with the values as one parameter: a JSON array on SQLite, an
    array on PostgreSQL. A photo's lookup has up to 4,932 values, and binding each one
    cost SQLAlchemy more than the indexed lookups themselves (5 ms of 11 at 1,000 photos)."""
    if session.get_bind().dialect.name == "postgresql":
        return column == any_(literal(values, ARRAY(Integer)))
    listed = func.json_each(json.dumps(values)).table_valued("value")
    return column.in_(select(listed.c.value))


def _close(a: FrameHash, b: FrameHash, bits: int) -> int | None:
    if hamming(a.coarse, b.coarse) > MAX_COARSE:
        return None
    distance = hamming(a.fine, b.fine)
    return distance if distance <= bits else None


def similar_evidence(session: Session, evidence: Evidence, bits: int) -> dict[int, int]:
    """Other evidence rows that are the same picture as ``evidence``: {id: distance}.

    Identical files (same SHA-256) have distance 0; the others the smallest fine-hash
    distance over the compared frame pairs, at most ``bits``.
    """
    found: dict[int, int] = {}

    def keep(other_id: int, distance: int | None) -> None:
        if distance is not None and distance < found.get(other_id, distance + 1):
            found[other_id] = distance

    for other_id in session.scalars(select(Evidence.id).where(
            Evidence.sha256 == evidence.sha256, Evidence.id != evidence.id)):
        keep(other_id, 0)
    full = _frame(evidence)
    if full is None:
        return found
    crops = _crop_frames(session, evidence.id)
    columns = (Evidence.id, Evidence.phash, Evidence.phash_fine)
    # Full frame against other photos' full frames.
    for row in session.execute(select(*columns).where(
            _band_filter(session, Evidence, [full]), Evidence.id != evidence.id)):
        other = _frame(row)
        keep(row.id, other and _close(full, other, bits))
    # Full frame against other photos' sub-frames: this photo is a crop of an earlier one.
    for row in session.execute(
            select(EvidenceCropHash.evidence_id, EvidenceCropHash.phash, EvidenceCropHash.phash_fine)
            .where(_band_filter(session, EvidenceCropHash, [full]),
                   EvidenceCropHash.evidence_id != evidence.id)):
        keep(row.evidence_id, _close(full, _frame(row), bits))
    # Sub-frames against other photos' full frames: an earlier photo is a crop of this one.
    if crops:
        for row in session.execute(select(*columns).where(
                _band_filter(session, Evidence, crops), Evidence.id != evidence.id)):
            other = _frame(row)
            if other is not None:
                for crop in crops:
                    keep(row.id, _close(crop, other, bits))
    return found


def _matches(session: Session, evidence: Evidence, bits: int) -> tuple[PhotoMatch, ...]:
    similar = similar_evidence(session, evidence, bits)
    if not similar:
        return ()
    rows = session.execute(
        select(Evidence, Customer, ReturnCase.ref)
        .join(Customer, Customer.id == Evidence.customer_id)
        .outerjoin(ReturnCase, ReturnCase.id == Evidence.case_id)
        .where(Evidence.id.in_(list(similar)))
    ).all()
    matches = [
        PhotoMatch(other.id, other.customer_id, customer.name, customer.phone[-4:],
                   other.case_id, ref, similar[other.id], other.sha256 == evidence.sha256,
                   other.created_at)
        for other, customer, ref in rows
        if other.customer_id != evidence.customer_id
        or (other.case_id is not None and other.case_id != evidence.case_id)
    ]
    matches.sort(key=lambda m: (m.distance, m.created_at, m.evidence_id))
    return tuple(matches[:MATCHES_KEPT])


def check_photo(session: Session, evidence_id: int, received_at: datetime | None,
                policy: Policy) -> PhotoFindings | None:
    """Runs the photo checks on a stored photo; None if there is no such evidence."""
    evidence = session.get(Evidence, evidence_id)
    if evidence is None:
        return None
    return PhotoFindings(evidence.id, _matches(session, evidence, policy.photo_match_bits),
                         evidence.taken_at, received_at, policy.photo_stale_minutes)
