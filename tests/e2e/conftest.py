"""The real product on loopback, started once per test session (see tests/servers.py)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.servers import Product, running_product


@pytest.fixture(scope="session")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    # Handoffs nobody claims hear from the bot after 2 s (test_handoff_journey.py).
    with running_product(tmp_path_factory.mktemp("product"),
                         {"HANDOFF_CLAIM_TIMEOUT": "2"}) as running:
        yield running
