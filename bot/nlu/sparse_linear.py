"""Scoring one message with a fitted TF-IDF vectoriser and a linear model, without
scikit-learn's per-call input checks.

scikit-learn validates its input and its fitted state on every ``transform`` and
``predict_proba``; for one short message that overhead is most of the time (the intent
model was 15% of the Rasa process's CPU under load). The arithmetic here is
scikit-learn's own: counts, ``1 + log`` for sublinear tf, times idf, L2 norm, then
``coef · x + intercept``, then a softmax (multinomial) or sigmoids (one-vs-rest).
"""
from __future__ import annotations

from collections import Counter

import numpy as np
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression


class UnsupportedModel(ValueError):
    """The vectoriser uses an option this module does not reproduce."""


class OneDocumentTfidf:
    """``TfidfVectorizer.transform`` for a single document, as (indices, weights).

    Raises:
        UnsupportedModel: ``binary``, a norm other than L2 or none, or no idf vector.
    """

    def __init__(self, vectoriser: TfidfVectorizer) -> None:
        if vectoriser.binary or vectoriser.norm not in ("l2", None) or not vectoriser.use_idf:
            raise UnsupportedModel("only TF-IDF with L2 or no norm, counts not binary")
        self._analyse = vectoriser.build_analyzer()
        self._vocabulary = vectoriser.vocabulary_
        self._idf = vectoriser.idf_
        self._sublinear = vectoriser.sublinear_tf
        self._normalise = vectoriser.norm == "l2"

    def transform(self, document: object) -> tuple[np.ndarray, np.ndarray]:
        """The document's feature indices (ascending) and TF-IDF weights."""
        counts = Counter(index for term in self._analyse(document)
                         if (index := self._vocabulary.get(term)) is not None)
        if not counts:
            return np.empty(0, dtype=np.intp), np.empty(0)
        indices = np.fromiter(sorted(counts), dtype=np.intp, count=len(counts))
        weights = np.fromiter((counts[i] for i in indices), dtype=np.float64,
                              count=len(indices))
        if self._sublinear:
            weights = np.log(weights) + 1
        weights *= self._idf[indices]
        if self._normalise:
            norm = np.sqrt(np.dot(weights, weights))
            if norm > 0:
                weights /= norm
        return indices, weights


class OneDocumentProbabilities:
    """``LogisticRegression.predict_proba`` for one document: the softmax of a
    multinomial model, the normalised sigmoids of a one-vs-rest or two-class one."""

    def __init__(self, classifier: LogisticRegression) -> None:
        self._one_vs_rest = classifier.multi_class in ("ovr", "warn") or (
            classifier.multi_class == "auto"
            and (classifier.classes_.size <= 2 or classifier.solver == "liblinear"))
        self._coef = np.ascontiguousarray(classifier.coef_.T)  # features × classes
        self._intercept = classifier.intercept_

    def probabilities(self, indices: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """The class probabilities, in ``classes_`` order."""
        scores = weights @ self._coef[indices] + self._intercept
        if self._one_vs_rest:
            scores = expit(scores)
            if scores.size == 1:
                return np.array([1 - scores[0], scores[0]])
            return scores / scores.sum()
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()
