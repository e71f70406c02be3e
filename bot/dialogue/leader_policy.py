"""LeaderPolicy: group leaders talk to the same assistant in a leader mode.

- ``团长绑定 123456`` (a bind code) goes to ``action_bind_leader``, whoever sends it.
- Every message from a bound leader's chat goes to ``action_leader``, which reads
  forwards, commands and photos; then listen. Who is a leader is looked up in the
  database for the channel the message came in on (``is_leader_chat``), never taken
  from what was typed; a lookup that fails counts as "not a leader".

Its predictions overrule the customer dialogue (forms, escalation) by priority.
"""
from __future__ import annotations

import logging
import re
from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker
from sqlalchemy.exc import SQLAlchemyError

from bot.leaders.identity import is_leader_chat

logger = logging.getLogger(__name__)
BIND_COMMAND = re.compile(r"^\s*(团长绑定|绑定团长)\s*[:：]?\s*\d{6}\s*$")


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class LeaderPolicy(Policy):
    """Routes leaders' messages to the leader actions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 8, "action": "action_leader", "bind_action": "action_bind_leader"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self._action = config["action"]
        self._bind = config["bind_action"]

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        """Nothing to learn: who is a leader is in the database, not in the data."""
        return self._resource

    def _predict(self, domain: Domain, action: str) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        return self._prediction(probabilities, is_no_user_prediction=True)

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain,
        rule_only_data: dict[str, Any] | None = None, **kwargs: Any,
    ) -> PolicyPrediction:
        latest_action = tracker.latest_action_name
        if latest_action in (self._action, self._bind):
            return self._predict(domain, ACTION_LISTEN_NAME)
        message = tracker.latest_message
        if latest_action != ACTION_LISTEN_NAME or not isinstance(message, UserUttered):
            return self._prediction(self._default_predictions(domain))
        if BIND_COMMAND.match(message.text or ""):
            return self._predict(domain, self._bind)
        if message.input_channel and _is_leader(message.input_channel, tracker.sender_id):
            return self._predict(domain, self._action)
        return self._prediction(self._default_predictions(domain))


def _is_leader(channel: str, sender_id: str) -> bool:
    try:
        return is_leader_chat(channel, sender_id)
    except SQLAlchemyError:
        logger.exception("could not tell whether %s on %s is a leader", sender_id, channel)
        return False
