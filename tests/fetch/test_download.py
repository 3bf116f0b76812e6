"""download(): checksums, resume with Range, restart without it, errors, no refetch. Local server only."""

from __future__ import annotations

import hashlib
import os
import socket

import pytest

from dexgen.errors import FetchError
from dexgen.fetch.download import download

DATA = os.urandom(200_000)  # several read chunks
SHA = hashlib.sha256(DATA).hexdigest()


def _get(**kw):
    return {"progress": False, "backoff": 0.0, "timeout": 10.0, **kw}


def test_full_download_checks_sha(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    dest = download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, progress=True, backoff=0)
    assert dest.read_bytes() == DATA
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.zip"]  # no .part left
    assert file_server.log == [("/a.zip", None, 200)]


def test_wrong_sha_raises_and_leaves_nothing(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    url, wrong = file_server.url("/a.zip"), "0" * 64
    with pytest.raises(FetchError) as err:
        download(url, tmp_path / "a.zip", sha256=wrong, **_get())
    assert url in str(err.value) and wrong in str(err.value) and SHA in str(err.value)
    assert list(tmp_path.iterdir()) == []


def test_dropped_connection_resumes_with_range(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    file_server.cut_after = 70_000
    dest = download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get())
    assert dest.read_bytes() == DATA
    assert file_server.log == [("/a.zip", None, 200), ("/a.zip", "bytes=70000-", 206)]


def test_killed_process_resumes_from_part_file(file_server, tmp_path):
    """A first call that gives up keeps the .part file; the next call continues it."""
    file_server.files["/a.zip"] = DATA
    file_server.cut_after = 50_000
    with pytest.raises(FetchError, match="after 1 attempts"):
        download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get(retries=0))
    assert (tmp_path / "a.zip.part").stat().st_size == 50_000
    assert download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get()).read_bytes() == DATA
    assert file_server.log[-1] == ("/a.zip", "bytes=50000-", 206)


def test_server_without_range_restarts_from_zero(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    file_server.cut_after = 70_000
    file_server.ignore_range = True
    dest = download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get())
    assert dest.read_bytes() == DATA
    assert file_server.log == [("/a.zip", None, 200), ("/a.zip", "bytes=70000-", 200)]


def test_complete_part_file_416_is_accepted(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    (tmp_path / "a.zip.part").write_bytes(DATA)
    assert download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get()).read_bytes() == DATA
    assert file_server.log == [("/a.zip", f"bytes={len(DATA)}-", 416)]


def test_404_is_a_clear_error_without_retries(file_server, tmp_path):
    url = file_server.url("/missing.zip")
    with pytest.raises(FetchError, match="404") as err:
        download(url, tmp_path / "m.zip", sha256=SHA, **_get())
    assert url in str(err.value)
    assert len(file_server.log) == 1
    assert not (tmp_path / "m.zip").exists()


def test_refused_connection_retries_a_bounded_number_of_times(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="after 3 attempts"):
        download(f"http://127.0.0.1:{port}/a.zip", tmp_path / "a.zip", sha256=SHA, **_get(retries=2))


def test_present_file_is_not_fetched_again(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get())
    download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get())
    assert len(file_server.log) == 1


def test_present_file_with_wrong_content_is_replaced(file_server, tmp_path):
    file_server.files["/a.zip"] = DATA
    (tmp_path / "a.zip").write_bytes(b"stale")
    assert download(file_server.url("/a.zip"), tmp_path / "a.zip", sha256=SHA, **_get()).read_bytes() == DATA


@pytest.mark.parametrize("as_url", [True, False], ids=["file-url", "plain-path"])
def test_local_archive_is_copied(tmp_path, as_url):
    src = tmp_path / "src" / "a b.zip"
    src.parent.mkdir()
    src.write_bytes(DATA)
    url = src.as_uri() if as_url else str(src)
    assert download(url, tmp_path / "out" / "a.zip", sha256=SHA, progress=False).read_bytes() == DATA
    with pytest.raises(FetchError, match="wrong"):
        download(str(tmp_path / "wrong.zip"), tmp_path / "out" / "b.zip", sha256=SHA)


@pytest.mark.parametrize("bad", ["abc", "g" * 64])
def test_malformed_sha_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="64 hex"):
        download("http://127.0.0.1:9/a.zip", tmp_path / "a.zip", sha256=bad)


def test_unsupported_scheme(tmp_path):
    with pytest.raises(FetchError, match="ftp"):
        download("ftp://example.invalid/a.zip", tmp_path / "a.zip", sha256=SHA)
