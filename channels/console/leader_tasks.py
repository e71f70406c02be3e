"""First checks reach the leaders' chats: new tasks, reminders, escalations.

Every ``interval`` seconds the watcher opens tasks for cases that need their leader's
first check, pushes each new task card, then the case's photos, to the leader's bound
chats, reminds once when a task is past its deadline and, past the second deadline,
hands the case to the platform and tells the leader. A photo goes as Rasa's ``image``:
a signed link (``channels.evidence_links``), which the WeChat and Telegram output
channels send as the picture itself and REST shows as a link; a photo that cannot be
sent never holds back the card. Each step is marked with a conditional UPDATE first
(``bot.leaders.tasks``), so with several Rasa replicas only one sends; a card
that cannot be delivered to any chat is left unmarked and tried again.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select

from bot import messages
from bot.db import LeaderIdentity, LeaderTask
from bot.db.session import unit_of_work
from bot.leaders import tasks
from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from bot.policy import Policy
from channels.console.periodic import PeriodicJob
from channels.evidence_links import EvidenceLinks

logger = logging.getLogger(__name__)


def _chats(leader_id: int) -> list[tuple[str, str]]:
    with unit_of_work() as session:
        return [(i.channel, i.external_id) for i in session.scalars(
            select(LeaderIdentity).where(LeaderIdentity.leader_id == leader_id))]


class LeaderTaskWatcher(PeriodicJob):
    """Keeps leaders' first checks moving.

    Args:
        rasa: Sends messages into the leaders' conversations.
        clock: The current time.
        policy: The after-sales policy (deadlines, limits).
        interval: Seconds between rounds.
        links: Signs the photo links (by default from ``CONSOLE_SECRET`` and ``PUBLIC_URL``).
    """

    def __init__(self, rasa: RasaClient, clock: Callable[[], datetime],
                 policy: Callable[[], Policy], interval: float = 10.0,
                 links: EvidenceLinks | None = None) -> None:
        super().__init__(interval)
        self._rasa = rasa
        self._clock = clock
        self._policy = policy
        self._links = links or EvidenceLinks.from_settings()

    async def _tell(self, leader_id: int, text: str, photos: tuple[int, ...] = ()) -> bool:
        """Sends ``text``, then ``photos``, to every chat of the leader; whether any chat
        took the text."""
        sent = False
        for channel, external_id in await asyncio.to_thread(_chats, leader_id):
            try:
                await self._rasa.send_bot_message(external_id, text, {"leader_task": True},
                                                  output_channel=channel)
            except RasaUnavailable:
                logger.warning("could not reach leader %s on %s", leader_id, channel)
                continue
            sent = True
            await self._show(channel, external_id, photos)
        return sent

    async def _show(self, channel: str, external_id: str, photos: tuple[int, ...]) -> None:
        """Sends each photo to one chat; a photo that fails is logged and skipped."""
        for evidence_id in photos:
            try:
                await self._rasa.send_bot_message(
                    external_id, "", {"leader_task": True, "evidence_id": evidence_id},
                    output_channel=channel,
                    data={"image": self._links.link(evidence_id, self._clock())})
            except RasaUnavailable:
                logger.warning("photo %s not sent to %s on %s", evidence_id, external_id,
                               channel)

    def _open_new_tasks(self, now: datetime) -> None:
        policy = self._policy()
        with unit_of_work() as session:
            for case_id in tasks.cases_needing_task(session, policy):
                tasks.open_task(session, case_id, now, policy)

    def _due(self, now: datetime) -> tuple[list[int], list[int], list[int]]:
        with unit_of_work() as session:
            return (tasks.tasks_to_notify(session),
                    tasks.tasks_to_remind(session, now),
                    tasks.tasks_to_escalate(session, now, self._policy()))

    @staticmethod
    def _card(task_id: int) -> tuple[int, tasks.TaskCard]:
        with unit_of_work() as session:
            return (session.get(LeaderTask, task_id).leader_id,
                    tasks.task_card(session, task_id))

    @staticmethod
    def _mark(mark: Callable[..., bool], task_id: int, now: datetime) -> bool:
        with unit_of_work() as session:
            return mark(session, task_id, now)

    def _escalate(self, task_id: int, now: datetime) -> bool:
        with unit_of_work() as session:
            return tasks.escalate(session, task_id, now, self._policy())

    async def check_once(self) -> dict[str, list[int]]:
        """One round; returns the tasks pushed, reminded and escalated."""
        now = self._clock()
        await asyncio.to_thread(self._open_new_tasks, now)
        to_notify, to_remind, to_escalate = await asyncio.to_thread(self._due, now)
        done: dict[str, list[int]] = {"notified": [], "reminded": [], "escalated": []}
        for task_id in to_notify:
            leader_id, card = await asyncio.to_thread(self._card, task_id)
            if await self._tell(leader_id, card.text, card.evidence_ids) and \
                    await asyncio.to_thread(self._mark, tasks.mark_notified, task_id, now):
                done["notified"].append(task_id)
        for task_id in to_remind:
            if await asyncio.to_thread(self._mark, tasks.mark_reminded, task_id, now):
                leader_id, card = await asyncio.to_thread(self._card, task_id)
                await self._tell(leader_id, messages.LEADER_REMINDER.format(ref=card.case_ref))
                done["reminded"].append(task_id)
        for task_id in to_escalate:
            if await asyncio.to_thread(self._escalate, task_id, now):
                leader_id, card = await asyncio.to_thread(self._card, task_id)
                await self._tell(leader_id, messages.LEADER_ESCALATED.format(ref=card.case_ref))
                done["escalated"].append(task_id)
        return done
