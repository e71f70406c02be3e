"""Measuring one load: a short warm-up (not measured), then whole return conversations
for the phase's seconds over REST or the WeChat webhook, with the load generator's own
CPU."""
from __future__ import annotations

import resource
from collections.abc import Iterator

from bot.bench.figures import LoadFigures
from bot.bench.load import (
    BaselineTransport,
    PhotoServer,
    RestTransport,
    WeChatFigures,
    WeChatTransport,
    baseline_journey,
    client_session,
    return_journey,
    run_load,
)
from bot.bench.seeding import BenchCustomer
from bot.bench.stats import Recorder
from bot.bench.wechat_api import WECHAT, FakeApiRouter


async def measure_rest(profile: str, base_url: str, customers: Iterator[BenchCustomer],
                       photos: Iterator[int], concurrency: int, seconds: float,
                       baseline: bool = False) -> LoadFigures:
    """Measures return conversations over REST.

    Args:
        profile: The profile measured, as printed.
        base_url: The Rasa server (or nginx) to talk to.
        customers: A fresh bench customer for every conversation.
        photos: A number for every photo sent, never sent before.
        concurrency: Conversations at once.
        seconds: How long the measured load runs.
        baseline: Talk to the plain Rasa of ``bench/baseline`` (any answer accepted).

    Returns:
        The load's figures.
    """
    server = PhotoServer()
    await server.start()
    try:
        async with client_session(concurrency) as session:
            journey = baseline_journey if baseline else return_journey
            kind = BaselineTransport if baseline else RestTransport
            # Warm-up (not measured): first requests load lazily built parts.
            warm = Recorder()
            warmup = await run_load(kind(session, base_url, warm, server.photo_url), journey,
                                    customers, concurrency=min(concurrency, 5), duration=3,
                                    recorders=[warm], photos=photos)
            recorder = Recorder()
            cpu = _cpu_seconds()
            result = await run_load(kind(session, base_url, recorder, server.photo_url),
                                    journey, customers, concurrency=concurrency,
                                    duration=seconds, recorders=[recorder], photos=photos)
    finally:
        await server.close()
    figures = LoadFigures.rest(profile, concurrency, recorder, result)
    figures.warmup_completed = warmup.conversations_completed
    return _with_client_cpu(figures, cpu)


async def measure_wechat(profile: str, base_url: str, router: FakeApiRouter,
                         customers: Iterator[BenchCustomer], photos: Iterator[int],
                         concurrency: int, seconds: float) -> LoadFigures:
    """Measures return conversations over the WeChat webhook.

    Args:
        profile: The profile measured, as printed.
        base_url: The Rasa server (or nginx) whose webhook receives the messages.
        router: The fake WeChat API the product answers through.
        customers: A fresh bench customer for every conversation.
        photos: A number for every photo sent, never sent before.
        concurrency: Senders at once.
        seconds: How long the measured load runs.

    Returns:
        The load's figures: the webhook's acks and the answers at the fake API.
    """
    async with client_session(concurrency) as session:
        warm = WeChatFigures()
        transport = WeChatTransport(session, base_url, WECHAT, router.api, warm)
        router.target = transport
        warmup = await run_load(transport, return_journey, customers,
                                concurrency=min(concurrency, 5), duration=3,
                                recorders=[warm.ack, warm.answer], photos=photos)
        figures = WeChatFigures()
        transport = WeChatTransport(session, base_url, WECHAT, router.api, figures)
        router.target = transport
        cpu = _cpu_seconds()
        result = await run_load(transport, return_journey, customers, concurrency=concurrency,
                                duration=seconds, recorders=[figures.ack, figures.answer],
                                photos=photos)
        router.target = None
    measured = LoadFigures.wechat(profile, concurrency, figures, result)
    measured.warmup_completed = warmup.conversations_completed
    return _with_client_cpu(measured, cpu)


def _cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _with_client_cpu(figures: LoadFigures, cpu_before: float) -> LoadFigures:
    if figures.seconds:
        figures.client_cpu = (_cpu_seconds() - cpu_before) / figures.seconds
    return figures
