"""Latency and throughput figures of a load run: nearest-rank percentiles, messages per
second over the run's wall time, errors by kind."""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def percentile(values: Sequence[float], fraction: float) -> float | None:
    """The nearest-rank percentile: the smallest value at least ``fraction`` of the values
    are less than or equal to (``fraction`` in (0, 1]); None without values."""
    if not 0 < fraction <= 1:
        raise ValueError("fraction must be in (0, 1]")
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(math.ceil(fraction * len(ordered)), 1) - 1]


@dataclass(frozen=True)
class Latency:
    """Percentiles in milliseconds."""

    count: int
    p50: float | None
    p95: float | None
    p99: float | None
    max: float | None

    @classmethod
    def of(cls, seconds: Iterable[float]) -> "Latency":
        ms = [s * 1000 for s in seconds]
        return cls(len(ms), percentile(ms, 0.50), percentile(ms, 0.95), percentile(ms, 0.99),
                   max(ms) if ms else None)


@dataclass
class Recorder:
    """What a load run saw: one latency per answered message, errors by kind, and the
    conversations started and completed (every step answered as expected)."""

    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    conversations_started: int = 0
    conversations_completed: int = 0
    started_at: float | None = None
    finished_at: float | None = None

    def ok(self, seconds: float) -> None:
        self.latencies.append(seconds)

    def error(self, kind: str) -> None:
        self.errors[kind] += 1

    @property
    def messages(self) -> int:
        return len(self.latencies)

    @property
    def elapsed(self) -> float:
        if self.started_at is None or self.finished_at is None:
            return 0.0
        return max(self.finished_at - self.started_at, 0.0)

    @property
    def throughput(self) -> float:
        """Answered messages per second of wall time."""
        return self.messages / self.elapsed if self.elapsed else 0.0

    def latency(self) -> Latency:
        return Latency.of(self.latencies)

    def error_count(self) -> int:
        return sum(self.errors.values())


def ratio(value: float | None, baseline: float | None) -> float | None:
    if not value or not baseline:
        return None
    return value / baseline


def fmt(value: float | None, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:,.{digits}f}{unit}"
