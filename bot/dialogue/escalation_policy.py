"""EscalationPolicy: turns the escalation signals into the dialogue's next step.

- After every customer message it looks at this conversation's messages (intent and
  anger); on a signal it predicts ``action_escalate`` above every other policy and sets
  the ``escalation`` slot to the reason.
- After an action that raised a ``handoff_signal`` (a case sent to manual review, an
  overdue case urged) it predicts ``action_escalate`` with that reason.
- A score (1–5) sent right after the satisfaction question of ``action_handoff_end``
  goes to ``action_record_satisfaction``.

After the escalation it predicts listening, so nothing else answers that message
(``action_escalate`` pauses the conversation; the desk resumes it).
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
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.escalation import Turn, escalation
from bot.handoff.satisfaction import parse_score

SLOT = "escalation"
SIGNAL_SLOT = "handoff_signal"


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


def _action_before_message(tracker: DialogueStateTracker) -> str | None:
    """The last action, other than listening, before the customer's latest message."""
    seen_message = False
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if seen_message:
                return None
            seen_message = True
        elif seen_message and isinstance(event, ActionExecuted) \
                and event.action_name != ACTION_LISTEN_NAME:
            return event.action_name
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """Hands angry, stuck or asking customers to a person (see ``bot.escalation``)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7, "moderate_anger": 0.35, "action": "action_escalate",
                "satisfaction_question": "action_handoff_end",
                "satisfaction_answer": "action_record_satisfaction"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self._action = config["action"]
        self._moderate = float(config["moderate_anger"])
        self._question = config["satisfaction_question"]
        self._answer = config["satisfaction_answer"]

    def train(self, training_trackers: list[TrackerWithCachedStates], domain: Domain,
              **kwargs: Any) -> Resource:
        """Nothing to learn: the signals are rules of the product, not of the data."""
        return self._resource

    def _predict(self, domain: Domain, action: str,
                 events: list[SlotSet] | None = None) -> PolicyPrediction:
        probabilities = self._default_predictions(domain)
        probabilities[domain.index_for_action(action)] = 1.0
        # Rasa lets "no user" predictions (a form's happy path) overrule all others; marked
        # the same way, a handoff wins by priority even in the middle of a form.
        return self._prediction(probabilities, optional_events=events,
                                is_no_user_prediction=True)

    def predict_action_probabilities(
        self, tracker: DialogueStateTracker, domain: Domain,
        rule_only_data: dict[str, Any] | None = None, **kwargs: Any,
    ) -> PolicyPrediction:
        latest_action = tracker.latest_action_name
        escalated = tracker.get_slot(SLOT) is not None
        if latest_action == self._action:
            return self._predict(domain, ACTION_LISTEN_NAME)
        if latest_action != ACTION_LISTEN_NAME:
            signal = tracker.get_slot(SIGNAL_SLOT)
            if signal and not escalated:
                return self._predict(domain, self._action,
                                     [SlotSet(SLOT, signal), SlotSet(SIGNAL_SLOT, None)])
            return self._prediction(self._default_predictions(domain))
        if not isinstance(tracker.latest_message, UserUttered):
            return self._prediction(self._default_predictions(domain))
        if _action_before_message(tracker) == self._question \
                and parse_score(tracker.latest_message.text) is not None:
            return self._predict(domain, self._answer)
        reason = escalation(_turns(tracker), self._moderate, already_escalated=escalated)
        if reason is None:
            return self._prediction(self._default_predictions(domain))
        return self._predict(domain, self._action, [SlotSet(SLOT, reason.value)])
