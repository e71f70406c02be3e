"""The anger model: logistic regression over character n-grams, words and anger signals.

Scores are probabilities in [0, 1]. The decision threshold is chosen at training
time from cross-validated scores, so that calm complaints are rarely called angry.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import jieba
import joblib
import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold

from bot.nlu.anger.signals import signals
from bot.nlu.normalise import has_chinese, normalise

SIGNAL_WEIGHT = 0.5
MAX_CALM_FALSE_ALARMS = 0.02
jieba.setLogLevel(60)


@dataclass(frozen=True)
class AngerScore:
    score: float
    is_angry: bool

    def as_dict(self) -> dict[str, float | bool]:
        return {"score": round(self.score, 4), "is_angry": self.is_angry}


def words(document: str | list[str]) -> list[str]:
    """Words of a document: the tokeniser's tokens when given, else Jieba's
    (module level, so the model pickles)."""
    if isinstance(document, list):
        return document
    return [word for word in jieba.lcut(document) if word.strip()]


def _vectorisers() -> list[TfidfVectorizer]:
    return [
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                        max_features=40000),
        TfidfVectorizer(analyzer=words, sublinear_tf=True),  # documents are word lists
    ]


def _features(vectorisers: list[TfidfVectorizer], texts: list[str],
              tokens: list[list[str]] | None, fit: bool) -> csr_matrix:
    chars, word_vectoriser = vectorisers
    documents = tokens if tokens is not None else texts
    blocks = [chars.fit_transform(texts) if fit else chars.transform(texts),
              word_vectoriser.fit_transform(documents) if fit else word_vectoriser.transform(documents)]
    blocks.append(csr_matrix(np.vstack([signals(t) for t in texts]) * SIGNAL_WEIGHT))
    return hstack(blocks).tocsr()


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

    def __init__(self, vectorisers: list[TfidfVectorizer], classifier: LogisticRegression,
                 threshold: float) -> None:
        self.vectorisers = vectorisers
        self.classifier = classifier
        self.threshold = threshold

    @classmethod
    def train(cls, texts: list[str], angry: list[bool], c: float = 10.0,
              threshold: float | None = None,
              tokens: list[list[str]] | None = None,
              in_domain: list[bool] | None = None) -> "AngerModel":
        """Fits the model; ``threshold`` None picks it by 5-fold cross-validation.

        Args:
            texts: The messages.
            angry: Their labels.
            c: Inverse regularisation strength.
            threshold: The decision threshold, or None to choose it.
            tokens: The tokeniser's words of each message (Jieba's when None).
            in_domain: Which examples are customer chat; the threshold is chosen on
                those (all examples when None), the model learns from all of them.
        """
        if len(set(angry)) < 2:
            raise ValueError("anger training needs both angry and calm examples")
        clean = [normalise(t) for t in texts]
        words_of = tokens or [words(t) for t in clean]
        labels = np.asarray(angry, dtype=int)
        if threshold is None:
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
            scores = np.zeros(len(clean))
            for train_idx, test_idx in folds.split(clean, labels):
                fold = cls._fit([clean[i] for i in train_idx], [words_of[i] for i in train_idx],
                                labels[train_idx], c, 0.5)
                scores[test_idx] = fold._scores([clean[i] for i in test_idx],
                                                [words_of[i] for i in test_idx])
            chosen = np.asarray(in_domain if in_domain is not None else [True] * len(clean))
            threshold = _choose_threshold(scores[chosen], labels[chosen])
        return cls._fit(clean, words_of, labels, c, threshold)

    @classmethod
    def _fit(cls, texts: list[str], tokens: list[list[str]], labels: np.ndarray, c: float,
             threshold: float) -> "AngerModel":
        vectorisers = _vectorisers()
        classifier = LogisticRegression(C=c, class_weight="balanced", max_iter=3000)
        classifier.fit(_features(vectorisers, texts, tokens, fit=True), labels)
        return cls(vectorisers, classifier, threshold)

    def _scores(self, texts: list[str], tokens: list[list[str]] | None = None) -> np.ndarray:
        features = _features(self.vectorisers, texts, tokens, fit=False)
        return self.classifier.predict_proba(features)[:, 1]

    def score(self, text: str, tokens: list[str] | None = None) -> AngerScore:
        """Anger of one message; text without Chinese scores 0.0 by contract."""
        clean = normalise(text)
        if not has_chinese(clean):
            return AngerScore(0.0, False)
        value = float(self._scores([clean], [tokens] if tokens is not None else None)[0])
        return AngerScore(value, value >= self.threshold)

    def save(self, path: Path) -> None:
        joblib.dump({"vectorisers": self.vectorisers, "classifier": self.classifier,
                     "threshold": self.threshold}, path)

    @classmethod
    def load(cls, path: Path) -> "AngerModel":
        state = joblib.load(path)
        return cls(state["vectorisers"], state["classifier"], state["threshold"])
