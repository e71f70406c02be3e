"""One message scored without scikit-learn's per-call checks gives scikit-learn's numbers."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot.nlu.sparse_linear import OneDocumentProbabilities, OneDocumentTfidf, UnsupportedModel

TRAINING = [
    ("草莓烂了", "report_spoiled"), ("葡萄都坏了", "report_spoiled"), ("鸡蛋臭了", "report_spoiled"),
    ("鸡蛋碎了两个", "report_damaged"), ("箱子压扁了", "report_damaged"), ("瓶子破了", "report_damaged"),
    ("我的售后到哪了", "ask_case_status"), ("退款什么时候到", "ask_case_status"),
    ("你好", "greet"), ("在吗", "greet"), ("您好呀", "greet"),
]
PROBES = ["草莓坏了两盒", "你好，鸡蛋碎了", "", "？？？", "完全没见过的字", "ＡＢＣ", "x" * 500]


def _fitted(training: list[tuple[str, str]] = TRAINING, classifier: dict | None = None,
            **options) -> tuple[TfidfVectorizer, LogisticRegression]:
    texts, labels = zip(*training)
    vectoriser = TfidfVectorizer(**{"analyzer": "char_wb", "ngram_range": (1, 3),
                                    "sublinear_tf": True, **options})
    model = LogisticRegression(**{"C": 10.0, "max_iter": 1000, **(classifier or {})})
    model.fit(vectoriser.fit_transform(texts), labels)
    return vectoriser, model


@pytest.mark.parametrize("fitted", [
    {}, {"sublinear_tf": False}, {"norm": None},
    {"classifier": {"multi_class": "ovr"}},
    {"training": [pair for pair in TRAINING if pair[1] in ("greet", "report_spoiled")]},
], ids=["multinomial", "plain tf", "no norm", "one-vs-rest", "two classes"])
def test_the_probabilities_are_scikit_learns(fitted):
    vectoriser, classifier = _fitted(**fitted)
    features, model = OneDocumentTfidf(vectoriser), OneDocumentProbabilities(classifier)

    for text in PROBES + [text for text, _ in TRAINING]:
        expected = classifier.predict_proba(vectoriser.transform([text]))[0]
        assert np.allclose(model.probabilities(*features.transform(text)), expected,
                           rtol=0, atol=1e-12), text


def test_the_weights_are_scikit_learns_tf_idf_row():
    vectoriser, _ = _fitted()
    indices, weights = OneDocumentTfidf(vectoriser).transform("草莓烂了两盒草莓")
    row = vectoriser.transform(["草莓烂了两盒草莓"])

    assert list(indices) == sorted(row.indices)
    assert np.allclose(weights, row.toarray()[0][indices], rtol=0, atol=1e-15)


def test_options_it_does_not_reproduce_are_refused():
    vectoriser, _ = _fitted(binary=True)
    with pytest.raises(UnsupportedModel):
        OneDocumentTfidf(vectoriser)
