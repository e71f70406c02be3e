"""Fixtures of the case service tests: the default policy and the seeding moment."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.policy import Policy, load_policy


@pytest.fixture
def policy() -> Policy:
    return load_policy()


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)
