"""Building the object set: deterministic, complete, resumable, and all-or-nothing on bad input."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from dexgen.errors import ConfigError, InputError
from dexgen.objects import build as build_module
from dexgen.objects.build import build_object_set
from dexgen.objects.loading import load_object_mesh
from dexgen.objects.procedural import KINDS, make_object
from dexgen.params.objects import ObjectsConfig
from dexgen.records.objects import read_index

EXAMPLES = Path(__file__).resolve().parents[2] / "examples/meshes"


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_procedural_kind_is_watertight_and_graspable_sized(kind):
    mesh = make_object(kind, f"{kind}_000", seed=7, size_range=(0.02, 0.15))
    assert mesh.is_watertight and mesh.is_winding_consistent
    assert mesh.volume > 0
    assert 0.02 - 1e-9 <= mesh.extents.max() <= 0.15 + 1e-9


def test_builtin_set_is_byte_identical_across_runs(tmp_path):
    cfg = ObjectsConfig(count=12, workers=1)
    build_object_set(cfg, seed=3, out_dir=tmp_path / "a", cache_dir=tmp_path / "ca")
    build_object_set(
        dataclasses.replace(cfg, workers=2), seed=3, out_dir=tmp_path / "b", cache_dir=tmp_path / "cb"
    )
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    build_object_set(cfg, seed=4, out_dir=tmp_path / "c", cache_dir=tmp_path / "cc")
    assert tree_bytes(tmp_path / "a") != tree_bytes(tmp_path / "c")


def test_layout_has_every_shard_and_consistent_indexes(tmp_path):
    cfg = ObjectsConfig(count=12, workers=1)
    report = build_object_set(cfg, seed=3, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    whole = read_index(tmp_path / "objects")
    assert report["count"] == len(whole) == 12
    assert len({r.key.rsplit("_", 1)[0] for r in whole}) == 12
    seen = []
    for shard in cfg.shards:
        shard_dir = tmp_path / "objects" / f"shard-{shard}"
        records = read_index(shard_dir)
        assert all(r.shard == shard for r in records)
        for record in records:
            mesh = load_object_mesh(shard_dir, record)
            assert len(mesh.faces) == record.faces
        seen += records
    assert sorted(seen, key=lambda r: r.key) == whole


def test_directory_source_uses_scales_and_keys(tmp_path):
    cfg = ObjectsConfig(
        source="directory",
        object_dataset=EXAMPLES,
        object_scales_json=EXAMPLES / "object_scales.json",
        workers=1,
    )
    report = build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    by_key = {o["key"]: o for o in report["objects"]}
    assert sorted(by_key) == ["block.glb", "bottle.stl", "tools/hammer.obj"]
    assert by_key["block.glb"]["extents_mm"] == pytest.approx([50, 30, 80], abs=0.01)
    assert by_key["tools/hammer.obj"]["extents_mm"] == pytest.approx([60, 20, 110], abs=0.01)


def bad_dataset(tmp_path: Path, mesh_name: str, content: bytes) -> ObjectsConfig:
    root = tmp_path / "meshes"
    shutil.copytree(EXAMPLES, root)
    (root / mesh_name).write_bytes(content)
    scales = json.loads((root / "object_scales.json").read_text()) | {mesh_name: 1.0}
    (root / "object_scales.json").write_text(json.dumps(scales))
    return ObjectsConfig(
        source="directory", object_dataset=root, object_scales_json=root / "object_scales.json"
    )


def test_bad_mesh_stops_the_build_and_keeps_previous_output(tmp_path):
    out = tmp_path / "objects"
    out.mkdir()
    (out / "index.json").write_text('{"format_version": 1, "objects": []}')  # an earlier (empty) set
    cfg = bad_dataset(tmp_path, "broken.obj", b"v 0 0 0\nv 1 0 0\nv nan 1 0\nv 0 0 1\nf 1 2 3\nf 1 2 4\n")
    with pytest.raises(InputError, match=r"broken\.obj: 1 vertices are NaN"):
        build_object_set(
            cfg, seed=0, out_dir=out, cache_dir=tmp_path / "cache", report_path=tmp_path / "r.json"
        )
    assert [p.name for p in out.iterdir()] == ["index.json"]
    assert not (tmp_path / "r.json").exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".objects")]


def test_skip_mode_reports_bad_meshes(tmp_path):
    cfg = dataclasses.replace(
        bad_dataset(tmp_path, "empty.stl", b""), on_bad_mesh="skip", max_skipped_fraction=0.5, workers=1
    )
    report = build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    assert report["count"] == 3 and report["skipped"] == 1
    assert "empty.stl: file is empty" in report["skipped_objects"][0]["reason"]
    strict = dataclasses.replace(cfg, max_skipped_fraction=0.1)
    with pytest.raises(InputError, match="more than objects.max_skipped_fraction"):
        build_object_set(strict, seed=0, out_dir=tmp_path / "objects2", cache_dir=tmp_path / "cache")


def test_rerun_reuses_finished_objects(tmp_path, monkeypatch):
    cfg = ObjectsConfig(count=6, workers=1)
    build_object_set(cfg, seed=1, out_dir=tmp_path / "a", cache_dir=tmp_path / "cache")

    def fail(*args, **kwargs):
        raise AssertionError("a finished object was processed again")

    monkeypatch.setattr(build_module, "repair_mesh", fail)
    build_object_set(cfg, seed=1, out_dir=tmp_path / "b", cache_dir=tmp_path / "cache")
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    # One more object: only the new one is processed (and fails here, proving the others were cached).
    with pytest.raises(AssertionError, match="processed again"):
        build_object_set(
            dataclasses.replace(cfg, count=7), seed=1, out_dir=tmp_path / "c", cache_dir=tmp_path / "cache"
        )


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"source": "ftp"}, "'ftp' is not one of"),
        ({"count": -1}, "count must be >= 0"),
        ({"kinds": ["box", "teapot"]}, "known kinds are"),
        ({"size_range": [0.2, 0.1]}, "size_range"),
        ({"shards": ["00", "00"]}, "duplicate"),
        ({"source": "url", "url": "http://127.0.0.1/x.zip", "sha256": "abc"}, "64 lowercase hex"),
        ({"colour": "red"}, "unknown key"),
    ],
)
def test_bad_config_is_refused_with_the_key_path(values, message):
    from dexgen.config import from_mapping

    with pytest.raises(ConfigError, match=message) as info:
        from_mapping(ObjectsConfig, values, where="params.yaml:objects")
    assert "params.yaml:objects" in str(info.value)


@pytest.mark.parametrize("content", [None, b"ply\nformat nonsense\n", b""])
def test_a_missing_or_unreadable_processed_mesh_is_an_input_error_naming_the_file(tmp_path, content):
    cfg = ObjectsConfig(count=1, kinds=("box",), shards=("00",), workers=1)
    build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    shard_dir = tmp_path / "objects" / "shard-00"
    (record,) = read_index(shard_dir)
    path = shard_dir / record.mesh
    if content is None:
        path.unlink()
    else:
        path.write_bytes(content)
    with pytest.raises(InputError, match=record.mesh):
        load_object_mesh(shard_dir, record)
