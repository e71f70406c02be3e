"""Fixtures shared by the channel tests."""
from __future__ import annotations

from datetime import timedelta

import pytest

from bot.messaging import inbox


@pytest.fixture
def quick_retries(monkeypatch):
    """Inbox retries due at once, and three attempts, so a test sees a message given up."""
    monkeypatch.setattr(inbox, "FIRST_BACKOFF", timedelta(0))
    monkeypatch.setattr(inbox, "MAX_ATTEMPTS", 3)
