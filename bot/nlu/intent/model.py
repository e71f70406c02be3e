"""The intent model: TF-IDF character n-grams and multinomial logistic regression.

Characters are the robust unit for short, noisy Chinese chat: they survive typos,
homophones, dialect, unseen product names and words the tokeniser splits badly.
"""
from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.normalise import normalise
from bot.nlu.sparse_linear import OneDocumentProbabilities, OneDocumentTfidf


class IntentModel:
    """Ranks intents for a message, with probabilities that sum to one."""

    def __init__(self, vectoriser: TfidfVectorizer, classifier: LogisticRegression) -> None:
        self.vectoriser = vectoriser
        self.classifier = classifier
        self.intents = [str(name) for name in classifier.classes_]
        self._features = OneDocumentTfidf(vectoriser)
        self._probabilities = OneDocumentProbabilities(classifier)

    @classmethod
    def train(cls, texts: list[str], intents: list[str], c: float = 10.0,
              max_ngram: int = 3) -> "IntentModel":
        if len(set(intents)) < 2:
            raise ValueError("intent training needs at least two intents")
        vectoriser = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, max_ngram),
                                     sublinear_tf=True)
        features = vectoriser.fit_transform([normalise(t) for t in texts])
        classifier = LogisticRegression(C=c, max_iter=5000)
        classifier.fit(features, intents)
        return cls(vectoriser, classifier)

    def rank(self, text: str, top: int = 10) -> list[tuple[str, float]]:
        """The ``top`` most likely intents, most likely first."""
        probabilities = self._probabilities.probabilities(*self._features.transform(normalise(text)))
        order = np.argsort(probabilities)[::-1][:top]
        return [(self.intents[i], float(probabilities[i])) for i in order]

    def save(self, path: Path) -> None:
        joblib.dump({"vectoriser": self.vectoriser, "classifier": self.classifier}, path)

    @classmethod
    def load(cls, path: Path) -> "IntentModel":
        state = joblib.load(path)
        return cls(state["vectoriser"], state["classifier"])
