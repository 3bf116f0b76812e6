"""Gripper identity travels with the data: every step rebuilds the gripper from the files it reads.

A gripper given as a file anywhere works after the file is gone (no name lookup), and two different
descriptions never mix silently: the error names both files and both hashes.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import numpy as np
import pytest
import trimesh
from object_shards import write_shard
from tiny_stages import GUESS, SIM

from dexgen.errors import InputError
from dexgen.grippers.loader import load_gripper
from dexgen.guess.shard import guess_shard
from dexgen.records.grippers import gripper_from_record, gripper_record, same_gripper
from dexgen.records.guesses import read_guesses
from dexgen.records.trials import read_results
from dexgen.sim.shard import simulate_shard

SHIPPED = Path(__file__).resolve().parents[2] / "src/dexgen/grippers/robotiq_2f_85.yaml"


def my_gripper(folder: Path, *, name: str = "my_gripper", width: str = "0.022") -> Path:
    """A gripper YAML that is not shipped: the robotiq description under another name (and pad width)."""
    text = SHIPPED.read_text().replace("name: robotiq_2f_85", f"name: {name}")
    text = text.replace("width: 0.022", f"width: {width}")
    path = folder / f"{name}.yaml"
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def shard(tmp_path) -> Path:
    meshes = {
        "box_a": trimesh.creation.box((0.04, 0.05, 0.06)),
        "box_b": trimesh.creation.box((0.05, 0.03, 0.05)),
    }
    return write_shard(tmp_path / "objects" / "shard-00", meshes)


def test_the_block_rebuilds_the_same_gripper(tmp_path):
    gripper = load_gripper(my_gripper(tmp_path))
    assert gripper.source == "my_gripper.yaml"  # the file name, never a machine's path
    assert gripper_from_record(gripper_record(gripper), where="x") == gripper
    assert (
        load_gripper(SHIPPED).source == load_gripper("robotiq_2f_85").source == "grippers/robotiq_2f_85.yaml"
    )


def test_a_tampered_or_missing_block_is_refused(tmp_path):
    block = gripper_record(load_gripper(my_gripper(tmp_path)))
    with pytest.raises(
        InputError,
        match=rf"^f.npz: the embedded my_gripper description hashes to \w{{12}}, but the file records {block['sha256'][:12]}",
    ):
        gripper_from_record({**block, "yaml": block["yaml"] + "\n# edited\n"}, where="f.npz")
    with pytest.raises(InputError, match="^f.npz: no gripper block .* older dexgen"):
        gripper_from_record("robotiq_2f_85", where="f.npz")


def test_a_gripper_file_works_downstream_after_it_is_gone(shard, tmp_path):
    path = my_gripper(tmp_path / "elsewhere")
    guesses = tmp_path / "guesses" / "shard-00"
    guess_shard(shard, guesses, config=dataclasses.replace(GUESS, gripper=str(path)), seed=1, progress=False)
    _, meta = read_guesses(guesses / "box_a.npz", record=None)
    assert meta["gripper"]["name"] == "my_gripper" and meta["gripper"]["yaml"] == path.read_text()
    shutil.rmtree(tmp_path / "elsewhere")  # simulation rebuilds the gripper from the guess files
    out = tmp_path / "sim" / "shard-00"
    summary = simulate_shard(shard, guesses, out, config=SIM, seed=1, cache_dir=None, progress=False)
    assert summary["gripper"] == "my_gripper" and summary["gripper_sha256"] == meta["gripper"]["sha256"]
    _, sim_meta = read_results(out / "box_a.npz", record=None)
    assert sim_meta["gripper"] == meta["gripper"]


def test_two_grippers_in_one_shard_are_refused_naming_both(shard, tmp_path):
    guesses = tmp_path / "guesses" / "shard-00"
    first = load_gripper(my_gripper(tmp_path / "a"))
    second = load_gripper(my_gripper(tmp_path / "b", width="0.02"))  # same name, edited description
    guess_shard(
        shard,
        guesses,
        config=dataclasses.replace(GUESS, gripper=str(tmp_path / "a/my_gripper.yaml")),
        seed=1,
        progress=False,
    )
    other = tmp_path / "other"
    guess_shard(
        shard,
        other,
        config=dataclasses.replace(GUESS, gripper=str(tmp_path / "b/my_gripper.yaml")),
        seed=1,
        progress=False,
    )
    shutil.copy(other / "box_b.npz", guesses / "box_b.npz")
    match = rf"{guesses / 'box_a.npz'} was made with my_gripper \(sha256 {first.sha256[:12]}\) but {guesses / 'box_b.npz'} with my_gripper \(sha256 {second.sha256[:12]}\)"
    with pytest.raises(InputError, match=match):
        simulate_shard(shard, guesses, tmp_path / "sim", config=SIM, seed=1, cache_dir=None, progress=False)


def test_same_gripper_accepts_equal_blocks():
    block = gripper_record(load_gripper("robotiq_2f_85"))
    same_gripper(block, dict(block), where_a="a", where_b="b")
    assert np.isfinite(load_gripper("robotiq_2f_85").max_opening)
