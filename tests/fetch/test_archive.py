"""extract(): zip / tar.gz / tar round trips, strip, and every escape refused with the target untouched."""

from __future__ import annotations

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from dexgen.errors import InputError
from dexgen.fetch.archive import extract

GOOD = {"set/mug.obj": b"v 0 0 0\n", "set/sub/box.stl": b"solid box\n", "set/scales.json": b"{}"}
KINDS = ["zip", "tar.gz", "tar"]
_TAR_TYPES = {"symlink": tarfile.SYMTYPE, "hardlink": tarfile.LNKTYPE, "chr": tarfile.CHRTYPE}


def _make(path: Path, members: list[tuple]) -> Path:
    """Write an archive from (name, bytes) files and (name, "symlink"|"hardlink"|"chr", target) links."""
    if path.name.endswith(".zip"):
        with zipfile.ZipFile(path, "w") as zf:
            for name, data, *link in members:
                if link:  # a unix symlink: mode in the high 16 bits, target as the content
                    info = zipfile.ZipInfo(name)
                    info.external_attr = (stat.S_IFLNK | 0o777) << 16
                    zf.writestr(info, link[0])
                else:
                    zf.writestr(zipfile.ZipInfo(name), data)
        return path
    with tarfile.open(path, "w:gz" if path.name.endswith(".gz") else "w") as tf:
        for name, data, *link in members:
            info = tarfile.TarInfo(name)
            if link:
                info.type = _TAR_TYPES[data]
                info.linkname = link[0]
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", KINDS)
def test_extracts_every_kind(tmp_path, kind):
    archive = _make(tmp_path / f"objects.{kind}", list(GOOD.items()))
    out = extract(archive, tmp_path / "out")
    assert _tree(out) == GOOD
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([archive.name, "out"])  # no temp left


@pytest.mark.parametrize("kind", KINDS)
def test_strip_removes_the_top_folder(tmp_path, kind):
    archive = _make(tmp_path / f"objects.{kind}", list(GOOD.items()))
    assert _tree(extract(archive, tmp_path / "out", strip=1)) == {k[4:]: v for k, v in GOOD.items()}


def test_tgz_suffix_and_replacing_an_old_target(tmp_path):
    archive = _make(tmp_path / "objects.tar.gz", list(GOOD.items()))
    archive = archive.rename(tmp_path / "objects.tgz")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "old.txt").write_text("old")
    assert _tree(extract(archive, tmp_path / "out")) == GOOD


@pytest.mark.parametrize("kind", KINDS)
def test_inside_symlink_is_kept(tmp_path, kind):
    archive = _make(tmp_path / f"a.{kind}", [*GOOD.items(), ("set/link.obj", "symlink", "mug.obj")])
    out = extract(archive, tmp_path / "out", strip=1)
    assert (out / "link.obj").is_symlink() and (out / "link.obj").read_bytes() == GOOD["set/mug.obj"]


def test_inside_hardlink_is_kept_after_strip(tmp_path):
    archive = _make(tmp_path / "a.tar", [*GOOD.items(), ("set/copy.obj", "hardlink", "set/mug.obj")])
    assert (extract(archive, tmp_path / "out", strip=1) / "copy.obj").read_bytes() == GOOD["set/mug.obj"]


BAD = {
    "dotdot": ("../x", b"evil"),
    "dotdot-inner": ("set/../../x", b"evil"),
    "absolute": ("/tmp/dexgen-evil-x", b"evil"),
    "symlink-out": ("set/link", "symlink", "../../x"),
    "symlink-absolute": ("set/link", "symlink", "/etc/passwd"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("bad", list(BAD), ids=list(BAD))
def test_escaping_member_is_refused_and_nothing_written(tmp_path, kind, bad):
    # The good members come first: a refusal must come before any of them is written.
    archive = _make(tmp_path / f"objects.{kind}", [*GOOD.items(), BAD[bad]])
    target = tmp_path / "out"
    target.mkdir()
    (target / "keep.txt").write_text("keep")
    with pytest.raises(InputError) as err:
        extract(archive, target)
    assert str(archive) in str(err.value) and repr(BAD[bad][0]) in str(err.value)
    assert _tree(target) == {"keep.txt": b"keep"}
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([archive.name, "out"])
    assert not Path("/tmp/dexgen-evil-x").exists()


@pytest.mark.parametrize(
    "bad",
    [
        ("set/hard", "hardlink", "../outside"),
        ("set/dev", "chr", ""),
        ("set/link", "symlink", "."),  # points inside, but the next member writes through it
    ],
    ids=["hardlink-out", "device", "below-symlink"],
)
def test_tar_only_members_are_refused(tmp_path, bad):
    members = [*GOOD.items(), bad, ("set/link/x", b"through the link")]
    archive = _make(tmp_path / "objects.tar", members if bad[1] == "symlink" else [*GOOD.items(), bad])
    with pytest.raises(InputError, match="member"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_corrupt_archive_leaves_target_untouched(tmp_path):
    good = _make(tmp_path / "good.tar.gz", list(GOOD.items())).read_bytes()
    archive = tmp_path / "broken.tar.gz"
    archive.write_bytes(good[: len(good) // 2])
    with pytest.raises(InputError, match="broken.tar.gz"):
        extract(archive, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_unsupported_suffix(tmp_path):
    (tmp_path / "a.rar").write_bytes(b"x")
    with pytest.raises(InputError, match=r"\.zip, \.tar\.gz, \.tgz, \.tar"):
        extract(tmp_path / "a.rar", tmp_path / "out")


def test_file_removed_by_strip_is_an_error(tmp_path):
    archive = _make(tmp_path / "a.zip", [("README", b"x"), *GOOD.items()])
    with pytest.raises(InputError, match="strip=1"):
        extract(archive, tmp_path / "out", strip=1)
