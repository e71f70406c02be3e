"""Fixtures of the supplier tests: a session on the seeded database and the policy."""
from __future__ import annotations

import pytest

from bot.policy import Policy, load_policy


@pytest.fixture
def session(app_db):
    with app_db.session() as session:
        yield session


@pytest.fixture
def policy() -> Policy:
    return load_policy()
