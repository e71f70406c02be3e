"""TEDPolicy that does not run while a form's happy path decides the next action, and
remembers its predictions by dialogue state.

Inside an active, unrejected form, ``RulePolicy`` predicts the form (after the customer
spoke) or listening (after the form asked) as a "no user" prediction, and Rasa's ensemble
lets a "no user" prediction overrule every prediction that is not one; TED never makes
one. Its transformer pass there could not change what happens, yet it was the largest
single cost of a message (a quarter of the Rasa process's CPU under ``make bench``; most
turns of a return are form turns). Anywhere else TED predicts as before.

When a default action (``/restart``, a session start) meets an active form, ``RulePolicy``
predicts it at confidence 1 with a higher priority than TED's, so TED is not needed there
either — as long as TED makes no end-to-end predictions, which need stories with the
customer's text: this assistant's stories and rules have none.

Outside forms, TED's prediction depends on the featurized states of the last
``max_history`` turns only, so a prediction is remembered by those states
(``bot.dialogue.prediction_memo``) and the transformer runs once per state it has not
seen. A TED that reads the customer's text (end-to-end) is not remembered: its states
would hold every text.
"""
from __future__ import annotations

from collections.abc import Hashable
from typing import Any

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction, SupportedData
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import TEXT

from bot.dialogue.prediction_memo import PredictionMemo, state_key


def form_decides(tracker: DialogueStateTracker) -> bool:
    """Whether ``RulePolicy``'s form happy path predicts the next action (the form
    itself, or listening after it ran)."""
    return (tracker.active_loop_name is not None
            and not tracker.is_active_loop_rejected
            and bool(tracker.latest_action))


@DefaultV1Recipe.register(
    DefaultV1Recipe.ComponentType.POLICY_WITH_END_TO_END_SUPPORT, is_trainable=True
)
class FormAwareTEDPolicy(TEDPolicy):
    """``TEDPolicy`` (same options, same training) that abstains while a form decides
    and predicts once per dialogue state."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.memo = PredictionMemo()

    def predict_action_probabilities(
        self,
        tracker: DialogueStateTracker,
        domain: Domain,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: MessageContainerForCoreFeaturization | None = None,
        **kwargs: Any,
    ) -> PolicyPrediction:
        """No confidence for any action while the form decides; TED's otherwise."""
        if form_decides(tracker):
            return self._prediction(self._default_predictions(domain))
        key = self._state_key(tracker, domain, rule_only_data)
        remembered = self.memo.get(key) if key is not None else None
        if remembered is not None:
            return remembered
        prediction = super().predict_action_probabilities(
            tracker, domain, rule_only_data=rule_only_data,
            precomputations=precomputations, **kwargs)
        if key is not None:
            self.memo.put(key, prediction)
        return prediction

    def _state_key(self, tracker: DialogueStateTracker, domain: Domain,
                   rule_only_data: dict[str, Any] | None) -> Hashable | None:
        """The states TED featurizes for this prediction (as ``_featurize_for_prediction``
        asks for them), as a key; ``None`` for an end-to-end TED."""
        if TEXT in self.fake_features or self.featurizer is None:
            return None
        ml_only = self.supported_data() == SupportedData.ML_DATA
        [states] = self.featurizer.prediction_states(
            [tracker], domain, use_text_for_last_user_input=self.only_e2e,
            ignore_rule_only_turns=ml_only, rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ml_only)
        return state_key(states)
