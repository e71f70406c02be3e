"""Risk control: what makes a claim go to a person instead of automatic approval.

The policy (``after_sales.yml`` → ``risk``) names the flags and thresholds and the
engine raises the flags (``bot.policy.engine``); this package gathers the facts they
are raised on and explains them to staff:

- ``history``: the customer's return history and its score (returns in the last 30/90
  days relative to order lines, rejected claims);
- ``photos``: the claim's photo used before (identical or edited, by another customer
  or for another case) and its camera time well before pickup;
- ``explain``: the reviewer's label and sentence for each flag.

``gather`` runs the checks for a claim (``bot.cases.opening.assess``), ``record_flags``
stores the raised flags with their explanations on a new case (``case_risk_flags``, the
codes also in ``return_cases.risk_flags``), ``case_notes`` reads them back for the desk.
A flag only routes a claim to platform review: the customer hears that a colleague will
check it, never why.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import CaseRiskFlag, ReturnCase
from bot.policy.model import Policy
from bot.risk import explain
from bot.risk.explain import LABELS, REVIEW_HINT, RiskNote
from bot.risk.history import HistoryScore, history_score
from bot.risk.photos import PhotoFindings, check_photo

FLAG_CODES = tuple(LABELS)


@dataclass(frozen=True)
class RiskFindings:
    """Everything the checks found for one claim."""

    history: HistoryScore
    photo: PhotoFindings | None
    placed_at: datetime | None = None

    @property
    def returns_recent(self) -> int:
        return self.history.history.recent_returns


def gather(session: Session, customer_id: int, evidence_id: int | None,
           received_at: datetime | None, now: datetime, policy: Policy,
           placed_at: datetime | None = None) -> RiskFindings:
    """Runs the history and photo checks for a claim.

    Args:
        session: The caller's unit of work.
        customer_id: Whose claim.
        evidence_id: The claim's photo (already checked to be the customer's), or None.
        received_at: When the goods were picked up (or arrived), for the camera time.
        now: When.
        policy: The risk rules.
        placed_at: When the order was placed (the reviewer is told if a photo is older).
    """
    photo = (check_photo(session, evidence_id, received_at, policy)
             if evidence_id is not None else None)
    return RiskFindings(history_score(session, customer_id, now, policy), photo, placed_at)


def notes(findings: RiskFindings, flags: Iterable[str], policy: Policy) -> list[RiskNote]:
    """The reviewer's explanation of each raised flag, in the policy's order."""
    raised = set(flags)
    result = []
    if "frequent_returns" in raised:
        result.append(explain.frequent_returns(findings.history, policy))
    if "return_history" in raised:
        result.append(explain.return_history(findings.history))
    photo = findings.photo
    if "photo_reused" in raised and photo is not None and photo.reused:
        result.append(explain.photo_reused(photo))
    if "photo_stale" in raised and photo is not None and photo.stale:
        result.append(explain.photo_stale(photo, findings.placed_at))
    known = {note.code for note in result}
    result += [RiskNote(code, LABELS.get(code, code), LABELS.get(code, code))
               for code in raised - known]
    return result


def record_flags(session: Session, case: ReturnCase, risk_notes: Iterable[RiskNote],
                 *, actor: str, at: datetime) -> list[CaseRiskFlag]:
    """Stores the flags on the case (each code once) with their explanations; audited as
    ``case.risk_flagged``. The codes are also kept in ``case.risk_flags``."""
    existing = set(session.scalars(select(CaseRiskFlag.code)
                                   .where(CaseRiskFlag.case_id == case.id)))
    rows = []
    for note in risk_notes:
        if note.code in existing:
            continue
        existing.add(note.code)
        row = CaseRiskFlag(case_id=case.id, code=note.code, explanation=note.text,
                           detail=note.detail, created_at=at)
        session.add(row)
        rows.append(row)
        audit.record(session, actor, "case.risk_flagged", "return_case", case.id,
                     ref=case.ref, code=note.code, detail=note.detail)
    codes = list(case.risk_flags or [])
    case.risk_flags = codes + [row.code for row in rows if row.code not in codes]
    session.flush()
    return rows


def case_notes(session: Session, case_ids: Iterable[int]) -> dict[int, list[dict[str, Any]]]:
    """The stored flags of each case, for staff: ``{case_id: [{code, label, text}]}``.

    A code in ``return_cases.risk_flags`` without a stored explanation (cases opened
    before explanations were stored) gets its label as the text.
    """
    ids = list(case_ids)
    if not ids:
        return {}
    found: dict[int, list[dict[str, Any]]] = defaultdict(list)
    explained: dict[int, set[str]] = defaultdict(set)
    for row in session.scalars(select(CaseRiskFlag).where(CaseRiskFlag.case_id.in_(ids))
                               .order_by(CaseRiskFlag.case_id, CaseRiskFlag.id)):
        found[row.case_id].append({"code": row.code, "label": LABELS.get(row.code, row.code),
                                   "text": row.explanation})
        explained[row.case_id].add(row.code)
    for case_id, codes in session.execute(select(ReturnCase.id, ReturnCase.risk_flags)
                                          .where(ReturnCase.id.in_(ids))):
        for code in codes or []:
            if code not in explained[case_id]:
                label = LABELS.get(code, code)
                found[case_id].append({"code": code, "label": label, "text": label})
    return dict(found)


__all__ = [
    "FLAG_CODES", "LABELS", "REVIEW_HINT", "RiskFindings", "RiskNote", "case_notes", "gather",
    "notes", "record_flags",
]
