"""The dexnet_synth stage on two small objects: the published layout, byte-identical re-runs, resume."""

from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml
from dexnet_synth.synth_helpers import write_object_set

from dexgen.cluster.staging import absolute, read_inputs, run_staged
from dexgen.dexnet.fields import task_spec
from dexgen.dexnet.synth import stage as stage_mod
from dexgen.dexnet.synth.registry import get_task
from dexgen.dexnet.synth.stage import SynthWork, synthesize, task_gripper
from dexgen.dexnet.tensors import TensorsIndex
from dexgen.params.sim import DecompositionConfig, ProtocolConfig, SimConfig
from dexgen.params.synth import (
    CameraConfig,
    ParallelJawConfig,
    SuctionConfig,
    SynthConfig,
    TaskBalance,
)
from dexgen.records.objects import read_index

ROOT = Path(__file__).resolve().parents[2]
FAST_SIM = SimConfig(
    threads=1,
    decomposition=DecompositionConfig(method="hull"),
    protocol=ProtocolConfig(
        close_duration=0.2, close_ramp=0.12, lift_duration=0.12, tugs=(), shake_duration=0.1
    ),
)
SMALL = SynthConfig(
    poses_per_object=1,
    parallel_jaw=ParallelJawConfig(
        grasps_per_pose=8, num_perturbations=2, camera=CameraConfig(images_per_pose=2)
    ),
    suction=SuctionConfig(
        points_per_pose=12,
        num_perturbations=3,
        camera=CameraConfig(radius=(0.5, 0.7), polar=(1.8, 18.0), images_per_pose=2),
        balance=TaskBalance(None),
    ),
    examples=8,
)


@pytest.fixture(scope="module")
def objects(tmp_path_factory) -> Path:
    return write_object_set(
        tmp_path_factory.mktemp("objects"),
        {
            "box_000": trimesh.creation.box((0.05, 0.04, 0.06)),
            "cylinder_001": trimesh.creation.cylinder(radius=0.025, height=0.05, sections=24),
        },
    )


def _run(objects: Path, root: Path, cfg: SynthConfig = SMALL, cache: Path | None = None) -> dict:
    return synthesize(
        objects,
        root / "out",
        config=cfg,
        sim_config=FAST_SIM,
        seed=3,
        cache_dir=cache or root / "cache",
        metrics_path=root / "metrics.json",
        pictures_dir=root / "pictures",
        progress=False,
    )


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def run(objects, tmp_path_factory) -> tuple[Path, dict]:
    root = tmp_path_factory.mktemp("run")
    return root, _run(objects, root)


@pytest.mark.parametrize("task", ["parallel_jaw", "suction"])
def test_tensors_load_with_the_published_fields_shapes_and_dtypes(run, task):
    root, metrics = run
    spec = task_spec(task)
    index = TensorsIndex(root / "out" / task, list(get_task(task).output_fields()))
    n = metrics["tasks"][task]["num_datapoints"]
    assert index.num_datapoints == n > 0
    for name, field in spec.fields.items():  # every published field, its shape and dtype
        assert index.shapes[name] == field.shape and index.dtypes[name] == np.dtype(field.dtype), name
    poses = index.read_field("hand_poses")
    depth = index.read_field("depth_ims_tf_table")
    lo, hi = (0.5, 0.7) if task == "suction" else (0.65, 0.75)
    assert (
        (poses[:, 2] > lo - 0.1) & (poses[:, 2] < hi + 0.02)
    ).all()  # col 2: gripper depth from the camera
    assert (poses[:, 2] <= depth.reshape(n, -1).max(axis=1) + 0.01).all()  # not below the table
    angle_col = 3 if task == "parallel_jaw" else 4
    assert ((poses[:, angle_col] >= 0) & (poses[:, angle_col] < 2 * np.pi)).all()
    if task == "suction":  # col 3: approach angle to the optical axis, within the configured cone
        assert ((poses[:, 3] >= 0) & (poses[:, 3] <= np.deg2rad(60) + 1e-6)).all()
    assert set(index.read_field(spec.object_label_field).tolist()) == {0, 1}
    labels = index.read_field(spec.metric_field if task == "suction" else "sim_success")
    rate = metrics["tasks"][task]["positive_rate"]
    assert rate == pytest.approx(float((labels > (0.2 if task == "suction" else 0.5)).mean()), abs=1e-4)
    assert (root / "pictures" / f"{task}.png").stat().st_size > 1000


def test_same_seed_gives_byte_identical_files_and_resume_skips_finished_objects(
    objects, run, tmp_path, monkeypatch
):
    root, metrics = run
    done = []
    real = stage_mod.SynthWork.__call__
    monkeypatch.setattr(
        stage_mod.SynthWork, "__call__", lambda self, unit: done.append(unit.key) or real(self, unit)
    )
    again = _run(objects, tmp_path)  # fresh cache: everything synthesized again
    assert _files(tmp_path / "out") == _files(root / "out")
    assert sorted(done) == ["box_000", "box_000", "cylinder_001", "cylinder_001"]  # two tasks
    done.clear()
    resumed = _run(objects, tmp_path / "resumed", cache=tmp_path / "cache")  # warm cache
    assert done == []
    assert _files(tmp_path / "resumed" / "out") == _files(root / "out")
    assert again == resumed == metrics  # no timings or resume counts in the tracked metrics


def test_balance_reaches_the_target_positive_rate(objects, tmp_path):
    suction = dataclasses.replace(SMALL.suction, balance=TaskBalance(0.5))
    cfg = dataclasses.replace(SMALL, tasks=("suction",), suction=suction)
    metrics = _run(objects, tmp_path, cfg)["tasks"]["suction"]
    if metrics["positives"] == 0:
        pytest.skip("no suction positive on these two objects")
    assert metrics["positive_rate"] == pytest.approx(0.5, abs=0.05)
    assert metrics["num_datapoints"] < metrics["num_before_balance"]


def test_stage_script_reads_params_and_writes_outputs(objects, tmp_path):
    spec = importlib.util.spec_from_file_location("dexnet_synth_stage", ROOT / "stages" / "dexnet_synth.py")
    stage = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(stage)
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "seed": 3,
                "sim": {"threads": 1, "decomposition": {"method": "hull"}},
                "dexnet": {
                    "source": "synth",
                    "synth": {
                        "tasks": ["suction"],
                        "poses_per_object": 1,
                        "suction": {
                            "points_per_pose": 5,
                            "num_perturbations": 2,
                            "camera": {"images_per_pose": 1},
                        },
                    },
                },
            }
        )
    )
    argv = ["--objects", str(objects), "--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]
    argv += ["--metrics", str(tmp_path / "m.json"), "--pictures", str(tmp_path / "pictures")]
    argv += ["--params", str(params), "--no-progress"]
    assert stage.main(argv) == 0
    assert (tmp_path / "out" / "suction" / "tensors" / "hand_poses_00000.npz").is_file()
    params.write_text(yaml.safe_dump({"seed": 3, "dexnet": {"synth": {"tasks": ["grasping"]}}}))
    assert stage.main(argv) == 1  # unknown task name: refused with the valid ones


@pytest.mark.parametrize("task", ["parallel_jaw", "suction"])
def test_an_object_run_as_a_cluster_task_writes_the_same_bytes(objects, run, task):
    """Staged as on a Ray worker (only the declared inputs visible, paths rebased): same cache file."""
    root, _ = run
    synth_task = get_task(task)
    work = SynthWork(
        objects,
        synth_task,
        task_gripper(synth_task, SMALL),
        SMALL,
        FAST_SIM,
        seed=3,
        cache_dir=root / "cache",
    )
    unit = work.units(sorted(read_index(objects), key=lambda r: r.key))[0]
    _, files = run_staged(absolute(work), absolute(unit), read_inputs(work.inputs(unit)))
    assert files[str(unit.output.absolute())] == unit.output.read_bytes()


def test_a_task_crop_size_overrides_the_shared_one_and_only_its_own_cache():
    shared = SynthConfig(suction=dataclasses.replace(SynthConfig().suction, crop_size=None))
    assert shared.crop_of("suction") == shared.crop_of("parallel_jaw") == shared.crop_size == 96
    own = SynthConfig()  # the committed suction crop: 64
    assert own.crop_of("suction") == 64 and own.crop_of("parallel_jaw") == 96
    assert own.object_hash("parallel_jaw") == shared.object_hash("parallel_jaw")
    assert own.object_hash("suction") != shared.object_hash("suction")
    with pytest.raises(ValueError, match="multiple of 32"):
        dataclasses.replace(SynthConfig().suction, crop_size=50)
