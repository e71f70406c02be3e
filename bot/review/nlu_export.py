"""Reviewed examples: leads' "wrong understanding" marks as Rasa NLU training data.

The result is a YAML file in Rasa's training-data format (``version: "3.1"``, ``nlu:``
with one ``intent`` block per corrected intent) that a developer can drop into
``data/nlu/`` as it is. Texts already in the training data for that intent are left out.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.review import AnnotationKind, ReviewAnnotation

HEADER = "# Reviewed examples: customer messages support leads marked as misunderstood.\n"
MAX_EXAMPLE = 300


def example_text(text: str) -> str:
    """One line, without the brackets Rasa would read as entity annotations."""
    line = " ".join(text.split())[:MAX_EXAMPLE]
    return line.replace("[", "［").replace("]", "］")


def reviewed_examples(session: Session) -> dict[str, list[str]]:
    """Corrected texts by the intent leads picked, oldest mark first, without repeats."""
    marks = session.scalars(
        select(ReviewAnnotation).where(ReviewAnnotation.kind == AnnotationKind.WRONG_INTENT,
                                       ReviewAnnotation.removed_at.is_(None))
        .order_by(ReviewAnnotation.id))
    by_intent: dict[str, dict[str, None]] = defaultdict(dict)
    for mark in marks:
        text = example_text(mark.message_text or "")
        if text and mark.correct_intent:
            by_intent[mark.correct_intent][text] = None
    return {intent: list(texts) for intent, texts in sorted(by_intent.items())}


def training_examples(nlu_dir: Path) -> dict[str, set[str]]:
    """The example texts of each intent in the YAML files under ``nlu_dir``."""
    known: dict[str, set[str]] = defaultdict(set)
    for path in sorted(nlu_dir.rglob("*.yml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for block in data.get("nlu") or []:
            if isinstance(block, dict) and block.get("intent") \
                    and isinstance(block.get("examples"), str):
                known[block["intent"]] |= {line.strip()[2:].strip()
                                           for line in block["examples"].splitlines()
                                           if line.strip().startswith("- ")}
    return known


def to_yaml(examples: dict[str, list[str]],
            known: dict[str, Iterable[str]] | None = None) -> str:
    """Rasa NLU YAML for ``examples``, leaving out texts ``known`` has for the intent."""
    lines = [HEADER, 'version: "3.1"\n', "nlu:\n"]
    for intent, texts in examples.items():
        seen = {example_text(text) for text in (known or {}).get(intent, ())}
        fresh = [text for text in texts if text not in seen]
        if not fresh:
            continue
        lines.append(f"- intent: {intent}\n  examples: |\n")
        lines.extend(f"    - {text}\n" for text in fresh)
    if len(lines) == 3:
        lines[2] = "nlu: []\n"
    return "".join(lines)
