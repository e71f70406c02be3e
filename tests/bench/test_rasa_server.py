"""bot.rasa_server's faster checks: action server responses pass and fail as with Rasa's
own check, with Rasa's message; events get the classes Rasa gives them."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.utils.common import all_subclasses
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import fast_action_validation, fast_event_types

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1}],
        "responses": [{"text": "您好"}]}
EVERY_KIND = {"events": [event.as_dict() for event in (
    SlotSet("photo", "12"), ActionExecuted("action_listen"), ActiveLoop("return_form"),
    BotUttered("请拍张照片", {"buttons": []}), SessionStarted(),
    UserUttered("草莓烂了", {"name": "report_problem", "confidence": 0.9}))]}
BAD = [{"events": "not a list"}, {"responses": "not a list"}, {"events": [{"no": "event"}]},
       {"events": [{"event": "slot", "name": 5}]}, {"events": [{"event": "no_such_event"}]},
       {"events": [{"event": ["slot"]}]}, {"events": [{"event": "action", "name": 3}]},
       {"events": [{"event": "slot", "name": "x"}, {"event": "bot", "timestamp": "soon"}]},
       {"events": ["slot"]}, "not an object"]


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    fast_action_validation()
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_valid_responses_pass(action):
    assert action._validate_action_result(GOOD) is True
    assert action._validate_action_result(EVERY_KIND) is True
    assert action._validate_action_result({}) is True


@pytest.mark.parametrize("response", BAD)
def test_invalid_responses_fail_as_with_rasas_own_check(action, response):
    with pytest.raises(jsonschema.ValidationError) as rasa_check:
        jsonschema.validate(response, action.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        action._validate_action_result(response)

    assert ours.value.message.startswith(rasa_check.value.message)
    assert "Failed to validate Action server response" in ours.value.message


def test_it_is_applied_once(action):
    method = RemoteAction._validate_action_result
    fast_action_validation()
    assert RemoteAction._validate_action_result is method


def test_events_get_the_classes_rasa_gives_them():
    fast_event_types()
    for cls in all_subclasses(Event):
        assert Event.resolve_by_type(cls.type_name) is Event.resolve_by_type(cls.type_name)
        assert Event.resolve_by_type(cls.type_name).type_name == cls.type_name
    assert Event.from_parameters(SlotSet("photo", "12").as_dict()) == SlotSet("photo", "12")


def test_an_unknown_event_type_is_refused_or_defaulted_as_by_rasa():
    fast_event_types()
    with pytest.raises(ValueError, match="Unknown event name"):
        Event.resolve_by_type("no_such_event")
    assert Event.resolve_by_type("no_such_event", default=SlotSet) is SlotSet
    assert Event.resolve_by_type("slot", default=ActionExecuted) is SlotSet
