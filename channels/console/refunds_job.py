"""The refund payout job in the Rasa process: pays original-payment refunds through WeChat
Pay, retries, gives up to the manual queue, and tells customers what happened.

Every ``interval`` seconds one round of ``bot.refunds.payout.run_round`` runs in a thread
(gateway calls block), then every refund with news for its customer is taken once
(``bot.refunds.notices.take``) and sent through Rasa's HTTP API to each chat the customer
has bound; a notice no chat took is given back and tried again next round. A refund that
settles its case is followed by the satisfaction question about the case.
"""
from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import sessionmaker

from bot.db.session import unit_of_work
from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from bot.refunds import notices, payout
from bot.refunds.gateway import Gateway, gateway_from_settings
from bot.satisfaction.asking import ask_case_in_chat
from bot.settings import get_settings
from channels.console.periodic import PeriodicJob

logger = logging.getLogger(__name__)

_FROM_SETTINGS: Any = object()


class RefundJob(PeriodicJob):
    """Keeps refunds moving and customers told.

    Args:
        rasa: Sends the notices into the customers' conversations.
        clock: The current time.
        gateway: WeChat Pay (by default from the settings; ``None``: not configured, so
            original-payment refunds wait in the manual queue).
        policy: Retries (by default ``REFUND_MAX_ATTEMPTS``, ``REFUND_RETRY_SECONDS``).
        interval: Seconds between rounds.
        factory: Sessions (the configured database by default).
    """

    def __init__(self, rasa: RasaClient, clock: Callable[[], datetime], *,
                 gateway: Gateway | None = _FROM_SETTINGS,
                 policy: payout.RetryPolicy | None = None, interval: float = 5.0,
                 factory: sessionmaker | None = None) -> None:
        super().__init__(interval)
        settings = get_settings()
        self._rasa = rasa
        self._clock = clock
        self._gateway = (gateway_from_settings(settings.wechat_pay)
                         if gateway is _FROM_SETTINGS else gateway)
        self._policy = policy or payout.RetryPolicy(settings.refund_max_attempts,
                                                    settings.refund_retry_seconds)
        self._factory = factory

    def _due_notices(self) -> list[int]:
        with unit_of_work(self._factory) as session:
            return notices.due(session)

    def _take(self, refund_id: int, now: datetime) -> notices.RefundNotice | None:
        with unit_of_work(self._factory) as session:
            return notices.take(session, refund_id, now)

    def _give_back(self, refund_id: int) -> None:
        with unit_of_work(self._factory) as session:
            notices.give_back(session, refund_id)

    async def tell_customers(self) -> list[int]:
        """Sends the refund news now due; returns the refunds whose customer was told."""
        told = []
        for refund_id in await asyncio.to_thread(self._due_notices):
            notice = await asyncio.to_thread(self._take, refund_id, self._clock())
            if notice is None:
                continue
            sent = False
            for channel, external_id in notice.chats:
                try:
                    await self._rasa.send_bot_message(external_id, notice.text,
                                                      {"refund_id": refund_id},
                                                      output_channel=channel)
                    sent = True
                except RasaUnavailable as error:
                    logger.warning("refund %s: notice not sent on %s: %s", refund_id, channel,
                                   error)
            if sent:
                told.append(refund_id)
                # A refund that settles its case is the case's final word: the customer
                # is asked to score it (once per case, never mid-claim).
                await ask_case_in_chat(notice.case_id, self._rasa, self._clock())
            elif notice.chats:
                await asyncio.to_thread(self._give_back, refund_id)
        return told

    async def check_once(self) -> dict[str, list]:
        """One round: payouts (results per refund), then notices (refunds told)."""
        results = await asyncio.to_thread(payout.run_round, self._gateway, self._clock(),
                                          self._policy, self._factory, self._clock)
        return {"results": results, "told": await self.tell_customers()}
