"""Atomic writes into outputs we own: a crash or Ctrl-C never leaves a half file that a later run would
trust, and a command never deletes or overwrites a file it did not write.

Everything is written to a temporary sibling and renamed into place; ``os.replace`` is atomic on
POSIX within one filesystem, which a sibling guarantees.

Ownership is read from what our files already carry, so no manifest changes an output's bytes:

- a record file (``.npz`` with ``meta.json``) is ours when its ``provenance.stage`` names the stage;
- a JSON file is ours when it is a fixed name the writer declares and records the ``params_hash`` or
  ``stage`` our summaries and metadata carry;
- a picture carries no metadata, so a PNG is ours only inside the writer's pictures folder and only
  when it is named after a record file that is ours: a user's picture beside it is refused, and one
  that shares a record's name is at worst a picture of that record, which we regenerate;
- a file an index of ours lists is ours: the meshes of an object set (its ``index.json`` files), the
  pictures a report or picture index drew last time (guess-report, sim-compare);
- the temporary siblings this module makes (``.<name>.<8 chars>.tmp``) are ours wherever they are.

Each writer states its rule as an :data:`Owned` predicate (:class:`RecordFolder` for per-object
folders) and checks its folder before any work.

An output folder holding anything else is refused naming one such file (:func:`check_out_dir`); an
output equal to, inside or holding an input is refused (:func:`check_apart`); a path that cannot be
created is a one-line :class:`~dexgen.errors.ConfigError` naming it, not a traceback.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dexgen.errors import ConfigError

Owned = Callable[[Path], bool]  # is this file (or folder) inside an output folder one we wrote?

_TEMP = re.compile(r"^\..+\.[A-Za-z0-9_]{8}\.tmp$")  # mkstemp/mkdtemp siblings made below


def write_bytes(path: str | Path, data: bytes, *, mode: int = 0o644) -> None:
    """Write ``data`` to ``path`` atomically (permissions ``mode``), creating parent folders."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path}: is a folder; give a file path to write")
    make_dir(path.parent, output=path)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write here ({_reason(path.parent, exc)})") from exc
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def write_text(path: str | Path, text: str, *, mode: int = 0o644) -> None:
    write_bytes(path, text.encode("utf-8"), mode=mode)


def write_json(path: str | Path, value: Any, *, indent: int | None = 2) -> None:
    """Write ``value`` as JSON (sorted keys, trailing newline) atomically."""
    write_text(path, json.dumps(value, indent=indent, sort_keys=True, allow_nan=False) + "\n")


def make_dir(path: str | Path, *, output: str | Path | None = None) -> Path:
    """Create folder ``path`` with its parents; one that cannot be created is a one-line ConfigError
    naming ``output`` (the path the user gave, default ``path``) and why (a parent is a file, no
    permission, a read-only filesystem)."""
    path = Path(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        what = (
            f"{output}: cannot create its folder {path}" if output else f"{path}: cannot create this folder"
        )
        raise ConfigError(f"{what} ({_reason(path, exc)})") from exc
    return path


def _reason(path: Path, exc: OSError) -> str:
    """Why ``path`` cannot be a folder: the file in its way if there is one, else the OS's words."""
    for p in (path, *path.parents):
        if p.exists() and not p.is_dir():
            return f"{p} is a file, not a folder"
    return exc.strerror or str(exc)


def record_stage(path: str | Path) -> str | None:
    """The stage a dexgen record file (``.npz`` with ``meta.json``) says wrote it; None for any other file.

    Reads the zip directory and one small member, never the arrays (a stale-file scan stays cheap).
    """
    try:
        with zipfile.ZipFile(path) as zf:
            meta = json.loads(zf.read("meta.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None
    prov = meta.get("provenance") if isinstance(meta, dict) else None
    stage = prov.get("stage") if isinstance(prov, dict) else None
    return stage if isinstance(stage, str) else None


def stamped_json(path: str | Path) -> dict[str, Any] | None:
    """A JSON object file carrying our stamp (``params_hash`` or ``stage``, as our summaries and
    metadata do), else None."""
    try:
        value = json.loads(Path(path).read_bytes())
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) and ("params_hash" in value or "stage" in value) else None


@dataclasses.dataclass(frozen=True)
class RecordFolder:
    """Ownership of a per-object output folder: record files of ``stages``, the stamped JSON files
    ``names`` at its top, and a ``pictures`` subfolder of PNGs each named after one of those records
    (in such a folder also a PNG beside its record, where ``dexgen show`` draws it by default)."""

    root: Path
    stages: tuple[str, ...]
    names: tuple[str, ...] = ()
    pictures: str | None = None

    def __call__(self, path: Path) -> bool:
        parts = path.relative_to(self.root).parts
        if len(parts) == 1:
            if path.is_dir():
                return parts[0] == self.pictures
            if parts[0] in self.names:
                return stamped_json(path) is not None
            if path.suffix == ".png" and self.pictures is not None:  # `dexgen show`'s default picture
                return self(path.with_suffix(".npz"))
            return path.suffix == ".npz" and record_stage(path) in self.stages
        if len(parts) == 2 and parts[0] == self.pictures and path.suffix == ".png" and path.is_file():
            return self(self.root / f"{path.stem}.npz")
        return False


def everything(path: Path) -> bool:
    """The rule of a cache folder only dexgen writes (named by a content hash under our cache root)."""
    return True


def foreign_file(folder: str | Path, owned: Owned) -> Path | None:
    """The first entry of ``folder`` (sorted walk) that ``owned`` does not claim.

    A linked file is judged by its content (DVC's ``cache.type: symlink`` links our own outputs back);
    removing it removes the link only. A linked folder is never ours and never entered, so nothing
    outside ``folder`` is judged or pruned. Our own temporary siblings are always ours.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return None
    for root, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not _TEMP.match(d))
        for name in dirs + sorted(f for f in files if not _TEMP.match(f)):
            path = Path(root) / name
            if (path.is_symlink() and path.is_dir()) or not owned(path):
                return path
    return None


def check_apart(out: str | Path, inputs: Mapping[str, str | Path | None]) -> None:
    """Refuse an output equal to, inside or holding an input (symlinks resolved): writing or pruning
    there would replace what the command reads. ``inputs`` maps a name for the message to a path."""
    o = Path(out).resolve()
    for name, given in inputs.items():
        if given is None:
            continue
        i = Path(given).resolve()
        if o == i or i in o.parents or o in i.parents:
            how = "is" if o == i else "is inside" if i in o.parents else "holds"
            raise ConfigError(f"{out}: the output {how} the input {name} ({given}); choose another output")


def check_out_file(out: str | Path, inputs: Mapping[str, str | Path | None]) -> None:
    """Refuse an output file path before any work: an existing folder, or one overlapping ``inputs``."""
    if Path(out).is_dir():
        raise ConfigError(f"{out}: is a folder; give a file path to write")
    check_apart(out, inputs)


def check_out_dir(
    out_dir: str | Path, owned: Owned, *, inputs: Mapping[str, str | Path | None] | None = None
) -> None:
    """Refuse ``out_dir`` as an output folder if it is a file, overlaps ``inputs`` or holds anything
    ``owned`` does not claim (the message names one such file)."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ConfigError(f"{out_dir}: is a file; the output must be a folder")
    check_apart(out_dir, inputs or {})
    foreign = foreign_file(out_dir, owned)
    if foreign is not None:
        raise ConfigError(
            f"{out_dir}: output folder holds {foreign.relative_to(out_dir)}, which dexgen did not write; "
            "move it away or choose another folder"
        )


def check_replace_dir(
    path: str | Path, owned: Owned, *, inputs: Mapping[str, str | Path | None] | None = None
) -> None:
    """What :func:`replace_dir` checks, for a caller to check before its work: ``path`` may hold only
    what ``owned`` claims, must not overlap ``inputs``, and must not be the working folder or hold it
    (renaming it away would leave the process in a deleted folder)."""
    where, cwd = Path(path).resolve(), Path.cwd().resolve()
    if where == cwd or where in cwd.parents:
        raise ConfigError(f"{path}: is the working folder or holds it; give a subfolder as the output")
    check_out_dir(path, owned, inputs=inputs)


@contextlib.contextmanager
def replace_dir(path: str | Path, *, owned: Owned) -> Iterator[Path]:
    """Yield a fresh temporary folder that replaces ``path`` only if the block succeeds.

    ``path`` may hold only what ``owned`` claims (else a ConfigError names one other file, before any
    work): replacing it deletes its old content. On an exception the temporary folder is removed and
    ``path`` is left as it was.
    """
    path = Path(path)
    check_replace_dir(path, owned)
    make_dir(path.parent, output=path)
    try:
        tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot write here ({_reason(path.parent, exc)})") from exc
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if path.exists():
        old = path.with_name(f".{path.name}.old-{os.getpid()}")
        os.replace(path, old)
    os.replace(tmp, path)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
