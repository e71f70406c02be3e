"""``make chaos`` under ``make test-services``: each fault, injected into the production
profile while REST and WeChat customers run return conversations, loses and doubles
nothing, and conversations go on (``bot.chaos``)."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.engine import make_url

from bot.chaos.run import SCENARIOS, Outcome, describe, run
from tests.services.conftest import ADMIN_URL, RABBITMQ_URL, _drop_database

pytestmark = pytest.mark.services


DATABASE = "aftersales_chaos_test"


@pytest.fixture(scope="module")
def outcomes() -> Iterator[dict[str, Outcome]]:
    try:
        results = run(progress=lambda line: print(line, flush=True),
                      services={"DATABASE_URL": ADMIN_URL, "EVENT_BROKER_URL": RABBITMQ_URL},
                      database=DATABASE)
        yield {outcome.scenario: outcome for outcome in results}
    finally:
        _drop_database(str(make_url(ADMIN_URL).set(database=DATABASE)))


@pytest.mark.parametrize("scenario", [s.name for s in SCENARIOS])
def test_nothing_is_lost_or_doubled_and_conversations_go_on(outcomes, scenario):
    outcome = outcomes[scenario]
    assert outcome.fault, "the fault was injected"
    assert outcome.findings.acknowledged > 0 and outcome.completed_after_fault > 0
    assert outcome.findings.in_tracker == outcome.findings.acknowledged
    assert outcome.problems == [], describe(outcome)
