"""Conversation events from RabbitMQ, as Rasa's pika event broker publishes them.

With ``event_broker: type: pika`` in the endpoints file (``make run-prod`` writes it when
``EVENT_BROKER_URL`` is set), every Rasa replica publishes each tracker event as JSON
(``{"sender_id": …, "event": "user", "timestamp": …, …}``) to the fanout exchange
``rasa-exchange``; the queues named in the broker's ``queues`` are bound to it. An
``EventConsumer`` reads one such queue and hands each event to a callback. Replicas
consuming the same queue share its messages (each event reaches one of them), unless
the consumer is exclusive: then one replica reads the queue and the others stand by.

The connection is robust: while RabbitMQ is away the consumer retries in the
background and whoever relies on it keeps its own fallback (the review index its
timer), so a broker outage slows the product's freshness, never its conversations.
"""
from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any

import aio_pika
from aiormq.exceptions import ChannelAccessRefused

logger = logging.getLogger(__name__)

#: Rasa's exchange (``rasa.core.brokers.pika.RABBITMQ_EXCHANGE``), declared as Rasa does.
EXCHANGE = "rasa-exchange"
RETRY_SECONDS = 5.0

OnEvent = Callable[[Mapping[str, Any]], None]


class EventConsumer:
    """Consumes ``queue`` (declared durable and bound to Rasa's exchange, as Rasa declares
    it) and calls ``on_event`` with each decoded event; ``received`` counts them.

    Args:
        url: ``amqp://user:password@host:port/vhost``.
        queue: The queue's name (one of the broker's ``queues``).
        on_event: Called on the event loop for every event; must not block.
        prefetch: How many unacknowledged messages RabbitMQ may push at once.
        exclusive: Be the queue's only consumer; while another process is, stand by and
            try again every few seconds (it takes over when that one goes away).
    """

    def __init__(self, url: str, queue: str, on_event: OnEvent, *, prefetch: int = 500,
                 exclusive: bool = False, exchange: str = EXCHANGE) -> None:
        self.url = url
        self.queue = queue
        self.exchange = exchange
        self.received = 0
        self._on_event = on_event
        self._prefetch = prefetch
        self._exclusive = exclusive
        self.standby = False
        self._task: asyncio.Task | None = None
        self._connection: aio_pika.abc.AbstractRobustConnection | None = None
        self.ready = asyncio.Event()

    def start(self) -> None:
        """Starts consuming on the running loop (idempotent)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close()
            self._connection = None
        self.ready.clear()

    async def _connect(self) -> aio_pika.abc.AbstractRobustConnection:
        while True:
            try:
                return await aio_pika.connect_robust(self.url, timeout=10)
            except (OSError, asyncio.TimeoutError, aio_pika.exceptions.AMQPError) as error:
                self.standby = False
                logger.warning("event consumer: RabbitMQ unavailable (%s); retrying in %ss",
                               error, RETRY_SECONDS)
                await asyncio.sleep(RETRY_SECONDS)

    async def _run(self) -> None:
        self._connection = await self._connect()
        while True:
            channel = await self._connection.channel()
            try:
                await self._consume(channel)
            except ChannelAccessRefused:
                # Another replica is the queue's exclusive consumer: stand by.
                self.standby = True
                logger.debug("event consumer: %s has an active consumer; standing by",
                             self.queue)
            except (aio_pika.exceptions.AMQPError, ConnectionError) as error:
                self.standby = False
                logger.warning("event consumer: %s; retrying in %ss", error, RETRY_SECONDS)
            finally:
                self.ready.clear()
                with contextlib.suppress(Exception):
                    await channel.close()
            await asyncio.sleep(RETRY_SECONDS)

    async def _consume(self, channel: aio_pika.abc.AbstractChannel) -> None:
        await channel.set_qos(prefetch_count=self._prefetch)
        exchange = await channel.declare_exchange(self.exchange, aio_pika.ExchangeType.FANOUT)
        queue = await channel.declare_queue(self.queue, durable=True)
        await queue.bind(exchange, "")
        async with queue.iterator(exclusive=self._exclusive) as messages:
            self.standby = False
            self.ready.set()
            logger.info("event consumer: reading %s from %s", self.queue, self.exchange)
            async for message in messages:
                async with message.process(ignore_processed=True):
                    self._deliver(message.body)

    def _deliver(self, body: bytes) -> None:
        try:
            event = json.loads(body.decode("utf-8"))
        except ValueError:
            logger.warning("event consumer: skipped a message that is not JSON")
            return
        if not isinstance(event, dict):
            return
        self.received += 1
        try:
            self._on_event(event)
        except Exception:
            logger.exception("event consumer: handling an event failed")
