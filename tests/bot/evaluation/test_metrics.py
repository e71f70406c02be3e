"""The figures make eval prints."""
from __future__ import annotations

import pytest

from bot.evaluation.datasets import Example
from bot.evaluation.metrics import binary, confusions, macro_f1, per_label, percentile
from bot.evaluation.report import render
from bot.evaluation.run import Parsed


def test_per_label_precision_recall_f1():
    gold = ["a", "a", "b", "b"]
    predicted = ["a", "b", "b", "b"]

    scores = per_label(gold, predicted, ["a", "b"])

    assert (scores["a"].precision, scores["a"].recall) == (1.0, 0.5)
    assert scores["b"].precision == pytest.approx(2 / 3) and scores["b"].recall == 1.0
    assert macro_f1(scores) == pytest.approx((2 / 3 + 0.8) / 2)


def test_a_label_never_predicted_scores_zero_not_an_error():
    assert per_label(["a"], ["b"], ["a"])["a"].f1 == 0.0


def test_confusions_are_counted_most_frequent_first():
    assert confusions(["a", "a", "a", "b"], ["b", "b", "c", "b"]) == [("a", "b", 2), ("a", "c", 1)]


def test_binary_scores_of_the_positive_class():
    scores = binary([True, True, False, False], [True, False, True, False])

    assert (scores.precision, scores.recall, scores.support) == (0.5, 0.5, 2)


@pytest.mark.parametrize(("q", "expected"), [(50, 5), (99, 10), (100, 10), (0, 1)])
def test_nearest_rank_percentiles(q, expected):
    assert percentile(list(range(1, 11)), q) == expected


def test_the_report_names_every_figure_the_issue_asks_for():
    intents = [Example("你好", "greet"), Example("拜拜", "goodbye")]
    anger = [Example("垃圾！", "angry"), Example("草莓烂了", "calm_complaint")]
    parsed = [Parsed("greet", 0.0, False, 5.0), Parsed("greet", 0.0, False, 7.0)]
    parsed_anger = [Parsed("report_spoiled", 0.9, True, 6.0), Parsed("report_spoiled", 0.1, False, 8.0)]

    text = render(model="models/x.tar.gz", intents=intents, parsed_intents=parsed, intents_dropped=1,
                  anger=anger, parsed_anger=parsed_anger, anger_dropped=0, smp=None, parsed_smp=None)

    for needle in ("macro-F1", "goodbye -> greet: 1", "false anger on calm complaints: 0.0%",
                   "SMP2020", "absent", "p50", "p99", "1 dropped"):
        assert needle in text
