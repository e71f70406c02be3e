"""Who is a group leader: chat identities bound with a one-time code.

A leader gets a code from the platform (``make leader-code``; the code is stored only
as a hash and expires) and sends ``团长绑定 123456`` from their WeChat or Telegram.
Only a ``LeaderIdentity`` gives leader abilities, so a customer can never get them by
what they type. Failed codes count like customers' failed bindings: five a day per
identity, then binding pauses.
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot import audit
from bot.db import AuditEntry, Leader, LeaderBindCode, LeaderIdentity
from bot.db.session import unit_of_work

CODE_TTL = timedelta(hours=24)
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(hours=24)


class LeaderBindingError(Exception):
    """The identity could not be bound to a leader."""


class TooManyCodeAttempts(LeaderBindingError):
    """Too many wrong codes from this identity today."""


@dataclass(frozen=True)
class LeaderView:
    id: int
    name: str
    pickup_point_id: int
    pickup_point_name: str


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def _view(leader: Leader) -> LeaderView:
    return LeaderView(leader.id, leader.name, leader.pickup_point_id, leader.pickup_point.name)


def identify_leader(session: Session, channel: str, external_id: str) -> LeaderView | None:
    """The leader bound to ``external_id`` on ``channel``, or ``None``."""
    leader = session.scalars(
        select(Leader).join(LeaderIdentity, LeaderIdentity.leader_id == Leader.id)
        .where(LeaderIdentity.channel == channel, LeaderIdentity.external_id == external_id)
    ).first()
    return _view(leader) if leader else None


# Channels whose senders are another channel's identities: the terminal chat talks as REST.
_IDENTITY_CHANNEL = {"cmdline": "rest"}


def is_leader_chat(channel: str, external_id: str) -> bool:
    """Whether the sender on ``channel`` is a bound leader (one indexed lookup).

    Only the channel a message really came in on counts (Rasa sets it), so a sender
    cannot borrow a leader's identity from another channel.
    """
    with unit_of_work() as session:
        return session.scalars(select(LeaderIdentity.id).where(
            LeaderIdentity.channel == _IDENTITY_CHANNEL.get(channel, channel),
            LeaderIdentity.external_id == external_id)).first() is not None


def issue_code(session: Session, leader_id: int, now: datetime, actor: str,
               ttl: timedelta = CODE_TTL) -> str:
    """A new six-digit code for ``leader_id``, valid for ``ttl``; only its hash is kept.

    Raises:
        LeaderBindingError: no such leader.
    """
    if session.get(Leader, leader_id) is None:
        raise LeaderBindingError(f"no leader {leader_id}")
    while True:
        code = f"{secrets.randbelow(1_000_000):06d}"
        if session.scalars(select(LeaderBindCode.id)
                           .where(LeaderBindCode.code_hash == _hash(code))).first() is None:
            break
    row = LeaderBindCode(leader_id=leader_id, code_hash=_hash(code), expires_at=now + ttl,
                         created_at=now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "leader.code_issued", "leader", leader_id,
                 expires_at=row.expires_at.isoformat())
    return code


def _failures(session: Session, channel: str, external_id: str, now: datetime) -> int:
    return session.scalar(select(func.count(AuditEntry.id)).where(
        AuditEntry.action == "leader.bind_failed", AuditEntry.entity == channel,
        AuditEntry.entity_id == external_id, AuditEntry.at >= now - FAILURE_WINDOW,
    )) or 0


def bind_leader(session: Session, channel: str, external_id: str, code: str,
                now: datetime) -> LeaderView | None:
    """Binds the identity to the leader the code was issued for; the code is used up.

    Returns:
        The leader, or ``None`` for an unknown, expired or used code (the failure is
        recorded in the caller's unit of work, which must still commit).

    Raises:
        TooManyCodeAttempts: ``MAX_FAILURES`` wrong codes in the last day.
    """
    who = f"{channel}:{external_id}"
    if _failures(session, channel, external_id, now) >= MAX_FAILURES:
        raise TooManyCodeAttempts(external_id)
    row = session.scalars(select(LeaderBindCode).where(
        LeaderBindCode.code_hash == _hash(code.strip()), LeaderBindCode.used_at.is_(None),
        LeaderBindCode.expires_at > now)).first()
    if row is None:
        audit.record(session, who, "leader.bind_failed", channel, external_id)
        return None
    row.used_at = now
    identity = session.scalars(select(LeaderIdentity).where(
        LeaderIdentity.channel == channel, LeaderIdentity.external_id == external_id)).first()
    if identity is None:
        session.add(LeaderIdentity(leader_id=row.leader_id, channel=channel,
                                   external_id=external_id, created_at=now))
    else:
        identity.leader_id = row.leader_id
    session.flush()
    audit.record(session, who, "leader.bound", channel, external_id, leader_id=row.leader_id)
    return _view(session.get(Leader, row.leader_id))
