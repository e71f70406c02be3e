"""Live updates for an open desk page: server-sent events.

``GET /console/api/events[?ticket=ID]`` keeps the connection open and sends

- ``queue`` — ``{"tickets": [...]}`` whenever the open tickets change (the database is
  read every ``tick`` seconds; only changes are sent);
- ``transcript`` — the turns of ticket ``ID`` whenever its conversation has new events
  (messages the customer sends while the bot is paused appear live);
- ``delivery`` — ticket ``ID``'s undeliverable messages (and the number to call)
  whenever they change;
- ``follow_ups`` — ``{"follow_ups": [...], "count": N}``, the open follow-ups (待回访)
  whenever they change after the stream opened (a low score came in, someone marked one
  done); the page reads the list itself (``GET /console/api/follow-ups``) when it connects;
- a comment line every ``heartbeat`` seconds so proxies keep the connection.

The first of each (but ``follow_ups``) is sent at once. While the stream is open the
agent counts as online (``bot.handoff.wait.mark_seen``, every ``seen_every`` seconds, when
the session is checked again). A stream ends after ``lifetime`` seconds, when the session no longer stands (the
account was disabled, its role changed, the token expired) or when the server stops; the
browser's EventSource reconnects (and is refused without a valid session).
"""
from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from typing import Any

from sanic.request import Request

from bot.handoff.errors import TicketNotFound
from bot.messaging.rasa_api import RasaClient, RasaUnavailable
from channels.console import conversation, desk
from channels.console.guard import COMMON_HEADERS, Guard, Staff

logger = logging.getLogger(__name__)

_UNAVAILABLE = object()


@dataclass(frozen=True)
class StreamTiming:
    """Seconds between checks; transcripts are checked every ``transcript_every`` ticks."""

    tick: float = 1.0
    transcript_every: int = 2
    heartbeat: float = 15.0
    seen_every: float = 30.0
    lifetime: float = 600.0
    retry_ms: int = 3000


def event(name: str, data: Any) -> str:
    """One server-sent event; JSON never contains a raw newline, so one ``data`` line."""
    return f"event: {name}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class TicketFeed:
    """Watches one ticket's conversation and deliveries for changes."""

    def __init__(self, rasa: RasaClient, ticket_id: int, conversation_id: str,
                 customer_id: int | None, transcript_every: int) -> None:
        self.rasa = rasa
        self.ticket_id = ticket_id
        self.conversation_id = conversation_id
        self.customer_id = customer_id
        self.transcript_every = transcript_every
        self._polls = 0
        self._latest: Any = None
        self._delivery: dict[str, Any] | None = None

    async def _latest_event_time(self) -> Any:
        try:
            return await self.rasa.latest_event_time(self.conversation_id)
        except RasaUnavailable as error:
            logger.debug("console: tracker check failed: %s", error)
            return _UNAVAILABLE

    async def poll(self) -> list[tuple[str, Any]]:
        """The events to send now (none if nothing changed)."""
        found: list[tuple[str, Any]] = []
        delivery = await asyncio.to_thread(desk.delivery_state, self.ticket_id)
        if delivery != self._delivery:
            self._delivery = delivery
            found.append(("delivery", delivery))
        if self._polls % self.transcript_every == 0:
            latest = await self._latest_event_time()
            if self._polls == 0 or latest != self._latest:
                self._latest = latest
                found.append(("transcript", await conversation.transcript(
                    self.rasa, self.ticket_id, self.conversation_id, self.customer_id)))
        self._polls += 1
        return found


class EventStream:
    """Serves the desk's event streams.

    Args:
        rasa: Where transcripts come from.
        guard: Checks that an open stream's session still stands; has the clock.
        timing: How often to check and for how long to keep a stream.
    """

    def __init__(self, rasa: RasaClient, guard: Guard,
                 timing: StreamTiming | None = None) -> None:
        self.rasa = rasa
        self.guard = guard
        self.clock = guard.clock
        self.timing = timing or StreamTiming()
        self._stopping: asyncio.Event | None = None

    def start(self) -> None:
        """Called when the server has started (binds to its event loop)."""
        self._stopping = asyncio.Event()

    def stop(self) -> None:
        """Ends every open stream at its next tick."""
        if self._stopping is not None:
            self._stopping.set()

    async def _feed(self, ticket_id: int | None) -> TicketFeed | None:
        if ticket_id is None:
            return None
        try:
            conversation_id, customer_id = await asyncio.to_thread(desk.conversation_of,
                                                                   ticket_id)
        except TicketNotFound:
            return None
        return TicketFeed(self.rasa, ticket_id, conversation_id, customer_id,
                          self.timing.transcript_every)

    async def _wait(self, seconds: float) -> None:
        if self._stopping is None:
            self.start()
        try:
            await asyncio.wait_for(self._stopping.wait(), timeout=seconds)
        except asyncio.TimeoutError:
            pass

    async def serve(self, request: Request, staff: Staff, ticket_id: int | None) -> None:
        """Streams events to one desk page until it goes away or the stream ends."""
        timing = self.timing
        answer = await request.respond(
            content_type="text/event-stream; charset=utf-8",
            headers={**COMMON_HEADERS, "X-Accel-Buffering": "no"},
        )
        await answer.send(f"retry: {timing.retry_ms}\n\n")
        feed = await self._feed(ticket_id)
        started = last_beat = last_seen = time.monotonic()
        await asyncio.to_thread(desk.seen, staff.id, self.clock())
        last_queue = None
        # The page loads the follow-ups itself when it (re)connects; the stream tells changes.
        last_follow_ups = await asyncio.to_thread(desk.load_follow_ups)
        while time.monotonic() - started < timing.lifetime and not (
                self._stopping and self._stopping.is_set()):
            queue = await asyncio.to_thread(desk.load_queue, staff.id, self.clock())
            if queue != last_queue:
                last_queue = queue
                await answer.send(event("queue", {"tickets": queue}))
            follow_ups = await asyncio.to_thread(desk.load_follow_ups)
            if follow_ups != last_follow_ups:
                last_follow_ups = follow_ups
                await answer.send(event("follow_ups", follow_ups))
            for name, data in (await feed.poll() if feed else []):
                await answer.send(event(name, data))
            now = time.monotonic()
            if now - last_beat >= timing.heartbeat:
                last_beat = now
                await answer.send(": heartbeat\n\n")
            if now - last_seen >= timing.seen_every:
                last_seen = now
                if not await self.guard.still_valid(staff):
                    break
                await asyncio.to_thread(desk.seen, staff.id, self.clock())
            await self._wait(timing.tick)
        await answer.eof()
