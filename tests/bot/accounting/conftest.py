"""Fixtures of the accounting tests: the seeding moment."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest


@pytest.fixture
def now(app_db) -> datetime:
    """A few minutes after seeding."""
    return app_db.seeded_at + timedelta(minutes=5)
