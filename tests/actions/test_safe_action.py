"""Every action fails politely; one that lost its database connection runs again."""
from __future__ import annotations

from typing import Any

from sqlalchemy.exc import OperationalError

from actions.common import SafeAction
from tests.actions.trackers import run, tracker


class Flaky(SafeAction):
    """Says something, then fails as told on its first runs, then answers."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.runs = 0

    def name(self) -> str:
        return "action_flaky"

    async def act(self, dispatcher, tracker, domain) -> list[dict[str, Any]]:
        self.runs += 1
        dispatcher.utter_message(text=f"第{self.runs}次")
        if self.failures:
            raise self.failures.pop(0)
        return [{"event": "slot", "name": "case_ref", "value": "R1024"}]


def _dropped() -> OperationalError:
    return OperationalError("SELECT 1", {}, Exception("server closed the connection"),
                            connection_invalidated=True)


async def test_an_action_whose_connection_was_dropped_runs_again_and_says_only_the_last():
    action = Flaky(_dropped())

    messages, events = await run(action, tracker("demo-1", "1"))

    assert action.runs == 2
    assert [m["text"] for m in messages] == ["第2次"]
    assert events == [{"event": "slot", "name": "case_ref", "value": "R1024"}]


async def test_a_second_drop_or_any_other_error_gets_the_apology_and_no_half_messages():
    for action in (Flaky(_dropped(), _dropped()), Flaky(ValueError("bug"))):
        messages, events = await run(action, tracker("demo-1", "1"))

        assert [m.get("response") for m in messages] == ["utter_technical_problem"]
        assert events == []


async def test_other_database_errors_are_not_retried():
    action = Flaky(OperationalError("SELECT 1", {}, Exception("deadlock detected")))

    messages, _ = await run(action, tracker("demo-1", "1"))

    assert action.runs == 1 and messages[0]["response"] == "utter_technical_problem"
