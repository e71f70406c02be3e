"""EscalationPolicy inside Rasa: what it predicts after customer messages."""
from __future__ import annotations

import time

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
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


def said(text: str, intent: str, anger: float = 0.0, angry: bool = False,
         confidence: float = 0.99) -> list:
    parse = {"intent": {"name": intent, "confidence": confidence},
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


# ---------------------------------------------------------------- satisfaction surveys


def asked(key: str = "satisfaction_survey", survey_id: int = 7, at: float | None = None,
          response: str = "utter_ask_satisfaction") -> BotUttered:
    """A bot message that asks for a score (or, with ``satisfaction_comment``, invites a
    comment), as the actions and the leader's notice send it."""
    event = BotUttered("麻烦您打个分", metadata={"utter_action": response, key: survey_id})
    if at is not None:
        event.timestamp = at
    return event


def _after_handback(answer: str, intent: str = "inform", confidence: float = 0.99,
                    anger: float = 0.0, angry: bool = False) -> list:
    return [ActionExecuted("action_handoff_end"), BotUttered("人工客服已经处理完啦"), asked(),
            ActionExecuted(ACTION_LISTEN_NAME), *said(answer, intent, anger, angry,
                                                      confidence)]


def _after_score(answer: str, intent: str = "nlu_fallback", confidence: float = 0.3,
                 anger: float = 0.0, angry: bool = False) -> list:
    return [*_after_handback("2", "nlu_fallback", 0.3),
            ActionExecuted("action_record_satisfaction"),
            asked("satisfaction_comment", response="utter_thanks_rating_low"),
            ActionExecuted(ACTION_LISTEN_NAME),
            *said(answer, intent, anger, angry, confidence)]


@pytest.mark.parametrize("answer", ["5", "４分", "三星", "满意"])
def test_a_score_right_after_the_satisfaction_question_is_recorded(policy, domain, answer):
    action, prediction = predicted(policy, domain, _after_handback(answer))

    assert action == "action_record_satisfaction"
    assert prediction.policy_priority > 6


def test_a_score_for_a_case_question_sent_through_the_api_is_recorded(policy, domain):
    action, _ = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("R1024怎么样了", "ask_case_status"),
        ActionExecuted("action_case_status"), BotUttered("售后单 R1024 团长正在核实"),
        ActionExecuted(ACTION_LISTEN_NAME),
        BotUttered("售后单 R1024 已通过"), asked(response=None),
        *said("4", "inform"),
    ])

    assert action == "action_record_satisfaction"


def test_a_score_hours_later_in_a_new_session_is_still_recorded(policy, domain):
    question_at = time.time() - 5 * 3600
    events = [ActionExecuted("action_handoff_end"), asked(at=question_at),
              ActionExecuted(ACTION_LISTEN_NAME), ActionExecuted("action_session_start"),
              SessionStarted(), ActionExecuted(ACTION_LISTEN_NAME), *said("3", "inform")]

    action, _ = predicted(policy, domain, events)

    assert action == "action_record_satisfaction"


def test_a_score_a_day_and_more_later_is_just_a_message(policy, domain):
    events = [asked(at=time.time() - 25 * 3600), ActionExecuted(ACTION_LISTEN_NAME),
              *said("3", "inform")]

    action, _ = predicted(policy, domain, events)

    assert action is None


def test_a_question_after_the_satisfaction_question_is_answered_normally(policy, domain):
    action, _ = predicted(policy, domain, _after_handback("我的售后进度怎么样了", "ask_case_status"))

    assert action is None


def test_a_digit_later_in_the_conversation_is_not_a_score(policy, domain):
    action, _ = predicted(policy, domain, [
        *_after_handback("好的", "affirm"), ActionExecuted("utter_ack_affirm"),
        BotUttered("好的👌 还有什么可以帮您？"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("2", "inform"),
    ])

    assert action is None


def test_after_recording_the_assistant_listens(policy, domain):
    for action_name in ("action_record_satisfaction", "action_record_satisfaction_comment"):
        action, _ = predicted(policy, domain, [*_after_handback("5"),
                                               ActionExecuted(action_name)])
        assert action == ACTION_LISTEN_NAME


@pytest.mark.parametrize("text, intent, confidence", [
    ("客服态度还行就是太慢了", "nlu_fallback", 0.15),
    ("等太久了", "urge_case", 0.3),
    ("客服回复太慢了，等了好久", "urge_case", 0.62),
    ("客服态度不好", "greet", 0.65),
    ("没有", "deny", 0.97),
    ("挺好的谢谢", "thank", 0.9),
])
def test_the_message_after_the_invitation_is_the_comment(policy, domain, text, intent,
                                                         confidence):
    action, _ = predicted(policy, domain, _after_score(text, intent, confidence))

    assert action == "action_record_satisfaction_comment", "never 'not understood twice'"


@pytest.mark.parametrize("text, intent", [
    ("我的菜到了吗", "ask_order_status"),
    ("鸡蛋碎了两个", "report_damaged"),
    ("R1024退款到哪了", "ask_case_status"),
])
def test_a_new_request_after_the_invitation_is_not_swallowed(policy, domain, text, intent):
    action, _ = predicted(policy, domain, _after_score(text, intent, 0.93))

    assert action is None, "the rules and forms answer it"


def test_an_angry_comment_still_goes_to_a_person(policy, domain):
    action, prediction = predicted(policy, domain, _after_score(
        "你们就是骗子！！！我要去12315投诉！", "out_of_scope", 0.6, 0.95, True))

    assert action == "action_escalate"
    assert SlotSet("escalation", "angry") in prediction.optional_events


def test_asking_for_a_person_instead_of_commenting_gets_one(policy, domain):
    action, prediction = predicted(policy, domain, _after_score("转人工", "request_human", 0.99))

    assert action == "action_escalate"
    assert SlotSet("escalation", "human_requested") in prediction.optional_events


def test_only_the_message_right_after_the_invitation_is_a_comment(policy, domain):
    action, _ = predicted(policy, domain, [
        *_after_score("太慢了"), ActionExecuted("action_record_satisfaction_comment"),
        BotUttered("您说的情况我已经记下"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("还有就是包装破了", "nlu_fallback", confidence=0.1),
    ])

    assert action != "action_record_satisfaction_comment"


def test_an_angry_message_in_the_middle_of_a_form_still_goes_to_a_person(policy, domain):
    _, prediction = predicted(policy, domain, [
        ActionExecuted(ACTION_LISTEN_NAME), *said("草莓烂了", "report_spoiled"),
        ActionExecuted("return_form"), ActionExecuted(ACTION_LISTEN_NAME),
        *said("你们这什么垃圾平台！！！我要投诉12315！", "out_of_scope", 0.99, True),
    ])

    assert prediction.is_no_user_prediction, "overrules the form's happy-path prediction"
    assert prediction.policy_priority > 6
