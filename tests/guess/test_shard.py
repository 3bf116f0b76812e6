"""The shard runner: identical bytes on re-run, resume, provenance, shortfall summary, stage script."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import yaml

from dexgen.errors import ConfigError
from dexgen.guess import shard as shard_mod
from dexgen.guess.shard import guess_shard
from dexgen.hashing import sha256_file
from dexgen.params.guess import GuessConfig
from dexgen.records.guesses import read_guesses

from .conftest import analytic, write_shard

CFG = GuessConfig(
    num_collision_free_grasps=8,
    num_colliding_grasps=4,
    num_random_poses=2,
    max_attempts=3000,
    max_pictures=1,
    workers=1,
)
ROOT = Path(__file__).resolve().parents[2]


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_two_runs_identical_bytes_any_worker_count(shard, tmp_path):
    guess_shard(shard, tmp_path / "a", config=CFG, seed=5, progress=False)
    guess_shard(shard, tmp_path / "b", config=dataclasses.replace(CFG, workers=2), seed=5, progress=False)
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert sorted(a) == ["box.npz", "cylinder.npz", "pictures/box.png", "summary.json", "too_wide.npz"]
    assert a == b


def test_output_contents_and_provenance(shard, tmp_path):
    summary = guess_shard(shard, tmp_path / "out", config=CFG, seed=5, progress=False)
    arrays, meta = read_guesses(tmp_path / "out" / "box.npz", record=None)
    n = len(arrays["labels"])
    assert arrays["poses"].shape == (n, 4, 4) and arrays["contacts"].shape == (n, 2, 3)
    assert arrays["labels"].dtype == np.int8 and meta["labels"] == ["collision_free", "colliding", "random"]
    prov = meta["provenance"]
    assert prov["seed"] == 5 and prov["stage"] == "guess" and prov["params_hash"] == CFG.output_hash()
    assert prov["mesh_sha256"] == sha256_file(shard / "box.ply")
    assert len(prov["gripper_sha256"]) == 64
    with np.load(tmp_path / "out" / "box.npz") as npz:  # plain numpy reads it too
        assert np.array_equal(npz["poses"], arrays["poses"])
    assert summary["shortfall_objects"] == ["too_wide"]
    assert summary["objects"][2]["shortfall"]["collision_free"] == 8


def test_seed_changes_output(shard, tmp_path):
    guess_shard(shard, tmp_path / "a", config=CFG, seed=5, progress=False)
    guess_shard(shard, tmp_path / "b", config=CFG, seed=6, progress=False)
    assert (tmp_path / "a" / "box.npz").read_bytes() != (tmp_path / "b" / "box.npz").read_bytes()


def test_resume_skips_finished_objects(shard, tmp_path, monkeypatch):
    out = tmp_path / "out"
    guess_shard(shard, out, config=CFG, seed=5, progress=False)
    before = _files(out)
    (out / "cylinder.npz").rename(out / "stale.npz")  # a guess file of an object that left the shard
    # and cylinder's is gone, as if interrupted before this object
    done = []
    real = shard_mod.GuessWork.__call__
    monkeypatch.setattr(
        shard_mod.GuessWork, "__call__", lambda self, unit: done.append(unit.key) or real(self, unit)
    )
    guess_shard(shard, out, config=CFG, seed=5, progress=False)
    assert done == ["cylinder"]
    assert _files(out) == before
    # a params change that alters outputs redoes everything; one that does not (workers) redoes nothing
    done.clear()
    guess_shard(shard, out, config=dataclasses.replace(CFG, workers=3), seed=5, progress=False)
    assert done == []
    guess_shard(shard, out, config=dataclasses.replace(CFG, friction_coef=0.4), seed=5, progress=False)
    assert sorted(done) == ["box", "cylinder", "too_wide"]


def test_suction_gripper_refused(shard, tmp_path):
    with pytest.raises(ConfigError, match="parallel-jaw"):
        guess_shard(shard, tmp_path / "out", config=dataclasses.replace(CFG, gripper="suction_30mm"), seed=1)


def test_offsets_off_the_pads_refused(shard, tmp_path):
    cfg = dataclasses.replace(CFG, gripper="franka_panda", depth_offset_range=(0.0, 0.05))
    with pytest.raises(ConfigError, match="off the pads of franka_panda"):
        guess_shard(shard, tmp_path / "out", config=cfg, seed=1)


def test_stage_script(tmp_path):
    objects = write_shard(tmp_path / "data" / "objects" / "shard-00", {"box": analytic("box")})
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "seed": 3,
                "guess": {
                    "gripper": "franka_panda",
                    "num_collision_free_grasps": 4,
                    "num_colliding_grasps": 2,
                    "workers": 1,
                },
            }
        )
    )
    spec = importlib.util.spec_from_file_location("guess_stage", ROOT / "stages" / "guess.py")
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    out = tmp_path / "data" / "guesses" / "franka_panda" / "shard-00"
    assert (
        stage.main(["--objects", str(objects), "--out", str(out), "--params", str(params), "--no-progress"])
        == 0
    )
    _, meta = read_guesses(out / "box.npz", record=None)
    assert meta["gripper"]["name"] == "franka_panda" and meta["stats"]["found"]["collision_free"] == 4
    params.write_text(yaml.safe_dump({"seed": 3, "guess": {"num_colision_free_grasps": 4}}))
    assert stage.main(["--objects", str(objects), "--out", str(out), "--params", str(params)]) == 1


def test_files_made_by_other_code_are_redone(shard, tmp_path, monkeypatch):
    """The package version never changes between commits: the provenance's code hash does, so a stage
    DVC re-runs after a code edit recomputes its objects instead of trusting the old files."""
    from dexgen import provenance as provenance_mod

    out = tmp_path / "out"
    guess_shard(shard, out, config=CFG, seed=5, progress=False)
    done = []
    real = shard_mod.GuessWork.__call__
    monkeypatch.setattr(
        shard_mod.GuessWork, "__call__", lambda self, unit: done.append(unit.key) or real(self, unit)
    )
    monkeypatch.setattr(provenance_mod, "code_hash", lambda module: "edited " + module)
    guess_shard(shard, out, config=CFG, seed=5, progress=False)
    assert sorted(done) == ["box", "cylinder", "too_wide"]
