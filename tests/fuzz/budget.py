"""The fuzz tests' budget: examples per test from ``FUZZ_MAX_EXAMPLES`` (default 200, so
the whole suite stays well under a minute on two cores), a deadline per example that
catches a hang or catastrophic backtracking, no example database on disk (CI starts from
a clean clone; a failure prints the example and a reproduction blob instead)."""
from __future__ import annotations

import os
from datetime import timedelta

from hypothesis import HealthCheck, settings

MAX_EXAMPLES = max(1, int(os.environ.get("FUZZ_MAX_EXAMPLES") or 200))
DEADLINE = timedelta(seconds=5)

FUZZ = settings(
    max_examples=MAX_EXAMPLES,
    deadline=DEADLINE,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                           HealthCheck.function_scoped_fixture],
)
"""Decorate each fuzz test with ``@FUZZ``."""

# Slower targets (a database write per example) get a quarter of the examples.
FUZZ_SLOW = settings(FUZZ, max_examples=max(1, MAX_EXAMPLES // 4))
