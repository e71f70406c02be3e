"""EscalationPolicy: turns the escalation signals into the dialogue's next step.

- After every customer message it looks at this conversation's messages (intent and
  anger); on a signal it predicts ``action_escalate`` above every other policy and sets
  the ``escalation`` slot to the reason.
- After an action that raised a ``handoff_signal`` (a case sent to manual review, an
  overdue case urged) it predicts ``action_escalate`` with that reason.
- Satisfaction surveys (``bot.satisfaction``): the bot message that asks for a score
  carries ``{"satisfaction_survey": id}`` in its metadata (``action_handoff_end`` after a
  handoff; the leader's decision notice after a case), the thank-you that invites a
  comment ``{"satisfaction_comment": id}``. A score (1–5, ``parse_score``) sent next goes
  to ``action_record_satisfaction``; the message after the invitation goes to
  ``action_record_satisfaction_comment`` unless it is clearly a new request (a contract
  intent with good confidence, ``bot.satisfaction.is_new_request``) or a person must take
  over (anger, "转人工"). Only the bot's messages since the customer's previous message
  count, and only within ``bot.satisfaction.SCORE_WINDOW`` of them. (These two limits
  are read from ``bot.satisfaction`` when predicting, not stored in the model.)

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
from rasa.shared.core.events import (
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.generator import TrackerWithCachedStates
from rasa.shared.core.trackers import DialogueStateTracker

from bot.escalation import Escalation, Turn, escalation
from bot.satisfaction.comments import is_new_request
from bot.satisfaction.scores import parse_score
from bot.satisfaction.surveys import COMMENT_KEY, SCORE_WINDOW, SURVEY_KEY

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


# Reasons a comment gives way to a person: the customer is angry or asks for one (two
# messages not understood in a row do not count: a comment often is not understood).
_OVERRULES_COMMENT = frozenset({Escalation.HUMAN_REQUESTED, Escalation.ANGRY,
                                Escalation.REPEATED_ANGER})


def _survey_step(tracker: DialogueStateTracker, window: float) -> tuple[str, int] | None:
    """What the bot's messages since the customer's previous message last asked for:
    ``("score", survey_id)``, ``("comment", survey_id)`` or ``None``.

    The bot's messages from before a session restart count too (Rasa still holds them for
    the first message of the new session), but none older than ``window`` seconds before
    the customer's latest message.
    """
    latest: UserUttered | None = None
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered):
            if latest is not None:
                return None
            latest = event
        elif latest is not None and isinstance(event, BotUttered):
            metadata = event.metadata or {}
            for step, key in (("comment", COMMENT_KEY), ("score", SURVEY_KEY)):
                survey_id = metadata.get(key)
                if survey_id is None:
                    continue
                if latest.timestamp - event.timestamp > window:
                    return None
                return step, int(survey_id)
    return None


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITHOUT_END_TO_END_SUPPORT, is_trainable=True
)
class EscalationPolicy(Policy):
    """Hands angry, stuck or asking customers to a person (see ``bot.escalation``)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"priority": 7, "moderate_anger": 0.35, "action": "action_escalate",
                "score_action": "action_record_satisfaction",
                "comment_action": "action_record_satisfaction_comment"}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage,
                 resource: Resource, execution_context: ExecutionContext,
                 **kwargs: Any) -> None:
        super().__init__(config, model_storage, resource, execution_context, **kwargs)
        self._action = config["action"]
        self._moderate = float(config["moderate_anger"])
        self._score_action = config["score_action"]
        self._comment_action = config["comment_action"]

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
        if latest_action in (self._action, self._score_action, self._comment_action):
            return self._predict(domain, ACTION_LISTEN_NAME)
        if latest_action != ACTION_LISTEN_NAME:
            signal = tracker.get_slot(SIGNAL_SLOT)
            if signal and not escalated:
                return self._predict(domain, self._action,
                                     [SlotSet(SLOT, signal), SlotSet(SIGNAL_SLOT, None)])
            return self._prediction(self._default_predictions(domain))
        if not isinstance(tracker.latest_message, UserUttered):
            return self._prediction(self._default_predictions(domain))
        message = tracker.latest_message
        step = _survey_step(tracker, SCORE_WINDOW.total_seconds())
        if step and step[0] == "score" and parse_score(message.text) is not None:
            return self._predict(domain, self._score_action)
        reason = escalation(_turns(tracker), self._moderate, already_escalated=escalated)
        if step and step[0] == "comment" and reason not in _OVERRULES_COMMENT:
            intent = message.intent or {}
            if not is_new_request(intent.get("name"), float(intent.get("confidence") or 0.0)):
                return self._predict(domain, self._comment_action)
        if reason is None:
            return self._prediction(self._default_predictions(domain))
        return self._predict(domain, self._action, [SlotSet(SLOT, reason.value)])
