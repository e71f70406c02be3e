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


@pytest.mark.parametrize("signal", ["manual_review", "overdue_case"])
def test_a_signal_raised_by_an_action_hands_over_with_that_reason(policy, domain, signal):
    action, prediction = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("催一下 R1001", "urge_case"),
        ActionExecuted("action_urge_case"), SlotSet("handoff_signal", signal),
    ])

    assert action == "action_escalate"
    assert SlotSet("escalation", signal) in prediction.optional_events
    assert SlotSet("handoff_signal", None) in prediction.optional_events


def test_a_signal_during_an_escalation_does_not_hand_over_twice(policy, domain):
    action, _ = predicted(policy, domain, [
        SlotSet("escalation", "angry"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("催一下", "urge_case"), ActionExecuted("action_urge_case"),
        SlotSet("handoff_signal", "overdue_case"),
    ])

    assert action is None


def _after_handback(answer: str, intent: str = "inform") -> list:
    return [ActionExecuted("action_handoff_end"), ActionExecuted(ACTION_LISTEN_NAME),
            *said(answer, intent)]


@pytest.mark.parametrize("answer", ["5", "４分", "三星", "满意"])
def test_a_score_right_after_the_satisfaction_question_is_recorded(policy, domain, answer):
    action, _ = predicted(policy, domain, _after_handback(answer))

    assert action == "action_record_satisfaction"


def test_a_question_after_the_satisfaction_question_is_answered_normally(policy, domain):
    action, _ = predicted(policy, domain, _after_handback("我的售后进度怎么样了", "ask_case_status"))

    assert action is None


def test_a_digit_later_in_the_conversation_is_not_a_score(policy, domain):
    action, _ = predicted(policy, domain, [
        *_after_handback("好的", "affirm"), ActionExecuted("utter_ack_affirm"),
        ActionExecuted(ACTION_LISTEN_NAME), *said("2", "inform"),
    ])

    assert action is None


def test_an_angry_message_in_the_middle_of_a_form_still_goes_to_a_person(policy, domain):
    _, prediction = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("草莓烂了", "report_spoiled"),
        ActionExecuted("return_form"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("你们这什么垃圾平台！！！我要投诉12315！", "out_of_scope", 0.99, True),
    ])

    assert prediction.is_no_user_prediction, "overrules the form's happy-path prediction"
    assert prediction.policy_priority > 6
