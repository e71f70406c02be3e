"""Trains the Rasa model only when its inputs changed.

A model is named by a hash of everything that shapes it (config, domain, training
data, the code of our NLU components and policies, Rasa's version), so
``models/<hash>.tar.gz`` existing means it is current. Rasa's own training cache is
switched off: it keys on configuration, not code, and training takes under a minute.
"""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

INPUTS = ("config.yml", "domain.yml", "data", "bot/nlu", "bot/dialogue", "bot/quantity.py",
          "bot/choices.py")
MODELS_DIR = ROOT / "models"


def fingerprint(root: Path = ROOT) -> str:
    """A short hash of the model's inputs."""
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for name in INPUTS:
        path = root / name
        files = (sorted(p for p in path.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
                 if path.is_dir() else [path])
        for file in files:
            digest.update(str(file.relative_to(root)).encode() + b"\0")
            digest.update(file.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def current_model(root: Path = ROOT, models_dir: Path = MODELS_DIR) -> Path:
    return models_dir / f"{fingerprint(root)}.tar.gz"


def ensure_model(root: Path = ROOT, models_dir: Path = MODELS_DIR) -> Path:
    """The current model, training it first if it does not exist yet."""
    model = current_model(root, models_dir)
    if model.exists():
        return model
    models_dir.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--fixed-model-name", model.name[: -len(".tar.gz")],
         "--out", str(models_dir), "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--quiet"],
        cwd=root, check=True, env={**os.environ, "RASA_MAX_CACHE_SIZE": "0"},
    )
    return model
