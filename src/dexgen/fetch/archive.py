"""Safe extraction of .zip, .tar.gz/.tgz and .tar archives.

Every member is checked before anything is written: no absolute paths, no ``..`` escapes (after
normalisation), no member below a symlink member, no symlink or hardlink that points outside, no
device files or FIFOs. Extraction then goes to a temporary folder beside ``target`` that replaces it
only on success (:func:`dexgen.atomic.replace_dir`), so a refused or broken archive leaves ``target``
as it was. Tar members go through tarfile's ``data`` filter as a second line of defence (Python >= 3.11.4).
"""

from __future__ import annotations

import copy
import logging
import os
import posixpath
import shutil
import stat
import tarfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Literal

from dexgen.atomic import everything, replace_dir
from dexgen.errors import InputError

log = logging.getLogger(__name__)

SUFFIXES = (".zip", ".tar.gz", ".tgz", ".tar")
# What a corrupt or truncated archive (or a failing disk) raises from the stdlib readers.
_BROKEN = (zipfile.BadZipFile, tarfile.TarError, EOFError, zlib.error, OSError)
# Extraction filters (PEP 706) arrived in Python 3.11.4; Debian 12 ships 3.11.2.
_HAS_FILTERS = hasattr(tarfile, "data_filter")


class _NoFilterError(Exception):
    """Stands in for tarfile.FilterError where filters do not exist; never raised."""


_FILTER_ERROR = getattr(tarfile, "FilterError", _NoFilterError)

Kind = Literal["file", "dir", "symlink", "hardlink"]


@dataclass(frozen=True)
class _Member:
    name: str  # as stored in the archive
    path: str  # normalised, relative, after ``strip``; "" when strip removes it
    kind: Kind
    link: str = ""  # symlink: target relative to its folder; hardlink: archive path after strip


def extract(archive: str | Path, target: str | Path, *, strip: int = 0) -> Path:
    """Extract ``archive`` into the folder ``target`` (replaced as a whole) and return ``target``.

    strip : leading path components removed from every member, as ``tar --strip-components``
        (``strip=1`` turns ``ycb-v1/mug.obj`` into ``mug.obj``). Folders that vanish are dropped;
        a file or link that would vanish is an error, never silently skipped.

    Raises InputError naming the archive and the offending member; ``target`` is then untouched.
    """
    archive = Path(archive)
    if strip < 0:
        raise ValueError(f"strip must be >= 0, got {strip}")
    kind = _kind(archive)
    try:
        if kind == "zip":
            with zipfile.ZipFile(archive) as zf:
                members = [_validate(archive, m, strip) for m in _zip_members(zf)]
                _check_tree(archive, members)
                with replace_dir(target, owned=everything) as tmp:
                    _extract_zip(zf, members, tmp)
        else:
            with tarfile.open(archive, "r:gz" if kind == "tar.gz" else "r:") as tf:
                infos = tf.getmembers()
                members = [_validate(archive, m, strip) for m in map(_tar_member, infos)]
                _check_tree(archive, members)
                with replace_dir(target, owned=everything) as tmp:
                    _extract_tar(archive, tf, infos, members, tmp)
    except _BROKEN as err:
        raise InputError(f"{archive}: cannot read or extract this {kind} archive: {err}") from err
    log.info("%s: extracted %d members to %s", archive, len(members), target)
    return Path(target)


def _kind(archive: Path) -> str:
    name = archive.name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return {".tgz": "tar.gz"}.get(suffix, suffix[1:])
    raise InputError(f"{archive}: unsupported archive type; expected one of {', '.join(SUFFIXES)}")


def _zip_members(zf: zipfile.ZipFile) -> list[_Member]:
    out = []
    for info in zf.infolist():
        mode = info.external_attr >> 16  # unix mode, when the archiver stored one
        if stat.S_ISLNK(mode):
            out.append(_Member(info.filename, "", "symlink", zf.read(info).decode("utf-8")))
        elif stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode):
            raise InputError(f"{zf.filename}: member {info.filename!r} is a device, FIFO or socket")
        else:
            out.append(_Member(info.filename, "", "dir" if info.is_dir() else "file"))
    return out


def _tar_member(info: tarfile.TarInfo) -> _Member | tarfile.TarInfo:
    if info.isdir():
        return _Member(info.name, "", "dir")
    if info.isfile():
        return _Member(info.name, "", "file")
    if info.issym():
        return _Member(info.name, "", "symlink", info.linkname)
    if info.islnk():
        return _Member(info.name, "", "hardlink", info.linkname)
    return info  # device, FIFO, ...: refused by _validate


def _validate(archive: Path, m: _Member | tarfile.TarInfo, strip: int) -> _Member:
    """Return the member with its safe relative ``path``; raise InputError if it could escape."""
    if isinstance(m, tarfile.TarInfo):
        raise InputError(f"{archive}: member {m.name!r} is a device file or FIFO, which is not allowed")
    path = _relative(archive, m.name, m.name, strip)
    if not path and m.kind != "dir":
        raise InputError(f"{archive}: member {m.name!r} lies above strip={strip} components")
    link = m.link
    if m.kind == "symlink":
        if _is_absolute(link):
            raise InputError(f"{archive}: member {m.name!r} is a symlink to the absolute path {link!r}")
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), link.replace("\\", "/")))
        if resolved == ".." or resolved.startswith("../"):
            raise InputError(f"{archive}: member {m.name!r} is a symlink pointing outside ({link!r})")
    elif m.kind == "hardlink":
        link = _relative(archive, m.name, link, strip)
        if not link:
            raise InputError(f"{archive}: member {m.name!r} is a hardlink to {m.link!r}, outside the tree")
    return _Member(m.name, path, m.kind, link)


def _relative(archive: Path, member: str, name: str, strip: int) -> str:
    """Normalised relative form of ``name`` with ``strip`` leading components removed."""
    if not name or "\x00" in name:
        raise InputError(f"{archive}: member {member!r} has an empty or invalid name")
    if _is_absolute(name):
        raise InputError(f"{archive}: member {member!r} has an absolute path")
    norm = posixpath.normpath(name.replace("\\", "/"))
    if norm == ".." or norm.startswith("../"):
        raise InputError(f"{archive}: member {member!r} escapes the target folder ('..')")
    parts = [p for p in norm.split("/") if p != "."]
    return "/".join(parts[strip:])


def _is_absolute(name: str) -> bool:
    return name.startswith(("/", "\\")) or bool(PureWindowsPath(name).drive)


def _check_tree(archive: Path, members: list[_Member]) -> None:
    """Refuse a member below a symlink member: writing through a link could land anywhere."""
    links = {m.path for m in members if m.kind == "symlink"}
    for m in members:
        parts = m.path.split("/")
        for i in range(1, len(parts)):
            if "/".join(parts[:i]) in links:
                link = "/".join(parts[:i])
                raise InputError(f"{archive}: member {m.name!r} lies below the symlink member {link!r}")


def _extract_zip(zf: zipfile.ZipFile, members: list[_Member], root: Path) -> None:
    for m in members:
        if not m.path:
            continue
        out = root / m.path
        if m.kind == "dir":
            out.mkdir(parents=True, exist_ok=True)
            continue
        out.parent.mkdir(parents=True, exist_ok=True)
        if m.kind == "symlink":
            os.symlink(m.link, out)
        else:
            with zf.open(m.name) as src, open(out, "wb") as dst:
                shutil.copyfileobj(src, dst)


def _extract_tar(
    archive: Path, tf: tarfile.TarFile, infos: list[tarfile.TarInfo], members: list[_Member], root: Path
) -> None:
    renamed = []
    for info, m in zip(infos, members):
        if m.path:
            info = copy.copy(info)  # TarInfo.replace() only exists from Python 3.11.4
            info.name = m.path
            if m.kind != "file":
                info.linkname = m.link
            renamed.append(info)
    try:
        if _HAS_FILTERS:
            tf.extractall(root, members=renamed, filter="data")
        else:  # before 3.11.4 the members checked by _validate are the only line of defence
            tf.extractall(root, members=renamed)
    except _FILTER_ERROR as err:
        raise InputError(f"{archive}: member refused by tarfile's data filter: {err}") from err
