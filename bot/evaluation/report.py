"""The printed ``make eval`` report."""
from __future__ import annotations

from pathlib import Path

from bot.evaluation.datasets import Example
from bot.evaluation.metrics import (
    Scores,
    binary,
    confusions,
    macro_f1,
    per_label,
    percentile,
)
from bot.nlu.contract import CONTRACT_INTENTS

TARGETS = ("Targets: intent macro-F1 >= 0.95, every contract intent >= 0.90; anger F1 >= 0.90 "
           "in-domain, false anger on calm complaints <= 3%, F1 >= 0.75 on SMP2020; "
           "parse p50 <= 15 ms, p99 <= 50 ms.")


def _row(name: str, s: Scores) -> str:
    return f"  {name:<22}{s.precision:>9.3f}{s.recall:>9.3f}{s.f1:>9.3f}{s.support:>9}"


def _anger_lines(title: str, gold: list[bool], parsed) -> list[str]:
    scores = binary(gold, [p.is_angry for p in parsed])
    return [f"{title}: precision {scores.precision:.3f}  recall {scores.recall:.3f}  "
            f"F1 {scores.f1:.3f}  (angry {scores.support} of {len(gold)})"]


def render(*, model: Path, intents: list[Example], parsed_intents, intents_dropped: int,
           anger: list[Example], parsed_anger, anger_dropped: int,
           smp: list[Example] | None, parsed_smp) -> str:
    gold = [e.label for e in intents]
    predicted = [p.intent for p in parsed_intents]
    scores = per_label(gold, predicted, list(CONTRACT_INTENTS))
    lines = [f"NLU evaluation of {model}", TARGETS, "",
             f"Intents: {len(intents)} held-out messages"
             + (f" ({intents_dropped} dropped: also in training data)" if intents_dropped else ""),
             f"  {'intent':<22}{'precision':>9}{'recall':>9}{'F1':>9}{'support':>9}"]
    lines += [_row(name, scores[name]) for name in CONTRACT_INTENTS]
    below = [name for name in CONTRACT_INTENTS if scores[name].f1 < 0.90]
    accuracy = sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(len(gold), 1)
    lines += [f"  macro-F1 {macro_f1(scores):.3f}   accuracy {accuracy:.3f}   "
              f"below 0.90: {', '.join(below) or 'none'}", "", "Most frequent confusions (gold -> predicted):"]
    lines += [f"  {g} -> {p}: {n}" for g, p, n in confusions(gold, predicted)] or ["  none"]

    angry_gold = [e.label == "angry" for e in anger]
    calm_complaints = [p for e, p in zip(anger, parsed_anger, strict=True) if e.label == "calm_complaint"]
    false_anger = sum(p.is_angry for p in calm_complaints) / max(len(calm_complaints), 1)
    lines += ["", f"Anger: {len(anger)} held-out messages"
              + (f" ({anger_dropped} dropped: also in training data)" if anger_dropped else "")]
    lines += _anger_lines("  in-domain (angry vs calm)", angry_gold, parsed_anger)
    lines += [f"  false anger on calm complaints: {false_anger:.1%} "
              f"({sum(p.is_angry for p in calm_complaints)} of {len(calm_complaints)})"]
    if smp is None:
        lines += ["  SMP2020: ../shared/data/smp2020_ewect_usual_eval.json is absent; not measured"]
    else:
        lines += _anger_lines(f"  SMP2020-EWECT general Weibo ({len(smp)} posts)",
                              [e.label == "angry" for e in smp], parsed_smp)

    timings = [p.millis for p in (*parsed_intents, *parsed_anger, *(parsed_smp or ()))]
    lines += ["", f"Parse latency through POST /model/parse ({len(timings)} messages, one client): "
              f"p50 {percentile(timings, 50):.1f} ms, p99 {percentile(timings, 99):.1f} ms, "
              f"max {max(timings, default=0):.1f} ms"]
    return "\n".join(lines)
