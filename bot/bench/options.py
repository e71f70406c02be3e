"""What a ``make bench`` run measures and for how long, from the environment
(``BENCH_SECONDS``, ``SOAK_SECONDS``, ``BENCH_CONCURRENCY``, ``WECHAT_CONCURRENCY``,
``REVIEW_COUNT``, ``BENCH_PHASES``)."""
from __future__ import annotations

import os
from dataclasses import dataclass, field

#: Generous upper bound of conversations per second, to seed enough customers.
MAX_CONVERSATIONS_PER_SECOND = 25


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


@dataclass
class Options:
    """The run's options; each field reads its environment variable when created."""

    seconds: int = field(default_factory=lambda: _env_int("BENCH_SECONDS", 30))
    soak_seconds: int = field(default_factory=lambda: _env_int("SOAK_SECONDS", 60))
    concurrency: int = field(default_factory=lambda: _env_int("BENCH_CONCURRENCY", 20))
    wechat_concurrency: int = field(default_factory=lambda: _env_int("WECHAT_CONCURRENCY", 50))
    review_count: int = field(default_factory=lambda: _env_int("REVIEW_COUNT", 100_000))
    phases: tuple[str, ...] = field(default_factory=lambda: tuple(
        p.strip() for p in (os.environ.get("BENCH_PHASES")
                            or "baseline,embedded,prod,review").split(",") if p.strip()))

    def customers_for(self, seconds: float, concurrency: int) -> int:
        """Bench customers to seed for a load: one per conversation, with room to spare.

        Args:
            seconds: How long the load runs, warm-up included.
            concurrency: Conversations at once.

        Returns:
            More customers than the load can use at ``MAX_CONVERSATIONS_PER_SECOND``.
        """
        return int(MAX_CONVERSATIONS_PER_SECOND * seconds) + 3 * concurrency + 20
