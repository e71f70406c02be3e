"""The evaluation data: held-out intents and anger labels, and SMP2020 when present."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.nlu.normalise import normalise
from bot.settings import ROOT

HELDOUT_NLU = ROOT / "eval" / "heldout_nlu.yml"
HELDOUT_ANGER = ROOT / "eval" / "heldout_anger.yml"
SMP2020 = ROOT.parent / "shared" / "data" / "smp2020_ewect_usual_eval.json"
TRAINING_DATA = ROOT / "data"
ANGER_LABELS = ("angry", "calm_complaint", "calm_other")


@dataclass(frozen=True)
class Example:
    text: str
    label: str


def _training_texts() -> set[str]:
    from rasa.shared.data import is_nlu_file
    from rasa.shared.nlu.training_data.loading import load_data

    texts: set[str] = set()
    for path in sorted(TRAINING_DATA.rglob("*.yml")):
        if is_nlu_file(str(path)):
            texts |= {normalise(m.get("text")) for m in load_data(str(path)).training_examples
                      if m.get("text")}
    return texts


def _unseen(examples: list[Example], seen: set[str]) -> tuple[list[Example], int]:
    kept = [e for e in examples if normalise(e.text) not in seen]
    return kept, len(examples) - len(kept)


def heldout_intents(seen: set[str] | None = None) -> tuple[list[Example], int]:
    """Held-out intent examples not also in the training data, and how many were dropped."""
    from rasa.shared.nlu.training_data.loading import load_data

    examples = [Example(m.get("text"), m.get("intent"))
                for m in load_data(str(HELDOUT_NLU)).training_examples]
    return _unseen(examples, _training_texts() if seen is None else seen)


def heldout_anger(seen: set[str] | None = None) -> tuple[list[Example], int]:
    """Held-out anger examples (labels: angry, calm_complaint, calm_other)."""
    data = yaml.safe_load(HELDOUT_ANGER.read_text(encoding="utf-8"))
    examples = [Example(text, label) for label in ANGER_LABELS for text in data.get(label) or []]
    return _unseen(examples, _training_texts() if seen is None else seen)


def smp2020(path: Path = SMP2020) -> list[Example] | None:
    """SMP2020-EWECT posts labelled angry / not_angry, or ``None`` if the file is absent."""
    if not path.exists():
        return None
    posts = json.loads(path.read_text(encoding="utf-8"))
    return [Example(p["content"], "angry" if p["label"] == "angry" else "not_angry") for p in posts]


def training_texts() -> set[str]:
    """Normalised texts of every training example (to keep held-out data unseen)."""
    return _training_texts()
