"""Property-based fuzz tests (hypothesis) of the code that reads untrusted text: WeChat's
XML and signatures, forwarded group chat, NLU normalisation. They run in ``make test``
(marker ``fuzz``) with a bounded budget: ``FUZZ_MAX_EXAMPLES`` examples per test
(default in ``tests/fuzz/budget.py``); raise it for a longer hunt, e.g.
``FUZZ_MAX_EXAMPLES=5000 .venv/bin/pytest tests/fuzz -q``."""
from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "fuzz: property-based fuzz test (hypothesis), bounded")

