"""Exactly-once acceptance and the outbox."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db import AuditEntry
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import (
    claim_due,
    enqueue,
    first_time,
    mark_delivered,
    mark_failed,
    mark_undeliverable,
    undeliverable_for,
)
from bot.messaging.outbox import MAX_ATTEMPTS


def test_a_retried_message_is_accepted_once_even_after_a_restart(app_db):
    now = utcnow()
    with unit_of_work() as session:
        assert first_time(session, "wechat", "msg-1", now) is True
        assert first_time(session, "wechat", "msg-1", now) is False
    with unit_of_work() as session:
        assert first_time(session, "wechat", "msg-1", now) is False
        assert first_time(session, "telegram", "msg-1", now) is True


def test_due_messages_are_claimed_once_and_delivered(app_db):
    now = utcnow()
    with unit_of_work() as session:
        sent = enqueue(session, "wechat", "openid-1", {"text": "您好"}, now)
    with unit_of_work() as session:
        [claimed] = claim_due(session, "wechat", now)
        assert claimed.id == sent.id and claimed.payload == {"text": "您好"}
        assert claim_due(session, "wechat", now) == [], "a claimed message is not claimed again"
        mark_delivered(session, claimed.id, now)
    with unit_of_work() as session:
        assert claim_due(session, "wechat", now + timedelta(hours=1)) == []


def test_a_failed_message_is_retried_with_back_off_then_given_up(app_db):
    now = utcnow()
    with unit_of_work() as session:
        message = enqueue(session, "wechat", "openid-2", {"text": "hi"}, now)
    moment = now
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with unit_of_work() as session:
            [claimed] = claim_due(session, "wechat", moment)
            kept = mark_failed(session, claimed.id, "HTTP 500", moment)
            assert kept is (attempt < MAX_ATTEMPTS)
            assert claim_due(session, "wechat", moment) == [], "not due again at once"
        moment += timedelta(hours=2)
    with unit_of_work() as session:
        [given_up] = undeliverable_for(session, "openid-2")
        assert given_up.id == message.id
        assert session.scalars(select(AuditEntry).where(
            AuditEntry.action == "message.undeliverable")).one()


def test_a_final_platform_refusal_is_recorded_with_its_reason(app_db):
    now = utcnow()
    with unit_of_work() as session:
        message = enqueue(session, "wechat", "openid-3", {"text": "hi"}, now)
        mark_undeliverable(session, message.id, "45015: response out of time limit")
    with unit_of_work() as session:
        assert claim_due(session, "wechat", now + timedelta(days=1)) == []
        assert [m.id for m in undeliverable_for(session, "openid-3")] == [message.id]


def test_old_keys_are_forgotten_and_pruning_runs_at_most_hourly(app_db):
    from bot.messaging import KeyPruner, forget_old_keys

    now = utcnow()
    with unit_of_work() as session:
        first_time(session, "wechat", "old", now - timedelta(days=4))
        first_time(session, "wechat", "new", now - timedelta(hours=1))
    with unit_of_work() as session:
        assert forget_old_keys(session, now) == 1
        assert first_time(session, "wechat", "old", now) is True
        assert first_time(session, "wechat", "new", now) is False

    pruner = KeyPruner()
    assert pruner.due(now) and not pruner.due(now + timedelta(minutes=30))
    assert pruner.due(now + timedelta(hours=1))
