"""First checks reach the leader's chat: the card once, a reminder, then the platform."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from bot.cases import ClaimDraft, open_case
from bot.customers import identify
from bot.db import LeaderTask, ReturnCase, TaskDecision
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.enums import Reason, Review
from bot.messaging.rasa_api import RasaClient
from bot.policy import load_policy
from channels.console.leader_tasks import LeaderTaskWatcher
from tests.actions.lookups import line_id
from tests.channels.console.conftest import RASA_TOKEN


def _missing_strawberries(now) -> str:
    with unit_of_work() as session:
        customer_id = identify(session, "rest", "demo-1").id
        draft = ClaimDraft(customer_id=customer_id, line_id=line_id("demo-1", "丹东草莓"),
                           reason=Reason.MISSING, quantity_affected=Decimal(1))
        return open_case(session, draft, now, load_policy(), "customer:test").case.ref


def _watcher(fake_rasa, at):
    return LeaderTaskWatcher(RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5), lambda: at,
                             load_policy)


def _sent_to(fake_rasa, conversation_id: str) -> list[str]:
    return [call.body[0]["text"] for call in fake_rasa.of("events")
            if call.conversation_id == conversation_id]


async def test_a_new_case_reaches_its_leader_once_then_a_reminder_then_the_platform(
        app_db, fake_rasa):
    opened = utcnow()
    ref = _missing_strawberries(opened)

    done = await _watcher(fake_rasa, opened).check_once()
    again = await _watcher(fake_rasa, opened + timedelta(minutes=1)).check_once()

    [card] = _sent_to(fake_rasa, "leader-1")
    assert ref in card and "丹东草莓" in card and "同意" in card
    assert done["notified"] and not again["notified"], "the card is sent once"
    assert [c.query["output_channel"] for c in fake_rasa.of("events")] == ["rest"]

    await _watcher(fake_rasa, opened + timedelta(hours=3)).check_once()
    assert "过了处理时限" in _sent_to(fake_rasa, "leader-1")[-1]

    await _watcher(fake_rasa, opened + timedelta(hours=7)).check_once()
    assert "已转给平台审核" in _sent_to(fake_rasa, "leader-1")[-1]
    with unit_of_work() as session:
        case = session.scalars(select(ReturnCase).where(ReturnCase.ref == ref)).one()
        task = session.scalars(select(LeaderTask).where(LeaderTask.case_id == case.id)).one()
        assert case.review is Review.PLATFORM and task.decision is TaskDecision.TO_PLATFORM
    assert _sent_to(fake_rasa, "leader-2") == [], "other leaders hear nothing"


async def test_a_card_nobody_could_receive_is_tried_again(app_db, fake_rasa):
    opened = utcnow()
    _missing_strawberries(opened)
    fake_rasa.failing = True

    assert (await _watcher(fake_rasa, opened).check_once())["notified"] == []

    fake_rasa.failing = False
    assert (await _watcher(fake_rasa, opened).check_once())["notified"]
