"""bot.rasa_server's faster check of action server responses: the same responses pass
and fail as with Rasa's own check, with Rasa's message."""
from __future__ import annotations

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot.rasa_server import fast_action_validation

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1}],
        "responses": [{"text": "您好"}]}
BAD = [{"events": "not a list"}, {"responses": "not a list"}, {"events": [{"no": "event"}]}]


@pytest.fixture(scope="module")
def action() -> RemoteAction:
    fast_action_validation()
    return RemoteAction("action_x", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_valid_responses_pass(action):
    assert action._validate_action_result(GOOD) is True
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
