"""The model is retrained exactly when what shapes it changes."""
from __future__ import annotations

import shutil

from bot.settings import ROOT
from bot.training import INPUTS, current_model, fingerprint


def _copy_inputs(target):
    for name in INPUTS:
        source, copy = ROOT / name, target / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, copy, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, copy)


def test_the_fingerprint_is_stable_and_follows_the_training_data(tmp_path):
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before

    with (tmp_path / "data" / "nlu" / "extra.yml").open("w", encoding="utf-8") as handle:
        handle.write('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 哈喽哈喽\n')

    assert fingerprint(tmp_path) != before


def test_a_change_to_an_nlu_component_means_a_new_model(tmp_path):
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)

    with (tmp_path / "bot" / "nlu" / "normalise.py").open("a", encoding="utf-8") as handle:
        handle.write("\n# changed\n")

    assert fingerprint(tmp_path) != before


def test_the_model_file_is_named_by_the_fingerprint(tmp_path):
    _copy_inputs(tmp_path)

    assert current_model(tmp_path, tmp_path / "models").name == f"{fingerprint(tmp_path)}.tar.gz"
