"""TED's remembered predictions are the ones TED makes: for every prediction point of the
training stories outside forms, with the trained model."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.agent import Agent
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.graph_components.providers.rule_only_provider import RuleOnlyDataProvider
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.core.training_data.story_reader.yaml_story_reader import YAMLStoryReader

from bot.dialogue.form_aware_ted import FormAwareTEDPolicy, form_decides
from bot.dialogue.prediction_memo import PredictionMemo, state_key
from bot.settings import ROOT
from bot.training import ensure_model


def _prediction(*probabilities: float) -> PolicyPrediction:
    return PolicyPrediction(list(probabilities), "FormAwareTEDPolicy")


def test_the_same_states_in_another_order_are_the_same_key():
    first = [{"user": {"intent": "greet"}, "prev_action": {"action_name": "action_listen"}}]
    second = [{"prev_action": {"action_name": "action_listen"}, "user": {"intent": "greet"}}]

    assert state_key(first) == state_key(second)
    assert state_key(first) != state_key([{"user": {"intent": "goodbye"}}])


def test_states_that_cannot_be_hashed_are_not_remembered():
    assert state_key([{"slots": {"order": [1.0]}}]) is None


def test_changing_a_prediction_handed_out_does_not_change_what_is_remembered():
    memo = PredictionMemo()
    prediction = _prediction(0.2, 0.8)
    memo.put("key", prediction)
    prediction.probabilities[1] = 0.0
    handed_out = memo.get("key")
    handed_out.probabilities[1] = 0.0

    assert memo.get("key").probabilities == [0.2, 0.8]


def test_the_least_recently_used_prediction_goes_first():
    memo = PredictionMemo(capacity=2)
    memo.put("a", _prediction(1.0))
    memo.put("b", _prediction(1.0))
    memo.get("a")
    memo.put("c", _prediction(1.0))

    assert memo.get("b") is None and memo.get("a") is not None and memo.get("c") is not None
    assert len(memo) == 2


@pytest.fixture(scope="module")
def trained() -> Iterator[tuple[Agent, FormAwareTEDPolicy, dict]]:
    agent = Agent.load(str(ensure_model()))
    components = [node._component
                  for node in agent.processor.graph_runner._instantiated_nodes.values()]
    ted = next(c for c in components if isinstance(c, FormAwareTEDPolicy))
    rule_only_data = next(c for c in components
                          if isinstance(c, RuleOnlyDataProvider)).provide()
    yield agent, ted, rule_only_data


def _prediction_points(agent: Agent) -> list[DialogueStateTracker]:
    """A tracker before each action of the training stories that TED predicts."""
    trackers = []
    for step in YAMLStoryReader(agent.domain).read_from_file(ROOT / "data/stories/journeys.yml"):
        events = step.explicit_events(agent.domain)
        for end, event in enumerate(events):
            if isinstance(event, ActionExecuted) and end > 0:
                tracker = DialogueStateTracker.from_events("memo", events[:end],
                                                           agent.domain.slots)
                if not form_decides(tracker):
                    trackers.append(tracker)
    return trackers


def test_a_remembered_prediction_is_the_one_ted_makes(trained):
    agent, ted, rule_only_data = trained
    points = _prediction_points(agent)
    assert len(points) >= 20

    for tracker in points:
        own = TEDPolicy.predict_action_probabilities(ted, tracker, agent.domain,
                                                     rule_only_data=rule_only_data)
        first = ted.predict_action_probabilities(tracker, agent.domain,
                                                 rule_only_data=rule_only_data)
        again = ted.predict_action_probabilities(tracker, agent.domain,
                                                 rule_only_data=rule_only_data)
        assert first.probabilities == own.probabilities == again.probabilities
        assert again.policy_name == own.policy_name and not again.is_no_user_prediction


def test_customers_in_the_same_state_share_one_prediction(trained):
    agent, ted, rule_only_data = trained

    def said(text: str) -> DialogueStateTracker:
        return DialogueStateTracker.from_events(
            text, [ActionExecuted(ACTION_LISTEN_NAME), UserUttered(text, {"name": "greet"})],
            agent.domain.slots)

    remembered = len(ted.memo)
    first = ted.predict_action_probabilities(said("你好"), agent.domain,
                                             rule_only_data=rule_only_data)
    second = ted.predict_action_probabilities(said("在吗"), agent.domain,
                                              rule_only_data=rule_only_data)

    assert first.probabilities == second.probabilities
    assert len(ted.memo) <= remembered + 1
