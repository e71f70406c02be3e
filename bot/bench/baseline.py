"""The plain-Rasa baseline (``bench/baseline/``): a minimal project, trained once and
cached under a hash of its files and Rasa's version, served by ``rasa run`` with Rasa's
defaults (in-memory tracker and lock stores, no action server)."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from bot.settings import ROOT

PROJECT = ROOT / "bench" / "baseline"
MODELS = PROJECT / "models"
FILES = ("config.yml", "domain.yml", "data/nlu.yml", "data/rules.yml")


def fingerprint(project: Path = PROJECT) -> str:
    import rasa

    digest = hashlib.sha256(f"rasa {rasa.__version__}\n".encode())
    for name in FILES:
        digest.update(name.encode() + b"\0" + (project / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_model(project: Path = PROJECT) -> Path:
    """The baseline's model, trained first if its files changed."""
    models = project / "models"
    model = models / f"baseline-{fingerprint(project)}.tar.gz"
    if model.exists():
        return model
    models.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "rasa", "train", "--fixed-model-name", model.name[:-len(".tar.gz")],
         "--out", str(models), "--config", "config.yml", "--domain", "domain.yml",
         "--data", "data", "--quiet"],
        cwd=project, check=True, env={**os.environ, "RASA_MAX_CACHE_SIZE": "0"},
        stdout=subprocess.DEVNULL)
    return model


def serve_command(model: Path, port: int, project: Path = PROJECT) -> list[str]:
    """``rasa run`` for the baseline on loopback (run it with ``cwd=project``)."""
    return [sys.executable, "-m", "rasa", "run", "--model", str(model), "--port", str(port),
            "--interface", "127.0.0.1", "--credentials", str(project / "credentials.yml")]
