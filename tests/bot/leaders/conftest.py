"""Fixtures the leaders' tests share: a clock just after seeding, a session to look in."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest


@pytest.fixture
def now(app_db) -> datetime:
    return app_db.seeded_at + timedelta(minutes=5)


@pytest.fixture
def session(app_db):
    with app_db.session() as session:
        yield session
