"""EscalationPolicy inside Rasa: what it predicts after customer messages."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue import EscalationPolicy
from bot.settings import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> EscalationPolicy:
    return EscalationPolicy.create(
        EscalationPolicy.get_default_config(), LocalModelStorage(tmp_path),
        Resource("escalation"), ExecutionContext(GraphSchema({}), "test"),
    )


def said(text: str, intent: str, anger: float = 0.0, angry: bool = False) -> list:
    parse = {"intent": {"name": intent, "confidence": 0.99},
             "anger": {"score": anger, "is_angry": angry}}
    return [UserUttered(text, parse["intent"], parse_data=parse)]


def predicted(policy, domain, events):
    tracker = DialogueStateTracker.from_events("someone", events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    if prediction.probabilities[best] == 0:
        return None, prediction
    return domain.action_names_or_texts[best], prediction


def test_an_angry_message_goes_to_a_person_with_the_reason(policy, domain):
    action, prediction = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME),
        *said("你们卖的什么破烂草莓！！！退钱！", "report_spoiled", 0.97, True),
    ])

    assert action == "action_escalate"
    assert prediction.policy_priority > 6, "must win over RulePolicy"
    assert SlotSet("escalation", "angry") in prediction.optional_events


def test_a_calm_complaint_is_left_to_the_other_policies(policy, domain):
    action, _ = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("草莓烂了两个，能退吗", "report_spoiled", 0.1),
    ])

    assert action is None


def test_two_moderately_angry_messages_in_a_row(policy, domain):
    action, prediction = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("怎么还没处理", "urge_case", 0.5),
        ActionExecuted("action_urge_case"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("都两天了", "urge_case", 0.45),
    ])

    assert action == "action_escalate"
    assert SlotSet("escalation", "repeated_anger") in prediction.optional_events


def test_a_new_session_forgets_earlier_messages(policy, domain):
    action, _ = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("?", "nlu_fallback"),
        SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME), *said("??", "nlu_fallback"),
    ])

    assert action is None


def test_after_escalating_the_assistant_listens(policy, domain):
    action, _ = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("转人工", "request_human"),
        SlotSet("escalation", "human_requested"), ActionExecuted("action_escalate"),
    ])

    assert action == ACTION_LISTEN_NAME
