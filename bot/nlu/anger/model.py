"""The anger model: logistic regression over character n-grams and anger signals.

Scores are probabilities in [0, 1]. The decision threshold is chosen at training
time from cross-validated scores, so that calm complaints are rarely called angry.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from bot.nlu.anger.signals import signals
from bot.nlu.normalise import has_chinese, normalise

SIGNAL_WEIGHT = 1.5
MAX_CALM_FALSE_ALARMS = 0.02


@dataclass(frozen=True)
class AngerScore:
    score: float
    is_angry: bool

    def as_dict(self) -> dict[str, float | bool]:
        return {"score": round(self.score, 4), "is_angry": self.is_angry}


def _pipeline(c: float) -> tuple[TfidfVectorizer, LogisticRegression]:
    vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                 min_df=1, max_features=30000)
    classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    return vectoriser, classifier


def _signal_matrix(texts: list[str]) -> csr_matrix:
    return csr_matrix(np.vstack([signals(t) for t in texts]) * SIGNAL_WEIGHT)


def _choose_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The threshold with the best F1 among those keeping calm false alarms rare."""
    best, best_f1 = 0.5, -1.0
    for threshold in np.arange(0.30, 0.91, 0.01):
        predicted = scores >= threshold
        calm = labels == 0
        false_alarms = predicted[calm].mean() if calm.any() else 0.0
        true_positive = (predicted & (labels == 1)).sum()
        precision = true_positive / max(predicted.sum(), 1)
        recall = true_positive / max((labels == 1).sum(), 1)
        f1 = 2 * precision * recall / max(precision + recall, 1e-9)
        if false_alarms <= MAX_CALM_FALSE_ALARMS and f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return round(best, 2)


class AngerModel:
    """Scores how angry a message reads."""

    def __init__(self, vectoriser: TfidfVectorizer, classifier: LogisticRegression,
                 threshold: float) -> None:
        self.vectoriser = vectoriser
        self.classifier = classifier
        self.threshold = threshold

    @classmethod
    def train(cls, texts: list[str], angry: list[bool], c: float = 4.0,
              threshold: float | None = None) -> "AngerModel":
        """Fits the model; ``threshold`` None picks it by 5-fold cross-validation."""
        if len(set(angry)) < 2:
            raise ValueError("anger training needs both angry and calm examples")
        clean = [normalise(t) for t in texts]
        labels = np.asarray(angry, dtype=int)
        if threshold is None:
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
            scores = np.zeros(len(clean))
            for train_idx, test_idx in folds.split(clean, labels):
                fold = cls._fit([clean[i] for i in train_idx], labels[train_idx], c, 0.5)
                scores[test_idx] = fold._scores([clean[i] for i in test_idx])
            threshold = _choose_threshold(scores, labels)
        return cls._fit(clean, labels, c, threshold)

    @classmethod
    def _fit(cls, texts: list[str], labels: np.ndarray, c: float, threshold: float) -> "AngerModel":
        vectoriser, classifier = _pipeline(c)
        features = hstack([vectoriser.fit_transform(texts), _signal_matrix(texts)]).tocsr()
        classifier.fit(features, labels)
        return cls(vectoriser, classifier, threshold)

    def _scores(self, texts: list[str]) -> np.ndarray:
        features = hstack([self.vectoriser.transform(texts), _signal_matrix(texts)]).tocsr()
        return self.classifier.predict_proba(features)[:, 1]

    def score(self, text: str) -> AngerScore:
        """Anger of one message; text without Chinese scores 0.0 by contract."""
        clean = normalise(text)
        if not has_chinese(clean):
            return AngerScore(0.0, False)
        value = float(self._scores([clean])[0])
        return AngerScore(value, value >= self.threshold)

    def save(self, path: Path) -> None:
        joblib.dump({"vectoriser": self.vectoriser, "classifier": self.classifier,
                     "threshold": self.threshold}, path)

    @classmethod
    def load(cls, path: Path) -> "AngerModel":
        state = joblib.load(path)
        return cls(state["vectoriser"], state["classifier"], state["threshold"])
