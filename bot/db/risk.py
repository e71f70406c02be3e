"""Risk control: the sub-frame hashes of evidence photos, and the risk flags on a case
with the explanation a reviewer reads (``bot.risk``)."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped

from bot.db.base import Base, UTCDateTime, utcnow


class EvidenceCropHash(Base):
    """The perceptual hashes of one sub-frame (1–9) of an evidence photo.

    Frame 0, the full picture, is on the ``evidence`` row itself; see
    ``bot.evidence.fingerprint`` for what the frames and bands are.
    """

    __tablename__ = "evidence_crop_hashes"
    __table_args__ = (UniqueConstraint("evidence_id", "frame"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    evidence_id: Mapped[int] = Column(ForeignKey("evidence.id"), nullable=False, index=True)
    frame: Mapped[int] = Column(SmallInteger, nullable=False)
    phash: Mapped[int] = Column(BigInteger, nullable=False)
    phash_fine: Mapped[str] = Column(String(36), nullable=False)
    phash_band0: Mapped[int] = Column(Integer, nullable=False, index=True)
    phash_band1: Mapped[int] = Column(Integer, nullable=False, index=True)
    phash_band2: Mapped[int] = Column(Integer, nullable=False, index=True)
    phash_band3: Mapped[int] = Column(Integer, nullable=False, index=True)


class CaseRiskFlag(Base):
    """A risk flag raised on a case, with the reviewer's explanation.

    ``code`` is one of the policy's flags (``frequent_returns``, ``return_history``,
    ``photo_reused``, ``photo_stale``), also listed in ``return_cases.risk_flags``;
    ``explanation`` is Chinese for staff only (never sent to the customer); ``detail``
    holds the figures it was built from. One row per case and code.
    """

    __tablename__ = "case_risk_flags"
    __table_args__ = (UniqueConstraint("case_id", "code"),)

    id: Mapped[int] = Column(Integer, primary_key=True)
    case_id: Mapped[int] = Column(ForeignKey("return_cases.id"), nullable=False, index=True)
    code: Mapped[str] = Column(String(30), nullable=False)
    explanation: Mapped[str] = Column(Text, nullable=False)
    detail: Mapped[dict[str, Any]] = Column(JSON, nullable=False, default=dict)
    created_at: Mapped[datetime] = Column(UTCDateTime, nullable=False, default=utcnow)
