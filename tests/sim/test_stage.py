"""The simulate stage on a tiny shard: outputs, byte-identical re-runs, resume, the report, the scripts."""

from __future__ import annotations

import dataclasses
import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml
from object_shards import write_shard

from dexgen.errors import InputError
from dexgen.guess.shard import guess_shard
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import SimConfig
from dexgen.records.trials import REASONS, read_results
from dexgen.sim.mujoco_backend import MujocoBackend
from dexgen.sim.report import write_report
from dexgen.sim.shard import simulate_shard

ROOT = Path(__file__).resolve().parents[2]


def _write_shard(folder: Path) -> None:
    write_shard(
        folder,
        {
            "box_000": trimesh.creation.box((0.04, 0.05, 0.06)),
            "cylinder_001": trimesh.creation.cylinder(radius=0.02, height=0.07, sections=24),
        },
    )


@pytest.fixture(scope="module")
def shard(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("shard")
    objects, guesses = root / "objects" / "shard-00", root / "guesses" / "shard-00"
    _write_shard(objects)
    cfg = GuessConfig(
        num_collision_free_grasps=6, num_colliding_grasps=2, num_random_poses=6, workers=1, max_pictures=0
    )
    guess_shard(objects, guesses, config=cfg, seed=7, progress=False)
    return objects, guesses


def _config(sim) -> SimConfig:
    return SimConfig(protocol=sim.fast_protocol, threads=1, max_pictures=1)


def _files(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_outputs_are_complete_and_byte_identical(shard, tmp_path, sim):
    objects, guesses = shard
    cfg = _config(sim)
    summary = simulate_shard(
        objects, guesses, tmp_path / "a", config=cfg, seed=7, cache_dir=tmp_path / "cache", progress=False
    )
    simulate_shard(
        objects,
        guesses,
        tmp_path / "b",
        config=dataclasses.replace(cfg, threads=2, batch_size=3),
        seed=7,
        cache_dir=None,
        progress=False,
    )
    a, b = _files(tmp_path / "a"), _files(tmp_path / "b")
    assert a == b
    assert sorted(a) == ["box_000.npz", "cylinder_001.npz", "pictures/box_000.png", "summary.json"]
    arrays, meta = read_results(tmp_path / "a" / "box_000.npz", record=None)
    n = len(arrays["success"])
    assert n == 12  # collision-free + random, colliding ones left out by default
    assert arrays["poses"].shape == arrays["final_poses"].shape == (n, 4, 4)
    assert meta["guess_labels"][arrays["labels"][0]] == "collision_free"
    assert meta["provenance"]["stage"] == "simulate" and meta["provenance"]["engine"].startswith("mujoco")
    # the squeeze is the gripper's own (the 2F-85's 235 N) and every output says so
    assert meta["closing_force_n"] == 235.0 and meta["provenance"]["closing_force"] == "235 N"
    assert summary["closing_force_n"] == [235.0]
    assert set(meta["stats"]) == {"collision_free", "random"}
    assert ((arrays["score"] >= 0.5) == arrays["success"]).all()
    assert all(REASONS[r] == "held" for r in arrays["reason"][arrays["success"]])
    assert summary["totals"]["collision_free"]["trials"] == 12
    by_sampler = meta["by_sampler"]  # who proposed each simulated guess; random poses have no sampler
    assert sum(v["trials"] for v in by_sampler.values()) == n and by_sampler["none"]["trials"] == 6
    assert set(by_sampler) <= {"antipodal", "finger_pad", "acronym", "none"}
    assert summary["objects"][0]["by_sampler"] == by_sampler
    assert summary["decomposition_methods"] == {"convex": 2} and summary["hull_fallbacks"] == []

    from dexgen.sim.pictures import render_results_file  # what `dexgen show` calls

    png = render_results_file(tmp_path / "a" / "box_000.npz", objects, tmp_path / "show.png", per_group=4)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from dexgen.sim.pages import results_page  # the 3-D page loads the file the same way

    other = tmp_path / "other"
    other.mkdir()
    (other / "index.json").write_text((objects / "index.json").read_text().replace("box_000", "box_999"))
    for draw in (render_results_file, results_page):
        with pytest.raises(InputError, match="'box_000'.* is not in this shard's index"):
            draw(tmp_path / "a" / "box_000.npz", other, tmp_path / "x.out")


def test_resume_skips_finished_objects_and_redoes_changed_ones(shard, tmp_path, sim, monkeypatch):
    objects, guesses = shard
    cfg = _config(sim)
    out = tmp_path / "out"
    simulate_shard(objects, guesses, out, config=cfg, seed=7, cache_dir=None, progress=False)
    before = _files(out)
    calls = []
    real_run = MujocoBackend.run
    monkeypatch.setattr(
        MujocoBackend, "run", lambda self, obj, *a: calls.append(obj.key) or real_run(self, obj, *a)
    )
    simulate_shard(
        objects,
        guesses,
        out,
        config=dataclasses.replace(cfg, threads=2),
        seed=7,
        cache_dir=None,
        progress=False,
    )
    assert calls == [] and _files(out) == before  # threads do not change outputs, so nothing is redone
    (out / "cylinder_001.npz").unlink()
    simulate_shard(objects, guesses, out, config=cfg, seed=7, cache_dir=None, progress=False)
    assert calls == ["cylinder_001"] and _files(out) == before
    simulate_shard(
        objects,
        guesses,
        out,
        config=dataclasses.replace(cfg, density=900.0),
        seed=7,
        cache_dir=None,
        progress=False,
    )
    assert calls == ["cylinder_001", "box_000", "cylinder_001"]


def test_report_and_stage_scripts(shard, tmp_path, sim):
    objects, guesses = shard
    params = tmp_path / "params.yaml"
    sim_params = {"threads": 1, "max_pictures": 0, "protocol": sim.fast_params}
    params.write_text(yaml.safe_dump({"seed": 7, "sim": sim_params}))
    simulate = _load(ROOT / "stages" / "simulate.py")
    report = _load(ROOT / "stages" / "sim_report.py")
    out = tmp_path / "sim" / "shard-00"
    args = [
        "--objects",
        str(objects),
        "--guesses",
        str(guesses),
        "--out",
        str(out),
        "--cache",
        str(tmp_path / "cache"),
        "--params",
        str(params),
        "--no-progress",
    ]
    assert simulate.main(args) == 0
    assert report.main(["--sim", str(tmp_path / "sim"), "--out", str(tmp_path / "sim.json")]) == 0
    rep = json.loads((tmp_path / "sim.json").read_text())
    nc = rep["negative_control"]
    assert rep["num_objects"] == 2 and nc["objects"] == 2
    assert nc["antipodal"]["rate"] > nc["random"]["rate"]
    assert 0.0 <= rep["start_penetration"]["fraction"] <= 1.0
    assert {o["object"] for o in rep["objects"]} == {"box_000", "cylinder_001"}
    # the dexgen preset's held rule: no held object drifted past 2 cm, so none moved past the report's limits
    moved = rep["motion"]["overall"]["collision_free"]
    assert moved["held"] == rep["overall"]["collision_free"]["held"] and moved["past_translation"] == 0
    assert all("motion" in o for o in rep["objects"])
    assert rep["closing_force_n"] == [235.0]  # the gripper's own: sim.closing_force is null by default
    assert rep == json.loads(json.dumps(write_report(tmp_path / "sim", tmp_path / "again.json")))

    params.write_text(yaml.safe_dump({"seed": 7, "sim": {"backend": "nope"}}))
    assert simulate.main(args) == 1
    assert report.main(["--sim", str(tmp_path / "empty"), "--out", str(tmp_path / "x.json")]) == 1


def test_stage_refuses_a_shard_without_guesses(shard, tmp_path, sim):
    objects, _ = shard
    from dexgen.errors import InputError

    with pytest.raises(InputError, match="guess file missing"):
        simulate_shard(
            objects,
            tmp_path / "none",
            tmp_path / "out",
            config=_config(sim),
            seed=7,
            cache_dir=None,
            progress=False,
        )


def _load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_picture_colours_follow_the_outcome(tmp_path, gripper, sim):
    from dexgen.sim.pictures import render_trials

    mesh = trimesh.creation.box((0.04, 0.05, 0.06))
    poses = np.stack(
        [
            sim.grasp(gripper, (0, 0, 0.02), (0, 0, -1), (1, 0, 0)),
            sim.grasp(gripper, (0, 0, 0.0), (-1, 0, 0), (0, 1, 0)),
        ]
    )
    render_trials(
        tmp_path / "p.png",
        mesh,
        gripper,
        poses,
        np.full(2, 0.07),
        np.array([True, False]),
        reasons=np.array([0, 2], dtype=np.int8),
        title="box",
    )
    from PIL import Image

    img = np.asarray(Image.open(tmp_path / "p.png").convert("RGB")).astype(int)
    green = ((img[..., 1] > 100) & (img[..., 0] < 80) & (img[..., 2] < 80)).sum()
    red = ((img[..., 0] > 180) & (img[..., 1] < 80) & (img[..., 2] < 80)).sum()
    assert green > 20 and red > 20


def test_cli_commands(shard, tmp_path, sim):
    """`dexgen simulate`, `dexgen show` and `dexgen sim-report`: the stage's library calls, by flags."""
    from dexgen.cli.main import main

    objects, guesses = shard
    params = tmp_path / "params.yaml"
    params.write_text(
        yaml.safe_dump(
            {
                "seed": 7,
                "sim": {
                    "max_pictures": 0,
                    "protocol": {
                        "close_duration": 0.2,
                        "close_ramp": 0.1,
                        "lift_duration": 0.1,
                        "tugs": [],
                        "shake_duration": 0.0,
                    },
                },
            }
        )
    )

    def call(name, argv):
        return main([name, *argv])

    out = tmp_path / "sim" / "shard-00"
    assert (
        call(
            "simulate",
            [
                "--objects",
                str(objects),
                "--guesses",
                str(guesses),
                "--out",
                str(out),
                "--params",
                str(params),
                "--threads",
                "1",
                "--cache",
                str(tmp_path / "c"),
            ],
        )
        == 0
    )
    assert call("show", [str(out / "box_000.npz"), "--objects", str(objects)]) == 0
    assert (out / "box_000.png").exists()
    page = tmp_path / "box_000.html"
    flags = ["--objects", str(objects), "--html", str(page), "--guesses", str(guesses / "box_000.npz")]
    assert call("show", [str(out / "box_000.npz"), *flags]) == 0
    html = page.read_text()
    assert '"held"' in html and '"colliding"' in html and not (out / "box_000.html").exists()
    assert call("sim-report", ["--sim", str(tmp_path / "sim"), "--out", str(tmp_path / "sim.json")]) == 0
    assert json.loads((tmp_path / "sim.json").read_text())["num_objects"] == 2


def test_unit_costs_count_trials_and_cached_parts(shard, tmp_path, sim):
    from dexgen.sim.shard import simulate_units, trial_cost

    gmeta = {"stats": {"found": {"collision_free": 64, "colliding": 16, "random": 16}}}
    cfg = SimConfig(labels=("collision_free", "random"))
    assert trial_cost(gmeta, cfg, None) == trial_cost(gmeta, cfg, 1) == 80
    assert trial_cost(gmeta, cfg, 16) == 320  # x sqrt(parts)
    assert trial_cost(gmeta, dataclasses.replace(cfg, max_trials_per_label=10), None) == 20
    objects, guesses = shard
    cfg = _config(sim)
    cold = simulate_units(objects, guesses, tmp_path / "out", config=cfg, seed=7, cache_dir=tmp_path / "c")
    simulate_shard(
        objects, guesses, tmp_path / "out", config=cfg, seed=7, cache_dir=tmp_path / "c", progress=False
    )
    warm = simulate_units(objects, guesses, tmp_path / "out", config=cfg, seed=7, cache_dir=tmp_path / "c")
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    parts = {o["object"]: o["decomposition"]["parts"] for o in summary["objects"]}
    assert all(u.cost > 0 for u in cold)
    for before, after in zip(cold, warm):
        assert after.cost == pytest.approx(before.cost * parts[after.key] ** 0.5)  # from the cache's header
