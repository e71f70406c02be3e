"""The agent desk as a Rasa input channel, so the Rasa server process serves it.

Listed in ``credentials.yml`` as ``channels.console.ConsoleInput``. Rasa mounts a
channel's blueprint at ``urljoin("/webhooks/", url_prefix())``; the absolute prefix
``/console`` puts the desk at ``/console/``. It never handles customer messages: agents'
replies go to customers through Rasa's HTTP API (``bot.messaging.rasa_api``).
"""
from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint

from bot.db.base import utcnow
from bot.messaging.rasa_api import RasaClient
from bot.policy import Policy, load_policy
from bot.settings import get_settings
from channels.console.api import add_api_routes
from channels.console.guard import PREFIX, Guard
from channels.console.leader_tasks import LeaderTaskWatcher
from channels.console.losses_job import LossBookingJob
from channels.console.metrics_api import add_metrics_routes
from channels.console.pages import add_page_routes
from channels.console.refunds_api import add_refund_routes
from channels.console.refunds_job import RefundJob
from channels.console.review_api import add_review_routes
from channels.console.review_index import ReviewIndexJob
from channels.console.stream import EventStream, StreamTiming
from channels.console.unclaimed import UnclaimedWatcher
from channels.evidence_links import EvidenceLinks, add_photo_route


def _policy() -> Policy:
    return load_policy(get_settings().policy_file)


class ConsoleInput(InputChannel):
    """Serves the agent desk at ``/console/``.

    The staff side's background work lives with the desk. While the server runs:

    - an ``UnclaimedWatcher`` makes sure a customer nobody claims in time hears from the
      bot again;
    - a ``LeaderTaskWatcher`` brings first checks to the group leaders' chats;
    - a ``ReviewIndexJob`` keeps the leads' review index fresh;
    - a ``RefundJob`` pays refunds through WeChat Pay and tells customers;
    - a ``LossBookingJob`` books the losses of approved cases.

    Args:
        secret: Signs session cookies and CSRF tokens (``CONSOLE_SECRET``).
        rasa: The Rasa HTTP API the desk sends replies and reads transcripts through.
        clock: The current time.
        timing: How the live event streams poll.
        claim_timeout: How long a ticket may wait unclaimed (``HANDOFF_CLAIM_TIMEOUT``).
    """

    def __init__(self, secret: str, rasa: RasaClient, *,
                 clock: Callable[[], datetime] = utcnow,
                 timing: StreamTiming | None = None,
                 claim_timeout: timedelta = timedelta(minutes=5)) -> None:
        self.guard = Guard(secret, clock)
        self.rasa = rasa
        self.stream = EventStream(rasa, self.guard, timing)
        self.unclaimed = UnclaimedWatcher(rasa, clock, claim_timeout)
        self.review_index = ReviewIndexJob()
        self.links = EvidenceLinks(secret, get_settings().public_url, PREFIX)
        self.leader_tasks = LeaderTaskWatcher(rasa, clock, _policy, links=self.links)
        self.refunds = RefundJob(rasa, clock)
        self.losses = LossBookingJob()

    @classmethod
    def name(cls) -> str:
        return "console"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> "ConsoleInput":
        """Settings come from the environment (``bot.settings``), never credentials.yml."""
        settings = get_settings()
        return cls(settings.console_secret, RasaClient.from_settings(),
                   claim_timeout=timedelta(seconds=settings.handoff_claim_timeout))

    def url_prefix(self) -> str:
        return PREFIX

    def get_output_channel(self) -> None:
        """The desk receives no customer messages, so it has nothing to answer through."""
        return None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        console = Blueprint("agent_desk", __name__)
        add_page_routes(console, self.guard)
        add_api_routes(console, self.guard, self.rasa, self.stream)
        add_metrics_routes(console, self.guard)
        add_review_routes(console, self.guard)
        add_refund_routes(console, self.guard)
        add_photo_route(console, self.links, self.guard.clock)

        @console.listener("after_server_start")
        async def start_background(*_: Any) -> None:
            self.stream.start()
            self.unclaimed.start()
            self.review_index.start()
            self.leader_tasks.start()
            self.refunds.start()
            self.losses.start()

        @console.listener("before_server_stop")
        async def stop_background(*_: Any) -> None:
            self.stream.stop()
            await self.unclaimed.stop()
            await self.review_index.stop()
            await self.leader_tasks.stop()
            await self.refunds.stop()
            await self.losses.stop()

        return console
