"""Inputs are what they claim: a file is used only for the object, mesh and gripper it was made with,
and the code version covers every file a stage runs or reads (issue 30, deliverable 2).

Each test plants one lie (a file copied under another name, a mesh swapped, a gripper edited under a
shipped name, a worker-only edit) and checks it is refused naming both sides, or redone.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import trimesh
from object_shards import write_shard
from tiny_stages import GUESS, SIM

from dexgen import codebase
from dexgen.cli.main import build_parser
from dexgen.errors import InputError
from dexgen.graspgen.gripper_config import write_gripper_config
from dexgen.graspgen.sources import object_result
from dexgen.graspgen.stage import export_from_shards
from dexgen.graspgen.validate import check_dataset
from dexgen.grippers.loader import load_gripper
from dexgen.guess.shard import guess_shard
from dexgen.params.graspgen import GraspgenConfig
from dexgen.records.grippers import gripper_record, same_gripper
from dexgen.records.objects import read_index
from dexgen.sim.shard import simulate_shard

REPO = Path(__file__).resolve().parents[2]
SHIPPED = REPO / "src/dexgen/grippers/robotiq_2f_85.yaml"
BOXES = {"box_a": (0.04, 0.05, 0.06), "box_b": (0.05, 0.03, 0.05)}


def _shard(folder: Path, sizes: dict[str, tuple[float, float, float]] = BOXES) -> Path:
    return write_shard(folder, {key: trimesh.creation.box(size) for key, size in sizes.items()})


def _guessed(tmp_path: Path) -> tuple[Path, Path]:
    shard = _shard(tmp_path / "objects" / "shard-00")
    guesses = tmp_path / "guesses" / "shard-00"
    guess_shard(shard, guesses, config=GUESS, seed=1, progress=False)
    return shard, guesses


def _simulate(tmp_path: Path, shard: Path, guesses: Path) -> Path:
    out = tmp_path / "sim" / "shard-00"
    simulate_shard(shard, guesses, out, config=SIM, seed=1, cache_dir=None, progress=False)
    return out


def test_a_guess_file_copied_under_another_object_is_refused(tmp_path):
    shard, guesses = _guessed(tmp_path)
    shutil.copy(guesses / "box_a.npz", guesses / "box_b.npz")
    match = rf"^{guesses / 'box_b.npz'}: made for object 'box_a', but the object index gives this file name to 'box_b'"
    with pytest.raises(InputError, match=match):
        _simulate(tmp_path, shard, guesses)
    assert not (tmp_path / "sim" / "shard-00" / "box_b.npz").exists()


def test_a_guess_file_of_an_older_mesh_is_refused(tmp_path):
    shard, guesses = _guessed(tmp_path)
    _shard(shard, {**BOXES, "box_b": (0.05, 0.03, 0.04)})  # box_b re-made: its guesses are of the old mesh
    record = next(r for r in read_index(shard) if r.key == "box_b")
    with pytest.raises(
        InputError,
        match=rf"box_b.npz: made from mesh sha256 \w{{12}} of 'box_b', but the object index records {record.mesh_sha256[:12]}",
    ):
        _simulate(tmp_path, shard, guesses)


def test_a_swapped_shard_mesh_is_refused_by_guess_and_simulate(tmp_path):
    shard, guesses = _guessed(tmp_path)
    shutil.copy(shard / "box_a.ply", shard / "box_b.ply")  # the index still records box_b's hash
    record = next(r for r in read_index(shard) if r.key == "box_b")
    match = rf"^{shard / 'box_b.ply'}: hashes to \w{{12}}, but the object index records mesh_sha256 {record.mesh_sha256[:12]} for 'box_b'"
    with pytest.raises(InputError, match=match):
        _simulate(tmp_path, shard, guesses)
    with pytest.raises(InputError, match=match):
        guess_shard(shard, tmp_path / "guesses2", config=GUESS, seed=1, progress=False)


def test_a_sim_file_copied_under_another_object_is_refused_by_the_export(tmp_path):
    shard, guesses = _guessed(tmp_path)
    sim = _simulate(tmp_path, shard, guesses)
    shutil.copy(sim / "box_a.npz", sim / "box_b.npz")
    record = next(r for r in read_index(shard) if r.key == "box_b")
    with pytest.raises(InputError, match=rf"^{sim / 'box_b.npz'}: made for object 'box_a'"):
        object_result(shard, record, guesses / "box_b.npz", sim / "box_b.npz")


def test_the_graspgen_stage_refuses_a_guess_file_of_another_object_before_any_work(tmp_path):
    shard, guesses = _guessed(tmp_path)
    shutil.copy(guesses / "box_a.npz", guesses / "box_b.npz")
    with pytest.raises(InputError, match=rf"^{guesses / 'box_b.npz'}: made for object 'box_a'"):
        export_from_shards(
            tmp_path / "objects",
            tmp_path / "guesses",
            None,
            tmp_path / "ds",
            cfg=GraspgenConfig(guess_only=True),
            seed=1,
        )
    assert not (tmp_path / "ds").exists()


def test_two_gripper_blocks_without_a_hash_are_not_the_same_gripper():
    block = gripper_record(load_gripper("robotiq_2f_85"))
    bare = {k: v for k, v in block.items() if k != "sha256"}
    with pytest.raises(
        InputError, match="^a.npz: records no gripper hash, so it cannot be matched with b.npz"
    ):
        same_gripper(bare, dict(bare), where_a="a.npz", where_b="b.npz")
    with pytest.raises(InputError, match="^b.npz: records no gripper hash"):
        same_gripper(block, bare, where_a="a.npz", where_b="b.npz")


# -- dexgen graspgen: a gripper edited under a shipped name ---------------------------------------------

PARAMS = """
seed: 7
objects: {count: 2, kinds: [box, cylinder], shards: ["00"], size_range: [0.04, 0.06], workers: 1}
guess: {num_random_poses: 2, workers: 1}
graspgen: {min_positives: 2, max_excluded_fraction: 1.0, num_collision_free_grasps: 6, num_colliding_grasps: 4}
"""


def _graspgen(tmp_path: Path, *flags: str) -> int:
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS)
    argv = ["graspgen", "--params", str(params), "--grasp_dataset", str(tmp_path / "ds"), "--guess_only"]
    args = build_parser().parse_args([*argv, "--no-progress", *flags])
    return args.run(args)


def _edited_shipped_gripper(tmp_path: Path) -> Path:
    """robotiq_2f_85 under its shipped name, with thinner pads: another gripper, same name."""
    path = tmp_path / "edited" / "robotiq_2f_85.yaml"
    path.parent.mkdir()
    path.write_text(SHIPPED.read_text().replace("width: 0.022", "width: 0.02"))
    return path


def _recorded(ds: Path) -> dict[str, str]:
    files = sorted((ds / "grasp_data" / "robotiq_2f_85").glob("*.grasps.json"))
    assert files
    return {p.name: json.loads(p.read_text())["gripper"]["dexgen_sha256"] for p in files}


def test_graspgen_refuses_the_old_config_of_an_edited_gripper_and_redoes_its_kept_files(tmp_path):
    assert _graspgen(tmp_path) == 0
    ds = tmp_path / "ds"
    shipped = load_gripper("robotiq_2f_85").sha256
    assert set(_recorded(ds).values()) == {shipped}
    edited = _edited_shipped_gripper(tmp_path)
    config = ds / "config" / "grippers" / "robotiq_2f_85.yaml"
    with pytest.raises(InputError, match=rf"^{config}: describes a robotiq_2f_85 of sha256 {shipped[:12]}"):
        _graspgen(tmp_path, "--gripper_config", str(edited))
    assert set(_recorded(ds).values()) == {shipped}  # refused before any work
    assert _graspgen(tmp_path, "--gripper_config", str(edited), "--overwrite_gripper_config") == 0
    assert set(_recorded(ds).values()) == {load_gripper(edited).sha256}  # no stale grasps kept


@pytest.mark.parametrize("flag", ["--load_guesses", "--fill_grasps"])
def test_graspgen_refuses_to_reopen_grasps_of_another_gripper(tmp_path, flag):
    assert _graspgen(tmp_path) == 0
    edited = _edited_shipped_gripper(tmp_path)
    shipped = load_gripper("robotiq_2f_85").sha256
    with pytest.raises(
        InputError,
        match=rf"grasps.json: made with a robotiq_2f_85 of sha256 {shipped[:12]}, but this run's robotiq_2f_85 .* cannot be loaded or filled",
    ):
        _graspgen(tmp_path, "--gripper_config", str(edited), "--overwrite_gripper_config", flag)


def test_graspgen_refuses_a_kept_grasp_file_without_a_gripper_hash(tmp_path):
    assert _graspgen(tmp_path) == 0
    path = sorted((tmp_path / "ds" / "grasp_data" / "robotiq_2f_85").glob("*.grasps.json"))[0]
    doc = json.loads(path.read_text())
    del doc["gripper"]["dexgen_sha256"]
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=rf"^{path}: records no gripper.dexgen_sha256"):
        _graspgen(tmp_path)


def test_graspgen_refuses_a_kept_grasp_file_of_another_object(tmp_path):
    assert _graspgen(tmp_path) == 0
    gdir = tmp_path / "ds" / "grasp_data" / "robotiq_2f_85"
    box, cylinder = sorted(gdir.glob("*.grasps.json"))
    shutil.copy(box, cylinder)
    with pytest.raises(
        InputError,
        match=rf"^{cylinder}: holds grasps of object 'box_000', but its name is that of 'cylinder_001'",
    ):
        _graspgen(tmp_path)


def test_graspgen_redoes_a_kept_grasp_file_of_an_older_mesh(tmp_path):
    assert _graspgen(tmp_path) == 0
    path = sorted((tmp_path / "ds" / "grasp_data" / "robotiq_2f_85").glob("*.grasps.json"))[0]
    current = path.read_bytes()
    doc = json.loads(current)
    doc["dexgen"]["provenance"]["mesh_sha256"] = "e" * 64  # as if made before the mesh was edited
    path.write_text(json.dumps(doc))
    assert _graspgen(tmp_path) == 0
    assert path.read_bytes() == current
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=rf"^{path}: made from mesh sha256 e{{12}} of 'box_000'"):
        _graspgen(tmp_path, "--fill_grasps")


def test_the_dataset_check_refuses_grasp_files_of_another_gripper_hash(tmp_path):
    assert _graspgen(tmp_path) == 0
    ds = tmp_path / "ds"
    check_dataset(ds, "robotiq_2f_85", min_positives=2)
    path = sorted((ds / "grasp_data" / "robotiq_2f_85").glob("*.grasps.json"))[-1]
    doc = json.loads(path.read_text())
    doc["gripper"]["dexgen_sha256"] = "f" * 64  # grasps of another robotiq_2f_85 copied in
    path.write_text(json.dumps(doc))
    config = ds / "config" / "grippers" / "robotiq_2f_85.yaml"
    with pytest.raises(InputError, match=rf"{path}: made with gripper sha256 f{{12}}, but {config} records"):
        check_dataset(ds, "robotiq_2f_85", min_positives=2)


def test_a_kept_gripper_config_of_another_hash_is_refused_and_a_users_own_is_kept(tmp_path):
    shipped = load_gripper("robotiq_2f_85")
    edited = load_gripper(_edited_shipped_gripper(tmp_path))
    config = tmp_path / "config"
    assert write_gripper_config(shipped, config, overwrite=False) == "written"
    with pytest.raises(InputError, match="--overwrite_gripper_config"):
        write_gripper_config(edited, config, overwrite=False)
    yaml_path = config / "robotiq_2f_85.yaml"
    yaml_path.write_text("name: robotiq_2f_85\nwidth: 0.085\n")  # hand-written: no dexgen hash to compare
    assert write_gripper_config(edited, config, overwrite=False) == "kept"


# -- the code hash covers what simulate runs in another interpreter -----------------------------------


@pytest.fixture
def src_copy(tmp_path, monkeypatch) -> Path:
    """A copy of the package that :mod:`dexgen.codebase` hashes instead of the real one."""
    root = tmp_path / "src"
    shutil.copytree(codebase.ROOT / "dexgen", root / "dexgen", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codebase, "ROOT", root)
    _clear_hash_caches()
    yield root
    _clear_hash_caches()


def _clear_hash_caches() -> None:
    for cached in (codebase.code_hash, codebase.direct_imports, codebase.data_files):
        cached.cache_clear()


def _edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")
    codebase.code_hash.cache_clear()


@pytest.mark.parametrize("worker_only", ["worker.py", "usd_scene.py"])
def test_simulate_code_hash_covers_the_isaaclab_worker(src_copy, worker_only):
    """The worker runs only as ``python -m dexgen.sim.isaaclab.worker``: no import of simulate reaches it."""
    before = codebase.code_hash("dexgen.sim.shard")
    _edit(src_copy / "dexgen/sim/isaaclab" / worker_only)
    assert codebase.code_hash("dexgen.sim.shard") != before


def test_graspgen_code_hash_covers_the_viewer_template(src_copy):
    before = codebase.code_hash("dexgen.graspgen.export")
    _edit(src_copy / "dexgen/viewer/template.html")
    assert codebase.code_hash("dexgen.graspgen.export") != before
