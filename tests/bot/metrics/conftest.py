"""Fixtures of the metrics tests: a session on the seeded database, the hand-checked
week of ``dataset.py`` in it, and the default policy."""
from __future__ import annotations

import pytest

from bot.policy import Policy, load_policy
from tests.bot.metrics.dataset import seed_week


@pytest.fixture
def session(app_db):
    with app_db.session() as session:
        yield session


@pytest.fixture
def week(session):
    """The dataset's cases by name (``k1`` … ``k7``), committed."""
    cases = seed_week(session)
    session.commit()
    return cases


@pytest.fixture
def policy() -> Policy:
    return load_policy()
