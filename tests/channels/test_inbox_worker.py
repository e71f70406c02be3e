"""The inbox worker handles a bounded number of messages at once and leaves the rest due
for any process with room (its retries and lease take-overs are in
tests/channels/wechat/test_wechat_webhook_retries.py)."""
from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.db import InboundMessage
from bot.db.base import utcnow
from bot.db.session import unit_of_work
from bot.messaging import inbox
from bot.messaging.inbox import InboxItem
from channels.inbox_worker import InboxWorker


def _add_from_senders(count: int) -> None:
    now = utcnow()
    with unit_of_work() as session:
        for n in range(count):
            inbox.add(session, "wechat", f"o-{n}", f"m-{n}", {"text": "你好"}, now)


def _states() -> list[str]:
    with unit_of_work() as session:
        return list(session.scalars(select(InboundMessage.state)))


async def _nothing(item: InboxItem) -> None:
    raise AssertionError(f"{item.key} was given up")


async def test_at_most_the_concurrency_is_handled_at_once_and_every_message_is(app_db):
    _add_from_senders(7)
    running, peak, handled = 0, 0, []

    async def handle(item: InboxItem) -> None:
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        handled.append(item.key)
        running -= 1

    await InboxWorker("wechat", handle, _nothing, concurrency=2).drain()

    assert peak == 2
    assert sorted(handled) == [f"m-{n}" for n in range(7)]
    assert _states() == ["done"] * 7


async def test_a_full_worker_leaves_the_other_messages_to_other_processes(app_db):
    _add_from_senders(3)
    release = asyncio.Event()

    async def handle(item: InboxItem) -> None:
        await release.wait()

    worker = InboxWorker("wechat", handle, _nothing, concurrency=1)
    assert await worker.pass_once() == 1
    assert await worker.pass_once() == 0, "no free place, nothing more claimed"

    with unit_of_work() as session:
        elsewhere = inbox.claim_due(session, "wechat", utcnow())
    assert [item.key for item in elsewhere] == ["m-1", "m-2"]

    release.set()
    await worker.stop()
    assert sorted(_states()) == ["done", "handling", "handling"]
