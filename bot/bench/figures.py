"""The figures a ``make bench`` run collects: one ``LoadFigures`` per load phase, and the
``Report`` holding them with memory, review-list, case and load-average figures."""
from __future__ import annotations

import os
import platform
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.bench.load import RunResult, WeChatFigures
from bot.bench.stats import Latency, Recorder


@dataclass
class LoadFigures:
    """One load phase, as printed."""

    profile: str
    channel: str
    concurrency: int
    seconds: float
    messages: int
    throughput: float
    latency: Latency
    errors: dict[str, int]
    conversations_started: int
    conversations_completed: int
    ran_out: bool = False
    # WeChat only: the assistant's answers (the ack is ``latency``).
    answer_latency: Latency | None = None
    sent: int | None = None
    answered: int | None = None
    #: CPU the load generator itself used (it shares the machine with the servers), as a
    #: share of one core over the phase.
    client_cpu: float | None = None
    #: Conversations the warm-up before the phase completed (they open cases too).
    warmup_completed: int = 0

    @classmethod
    def rest(cls, profile: str, concurrency: int, recorder: Recorder,
             result: RunResult) -> "LoadFigures":
        """The figures of a REST load.

        Args:
            profile: The profile measured (``baseline``, ``embedded``, ``prod``…).
            concurrency: Conversations at once.
            recorder: What the load saw.
            result: The load's conversations.
        """
        return cls(profile, "REST", concurrency, round(recorder.elapsed, 1), recorder.messages,
                   recorder.throughput, recorder.latency(), dict(recorder.errors),
                   result.conversations_started, result.conversations_completed, result.ran_out)

    @classmethod
    def wechat(cls, profile: str, concurrency: int, figures: WeChatFigures,
               result: RunResult) -> "LoadFigures":
        """The figures of a WeChat webhook load: ``latency`` is the ack's, the rest the answers'.

        Args:
            profile: The profile measured.
            concurrency: Senders at once.
            figures: The acks and answers the load saw.
            result: The load's conversations.
        """
        answers = figures.answer
        return cls(profile, "WeChat", concurrency, round(answers.elapsed, 1), answers.messages,
                   answers.throughput, figures.ack.latency(),
                   dict(figures.ack.errors + answers.errors), result.conversations_started,
                   result.conversations_completed, result.ran_out, answers.latency(),
                   figures.sent, figures.answered)


@dataclass
class Report:
    """Everything one run measured, for the summary and ``var/bench/summary.json``."""

    started: str
    machine: str
    options: dict[str, Any]
    loads: list[LoadFigures] = field(default_factory=list)
    memory: dict[str, dict[str, int]] = field(default_factory=dict)  # process → start/end kB
    soak_seconds: float | None = None
    review: dict[str, dict[str, float]] = field(default_factory=dict)  # db → query → p95
    #: The machine's 1-minute load average as each phase began (others share the cores).
    loadavg: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: profile → cases the bench customers hold / conversations completed / doubled.
    cases: dict[str, dict[str, int]] = field(default_factory=dict)

    def load(self, profile: str, channel: str) -> LoadFigures | None:
        """The figures of ``profile``'s load over ``channel``, if it was measured."""
        return next((f for f in self.loads if f.profile == profile and f.channel == channel),
                    None)


def machine() -> str:
    """This machine in one line: cores, CPU model, memory, OS and Python."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, AttributeError):
        pass
    return (f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} "
            f"{platform.release()}, Python {platform.python_version()}")
