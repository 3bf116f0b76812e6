"""A training run killed with SIGKILL and resumed writes the same bytes as one never interrupted.

DVC compares bytes: a resumed ``train`` whose ``model.pt`` differed (even in how pickle shared equal
strings) would re-run ``evaluate`` and ``convert`` and record another checkpoint hash.
"""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from dexgen.hashing import sha256_file
from dexgen.learn.stages import train_task

from .conftest import small_setup

SRC = str(Path(__file__).resolve().parents[2] / "src")

# The child trains three epochs; once epoch 1's resume checkpoint is on disk it signals the parent
# (a marker file) from inside epoch 2 and waits there to be killed.
CHILD = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    import torch
    torch.set_num_threads({threads})  # the parent's: float sums differ with the thread count
    sys.path.insert(0, {tests!r})
    import dexgen.learn.train as train_mod
    from dexgen.learn.stages import train_task
    from learn.conftest import small_setup

    real = train_mod._train_epoch
    def slow(setup, data, model, optimizer, epoch):
        if epoch == 1:
            Path({marker!r}).write_text("epoch 1 saved")
            time.sleep(600)
        return real(setup, data, model, optimizer, epoch)
    train_mod._train_epoch = slow
    train_task({data!r}, {root!r} + "/model", {root!r} + "/live", setup=small_setup(epochs=3),
               cache_dir={root!r} + "/cache", resume_dir={root!r} + "/resume")
    """
)

DECLARED = ("model/model.pt", "model/split/val_indices.npz", "live/metrics.json", "live/plots/metrics/lr.tsv")


def _train(tiny_pj, root: Path) -> None:
    train_task(
        tiny_pj,
        root / "model",
        root / "live",
        setup=small_setup(epochs=3),
        cache_dir=root / "cache",
        resume_dir=root / "resume",
    )


def _kill_in_epoch_2(tiny_pj, root: Path) -> None:
    marker = root / "killed-here"
    import torch

    script = CHILD.format(
        tests=str(Path(__file__).resolve().parents[1]),
        marker=str(marker),
        data=str(tiny_pj),
        root=str(root),
        threads=torch.get_num_threads(),
    )
    env = {**os.environ, "PYTHONPATH": SRC + os.pathsep + os.environ.get("PYTHONPATH", "")}
    child = subprocess.Popen([sys.executable, "-c", script], env=env)
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            if child.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"training child ended or stalled before epoch 2 (rc {child.returncode})")
            time.sleep(0.05)
        os.kill(child.pid, signal.SIGKILL)
    finally:
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert (root / "resume" / "last.pt").is_file() and not (root / "model" / "model.pt").exists()


@pytest.mark.slow
def test_training_killed_mid_run_resumes_to_the_same_bytes(tiny_pj, tmp_path):
    _train(tiny_pj, tmp_path / "whole")
    _kill_in_epoch_2(tiny_pj, tmp_path / "killed")
    _train(tiny_pj, tmp_path / "killed")  # `dvc repro` after the kill: the same command again
    for name in DECLARED:
        assert sha256_file(tmp_path / "whole" / name) == sha256_file(tmp_path / "killed" / name), name
    for folder in ("model", "live"):  # every file train declares, not only the ones named above
        whole = {
            p.relative_to(tmp_path / "whole"): p.read_bytes()
            for p in (tmp_path / "whole" / folder).rglob("*")
            if p.is_file()
        }
        killed = {
            p.relative_to(tmp_path / "killed"): p.read_bytes()
            for p in (tmp_path / "killed" / folder).rglob("*")
            if p.is_file()
        }
        assert whole == killed, folder


def test_checkpoint_bytes_depend_on_values_not_string_sharing(tmp_path):
    """The defect in miniature: the same history, once with shared key strings and once with copies."""
    import torch

    from dexgen.learn.checkpoint import build_model, load_checkpoint, save_checkpoint

    setup = small_setup()
    model = build_model("DexNetGQCNN", setup.model_args, seed=0, key="x")
    key = "".join(["ep", "och"])  # one string object, as a run never interrupted shares it
    shared = [{key: 1, "loss": 0.5}, {key: 2, "loss": 0.25}]
    copied = [{"".join(["ep", "och"]): 1, "loss": 0.5}, {"".join(["e", "poch"]): 2, "loss": 0.25}]
    state = model.state_dict()  # an OrderedDict with _metadata: kept as it is
    for name, history in (("shared", shared), ("copied", copied)):
        save_checkpoint(
            tmp_path / f"{name}.pt",
            model_name="DexNetGQCNN",
            model_args=setup.model_args,
            state_dict=state,
            history=history,
            epoch=2,
        )
    assert (tmp_path / "shared.pt").read_bytes() == (tmp_path / "copied.pt").read_bytes()
    loaded = torch.load(tmp_path / "shared.pt", weights_only=True)["state_dict"]
    assert type(loaded) is type(state) and loaded._metadata == state._metadata
    assert load_checkpoint(tmp_path / "copied.pt")["history"] == shared
