"""Fixtures of the WeChat Pay tests: the fake WeChat Pay on loopback."""
from __future__ import annotations

from tests.bot.refunds.support import fake_pay  # noqa: F401 (a fixture)
