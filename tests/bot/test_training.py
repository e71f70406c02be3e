"""The model is retrained exactly when what shapes it changes."""
from __future__ import annotations

import shutil

from bot.settings import ROOT
from bot.training import INPUTS, current_model, fingerprint


def _copy_inputs(target):
    for name in INPUTS:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name)
        else:
            shutil.copy(source, target / name)


def test_the_fingerprint_is_stable_and_follows_the_training_data(tmp_path):
    _copy_inputs(tmp_path)
    before = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == before

    with (tmp_path / "data" / "nlu" / "extra.yml").open("w", encoding="utf-8") as handle:
        handle.write('version: "3.1"\nnlu:\n- intent: greet\n  examples: |\n    - 哈喽哈喽\n')

    assert fingerprint(tmp_path) != before


def test_the_model_file_is_named_by_the_fingerprint(tmp_path):
    _copy_inputs(tmp_path)

    assert current_model(tmp_path, tmp_path / "models").name == f"{fingerprint(tmp_path)}.tar.gz"
