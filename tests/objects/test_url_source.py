"""``source: url``: an archive with a pinned sha256, served from 127.0.0.1 by the test."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pytest

from dexgen.errors import FetchError, InputError
from dexgen.objects.build import build_object_set
from dexgen.params.objects import ObjectsConfig

EXAMPLES = Path(__file__).resolve().parents[2] / "examples/meshes"


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def example_archive() -> bytes:
    files = {
        f"set/{p.relative_to(EXAMPLES).as_posix()}": p.read_bytes()
        for p in EXAMPLES.rglob("*")
        if p.is_file()
    }
    return zip_bytes(files)


def url_config(server, data: bytes, *, sha256: str | None = None) -> ObjectsConfig:
    server.files["/objects.zip"] = data
    return ObjectsConfig(
        source="url",
        url=server.url("/objects.zip"),
        sha256=sha256 or hashlib.sha256(data).hexdigest(),
        archive_root="set",
        archive_scales_json="set/object_scales.json",
        workers=1,
    )


def test_archive_objects_match_the_directory_source(file_server, tmp_path):
    cfg = url_config(file_server, example_archive())
    report = build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    assert sorted(o["key"] for o in report["objects"]) == ["block.glb", "bottle.stl", "tools/hammer.obj"]
    # A second build uses the verified download and the extracted archive: no new request.
    requests = len(file_server.log)
    build_object_set(cfg, seed=0, out_dir=tmp_path / "objects2", cache_dir=tmp_path / "cache")
    assert len(file_server.log) == requests


def test_interrupted_download_resumes(file_server, tmp_path):
    data = example_archive()
    file_server.cut_after = len(data) // 3
    cfg = url_config(file_server, data)
    report = build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    assert report["count"] == 3
    assert any(rng == f"bytes={len(data) // 3}-" for _, rng, _ in file_server.log)


def test_wrong_sha256_is_refused_and_writes_nothing(file_server, tmp_path):
    cfg = url_config(file_server, example_archive(), sha256="0" * 64)
    with pytest.raises(FetchError, match="0000"):
        build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "objects").exists()


def test_member_escaping_the_target_is_refused(file_server, tmp_path):
    data = zip_bytes({"set/object_scales.json": b'{"a.obj": 1.0}', "../x": b"escape"})
    cfg = url_config(file_server, data)
    with pytest.raises(InputError, match=r"\.\./x"):
        build_object_set(cfg, seed=0, out_dir=tmp_path / "objects", cache_dir=tmp_path / "cache")
    assert not (tmp_path / "objects").exists()
    assert not (tmp_path / "x").exists() and not (tmp_path / "cache/x").exists()
