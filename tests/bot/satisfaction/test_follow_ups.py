"""Follow-ups: the open list agents work through and closing one with its outcome."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import AuditEntry, FollowUpStatus
from bot.db.session import unit_of_work
from bot.satisfaction import follow_ups
from bot.satisfaction.follow_ups import (
    FollowUpAlreadyDone,
    FollowUpNotFound,
    OutcomeInvalid,
    mark_done,
)
from tests.bot.satisfaction.asking import asked_after, comment, ended, score


def unhappy(conversation_id: str, at, agent: int, value: int = 1) -> int:
    asked_after(ended(at, agent, conversation_id), at + timedelta(minutes=6))
    return score(conversation_id, value, at + timedelta(minutes=7)).follow_up_id


def test_the_longest_waiting_come_first_with_their_words(app_db, now, agent):
    later = unhappy("demo-2", now + timedelta(hours=1), agent)
    first = unhappy("demo-1", now, agent, value=2)
    comment("demo-1", "问题没解决", now + timedelta(minutes=8))

    with unit_of_work() as session:
        rows = follow_ups.open_follow_ups(session)
        assert [(f.id, f.survey.score, f.survey.comment) for f in rows] == [
            (first, 2, "问题没解决"), (later, 1, None)]
        assert follow_ups.count_open(session) == 2


def test_closing_keeps_who_when_and_what_came_of_it(app_db, now, agent):
    follow_up_id = unhappy("demo-1", now, agent)
    at = now + timedelta(hours=2)

    with unit_of_work() as session:
        done, changed = mark_done(session, follow_up_id, agent, "  已电话致歉，顾客接受  ", at)
        assert changed and done.status is FollowUpStatus.DONE
        assert (done.done_by, done.done_at, done.outcome) == (agent, at, "已电话致歉，顾客接受")
    with unit_of_work() as session:
        assert follow_ups.open_follow_ups(session) == []
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.action == "follow_up.done")).one()
        assert (entry.actor, entry.entity_id) == (f"staff:{agent}", str(follow_up_id))


def test_the_same_agent_twice_is_harmless_anyone_else_is_told_who(app_db, now, agent, lead):
    follow_up_id = unhappy("demo-1", now, agent)
    with unit_of_work() as session:
        mark_done(session, follow_up_id, agent, "已回电", now)

    with unit_of_work() as session:
        assert mark_done(session, follow_up_id, agent, "已回电", now)[1] is False
        with pytest.raises(FollowUpAlreadyDone) as refused:
            mark_done(session, follow_up_id, lead, "我也回电了", now)
        assert refused.value.agent_name == "客服小李" and refused.value.done_at == now
        with pytest.raises(FollowUpAlreadyDone):
            mark_done(session, follow_up_id, agent, "改一下结果", now)


@pytest.mark.parametrize("outcome", ["", "   ", "长" * 501])
def test_an_outcome_is_required_and_short(app_db, now, agent, outcome):
    follow_up_id = unhappy("demo-1", now, agent)

    with unit_of_work() as session:
        with pytest.raises(OutcomeInvalid):
            mark_done(session, follow_up_id, agent, outcome, now)
        assert follow_ups.count_open(session) == 1


def test_an_unknown_follow_up(app_db, now, agent):
    with unit_of_work() as session:
        with pytest.raises(FollowUpNotFound):
            mark_done(session, 4242, agent, "已回电", now)
