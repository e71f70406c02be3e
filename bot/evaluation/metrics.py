"""Classification figures: precision, recall, F1, confusions, percentiles."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass


@dataclass(frozen=True)
class Scores:
    precision: float
    recall: float
    f1: float
    support: int


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def per_label(gold: list[str], predicted: list[str], labels: list[str]) -> dict[str, Scores]:
    """Precision, recall and F1 of every label in ``labels``."""
    result = {}
    for label in labels:
        tp = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
        predicted_n = sum(p == label for p in predicted)
        gold_n = sum(g == label for g in gold)
        precision = tp / predicted_n if predicted_n else 0.0
        recall = tp / gold_n if gold_n else 0.0
        result[label] = Scores(precision, recall, _f1(precision, recall), gold_n)
    return result


def macro_f1(scores: dict[str, Scores]) -> float:
    return sum(s.f1 for s in scores.values()) / len(scores) if scores else 0.0


def confusions(gold: list[str], predicted: list[str], top: int = 15) -> list[tuple[str, str, int]]:
    """The most frequent (gold, predicted) mistakes."""
    pairs = Counter((g, p) for g, p in zip(gold, predicted, strict=True) if g != p)
    return [(g, p, n) for (g, p), n in pairs.most_common(top)]


def binary(gold: list[bool], predicted: list[bool]) -> Scores:
    """Scores of the positive class."""
    tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
    precision = tp / sum(predicted) if any(predicted) else 0.0
    recall = tp / sum(gold) if any(gold) else 0.0
    return Scores(precision, recall, _f1(precision, recall), sum(gold))


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100), nearest-rank."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(math.ceil(q / 100 * len(ordered)) - 1, 0)
    return ordered[min(rank, len(ordered) - 1)]
