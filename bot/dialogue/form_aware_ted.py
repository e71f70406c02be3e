"""TEDPolicy that does not run while a form's happy path decides the next action.

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
"""
from __future__ import annotations

from typing import Any

from rasa.core.featurizers.precomputation import MessageContainerForCoreFeaturization
from rasa.core.policies.policy import PolicyPrediction
from rasa.core.policies.ted_policy import TEDPolicy
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker


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
    """``TEDPolicy`` (same options, same training) that abstains while a form decides."""

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
        return super().predict_action_probabilities(
            tracker, domain, rule_only_data=rule_only_data,
            precomputations=precomputations, **kwargs)
