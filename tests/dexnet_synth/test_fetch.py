"""fetch_dexnet against a 127.0.0.1 server serving small archives in the published layouts."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from dexgen.dexnet.fetch import fetch_all, fetch_task
from dexgen.dexnet.tensors import TensorsIndex
from dexgen.dexnet.testing import write_tiny_dataset
from dexgen.errors import ConfigError, FetchError, InputError
from dexgen.hashing import sha256_bytes
from dexgen.params.dexnet import ArchiveConfig, DownloadConfig
from dexgen.params.tree import params_from_mapping


def _zip_of(folder: Path, prefix: str, drop: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file() and not (drop and p.name.startswith(drop)):
                zf.write(p, f"{prefix}/{p.relative_to(folder)}")
    return buf.getvalue()


def _tgz_of(folder: Path, prefix: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        tf.add(folder, arcname=prefix)
    return buf.getvalue()


@pytest.fixture(scope="module")
def datasets(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("published")
    write_tiny_dataset(root / "pj", "parallel_jaw", 2500, seed=1, positive_rate=0.21)  # 3 files, last 500
    write_tiny_dataset(root / "su", "suction", 1200, seed=2, positive_rate=0.12)
    return {"parallel_jaw": root / "pj", "suction": root / "su"}


def _pj_config(url: str, data: bytes, **kw) -> ArchiveConfig:
    base = dict(
        url=url,
        sha256=sha256_bytes(data),
        archive_root="dexnet_2_tensor",
        expected_files=3,
        positive_rate=(0.1, 0.3),
    )
    return ArchiveConfig(**{**base, **kw})


def test_fetches_both_published_layouts_and_validates_them(datasets, file_server, tmp_path):
    pj = _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor")
    su = _tgz_of(datasets["suction"], "dexnet_3/dexnet_09_13_17")
    file_server.files = {"/pj.zip": pj, "/su.gz": su}  # Box's 3.0 link ends in .gz
    cfg = DownloadConfig(
        parallel_jaw=_pj_config(file_server.url("/pj.zip"), pj),
        suction=ArchiveConfig(
            url=file_server.url("/su.gz"),
            sha256=sha256_bytes(su),
            archive_root="dexnet_3/dexnet_09_13_17",
            positive_rate=(0.05, 0.2),
        ),
    )
    report = fetch_all("download", cfg, tmp_path / "out", cache_dir=tmp_path / "cache", progress=False)
    assert report["parallel_jaw"]["num_datapoints"] == 2500 and report["parallel_jaw"]["num_files"] == 3
    assert report["suction"]["num_datapoints"] == 1200
    assert TensorsIndex(tmp_path / "out" / "suction", ["hand_poses"]).shapes["hand_poses"] == (7,)
    assert not list((tmp_path / "out").glob(".*"))  # no staging folder left behind


def test_wrong_sha256_is_refused_and_nothing_is_kept(datasets, file_server, tmp_path):
    pj = _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor")
    file_server.files = {"/pj.zip": pj}
    cfg = _pj_config(file_server.url("/pj.zip"), pj, sha256="0" * 64)
    with pytest.raises(FetchError, match="sha256 mismatch"):
        fetch_task("parallel_jaw", cfg, tmp_path / "out", cache_dir=tmp_path / "cache", progress=False)
    assert not (tmp_path / "out" / "parallel_jaw").exists()


def test_a_dropped_connection_resumes_with_a_range_request(datasets, file_server, tmp_path):
    pj = _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor")
    file_server.files = {"/pj.zip": pj}
    file_server.cut_after = len(pj) // 3
    cfg = _pj_config(file_server.url("/pj.zip"), pj)
    report = fetch_task("parallel_jaw", cfg, tmp_path / "out", cache_dir=tmp_path / "cache", progress=False)
    assert report["num_datapoints"] == 2500
    assert [status for _, _, status in file_server.log] == [200, 206]
    assert file_server.log[1][1] == f"bytes={len(pj) // 3}-"


@pytest.mark.parametrize("kind", ["zip", "tar.gz"])
def test_a_truncated_archive_is_refused_clearly(datasets, file_server, tmp_path, kind):
    # pinned, but cut short upstream; a zip of .npz files cut short still opens (on an inner npz)
    data = (
        _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor")
        if kind == "zip"
        else _tgz_of(datasets["parallel_jaw"], "dexnet_2_tensor")
    )
    data = data[: len(data) // 2]
    file_server.files = {f"/pj.{kind}": data}
    with pytest.raises(InputError, match="truncated or corrupt zip|cannot read or extract"):
        fetch_task(
            "parallel_jaw",
            _pj_config(file_server.url(f"/pj.{kind}"), data),
            tmp_path / "out",
            cache_dir=tmp_path / "cache",
            progress=False,
        )
    assert not (tmp_path / "out" / "parallel_jaw").exists()


def test_an_archive_lacking_the_label_field_is_refused_naming_it(datasets, file_server, tmp_path):
    pj = _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor", drop="robust_ferrari_canny")
    file_server.files = {"/pj.zip": pj}
    with pytest.raises(InputError, match="robust_ferrari_canny"):
        fetch_task(
            "parallel_jaw",
            _pj_config(file_server.url("/pj.zip"), pj),
            tmp_path / "out",
            cache_dir=tmp_path / "cache",
            progress=False,
        )


@pytest.mark.parametrize(
    "change, message",
    [
        ({"archive_root": "dex-net_2.0"}, "no tensors/ folder"),
        ({"expected_files": 6729}, "3 files per field, expected 6729"),
        ({"positive_rate": (0.5, 0.9)}, "positive rate 0.2"),
    ],
)
def test_layout_count_and_rate_mismatches_are_refused(datasets, file_server, tmp_path, change, message):
    pj = _zip_of(datasets["parallel_jaw"], "dexnet_2_tensor")
    file_server.files = {"/pj.zip": pj}
    with pytest.raises(InputError, match=message):
        fetch_task(
            "parallel_jaw",
            _pj_config(file_server.url("/pj.zip"), pj, **change),
            tmp_path / "out",
            cache_dir=tmp_path / "cache",
            progress=False,
        )


def test_download_without_a_pinned_sha256_is_refused_before_any_request(file_server, tmp_path):
    cfg = DownloadConfig()  # the published URLs, sha256 null
    with pytest.raises(ConfigError, match=r"dexnet.download.parallel_jaw.sha256 is null"):
        fetch_all("download", cfg, tmp_path / "out", cache_dir=tmp_path / "cache", progress=False)
    assert file_server.log == []


def test_source_synth_fetches_nothing_and_bad_sections_are_refused(tmp_path):
    note = fetch_all("synth", DownloadConfig(), tmp_path / "out", cache_dir=tmp_path / "cache")
    assert note["skipped"] and (tmp_path / "out" / "SKIPPED.json").is_file()
    with pytest.raises(ConfigError, match=r"^params.yaml: dexnet.source: 'box' is not one of"):
        params_from_mapping({"dexnet": {"source": "box"}}, where="params.yaml")
    with pytest.raises(ConfigError, match=r"^params.yaml: dexnet: unknown key\(s\) \['sources'\]"):
        params_from_mapping({"dexnet": {"sources": "synth"}}, where="params.yaml")
    assert params_from_mapping({}, where="params.yaml").dexnet.source == "synth"
