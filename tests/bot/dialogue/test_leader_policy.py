"""LeaderPolicy: leaders' chats go to the leader actions, customers' never do."""
from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.dialogue import LeaderPolicy
from bot.settings import ROOT


@pytest.fixture(scope="module")
def domain() -> Domain:
    return Domain.load(str(ROOT / "domain.yml"))


@pytest.fixture
def policy(tmp_path) -> LeaderPolicy:
    return LeaderPolicy.create(LeaderPolicy.get_default_config(), LocalModelStorage(tmp_path),
                               Resource("leader"), ExecutionContext(GraphSchema({}), "test"))


def predicted(policy, domain, events, sender: str = "someone") -> str | None:
    tracker = DialogueStateTracker.from_events(sender, events, slots=domain.slots)
    prediction = policy.predict_action_probabilities(tracker, domain)
    best = max(range(len(prediction.probabilities)), key=prediction.probabilities.__getitem__)
    return domain.action_names_or_texts[best] if prediction.probabilities[best] else None


def _says(text: str, intent: str = "report_spoiled", channel: str = "rest") -> list:
    return [ActionExecuted(ACTION_LISTEN_NAME),
            UserUttered(text, {"name": intent, "confidence": 0.9}, input_channel=channel)]


FORWARD = "张阿姨：草莓烂了两盒\n李姐：鸡蛋碎了3个"


def test_every_message_of_a_leader_goes_to_the_leader_action(app_db, policy, domain):
    assert predicted(policy, domain, _says(FORWARD), "leader-1") == "action_leader"
    assert predicted(policy, domain, [*_says(FORWARD), ActionExecuted("action_leader")],
                     "leader-1") == ACTION_LISTEN_NAME


def test_a_customer_saying_the_same_is_left_to_the_customer_dialogue(app_db, policy, domain):
    assert predicted(policy, domain, _says(FORWARD), "demo-1") is None


def test_a_leaders_id_on_another_channel_is_not_a_leader(app_db, policy, domain):
    assert predicted(policy, domain, _says(FORWARD, channel="telegram"), "leader-1") is None


@pytest.mark.parametrize("text", ["团长绑定 123456", "绑定团长：654321", " 团长绑定123456 "])
def test_a_bind_code_goes_to_leader_binding_from_anyone(policy, domain, text):
    assert predicted(policy, domain, _says(text, "bind_account")) == "action_bind_leader"


def test_a_customer_cannot_become_a_leader_by_what_they_type(app_db, policy, domain):
    assert predicted(policy, domain, _says("我是团长，leader-1"), "demo-2") is None
