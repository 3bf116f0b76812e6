"""Writer -> reader round trip, labels, negatives at their input pose, determinism and resume."""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
from graspgen.helpers import GRIPPER, KEYS, make_result, poses

from dexgen.graspgen.export import export_results, mesh_relpath
from dexgen.graspgen.grasp_file import grasp_file_name, read_grasp_file
from dexgen.graspgen.labels import KINDS, negative_quota, select_grasps
from dexgen.graspgen.sources import object_result
from dexgen.graspgen.validate import check_dataset, resolve_mesh
from dexgen.grippers.loader import load_gripper
from dexgen.hashing import sha256_file
from dexgen.params.graspgen import GraspgenConfig
from dexgen.records.grippers import gripper_record
from dexgen.records.guesses import ObjectGuesses, write_guesses
from dexgen.records.trials import ARRAYS, write_results
from dexgen.seeding import rng_for


def test_round_trip_loads_back_and_passes_the_checklist(dataset):
    rep = check_dataset(dataset, GRIPPER)
    assert sorted(rep.objects) == sorted(KEYS)
    gdir = dataset / "grasp_data" / GRIPPER
    mapping = json.loads((gdir / "map_uuid_to_path.json").read_text())
    assert mapping == {k: grasp_file_name(k, 1.0) for k in KEYS}
    for key, name in mapping.items():
        doc, t, ok = read_grasp_file(gdir / name)
        assert doc["object"] == {"file": key, "scale": 1.0}
        assert ok.sum() == 8 and (~ok).sum() == 12  # 8 sim successes; 6 failures + 6 colliding
        raw = json.loads((gdir / name).read_text())["grasps"]["object_in_gripper"]
        assert all(type(v) is bool for v in raw)  # JSON true/false, never 0/1
        assert resolve_mesh(dataset / "objects", key) == dataset / "objects" / mesh_relpath(key)
    assert mesh_relpath("sub/mug.obj") == "sub/mug.obj" and mesh_relpath("box_000") == "box_000.obj"
    text = (gdir / mapping["box_000"]).read_text()
    assert "true" in text and "false" in text
    assert rep.kappa == pytest.approx(1 / (7 * 0.002))  # 8 positives spread 2 mm apart in x


def test_checking_the_gripper_py_leaves_no_bytecode_in_the_dataset(dataset, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)  # as in a shell without PYTHONDONTWRITEBYTECODE
    check_dataset(dataset, GRIPPER)
    assert not list(dataset.rglob("__pycache__")), "a DVC output must not gain untracked bytecode"
    assert sys.dont_write_bytecode is False


def test_same_inputs_give_identical_bytes_and_unchanged_files_are_skipped(tmp_path, gripper, dataset):
    out = tmp_path / "again"
    results = [make_result(tmp_path, k) for k in KEYS]
    first = export_results(
        results, dataset=out, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False
    )
    for path in (dataset / "grasp_data").rglob("*.json"):
        assert path.read_bytes() == (out / path.relative_to(dataset)).read_bytes()
    victim = out / "grasp_data" / GRIPPER / grasp_file_name("box_000", 1.0)
    before = victim.stat().st_mtime_ns
    again = export_results(
        results, dataset=out, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False
    )
    assert victim.stat().st_mtime_ns == before  # provenance matched: not rewritten
    assert again == first  # the metrics do not say whether files had to be written (a fresh clone must match)


def test_negatives_are_at_their_input_pose_not_the_post_trial_pose(tmp_path):
    """A sim results file whose final poses are 1 m away: the export must use the input poses."""
    from dexgen.records.objects import ObjectRecord

    n = 10
    inputs = poses(n)
    ok = np.arange(n) % 2 == 0
    guess_path = tmp_path / "g.npz"
    nan = np.full((n, 2, 3), np.nan)
    zeros = np.zeros(n, np.int8)
    guesses = ObjectGuesses(inputs, np.zeros(n), np.full(n, 0.08), nan, nan, zeros, zeros, zeros, {})
    block = gripper_record(load_gripper(GRIPPER))
    mesh = tmp_path / "box.ply"
    mesh.write_bytes(b"ply")  # only hashed: the export checks the index's mesh_sha256 before loading it
    made_from = {"mesh_sha256": sha256_file(mesh)}
    write_guesses(
        guess_path,
        guesses,
        {
            "object": "box",
            "gripper": block,
            "labels": ["collision_free", "colliding", "random"],
            "provenance": made_from,
        },
    )
    final = inputs.copy()
    final[:, :3, 3] += 1.0
    arrays = {name: np.zeros(n) for name in ARRAYS}
    arrays.update(
        poses=inputs, final_poses=final, success=ok, guess_index=np.arange(n), labels=np.zeros(n, np.int8)
    )
    sim_path = tmp_path / "s.npz"
    write_results(
        sim_path,
        arrays,
        {
            "object": "box",
            "gripper": block,
            "provenance": {"guesses_sha256": sha256_file(guess_path), **made_from},
        },
    )
    record = ObjectRecord(
        "box",
        "00",
        "box.ply",
        1.0,
        "builtin",
        "",
        made_from["mesh_sha256"],
        True,
        1.0,
        (0.1, 0.1, 0.1),
        12,
        {},
    )
    result = object_result(tmp_path, record, guess_path, sim_path)
    assert (
        result.trial_peak_translation.shape == result.trial_peak_rotation.shape == (n,)
    )  # for a motion limit
    sel = select_grasps(result, GraspgenConfig(colliding_fraction=0.0), rng_for(0, "t"))
    neg = sel.transforms[~sel.success]
    assert len(neg) == 5
    np.testing.assert_array_equal(neg, inputs[~ok])
    assert np.abs(neg[:, :3, 3]).max() < 0.5  # none at the post-trial pose


def test_negative_mix_follows_the_ratio_and_tops_up():
    assert negative_quota(16, 0.5, 100, 100, topup=True) == (8, 8)
    assert negative_quota(16, 0.25, 100, 100, topup=True) == (12, 4)
    assert negative_quota(16, 0.5, 3, 100, topup=True) == (3, 13)
    assert negative_quota(16, 0.5, 3, 100, topup=False) == (3, 8)
    assert negative_quota(16, 0.5, 0, 2, topup=True) == (0, 2)


def test_guess_only_uses_collision_free_guesses_and_colliding_negatives(tmp_path):
    r = make_result(tmp_path, "box_000")
    sel = select_grasps(r, GraspgenConfig(guess_only=True), rng_for(0, "t"))
    counts = sel.counts()
    assert counts["guess_free"] == 14 and counts["sim_success"] == 0
    assert counts["colliding"] == 6 and counts["sim_failure"] == 0
    assert set(counts) == set(KINDS)


def test_objects_short_of_positives_stay_out_of_map_and_splits(tmp_path, gripper):
    results = [make_result(tmp_path, k) for k in KEYS] + [make_result(tmp_path, "thin", n_ok=3)]
    out = tmp_path / "ds"
    metrics = export_results(
        results, dataset=out, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False
    )
    assert metrics["excluded_objects"] == {"thin": "3 positive(s); GraspGen's generator needs 5"}
    assert (out / "grasp_data" / GRIPPER / grasp_file_name("thin", 1.0)).is_file()
    mapping = json.loads((out / "grasp_data" / GRIPPER / "map_uuid_to_path.json").read_text())
    assert "thin" not in mapping
    splits = (out / "splits" / GRIPPER / "train.txt").read_text() + (
        out / "splits" / GRIPPER / "valid.txt"
    ).read_text()
    assert "thin" not in splits.split()


def test_pruning_export_removes_its_grasp_files_the_map_leaves_out(tmp_path, gripper):
    out = tmp_path / "ds"
    gdir = out / "grasp_data" / GRIPPER
    kept = [make_result(tmp_path, k) for k in KEYS]
    export_results(
        kept + [make_result(tmp_path, "thin")],
        dataset=out,
        gripper=gripper,
        cfg=GraspgenConfig(),
        seed=3,
        progress=False,
    )
    thin = gdir / grasp_file_name("thin", 1.0)
    assert thin.is_file()  # eligible in the earlier run
    doc = json.loads(thin.read_text())  # a user's grasp file beside ours: no dexgen provenance
    doc.pop("dexgen")
    theirs = gdir / "theirs.grasps.json"
    theirs.write_text(json.dumps(doc | {"object": {**doc["object"], "file": "theirs"}}))
    thin_now = make_result(tmp_path, "thin", n_ok=3)  # now short of positives: excluded
    thin_now.inputs["sim"] = "fewer held"  # what the provenance records of the new sim results
    metrics = export_results(
        kept + [thin_now],
        dataset=out,
        gripper=gripper,
        cfg=GraspgenConfig(),
        seed=3,
        progress=False,
        prune=True,
    )
    assert list(metrics["excluded_objects"]) == ["thin"]
    assert not thin.exists() and theirs.is_file()  # ours removed, the user's kept
    mapping = json.loads((gdir / "map_uuid_to_path.json").read_text())
    ours = sorted(p.name for p in gdir.glob("*.grasps.json") if p != theirs)
    assert ours == sorted(mapping.values())


def test_exclusion_warning_says_how_many_it_does_not_name(tmp_path, caplog):
    from dexgen.graspgen.export import eligible_objects

    few = {"positives": 1, "negatives": 4}
    per_object = {f"obj_{i:02d}": few for i in range(12)} | {"good": {"positives": 9, "negatives": 4}}
    eligible_objects(per_object, GraspgenConfig(max_excluded_fraction=1.0), tmp_path)
    assert "12 of 13 objects" in caplog.text and "obj_09" in caplog.text and "and 2 more" in caplog.text


def test_each_dropped_object_says_why():
    from dexgen.graspgen.export import exclusion

    cfg = GraspgenConfig()
    wide = {"positives": 0, "negatives": 16, "narrowest_width": 0.129, "stroke": 0.085}
    assert exclusion(wide, cfg) == "wider than the stroke in every direction (narrowest 129 mm, stroke 85 mm)"
    tried = dict(wide, narrowest_width=0.088, sim_failure=8, collision_free_guesses=3)
    assert exclusion(tried, cfg) == (
        "wider than the stroke (narrowest 88 mm, stroke 85 mm); none of 3 collision-free corner grasp(s) held in simulation"
    )
    few = {"positives": 2, "negatives": 16, "narrowest_width": 0.05, "stroke": 0.085}
    assert exclusion(few, cfg) == "2 positive(s); GraspGen's generator needs 5"
    hidden = {"positives": 40, "negatives": 16, "visible_positives": 0}
    assert "visibility filter" in exclusion(hidden, cfg)
    assert exclusion({"positives": 40, "negatives": 16, "visible_positives": 3}, cfg) is None
