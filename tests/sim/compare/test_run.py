"""sim_compare end to end on two objects: the report, pictures, resume, the stage off and on, the command."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
import trimesh
import yaml
from object_shards import write_shard

from dexgen.cli.main import main as dexgen
from dexgen.cli.sim import agreement_table
from dexgen.guess.shard import guess_shard
from dexgen.params.compare import KINDS, SimCompareConfig
from dexgen.params.guess import GuessConfig
from dexgen.params.sim import DecompositionConfig, SimConfig, sim_variant
from dexgen.records import npz
from dexgen.sim.compare import run as compare_run
from dexgen.sim.compare.run import ARRAYS, FORMAT_VERSION, compare_engines
from dexgen.sim.mujoco_backend import MujocoBackend

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("compare")
    objects = root / "objects" / "shard-00"
    write_shard(
        objects,
        {
            "box_000": trimesh.creation.box((0.04, 0.05, 0.06)),
            "cylinder_001": trimesh.creation.cylinder(radius=0.02, height=0.07, sections=24),
        },
    )
    cfg = GuessConfig(num_collision_free_grasps=8, num_colliding_grasps=2, num_random_poses=4, max_pictures=0)
    guess_shard(objects, root / "guesses" / "shard-00", config=cfg, seed=7, progress=False)
    return root


def _engines(fast: dict) -> tuple[SimConfig, SimConfig]:
    a = sim_variant(
        SimConfig(threads=1, decomposition=DecompositionConfig(method="hull")), {"protocol": fast}, where="a"
    )
    return a, sim_variant(a, {"protocol": {"preset": "graspdatagen"}}, where="b")


def _compare(data: Path, out: Path, fast: dict, **changes) -> dict:
    a, b = _engines(fast)
    cfg = SimCompareConfig(enabled=True, trials_per_object=10, max_pictures=1, **changes)
    return compare_engines(
        data / "objects",
        data / "guesses",
        out / "files",
        out / "report.json",
        a=a,
        b=b,
        config=cfg,
        seed=7,
        clearance=0.002,
        cache_dir=None,
        pictures=out / "pictures",
        progress=False,
    )


def test_report_files_pictures_and_resume(data, tmp_path, monkeypatch, sim):
    r = _compare(data, tmp_path, sim.fast_params)
    assert r["objects"] == 2 and r["trials"] == 20
    assert r["engines"]["a"].endswith("/ dexgen") and r["engines"]["b"].endswith("/ graspdatagen")
    assert sum(map(sum, r["confusion"])) == 20
    assert sum(k["trials"] for k in r["by_kind"].values()) == 20
    kinds = r["by_kind"]
    assert kinds["random"]["success_rate_a"] < kinds["collision_free"]["success_rate_a"]  # not grasps
    assert [o["object"] for o in r["per_object"]] in (
        ["box_000", "cylinder_001"],
        ["cylinder_001", "box_000"],
    )
    dis = r["disagreements"]
    assert dis["held_by_a_only"]["trials"] == r["confusion"][1][0]
    assert sum(dis["held_by_a_only"]["b_failed_at"].values()) == r["confusion"][1][0]
    assert json.loads((tmp_path / "report.json").read_text()) == json.loads(json.dumps(r))
    arrays, meta = npz.read(
        tmp_path / "files" / "box_000.npz", ARRAYS, kind="x", format_version=FORMAT_VERSION
    )
    assert arrays["poses"].shape == (10, 4, 4) and meta["provenance"]["stage"] == "sim_compare"
    pictures = sorted((tmp_path / "pictures").glob("*.png"))
    assert len(pictures) == (1 if any(o["disagreements"] for o in r["per_object"]) else 0)

    before = {p.name: p.read_bytes() for p in sorted((tmp_path / "files").iterdir())}
    calls = []
    real = MujocoBackend.run
    monkeypatch.setattr(
        MujocoBackend, "run", lambda self, obj, *a: calls.append(obj.key) or real(self, obj, *a)
    )
    again = _compare(data, tmp_path, sim.fast_params)
    assert calls == [] and again == r  # finished objects are reused
    (tmp_path / "files" / "box_000.npz").unlink()
    assert _compare(data, tmp_path, sim.fast_params) == r
    assert calls == ["box_000", "box_000"]  # both engines, that object only
    assert {p.name: p.read_bytes() for p in sorted((tmp_path / "files").iterdir())} == before
    _compare(data, tmp_path, sim.fast_params, near_miss_tilt=10.0)  # another trial set: every object again
    assert calls.count("cylinder_001") == 2


def test_both_outcomes_in_quantity(data, tmp_path, sim):
    r = _compare(data, tmp_path, sim.fast_params)
    for side in ("a", "b"):
        assert 0.2 <= r[f"success_rate_{side}"] <= 0.8, r


def _stage():
    spec = importlib.util.spec_from_file_location("sim_compare_stage", ROOT / "stages" / "sim_compare.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _params(path: Path, enabled: bool, fast: dict) -> Path:
    sim = {"threads": 1, "max_pictures": 0, "decomposition": {"method": "hull"}, "protocol": fast}
    compare = {"enabled": enabled, "trials_per_object": 6, "max_pictures": 2, "a": {}}
    compare["b"] = {"protocol": {"preset": "graspdatagen"}}  # MuJoCo both sides: no Isaac Lab needed
    path.write_text(yaml.safe_dump({"seed": 7, "sim": sim, "sim_compare": compare}))
    return path


def test_stage_off_keeps_the_last_report_and_on_runs(data, tmp_path, sim):
    stage = _stage()
    metrics = tmp_path / "metrics" / "sim_compare.json"
    args = [
        *("--objects", str(data / "objects"), "--guesses", str(data / "guesses")),
        *("--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "files")),
        *("--metrics", str(metrics), "--pictures", str(tmp_path / "metrics" / "pictures"), "--no-progress"),
    ]
    assert stage.main([*args, "--params", str(_params(tmp_path / "off.yaml", False, sim.fast_params))]) == 0
    assert json.loads(metrics.read_text())["enabled"] is False  # nothing ran before: says how to turn it on
    assert (tmp_path / "files").is_dir()
    index = tmp_path / "metrics" / "pictures" / "index.json"  # never an empty folder: git would drop it
    assert json.loads(index.read_text()) == {"engines": None, "pictures": []}
    assert stage.main([*args, "--params", str(_params(tmp_path / "on.yaml", True, sim.fast_params))]) == 0
    report = metrics.read_bytes()
    assert json.loads(report)["trials"] == 12
    shown = json.loads(index.read_text())["pictures"]
    assert sorted(p.name for p in index.parent.glob("*.png")) == sorted(shown) and len(shown) <= 2
    assert stage.main([*args, "--params", str(_params(tmp_path / "off.yaml", False, sim.fast_params))]) == 0
    assert metrics.read_bytes() == report  # off: the last enabled run's report stays
    (tmp_path / "bad.yaml").write_text(
        yaml.safe_dump({"sim_compare": {"enabled": True, "b": {"backend": "x"}}})
    )
    assert stage.main([*args, "--params", str(tmp_path / "bad.yaml")]) == 1


def test_command_prints_the_table_and_names_bad_engines(data, tmp_path, capsys, monkeypatch, sim):
    monkeypatch.chdir(tmp_path)
    # the command runs whatever the stage's switch says
    params = _params(tmp_path / "params.yaml", False, sim.fast_params)
    base = [
        *("sim-compare", "--params", str(params), "--objects", str(data / "objects")),
        *("--guesses", str(data / "guesses"), "--max-objects", "1", "--trials-per-object", "4"),
    ]
    assert dexgen(base) == 0
    out = capsys.readouterr().out
    assert "b: mujoco" in out and "graspdatagen" in out and "near_miss" in out and "kappa" in out
    assert json.loads((tmp_path / "metrics" / "sim_compare.json").read_text())["objects"] == 1
    assert dexgen([*base, "--b", "{friction: high}"]) == 1
    assert "sim_compare.b.friction" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        dexgen([*base, "--a", "[1, 2]"])


def test_a_missing_guess_file_is_named(data, tmp_path, sim):
    a, b = _engines(sim.fast_params)
    with pytest.raises(Exception, match="guess file missing"):
        compare_run.compare_units(
            data / "objects",
            tmp_path,
            tmp_path / "out",
            a=a,
            b=b,
            cfg=SimCompareConfig(),
            seed=7,
            clearance=0.002,
        )


def test_objects_compared_on_random_poses_only_are_named():
    """An object with no collision-free guess (wider than the stroke) gets random poses alone."""

    def one(key: str, kinds: list[int]) -> tuple[Path, dict, dict]:
        n = len(kinds)
        arrays = {name: np.zeros(n, np.int64) for name in ARRAYS} | {"kinds": np.array(kinds, np.int8)}
        return Path(f"{key}.npz"), arrays, {"object": key}

    random, free = KINDS.index("random"), KINDS.index("collision_free")
    loaded = [one("wide", [random, random]), one("box", [free, random]), one("empty", [])]
    result = compare_run.report(loaded, {"a": "x", "b": "y"})
    assert result["random_poses_only"] == ["wide"]
    assert "random poses only (no collision-free guess): 1: wide" in agreement_table(result)
