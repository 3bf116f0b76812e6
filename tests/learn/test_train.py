"""Training: learns a simple depth rule, is deterministic from the seed, resumes exactly."""

import logging
import os
import shutil

import pytest
import torch
from dvclive import Live

from dexgen.errors import InputError
from dexgen.hashing import sha256_file
from dexgen.learn.checkpoint import build_model, load_checkpoint, model_from_checkpoint, save_checkpoint
from dexgen.learn.data import load_task_data
from dexgen.learn.stages import train_task
from dexgen.learn.train import lr_at, train

from .conftest import small_setup


def run(tiny_pj, tmp_path, setup, name):
    data = load_task_data(
        tiny_pj,
        cache_dir=tmp_path / "cache",
        task=setup.task,
        cfg=setup.task_cfg,
        seed=setup.seed,
        split_out=tmp_path / name / "split",
    )
    model = build_model(setup.model_name, setup.model_args, seed=setup.seed, key=setup.task)
    with Live(str(tmp_path / name / "live"), dvcyaml=False, save_dvc_exp=False) as live:
        metrics = train(setup, data, model, live, checkpoint_dir=tmp_path / "resume" / name)
    return model, metrics


def test_learns_the_depth_rule_deterministically(tiny_pj, tmp_path):
    model_a, metrics = run(tiny_pj, tmp_path, small_setup(epochs=4), "a")
    assert metrics["val/accuracy_at_0.5"] > 0.95
    assert metrics["train/loss"] < 0.69  # below chance (ln 2)
    assert metrics["device"] == "cpu"
    model_b, _ = run(tiny_pj, tmp_path, small_setup(epochs=4), "b")
    for (k, va), vb in zip(model_a.state_dict().items(), model_b.state_dict().values()):
        assert torch.equal(va, vb), k


def test_resume_continues_exactly(tiny_pj, tmp_path, caplog):
    full, full_metrics = run(tiny_pj, tmp_path, small_setup(epochs=2), "full")
    run(tiny_pj, tmp_path, small_setup(epochs=1), "part")
    with caplog.at_level(logging.INFO, logger="dexgen.learn.train"):
        resumed, metrics = run(tiny_pj, tmp_path, small_setup(epochs=2), "part")  # same resume dir
    assert "resuming parallel_jaw from epoch 1" in caplog.text
    for (k, va), vb in zip(full.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(va, vb), k
    assert metrics == full_metrics  # nothing in the metrics tells a resumed run from an uninterrupted one


def test_resume_ignores_a_checkpoint_of_another_config(tiny_pj, tmp_path, caplog):
    run(tiny_pj, tmp_path, small_setup(epochs=1), "x")
    with caplog.at_level(logging.INFO, logger="dexgen.learn.train"):
        run(tiny_pj, tmp_path, small_setup(epochs=1, lr=0.02), "x")
    assert "belongs to another configuration" in caplog.text and "resuming" not in caplog.text


def test_train_task_writes_a_complete_checkpoint(tiny_pj, tmp_path):
    setup = small_setup(epochs=1)
    setup = type(setup)(**{**setup.__dict__, "device": "auto"})
    kw = dict(setup=setup, cache_dir=tmp_path / "cache")
    metrics = train_task(tiny_pj, tmp_path / "m1", tmp_path / "l1", resume_dir=tmp_path / "r1", **kw)
    assert metrics["device"] == ("cuda" if torch.cuda.is_available() else "cpu")
    # the same data checked out again elsewhere (new paths, new mtimes: a fresh clone after `dvc pull`)
    copy = tmp_path / "checked-out-again"
    shutil.copytree(tiny_pj, copy)
    for path in copy.rglob("*"):
        os.utime(path, ns=(1, 1))
    train_task(copy, tmp_path / "m2", tmp_path / "l2", resume_dir=tmp_path / "r2", **kw)
    for declared in ("m1/model.pt", "m1/split/val_indices.npz", "l1/metrics.json", "l1/plots/metrics/lr.tsv"):
        other = declared.replace("m1", "m2").replace("l1", "l2")
        assert sha256_file(tmp_path / declared) == sha256_file(tmp_path / other), declared
    record = load_checkpoint(tmp_path / "m1" / "model.pt", expected_model="DexNetGQCNN")
    for key in (
        "state_dict",
        "model_args",
        "config",
        "stats",
        "params_hash",
        "seed",
        "code_version",
        "history",
    ):
        assert key in record
    assert "optimizer" not in record
    model, stats = model_from_checkpoint(record)
    assert stats.im_std > 0.01  # metres; the 8x bug would give ~0.005 here
    assert (tmp_path / "m1" / "split" / "val_indices.npz").is_file()
    assert (tmp_path / "l1" / "metrics.json").is_file()


def test_checkpoint_of_another_architecture_is_refused(tmp_path):
    setup = small_setup()
    model = build_model("DexNetGQCNN", setup.model_args, seed=0, key="x")
    save_checkpoint(
        tmp_path / "m.pt",
        model_name="DexNetGQCNN",
        model_args=setup.model_args,
        state_dict=model.state_dict(),
        stats={},
    )
    with pytest.raises(InputError, match="holds a DexNetGQCNN, expected a EfficientNet"):
        load_checkpoint(tmp_path / "m.pt", expected_model="EfficientNet")
    with pytest.raises(InputError, match="checkpoint not found"):
        load_checkpoint(tmp_path / "nope.pt")


def test_step_schedule_is_gqcnn_staircase():
    cfg = small_setup().optim  # lr 0.01, x0.95 every 0.66 epoch
    assert lr_at(cfg, 0, 100) == 0.01
    assert lr_at(cfg, 65, 100) == 0.01
    assert lr_at(cfg, 66, 100) == pytest.approx(0.0095)
    assert lr_at(cfg, 132, 100) == pytest.approx(0.01 * 0.95**2)


def test_a_changed_training_code_never_resumes_an_old_run(tiny_pj, tmp_path, monkeypatch, caplog):
    from dexgen.learn import train as train_mod

    run(tiny_pj, tmp_path, small_setup(epochs=1), "x")
    monkeypatch.setattr(train_mod, "code_hash", lambda module: "edited")
    with caplog.at_level(logging.INFO, logger="dexgen.learn.train"):
        run(tiny_pj, tmp_path, small_setup(epochs=1), "x")
    assert "belongs to another configuration" in caplog.text and "resuming" not in caplog.text
