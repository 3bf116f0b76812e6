"""``dexgen graspgen`` (guess -> simulate -> export per object) and the stage: one code path, resumable."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

from dexgen.cli.main import build_parser
from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.grasp_file import read_grasp_file
from dexgen.graspgen.validate import check_dataset

REPO = Path(__file__).resolve().parents[2]
PARAMS = """
seed: 7
objects: {count: 3, kinds: [box, capsule, cylinder], shards: ["00", "01"], size_range: [0.04, 0.06], workers: 1}
guess: {num_random_poses: 2, workers: 1}
sim: {threads: 1, max_trials_per_label: 6}
graspgen: {min_positives: 2, max_excluded_fraction: 1.0, num_collision_free_grasps: 6, num_colliding_grasps: 4}
"""


def _cli(tmp_path, *flags):
    params = tmp_path / "params.yaml"
    params.write_text(PARAMS)
    argv = [
        "graspgen",
        "--params",
        str(params),
        "--grasp_dataset",
        str(tmp_path / "ds"),
        "--num_collision_free_grasps",
        "6",
        "--num_colliding_grasps",
        "4",
        "--no-progress",
        *flags,
    ]
    args = build_parser().parse_args(argv)
    return args.run(args)  # the handler itself: dexgen errors propagate to pytest.raises


def _files(ds: Path) -> dict[str, bytes]:
    return {
        p.name: p.read_bytes() for p in sorted((ds / "grasp_data" / "robotiq_2f_85").glob("*.grasps.json"))
    }


def test_guess_only_then_skip_finished_then_overwrite(tmp_path, capsys):
    assert _cli(tmp_path, "--guess_only") == 0
    ds = tmp_path / "ds"
    first = _files(ds)
    assert sorted(first) == [
        "box_000.1.0.grasps.json",
        "capsule_001.1.0.grasps.json",
        "cylinder_002.1.0.grasps.json",
    ]
    check_dataset(ds, "robotiq_2f_85", min_positives=2)
    assert (ds / "config" / "grippers" / "robotiq_2f_85.py").is_file()
    # a finished file is skipped: a deleted one is redone (resume), the others are not touched
    victim = ds / "grasp_data" / "robotiq_2f_85" / "box_000.1.0.grasps.json"
    victim.unlink()
    mtimes = {p.name: p.stat().st_mtime_ns for p in victim.parent.glob("*.grasps.json")}
    assert _cli(tmp_path, "--guess_only", "true") == 0
    assert _files(ds) == first  # same seed -> same bytes
    assert all(
        p.stat().st_mtime_ns == mtimes[p.name]
        for p in victim.parent.glob("*.grasps.json")
        if p.name in mtimes
    )
    assert _cli(tmp_path, "--guess_only", "--overwrite_grasps", "--valid_set_percentage", "0.5") == 0
    metrics = json.loads(capsys.readouterr().out.split("\n}\n")[-2] + "\n}")
    assert metrics["valid"] == 1


def test_simulated_run_matches_the_stage_byte_for_byte(tmp_path):
    """The CLI's intermediate files are in the stage layout; the stage re-exports them identically."""
    assert _cli(tmp_path) == 0
    ds = tmp_path / "ds"
    cli_files = _files(ds)
    for name in cli_files:
        doc, t, ok = read_grasp_file(ds / "grasp_data" / "robotiq_2f_85" / name)
        counts = doc["dexgen"]["counts"]
        assert counts["sim_success"] == ok.sum() and counts["guess_free"] == 0
    spec = importlib.util.spec_from_file_location("stage_graspgen", REPO / "stages" / "graspgen.py")
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    work = ds / ".dexgen"
    code = stage.main(
        [
            "--objects",
            str(work / "objects"),
            "--guesses",
            str(work / "guesses" / "robotiq_2f_85"),
            "--sim",
            str(work / "sim" / "robotiq_2f_85"),
            "--out",
            str(tmp_path / "stage"),
            "--metrics",
            str(tmp_path / "metrics.json"),
            "--params",
            str(tmp_path / "params.yaml"),
            "--no-progress",
        ]
    )
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())["robotiq_2f_85"]
    assert metrics["objects"] == 3
    assert _files(tmp_path / "stage") == cli_files


def test_load_guesses_refuses_01_masks_naming_the_file(tmp_path):
    assert _cli(tmp_path, "--guess_only") == 0
    path = tmp_path / "ds" / "grasp_data" / "robotiq_2f_85" / "box_000.1.0.grasps.json"
    doc = json.loads(path.read_text())
    doc["grasps"]["object_in_gripper"] = [int(v) for v in doc["grasps"]["object_in_gripper"]]
    path.write_text(json.dumps(doc))
    with pytest.raises(InputError, match=rf"^{path}: grasps.object_in_gripper\[0\] is 1, not true/false"):
        _cli(tmp_path, "--guess_only", "--load_guesses")


def test_load_guesses_resimulates_true_and_keeps_false(tmp_path):
    assert _cli(tmp_path, "--guess_only") == 0
    path = tmp_path / "ds" / "grasp_data" / "robotiq_2f_85" / "box_000.1.0.grasps.json"
    _, t0, ok0 = read_grasp_file(path)
    assert _cli(tmp_path, "--load_guesses") == 0
    doc, t1, ok1 = read_grasp_file(path)
    counts = doc["dexgen"]["counts"]
    assert counts["loaded_negative"] == (~ok0).sum()
    assert counts["sim_success"] + counts["sim_failure"] <= ok0.sum()


def test_fill_grasps_keeps_existing_grasps_and_adds_new_ones(tmp_path):
    assert _cli(tmp_path, "--guess_only") == 0
    path = tmp_path / "ds" / "grasp_data" / "robotiq_2f_85" / "box_000.1.0.grasps.json"
    doc = json.loads(path.read_text())
    doc["grasps"]["transforms"] = doc["grasps"]["transforms"][:3]
    doc["grasps"]["object_in_gripper"] = doc["grasps"]["object_in_gripper"][:3]
    path.write_text(json.dumps(doc))
    assert _cli(tmp_path, "--guess_only", "--fill_grasps") == 0
    doc2, t, ok = read_grasp_file(path)
    assert doc2["grasps"]["transforms"][:3] == doc["grasps"]["transforms"]
    assert ok.sum() == 6 and (~ok).sum() == 4
    assert doc2["dexgen"]["counts"]["loaded_positive"] == 3


@pytest.mark.parametrize(
    ("flag", "message"), [("robotiq_9000", "not a shipped gripper"), ("bad name.yaml", "gripper file")]
)
def test_unknown_gripper_is_refused(tmp_path, flag, message):
    with pytest.raises((InputError, ConfigError), match=message):
        _cli(tmp_path, "--guess_only", "--gripper_config", flag)


def test_gripper_name_that_is_not_an_identifier_is_refused(tmp_path):
    src = (
        (REPO / "src/dexgen/grippers/robotiq_2f_85.yaml")
        .read_text()
        .replace("name: robotiq_2f_85", "name: robotiq-2f-85")
    )
    path = tmp_path / "dash.yaml"
    path.write_text(src)
    with pytest.raises(ConfigError, match="not a valid Python identifier"):
        _cli(tmp_path, "--guess_only", "--gripper_config", str(path))


def test_object_dataset_mode_references_the_raw_meshes_like_graspdatagen(tmp_path):
    """With --object_dataset the files name the user's meshes with their scales (no materialised copies)."""
    root, scales = REPO / "examples/meshes", REPO / "examples/meshes/object_scales.json"
    assert (
        _cli(tmp_path, "--guess_only", "--object_dataset", str(root), "--object_scales_json", str(scales))
        == 0
    )
    ds = tmp_path / "ds"
    mapping = json.loads((ds / "grasp_data" / "robotiq_2f_85" / "map_uuid_to_path.json").read_text())
    expected = json.loads(scales.read_text())
    assert set(mapping) <= set(expected) and mapping
    for key, name in mapping.items():
        doc, _, _ = read_grasp_file(ds / "grasp_data" / "robotiq_2f_85" / name)
        assert doc["object"] == {"file": key, "scale": expected[key]}
    assert not (ds / "objects").exists()
    check_dataset(ds, "robotiq_2f_85", object_root=root, min_positives=2)


def test_a_gripper_given_as_a_file_that_is_not_shipped(tmp_path):
    """GraspDataGen's core use: a new gripper's YAML anywhere (another stroke, longer and wider fingers)
    -> guess, simulate, the GraspGen dataset, its gripper .yaml/.py with the collision mesh, and the
    training scripts, all passing GraspGen's loader rules."""
    text = (REPO / "src/dexgen/grippers/robotiq_2f_85.yaml").read_text()
    for old, new in (
        ("name: robotiq_2f_85", "name: my_gripper"),
        ("max_opening: 0.085", "max_opening: 0.11"),  # a 110 mm stroke
        ("length: 0.054", "length: 0.06"),
        ("width: 0.022", "width: 0.03"),
    ):
        assert old in text
        text = text.replace(old, new)
    path = tmp_path / "some" / "dir" / "my_gripper.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(text)
    root, scales = REPO / "examples/meshes", REPO / "examples/meshes/object_scales.json"
    flags = [
        "--gripper_config",
        str(path),
        "--object_dataset",
        str(root),
        "--object_scales_json",
        str(scales),
    ]
    assert _cli(tmp_path, *flags) == 0
    ds = tmp_path / "ds"
    assert sorted((ds / "grasp_data" / "my_gripper").glob("*.grasps.json"))
    config = (ds / "config" / "grippers" / "my_gripper.yaml").read_text()
    assert "name: my_gripper" in config and "file_name: my_gripper.yaml" in config
    assert (ds / "config" / "grippers" / "my_gripper.py").is_file()
    check_dataset(ds, "my_gripper", object_root=root, min_positives=2)
    sims = sorted((ds / ".dexgen" / "sim" / "my_gripper").rglob("*.npz"))
    assert sims, "the objects were simulated with the file's gripper"
    assert "width: 0.11" in config  # GraspGen's width is the stroke of this gripper
    for role in ("gen", "dis"):
        script = (ds / "runs" / f"train_graspgen_my_gripper_{role}.sh").read_text()
        assert 'export GRIPPER_NAME="my_gripper"' in script
    assert (ds / "viewer" / "train.html").is_file()


def test_analyze_chooses_the_files_fill_tops_up_and_overwrite_redoes_everything(tmp_path, capsys):
    """GraspDataGen's loop: analyze-grasp-data names the files short of a quota, --fill_grasps tops up
    exactly those (keeping what they hold), --overwrite_grasps rewrites every file from scratch."""
    from dexgen.cli.main import main

    assert _cli(tmp_path, "--guess_only") == 0
    gdir = tmp_path / "ds" / "grasp_data" / "robotiq_2f_85"
    fresh = _files(tmp_path / "ds")
    short = ["box_000.1.0.grasps.json", "cylinder_002.1.0.grasps.json"]
    for name in short:  # as if an earlier run had fewer grasps for these two
        doc = json.loads((gdir / name).read_text())
        doc["grasps"]["transforms"] = doc["grasps"]["transforms"][:2]
        doc["grasps"]["object_in_gripper"] = doc["grasps"]["object_in_gripper"][:2]
        (gdir / name).write_text(json.dumps(doc))
    report = tmp_path / "analysis.json"
    argv = ["analyze-grasp-data", str(gdir), "--min-success", "6", "--min-failed", "4", "-o", str(report)]
    assert main(argv) == 1
    failing = sorted(Path(f["file"]).name for f in json.loads(report.read_text())["failing"])
    assert failing == short
    untouched = {
        p.name: (p.read_bytes(), p.stat().st_mtime_ns)
        for p in gdir.glob("*.grasps.json")
        if p.name not in short
    }
    kept = {name: json.loads((gdir / name).read_text())["grasps"]["transforms"] for name in short}
    capsys.readouterr()
    assert _cli(tmp_path, "--guess_only", "--fill_grasps") == 0
    for name, (data, mtime) in untouched.items():
        assert (gdir / name).read_bytes() == data and (gdir / name).stat().st_mtime_ns == mtime, name
    for name in short:
        doc, t, ok = read_grasp_file(gdir / name)
        assert doc["grasps"]["transforms"][:2] == kept[name]  # what the file held comes first
        assert (
            ok.sum() >= 6 and (~ok).sum() >= 4 and doc["dexgen"]["fill_round"] == 1
            if "fill_round" in doc["dexgen"]
            else True
        )
    assert main(argv) == 0  # the quotas are met now
    name = short[0]
    doc = json.loads((gdir / name).read_text())  # short again: a second round draws other grasps
    doc["grasps"]["transforms"] = doc["grasps"]["transforms"][:3]
    doc["grasps"]["object_in_gripper"] = doc["grasps"]["object_in_gripper"][:3]
    (gdir / name).write_text(json.dumps(doc))
    assert _cli(tmp_path, "--guess_only", "--fill_grasps") == 0
    doc2, t2, _ = read_grasp_file(gdir / name)
    assert doc2["dexgen"]["provenance"]["fill_round"] == "2"
    assert len({tuple(np.round(x, 9).ravel()) for x in t2}) == len(t2)  # no grasp drawn twice
    assert _cli(tmp_path, "--guess_only", "--overwrite_grasps") == 0
    assert _files(tmp_path / "ds") == fresh  # rewritten from scratch: the first run's bytes again
