"""Leaders bind a chat with a one-time code; only that gives leader abilities."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, LeaderBindCode, PickupPoint
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.leaders.identity import (
    MAX_FAILURES,
    TooManyCodeAttempts,
    bind_leader,
    identify_leader,
    issue_code,
)


def _leader_id(point: str = "PP02") -> int:
    with unit_of_work() as session:
        return session.scalars(select(PickupPoint).where(PickupPoint.code == point)).one().leader.id


def test_a_code_binds_a_wechat_chat_to_the_leader_once(app_db):
    now = utcnow()
    leader_id = _leader_id()
    with unit_of_work() as session:
        code = issue_code(session, leader_id, now, actor="system:test")
        assert session.scalars(select(LeaderBindCode.code_hash)).all()[-1] != code, "hash only"

    with unit_of_work() as session:
        leader = bind_leader(session, "wechat", "o-leader", code, now)
    assert leader.id == leader_id and leader.pickup_point_name

    with unit_of_work() as session:
        assert identify_leader(session, "wechat", "o-leader").id == leader_id
        assert bind_leader(session, "wechat", "o-other", code, now) is None, "used up"


def test_an_expired_code_does_not_bind(app_db):
    now = utcnow()
    with unit_of_work() as session:
        code = issue_code(session, _leader_id(), now, actor="system:test", ttl=timedelta(hours=1))
    with unit_of_work() as session:
        assert bind_leader(session, "wechat", "o-late", code, now + timedelta(hours=2)) is None
        assert identify_leader(session, "wechat", "o-late") is None


def test_wrong_codes_are_counted_and_then_binding_pauses(app_db):
    now = utcnow()
    for _ in range(MAX_FAILURES):
        with unit_of_work() as session:
            assert bind_leader(session, "wechat", "o-guess", "000000", now) is None
    with unit_of_work() as session:
        code = issue_code(session, _leader_id(), now, actor="system:test")
    with pytest.raises(TooManyCodeAttempts), unit_of_work() as session:
        bind_leader(session, "wechat", "o-guess", code, now)
    with unit_of_work() as session:
        failures = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "leader.bind_failed")).all()
    assert len(failures) == MAX_FAILURES


def test_customers_and_strangers_are_not_leaders(app_db):
    with unit_of_work() as session:
        assert identify_leader(session, "rest", "demo-1") is None
        assert identify_leader(session, "rest", "nobody") is None
        assert identify_leader(session, "rest", "leader-1").pickup_point_name == "阳光花园自提点"
