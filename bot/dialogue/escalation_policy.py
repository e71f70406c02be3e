"""EscalationPolicy: turns the escalation signals into the dialogue's next step.

After every customer message it looks at this conversation's messages (intent and
anger); on a signal it predicts ``action_escalate`` above every other policy and
sets the ``escalation`` slot to the reason, which the handoff acts on. After the
escalation it predicts listening, so nothing else answers that message.
"""
from __future__ import annotations

from typing import Any

from rasa.core.policies.policy import Policy, PolicyPrediction
from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.core.constants import ACTION_LISTEN_NAME
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.escalation import Turn, escalation

SLOT = "escalation"


def _turns(tracker: DialogueStateTracker) -> list[Turn]:
    turns: list[Turn] = []
    for event in tracker.events:
        if isinstance(event, SessionStarted):
            turns = []
        elif isinstance(event, UserUttered):
            anger = event.parse_data.get("anger") or {}
            turns.append(Turn((event.intent or {}).get("name"), float(anger.get("score") or 0.0),
                              bool(anger.get("is_angry"))))
    return turns


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """Hands angry, stuck or asking customers to a person (see ``bot.escalation``)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7, "moderate_anger": 0.35, "action": "action_escalate"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self._action = config["action"]
        self._moderate = float(config["moderate_anger"])

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        """Nothing to learn: the signals are rules of the product, not of the data."""
        return self._resource

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain,
        rule_only_data: dict[str, Any] | None = None, **kwargs: Any,
    ) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        latest_action = tracker.latest_action_name
        if latest_action == self._action:
            probabilities[domain.index_for_action(ACTION_LISTEN_NAME)] = 1.0
            return self._prediction(probabilities)
        if latest_action != ACTION_LISTEN_NAME or not isinstance(
            tracker.latest_message, UserUttered
        ):
            return self._prediction(probabilities)
        reason = escalation(_turns(tracker), self._moderate,
                            already_escalated=tracker.get_slot(SLOT) is not None)
        if reason is None:
            return self._prediction(probabilities)
        probabilities[domain.index_for_action(self._action)] = 1.0
        return self._prediction(probabilities, optional_events=[SlotSet(SLOT, reason.value)])
