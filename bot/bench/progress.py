"""The progress lines a ``make bench`` run prints while it measures."""
from __future__ import annotations

from datetime import datetime

from bot.bench.figures import LoadFigures
from bot.bench.stats import fmt


def progress(text: str) -> None:
    """Prints ``text`` at once, stamped ``[bench HH:MM:SS]``."""
    print(f"[bench {datetime.now():%H:%M:%S}] {text}", flush=True)


def show(figures: LoadFigures) -> None:
    """Prints a load phase's figures in one progress line."""
    latency = figures.latency
    extra = ""
    if figures.channel == "WeChat":
        extra = (f", answers p50 {fmt(figures.answer_latency.p50)} ms p99 "
                 f"{fmt(figures.answer_latency.p99)} ms, answered {figures.answered}/"
                 f"{figures.sent}")
    progress(f"  {figures.profile} {figures.channel} x{figures.concurrency}: "
             f"{figures.messages} messages in {figures.seconds} s = "
             f"{figures.throughput:.1f} msg/s, p50 {fmt(latency.p50)} ms, p99 "
             f"{fmt(latency.p99)} ms, errors {sum(figures.errors.values())}{extra}")
