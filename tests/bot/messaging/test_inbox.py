"""The inbox: acknowledged messages are handled in order, once, even after a crash."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db import AuditEntry, InboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import inbox


def _add(sender: str, key: str, now) -> int:
    with unit_of_work() as session:
        return inbox.add(session, "wechat", sender, key, {"text": key}, now)


def _claim(now, limit: int = 20) -> list[inbox.InboxItem]:
    with unit_of_work() as session:
        return inbox.claim_due(session, "wechat", now, limit)


def _state(item_id: int) -> str:
    with unit_of_work() as session:
        return session.get(InboundMessage, item_id).state


def test_one_senders_messages_are_handed_out_one_at_a_time_oldest_first(app_db):
    now = utcnow()
    first, second = _add("o-1", "m1", now), _add("o-1", "m2", now)
    other = _add("o-2", "m3", now)

    claimed = _claim(now)
    assert [(i.id, i.attempts) for i in claimed] == [(first, 1), (other, 1)]
    assert _claim(now) == [], "o-1's second message waits for its first"

    with unit_of_work() as session:
        inbox.mark_done(session, first, now)
    assert [i.id for i in _claim(now)] == [second]
    assert _state(first) == "done"


def test_a_failed_message_is_retried_after_a_back_off_and_keeps_later_ones_waiting(app_db):
    now = utcnow()
    first, _second = _add("o-1", "m1", now), _add("o-1", "m2", now)
    [item] = _claim(now)
    with unit_of_work() as session:
        assert inbox.mark_failed(session, item.id, "Redis away", now) is True

    assert _claim(now) == [], "neither the retry (backing off) nor the later message"
    [retry] = _claim(now + inbox.FIRST_BACKOFF)
    assert (retry.id, retry.attempts) == (first, 2)


def test_a_message_whose_handler_died_is_taken_over_when_its_lease_runs_out(app_db):
    now = utcnow()
    item_id = _add("o-1", "m1", now)
    _claim(now)

    assert _claim(now + inbox.LEASE - timedelta(seconds=1)) == []
    [taken] = _claim(now + inbox.LEASE + timedelta(seconds=1))
    assert (taken.id, taken.attempts) == (item_id, 2)


def test_a_renewed_lease_is_not_taken_over(app_db):
    now = utcnow()
    item_id = _add("o-1", "m1", now)
    _claim(now)
    with unit_of_work() as session:
        inbox.renew(session, [item_id], now + inbox.LEASE / 2)
    assert _claim(now + inbox.LEASE + timedelta(seconds=1)) == []


def test_a_message_failing_every_attempt_is_given_up_and_audited(app_db):
    now = utcnow()
    item_id = _add("o-1", "m1", now)
    for attempt in range(1, inbox.MAX_ATTEMPTS + 1):
        [item] = _claim(now)
        assert item.attempts == attempt
        with unit_of_work() as session:
            kept = inbox.mark_failed(session, item.id, "boom", now)
        now += timedelta(minutes=5)
    assert kept is False and _state(item_id) == "failed"
    assert _claim(now) == []
    with unit_of_work() as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "message.unhandled")).one()
        assert (entry.entity, entry.entity_id) == ("inbound_message", str(item_id))
        assert entry.detail["key"] == "m1" and "boom" in entry.detail["reason"]


def test_handled_messages_are_forgotten_after_three_days_open_ones_never(app_db):
    now = utcnow()
    done, waiting = _add("o-1", "m1", now), _add("o-2", "m2", now)
    with unit_of_work() as session:
        inbox.mark_done(session, done, now)
    with unit_of_work() as session:
        assert inbox.forget_handled(session, now + inbox.KEEP_HANDLED + timedelta(hours=1)) == 1
        assert session.get(InboundMessage, waiting) is not None
        assert inbox.open_count(session, "wechat") == 1
