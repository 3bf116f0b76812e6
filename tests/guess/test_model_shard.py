"""The guess stage with the real Robotiq 2F-85 (``guess.gripper: robotiq_2f_85_real``) on one small
builtin object: files written, their gripper block rebuilds the same model, same bytes twice (one
worker, then two: the hand travels pickled)."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
from object_shards import write_shard

from dexgen.grippers.model import GripperModel
from dexgen.guess.report import shard_rows
from dexgen.guess.shard import guess_shard, parallel_jaw_gripper
from dexgen.objects.procedural import make_object
from dexgen.params.guess import GuessConfig
from dexgen.records.grippers import gripper_from_record
from dexgen.records.guesses import FREE, read_guesses

CFG = GuessConfig(
    gripper="robotiq_2f_85_real",
    num_collision_free_grasps=6,
    num_colliding_grasps=3,
    num_random_poses=2,
    max_attempts=2000,
    max_pictures=1,
    workers=1,
)


def test_guess_stage_with_the_real_2f85(tmp_path):
    shard = write_shard(
        tmp_path / "objects" / "shard-00",
        {"box_000": make_object("box", "box_000", seed=0, size_range=(0.04, 0.06))},
    )
    model = parallel_jaw_gripper(CFG)
    assert isinstance(model, GripperModel)
    summary = guess_shard(shard, tmp_path / "a", config=CFG, seed=5, progress=False)
    guess_shard(shard, tmp_path / "b", config=dataclasses.replace(CFG, workers=2), seed=5, progress=False)
    files = sorted(
        p.relative_to(tmp_path / "a").as_posix() for p in (tmp_path / "a").rglob("*") if p.is_file()
    )
    assert files == ["box_000.npz", "pictures/box_000.png", "summary.json"]
    for name in files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    arrays, meta = read_guesses(tmp_path / "a" / "box_000.npz", record=None)
    rebuilt = gripper_from_record(meta["gripper"], where="box_000.npz")
    assert isinstance(rebuilt, GripperModel) and rebuilt.sha256 == model.sha256
    assert meta["provenance"]["gripper_sha256"] == model.sha256
    assert summary["gripper"] == "robotiq_2f_85_real" and summary["gripper_sha256"] == model.sha256
    assert (
        json.loads((tmp_path / "a" / "summary.json").read_text())["objects"][0]["found"]["collision_free"]
        == 6
    )
    free = arrays["labels"] == FREE
    assert (arrays["widths"][free] < arrays["openings"][free]).all()
    assert np.all(arrays["openings"] <= model.stroke + 1e-12)
    # the coverage report rebuilds the hand from the block and draws it
    cfg = dataclasses.replace(CFG, worst_pictures=1)
    (row,) = shard_rows(shard, tmp_path / "a", cfg, 5, tmp_path / "report")
    assert row["fits_stroke"] and row["found"]["collision_free"] == 6
    assert (tmp_path / "report" / "shard-00-box_000.png").stat().st_size > 10_000
