"""FormAwareTEDPolicy abstains exactly where RulePolicy's form happy path decides (the
whole model's predictions are checked by tests/stories through `make test-rasa`)."""
from __future__ import annotations

from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, ActionExecutionRejected, ActiveLoop, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue.form_aware_ted import form_decides


def _tracker(*events) -> DialogueStateTracker:
    return DialogueStateTracker.from_events("demo-1", [ActionExecuted(ACTION_LISTEN_NAME), *events])


def test_outside_a_form_ted_predicts():
    assert not form_decides(_tracker(UserUttered("你好", {"name": "greet"})))


def test_a_customer_answering_the_form_is_decided_by_the_form():
    tracker = _tracker(UserUttered("草莓烂了", {"name": "report_problem"}),
                       ActionExecuted("return_form"), ActiveLoop("return_form"),
                       ActionExecuted(ACTION_LISTEN_NAME), UserUttered("1", {"name": "inform"}))
    assert form_decides(tracker)


def test_after_the_form_asked_listening_is_decided_by_the_form():
    tracker = _tracker(UserUttered("草莓烂了", {"name": "report_problem"}),
                       ActionExecuted("return_form"), ActiveLoop("return_form"))
    assert form_decides(tracker)


def test_a_form_that_rejected_the_answer_leaves_the_choice_to_the_policies():
    tracker = _tracker(UserUttered("草莓烂了", {"name": "report_problem"}),
                       ActionExecuted("return_form"), ActiveLoop("return_form"),
                       ActionExecuted(ACTION_LISTEN_NAME), UserUttered("天气真好", {"name": "chitchat"}),
                       ActionExecutionRejected("return_form"))
    assert not form_decides(tracker)


def test_a_finished_form_leaves_the_choice_to_the_policies():
    tracker = _tracker(UserUttered("草莓烂了", {"name": "report_problem"}),
                       ActionExecuted("return_form"), ActiveLoop("return_form"),
                       ActionExecuted("return_form"), ActiveLoop(None))
    assert not form_decides(tracker)
