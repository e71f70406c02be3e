"""The chaos customers resend like real clients, and say what went wrong."""
from __future__ import annotations

import aiohttp
import pytest

from bot.bench.load import ConversationFailed
from bot.chaos import traffic
from bot.chaos.checks import Findings
from bot.chaos.traffic import TrafficLog, until_acknowledged


@pytest.fixture(autouse=True)
def no_pause(monkeypatch):
    monkeypatch.setattr(traffic, "RETRY_PAUSE", 0)


async def test_a_message_is_sent_again_until_acknowledged_and_the_failures_counted():
    log = TrafficLog()
    answers = iter(["HTTP 502", aiohttp.ServerDisconnectedError(), None])

    async def send():
        answer = next(answers)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert await until_acknowledged(log, "REST", "greet", send) == 2
    assert log.failures == {"REST HTTP 502": 1, "REST ServerDisconnectedError": 1}
    assert not log.broken


async def test_a_message_never_acknowledged_breaks_the_conversation(monkeypatch):
    monkeypatch.setattr(traffic, "RETRY_FOR", 0)
    log = TrafficLog()

    async def send():
        return "HTTP 503"

    with pytest.raises(ConversationFailed):
        await until_acknowledged(log, "WeChat", "photo", send)
    assert log.broken == {"WeChat not acknowledged at photo": 1}


def test_findings_name_every_loss_and_doubling():
    clean = Findings(acknowledged=3, in_tracker=3)
    assert clean.problems == []

    bad = Findings(acknowledged=3, in_tracker=2, lost=["msg:1"], doubled=["msg:2"],
                   customers_with_two_cases=1, cases_with_two_refunds=1, replies_unsent=2,
                   inbox_open=1)

    assert len(bad.problems) == 6
    assert "msg:1" in bad.problems[0] and "msg:2" in bad.problems[1]
