"""Fixtures of the satisfaction tests: a clock just after seeding and the demo agents."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot.handoff.desk import staff_id


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)


@pytest.fixture
def agent(app_db) -> int:
    """客服小李 (agent1)."""
    return staff_id("agent1")


@pytest.fixture
def lead(app_db) -> int:
    """客服主管老陈 (lead1)."""
    return staff_id("lead1")
