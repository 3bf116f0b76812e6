"""Coverage figures on hand-checkable cases, and the report over a small shard."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import trimesh
from object_shards import write_shard

from dexgen.guess.coverage import APPROACH_BINS, approach_fraction, surface_fraction
from dexgen.guess.report import kind_of, write_report
from dexgen.guess.shard import guess_shard
from dexgen.params.guess import GuessConfig
from dexgen.records.objects import read_index


def _poses(approaches: np.ndarray) -> np.ndarray:
    poses = np.tile(np.eye(4), (len(approaches), 1, 1))
    poses[:, :3, 2] = approaches
    return poses


def test_approach_fraction_counts_icosahedral_cells():
    assert approach_fraction(_poses(APPROACH_BINS)) == 1.0
    assert approach_fraction(_poses(np.tile(APPROACH_BINS[:1], (50, 1)))) == 1 / 20
    assert approach_fraction(np.zeros((0, 4, 4))) == 0.0


def test_surface_fraction_is_the_share_of_area_near_a_contact():
    box = trimesh.creation.box(extents=(0.01, 0.01, 0.01))
    rng = np.random.default_rng(0)
    assert surface_fraction(box, box.vertices, rng) == 1.0  # every point is within 1 cm of a corner
    assert surface_fraction(box, np.full((3, 3), np.nan), rng) == 0.0
    big = trimesh.creation.box(extents=(0.2, 0.2, 0.2))
    one = surface_fraction(big, np.array([[0.1, 0.0, 0.0]]), rng)
    assert 0 < one < 0.02  # a 1 cm disc of a 0.24 m^2 surface


def test_report_names_what_is_missing_and_why(shard, tmp_path):
    cfg = GuessConfig(num_collision_free_grasps=8, num_colliding_grasps=4, num_random_poses=2, workers=1)
    cfg = dataclasses.replace(cfg, max_attempts=2000, worst_pictures=1)
    objects = shard.parent
    guess_shard(shard, tmp_path / "guesses" / shard.name, config=cfg, seed=1, progress=False)
    out, pics = tmp_path / "guess.json", tmp_path / "guess"
    pics.mkdir()
    (pics / "stale.png").write_bytes(b"x")
    out.write_text(json.dumps({"worst": [{"picture": "guess/stale.png"}]}))  # the last report drew it
    rep = write_report(
        objects, tmp_path / "guesses", tmp_path / "sim", out, config=cfg, seed=1, pictures=pics
    )
    assert json.loads(out.read_text()) == rep
    assert rep["objects"] == 3 and rep["fit_stroke"] == 2 and rep["too_wide"] == ["too_wide"]
    assert rep["fit_but_short"] == [] and rep["fit_and_collision_free_quota_met"] == 2
    assert rep["collision_free_quota_met"] == 2 and list(rep["by_kind"]) == ["mesh"]  # keys name no kind
    assert [w["object"] for w in rep["worst"]] == ["too_wide"]
    assert sorted(p.name for p in pics.iterdir()) == ["shard-00-too_wide.png"]
    samplers = rep["samplers"]
    assert set(samplers) == {"antipodal", "finger_pad"}
    assert sum(s["collision_free"] for s in samplers.values()) == 16
    assert all(s["sim"]["trials"] == 0 for s in samplers.values())  # no simulation yet
    rows = {r["object"]: r for r in rep["per_object"]}
    assert rows["box"]["approach_fraction"] > 0.2 and rows["too_wide"]["approach_fraction"] == 0.0


def test_an_object_wider_than_the_stroke_but_grasped_at_a_corner_counts_as_fitting(tmp_path):
    """A 150 mm tetrahedron is 122 mm across at its narrowest, yet the fingertips close on its corners:
    it is reported as fitting and short of quota, not as too wide."""
    corners = (
        np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=float) * 0.15 / (2 * np.sqrt(2))
    )
    shard = write_shard(
        tmp_path / "objects" / "shard-00", {"tetrahedron": trimesh.convex.convex_hull(corners)}
    )
    cfg = GuessConfig(num_collision_free_grasps=64, num_colliding_grasps=4, num_random_poses=0, workers=1)
    guess_shard(shard, tmp_path / "guesses" / shard.name, config=cfg, seed=0, progress=False)
    rep = write_report(
        shard.parent, tmp_path / "guesses", tmp_path / "sim", tmp_path / "g.json", config=cfg, seed=0
    )
    (row,) = rep["per_object"]
    assert row["min_width"] > 0.12 and 0 < row["found"]["collision_free"] < 64
    assert rep["too_wide"] == [] and rep["fit_but_short"] == ["tetrahedron"]


def test_kind_comes_from_builtin_keys_only(shard):
    record = read_index(shard)[0]
    assert kind_of(record) == "mesh"
    assert kind_of(dataclasses.replace(record, key="bowl_009")) == "bowl"
    assert kind_of(dataclasses.replace(record, key="bowl_009", source="directory")) == "mesh"


def test_guess_cli_takes_a_sampler_mix_and_reports(shard, tmp_path, capsys, monkeypatch):
    from dexgen.cli.main import main

    monkeypatch.chdir(tmp_path)  # no params.yaml: the defaults
    out = tmp_path / "guesses" / shard.name
    assert (
        main(
            [
                "guess",
                "--objects",
                str(shard),
                "--out",
                str(out),
                "--samplers",
                "finger_pad=1",
                "--workers",
                "1",
            ]
        )
        == 0
    )
    from dexgen.records.guesses import SAMPLERS, read_guesses

    arrays, _ = read_guesses(out / "box.npz", record=None)
    made = set(arrays["samplers"][arrays["labels"] != 2].tolist())
    assert made == {SAMPLERS.index("finger_pad")}
    capsys.readouterr()
    code = main(
        [
            "guess-report",
            "--objects",
            str(shard.parent),
            "--guesses",
            str(out.parent),
            "--sim",
            str(tmp_path / "none"),
        ]
    )
    assert code == 0 and json.loads(capsys.readouterr().out)["too_wide"] == ["too_wide"]
    assert (tmp_path / "metrics" / "guess.json").is_file()


def test_a_bad_sampler_mix_is_a_usage_error_naming_the_flag(shard, tmp_path, capsys):
    from dexgen.cli.main import main

    assert (
        main(["guess", "--objects", str(shard), "--out", str(tmp_path / "g"), "--samplers", "magic=1"]) == 1
    )
    assert "unknown sampler(s) ['magic']" in capsys.readouterr().err
    assert (
        main(["guess", "--objects", str(shard), "--out", str(tmp_path / "g"), "--samplers", "finger_pad"])
        == 1
    )
    assert "--samplers: expected NAME=FRACTION" in capsys.readouterr().err
