"""The anger model: logistic regression over character n-grams, words and anger signals.

Scores are probabilities in [0, 1]. The decision threshold is chosen at training
time from cross-validated scores of customer messages, so that calm complaints are
rarely called angry.

Customer chat and general social-media text differ: a customer who writes a long
complaint is often calm, a post that grumbles about the day is usually annoyed. When
the training data has general examples, the model therefore also learns

- a *general threshold*, the best-F1 threshold on the cross-validated scores of the
  general examples, and
- a *domain router*, a logistic regression over character n-grams that tells customer
  messages from general posts, with a cut chosen by cross-validation so that at most
  2% of the customer messages fall below it (1% routed 88% of SMP2020 posts, 2% routes
  93% and leaves the in-domain figures as they were).

Only text the router is that sure is not customer chat is judged by the general
threshold; every other message (and every message when there is no general data) is
judged by the customer threshold, as before. The score itself is the same model's
probability either way.
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
from bot.nlu.sparse_linear import OneDocumentProbabilities, OneDocumentTfidf

SIGNAL_WEIGHT = 1.0
MAX_CALM_FALSE_ALARMS = 0.02
ROUTED_CUSTOMERS = 0.02  # at most this share of customer messages gets the general threshold
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


def _best_f1_threshold(scores: np.ndarray, labels: np.ndarray) -> float:
    """The middle of the thresholds whose F1 is within 0.005 of the best (general text:
    no calm-complaint constraint). F1 is flat near its top; the middle of the plateau
    is steadier than its highest point."""
    thresholds = np.round(np.arange(0.20, 0.91, 0.01), 2)
    f1s = []
    for threshold in thresholds:
        predicted = scores >= threshold
        true_positive = (predicted & (labels == 1)).sum()
        f1s.append(2 * true_positive / max(predicted.sum() + (labels == 1).sum(), 1))
    f1s = np.asarray(f1s)
    near_best = thresholds[f1s >= f1s.max() - 0.005]
    return round(float(np.median(near_best)), 2)


class DomainRouter:
    """Tells customer chat from general text: logistic regression over character n-grams."""

    def __init__(self, vectoriser: TfidfVectorizer, classifier: LogisticRegression,
                 cut: float = 0.5) -> None:
        self.vectoriser = vectoriser
        self.classifier = classifier
        self.cut = cut
        self._features = OneDocumentTfidf(vectoriser)
        self._probabilities = OneDocumentProbabilities(classifier)

    @classmethod
    def _fit(cls, texts: list[str], customer: np.ndarray) -> "DomainRouter":
        vectoriser = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True,
                                     max_features=40000)
        classifier = LogisticRegression(C=10.0, class_weight="balanced", max_iter=3000)
        classifier.fit(vectoriser.fit_transform(texts), customer)
        return cls(vectoriser, classifier)

    @classmethod
    def train(cls, texts: list[str], customer: np.ndarray) -> "DomainRouter":
        """Fits the router; its cut is the cross-validated probability below which at
        most ``ROUTED_CUSTOMERS`` of the customer messages fall (never above 0.5)."""
        held_out = np.zeros(len(texts))
        folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
        for train_idx, test_idx in folds.split(texts, customer):
            fold = cls._fit([texts[i] for i in train_idx], customer[train_idx])
            held_out[test_idx] = fold.customer_chat([texts[i] for i in test_idx])
        router = cls._fit(texts, customer)
        router.cut = round(min(0.5, float(np.quantile(held_out[customer == 1], ROUTED_CUSTOMERS))), 3)
        return router

    def customer_chat(self, texts: list[str]) -> np.ndarray:
        """The probability that each text is customer chat."""
        return self.classifier.predict_proba(self.vectoriser.transform(texts))[:, 1]

    def is_general(self, text: str) -> bool:
        """Whether a text is surely not customer chat."""
        return bool(self._probabilities.probabilities(*self._features.transform(text))[1]
                    < self.cut)


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
                 threshold: float, general_threshold: float | None = None,
                 router: DomainRouter | None = None) -> None:
        self.vectorisers = vectorisers
        self.classifier = classifier
        self.threshold = threshold
        self.general_threshold = general_threshold
        self.router = router
        self._chars, self._words = (OneDocumentTfidf(v) for v in vectorisers)
        self._probabilities = OneDocumentProbabilities(classifier)
        self._offsets = np.cumsum([0] + [len(v.vocabulary_) for v in vectorisers])

    @classmethod
    def train(cls, texts: list[str], angry: list[bool], c: float = 10.0,
              threshold: float | None = None,
              tokens: list[list[str]] | None = None,
              in_domain: list[bool] | None = None,
              service: list[bool] | None = None) -> "AngerModel":
        """Fits the model; ``threshold`` None picks it by 5-fold cross-validation.

        Args:
            texts: The messages.
            angry: Their labels.
            c: Inverse regularisation strength.
            threshold: The decision threshold, or None to choose it.
            tokens: The tokeniser's words of each message (Jieba's when None).
            in_domain: Which examples are customer chat; the threshold is chosen on
                those (all examples when None), the model learns from all of them.
                The others are general text: when they hold both labels, the
                general threshold is chosen on them and a router learns to tell
                customer service messages from the rest.
            service: Which examples are customer service messages (the in-domain
                ones when None); in-domain chit-chat (out_of_scope) is not.
        """
        if len(set(angry)) < 2:
            raise ValueError("anger training needs both angry and calm examples")
        clean = [normalise(t) for t in texts]
        words_of = tokens or [words(t) for t in clean]
        labels = np.asarray(angry, dtype=int)
        customer = np.asarray(in_domain if in_domain is not None else [True] * len(clean))
        general = ~customer
        two_domains = customer.any() and len(set(labels[general])) == 2
        general_threshold = None
        if threshold is None:
            # Folds stratified by label and domain, so each fold sees both kinds of text.
            strata = labels * 2 + customer
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=7)
            scores = np.zeros(len(clean))
            for train_idx, test_idx in folds.split(clean, strata):
                fold = cls._fit([clean[i] for i in train_idx], [words_of[i] for i in train_idx],
                                labels[train_idx], c, 0.5)
                scores[test_idx] = fold._scores([clean[i] for i in test_idx],
                                                [words_of[i] for i in test_idx])
            threshold = _choose_threshold(scores[customer], labels[customer])
            if two_domains:
                general_threshold = _best_f1_threshold(scores[general], labels[general])
        model = cls._fit(clean, words_of, labels, c, threshold)
        if general_threshold is not None:
            model.general_threshold = general_threshold
            service_of = np.asarray(service if service is not None else customer, dtype=bool)
            model.router = DomainRouter.train(clean, (service_of & customer).astype(int))
        return model

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

    def threshold_for(self, clean: str) -> float:
        """The customer threshold, or the general one for text that is not customer chat."""
        if self.router is None or self.general_threshold is None:
            return self.threshold
        return self.general_threshold if self.router.is_general(clean) else self.threshold

    def score(self, text: str, tokens: list[str] | None = None) -> AngerScore:
        """Anger of one message; text without Chinese scores 0.0 by contract."""
        clean = normalise(text)
        if not has_chinese(clean):
            return AngerScore(0.0, False)
        value = float(self._score_one(clean, tokens if tokens is not None else clean))
        return AngerScore(value, value >= self.threshold_for(clean))

    def _score_one(self, clean: str, document: str | list[str]) -> float:
        """``_scores`` for one message, without scikit-learn's per-call checks: the
        same feature blocks (characters, words, signals) side by side."""
        char_indices, char_weights = self._chars.transform(clean)
        word_indices, word_weights = self._words.transform(document)
        signal = signals(clean) * SIGNAL_WEIGHT
        indices = np.concatenate([char_indices, word_indices + self._offsets[1],
                                  np.arange(len(signal)) + self._offsets[2]])
        weights = np.concatenate([char_weights, word_weights, signal])
        return self._probabilities.probabilities(indices, weights)[1]

    def save(self, path: Path) -> None:
        joblib.dump({"vectorisers": self.vectorisers, "classifier": self.classifier,
                     "threshold": self.threshold, "general_threshold": self.general_threshold,
                     "router": self.router}, path)

    @classmethod
    def load(cls, path: Path) -> "AngerModel":
        state = joblib.load(path)
        return cls(state["vectorisers"], state["classifier"], state["threshold"],
                   state.get("general_threshold"), state.get("router"))
