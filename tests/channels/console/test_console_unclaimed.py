"""A ticket nobody claims in time: the customer hears from the bot, once."""
from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy import select

from bot.db import AuditEntry
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.handoff import tickets
from bot.messaging.rasa_api import RasaClient
from channels.console import ConsoleInput
from channels.console.unclaimed import UnclaimedWatcher
from tests.channels.console.conftest import (
    RASA_TOKEN,
    SECRET,
    load_ticket,
    open_handoff,
    served,
    staff_id,
)

TIMEOUT = timedelta(minutes=5)


def _watcher(fake_rasa, now):
    return UnclaimedWatcher(RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5), lambda: now, TIMEOUT)


async def test_a_customer_waiting_too_long_hears_from_the_bot_once(app_db, fake_rasa):
    opened = utcnow()
    ticket_id = open_handoff("demo-1", now=opened)
    watcher = _watcher(fake_rasa, opened + TIMEOUT + timedelta(seconds=1))

    assert await watcher.check_once() == [ticket_id]
    assert await watcher.check_once() == [], "told once, not every round"

    [call] = fake_rasa.of("execute")
    assert call.conversation_id == "demo-1" and call.body == {"name": "action_handoff_unclaimed"}
    assert call.query["output_channel"] == "latest"
    assert load_ticket(ticket_id).unclaimed_notice_at is not None


async def test_nobody_is_told_before_the_timeout_or_once_an_agent_has_claimed(app_db, fake_rasa):
    opened = utcnow()
    early = open_handoff("demo-1", now=opened)
    claimed = open_handoff("demo-2", now=opened - TIMEOUT * 2, product=None)
    with unit_of_work() as session:
        tickets.claim(session, claimed, staff_id("agent1"), opened)

    assert await _watcher(fake_rasa, opened + TIMEOUT / 2).check_once() == []
    assert fake_rasa.of("execute") == []
    assert load_ticket(early).unclaimed_notice_at is None


async def test_when_rasa_is_down_the_notice_is_retried_next_round(app_db, fake_rasa):
    opened = utcnow()
    ticket_id = open_handoff("demo-1", now=opened)
    watcher = _watcher(fake_rasa, opened + TIMEOUT * 2)
    fake_rasa.failing = True

    assert await watcher.check_once() == []
    assert load_ticket(ticket_id).unclaimed_notice_at is None

    fake_rasa.failing = False
    assert await watcher.check_once() == [ticket_id]
    with unit_of_work() as session:
        actions = list(session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "handoff_ticket", AuditEntry.entity_id == str(ticket_id))))
    assert actions.count("handoff.unclaimed_notice") == 2
    assert "handoff.unclaimed_notice_failed" in actions


async def test_the_desk_channel_runs_the_watcher_while_the_server_runs(app_db, fake_rasa):
    channel = ConsoleInput(SECRET, RasaClient(fake_rasa.url, RASA_TOKEN, timeout=5),
                           claim_timeout=TIMEOUT)
    ticket_id = open_handoff("demo-1", now=utcnow() - TIMEOUT * 2)

    async with served(channel):
        for _ in range(100):
            if fake_rasa.of("execute"):
                break
            await asyncio.sleep(0.05)

    [call] = fake_rasa.of("execute")
    assert call.body == {"name": "action_handoff_unclaimed"}
    assert load_ticket(ticket_id).unclaimed_notice_at is not None
