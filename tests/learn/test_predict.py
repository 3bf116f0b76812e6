"""``dexgen predict`` scores a dataset with a checkpoint exactly as evaluation does."""

from __future__ import annotations

import json

import numpy as np
import pytest

from dexgen.cli.main import main
from dexgen.errors import InputError
from dexgen.inference.predict import predict
from dexgen.learn.setup import TrainSetup
from dexgen.learn.stages import train_task
from dexgen.params.learn import OptimConfig, TaskConfig
from dexgen.params.models import GQCNNConfig


@pytest.fixture(scope="module")
def trained(tiny_pj, tmp_path_factory):
    root = tmp_path_factory.mktemp("predict")
    train_task(
        tiny_pj,
        root / "model",
        root / "live",
        setup=TrainSetup(
            task="parallel_jaw",
            model_name="DexNetGQCNN",
            model_args=GQCNNConfig(filters=8, fc3_size=32, fc4_size=32),
            optim=OptimConfig(epochs=2, batch_size=64, eval_batch_size=512),
            task_cfg=TaskConfig(threshold=0.002),
            seed=5,
            device="cpu",
        ),
        cache_dir=root / "cache",
        resume_dir=root / "resume",
    )
    return root / "model" / "model.pt"


def test_val_rows_score_above_chance_and_match_all_rows(trained, tiny_pj, tmp_path):
    val = predict(trained, tiny_pj, cache_dir=tmp_path, rows="val", device="cpu")
    every = predict(trained, tiny_pj, cache_dir=tmp_path, rows="all", device="cpu")
    assert len(every.scores) == 1500 and len(val.scores) < 1500
    np.testing.assert_allclose(every.scores[val.indices], val.scores, atol=1e-6)
    assert val.metrics["roc_auc"] > 0.8


def test_cli_writes_scores(trained, tiny_pj, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "scores.npy"
    assert main(["predict", str(trained), str(tiny_pj), "--out", str(out), "--device", "cpu"]) == 0
    scores = np.load(out)
    assert scores.shape == (1500,) and ((scores >= 0) & (scores <= 1)).all()
    assert json.loads(capsys.readouterr().out)["rows"] == 1500


def test_missing_checkpoint_is_a_clear_error(tmp_path, tiny_pj):
    with pytest.raises(InputError, match=r"model\.pt: checkpoint not found"):
        predict(tmp_path / "model.pt", tiny_pj, cache_dir=tmp_path)
