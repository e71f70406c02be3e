"""Predictions remembered by the dialogue state they were made for.

A policy such as TED predicts from the featurized states of the last few turns alone:
the same states always give the same prediction, and customers' conversations pass
through the same few states again and again. Computing the states is a small part of
TED's prediction; the transformer pass after it is most of it.
"""
from __future__ import annotations

import copy
from collections import OrderedDict
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from rasa.core.policies.policy import PolicyPrediction

#: States remembered at most (a prediction is a few kilobytes).
CAPACITY = 4096


def state_key(states: Sequence[Mapping[str, Mapping[str, Any]]]) -> Hashable | None:
    """The states as a hashable key; ``None`` when a value cannot be hashed.

    Args:
        states: One tracker's prediction states (turn → sub-state → attribute → value),
            as ``TrackerFeaturizer.prediction_states`` makes them.
    """
    key = tuple(tuple(sorted((name, tuple(sorted(sub_state.items())))
                             for name, sub_state in state.items()))
                for state in states)
    try:
        hash(key)
    except TypeError:
        return None
    return key


class PredictionMemo:
    """The last ``capacity`` predictions by state key, least recently used first out.

    Predictions go in and come out as copies: Rasa's ensemble changes the probabilities
    of the prediction it is given (it zeroes a rejected action's).
    """

    def __init__(self, capacity: int = CAPACITY) -> None:
        self._capacity = capacity
        self._predictions: OrderedDict[Hashable, PolicyPrediction] = OrderedDict()

    def get(self, key: Hashable) -> PolicyPrediction | None:
        """A copy of the prediction remembered for ``key``, or ``None``."""
        prediction = self._predictions.get(key)
        if prediction is None:
            return None
        self._predictions.move_to_end(key)
        return _copy(prediction)

    def put(self, key: Hashable, prediction: PolicyPrediction) -> None:
        """Remembers a copy of ``prediction`` for ``key``."""
        self._predictions[key] = _copy(prediction)
        self._predictions.move_to_end(key)
        if len(self._predictions) > self._capacity:
            self._predictions.popitem(last=False)

    def __len__(self) -> int:
        return len(self._predictions)


def _copy(prediction: PolicyPrediction) -> PolicyPrediction:
    copied = copy.copy(prediction)
    copied.probabilities = list(prediction.probabilities)
    return copied
