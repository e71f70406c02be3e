"""Fixtures of the refund tests: the seeding moment and WeChat Pay's fake."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.bot.refunds.support import fake_pay  # noqa: F401 (a fixture)


@pytest.fixture
def now(app_db):
    """A few minutes after seeding: demo-1's strawberries were picked up about an hour ago."""
    return app_db.seeded_at + timedelta(minutes=5)
