"""Per-object work on a machine that does not share our file system: inputs in, written files out.

A stage's work reads and writes real paths (``data/objects/shard-00/mug.ply``, ``data/sim/...npz``).
On a cluster worker those paths do not exist, so a task runs *staged*:

1. the driver makes every path in the work and the unit absolute (:func:`absolute`) and reads the
   files the work declares for the unit (``work.inputs(unit)``) into bytes that travel with the task
   through Ray's object store;
2. the worker writes them under a private scratch root at their absolute path (``/root/<path>``),
   rebases every path in the work and the unit there (:func:`rebase`), runs the work, and returns the
   meta plus every file the work wrote or changed (driver paths -> bytes);
3. the driver writes those files atomically at their real paths (:func:`write_outputs`).

So no shared file system is needed, outputs are written only by the driver (a killed worker leaves
nothing half written), and a work that reads an input it did not declare fails loudly instead of
reading a stale copy. Paths are rebased inside tuples, lists, dicts, dataclasses, dexgen's own
objects and work objects; anything else (arrays, meshes, strings) travels as it is.
"""

from __future__ import annotations

import copy
import dataclasses
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path, PurePath
from typing import Any

from dexgen.atomic import write_bytes

Files = dict[str, bytes]
_MAX_DEPTH = 12


def _owned(value: Any) -> bool:
    """Objects whose attributes we may rewrite: ours and any work object (it declares ``inputs``),
    never a library's (a trimesh, an ndarray)."""
    return type(value).__module__.split(".")[0] == "dexgen" or callable(getattr(type(value), "inputs", None))


def map_paths(value: Any, fn: Callable[[Path], Path], _depth: int = 0) -> Any:
    """``value`` with every :class:`Path` inside replaced by ``fn(path)``; unchanged parts are shared."""
    if _depth > _MAX_DEPTH:
        return value
    if isinstance(value, PurePath):
        return fn(Path(value))
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        items = tuple(map_paths(v, fn, _depth + 1) for v in value)
        return value if all(a is b for a, b in zip(items, value)) else items
    if isinstance(value, list):
        return [map_paths(v, fn, _depth + 1) for v in value]
    if isinstance(value, dict):
        return {k: map_paths(v, fn, _depth + 1) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = [f.name for f in dataclasses.fields(value)]
    elif _owned(value) and hasattr(value, "__dict__"):
        names = list(vars(value))
    else:
        return value
    changed = {}
    for name in names:
        old = getattr(value, name)
        new = map_paths(old, fn, _depth + 1)
        if new is not old:
            changed[name] = new
    if not changed:
        return value
    out = copy.copy(value)
    for name, new in changed.items():
        object.__setattr__(out, name, new)  # frozen dataclasses too: a private copy
    return out


def absolute(value: Any, cwd: Path | None = None) -> Any:
    """``value`` with every relative path made absolute against ``cwd`` (default: this process's)."""
    base = Path(cwd) if cwd is not None else Path.cwd()
    return map_paths(value, lambda p: p if p.is_absolute() else base / p)


def _under(root: Path, path: Path) -> Path:
    return root / path.relative_to(path.anchor)


def rebase(value: Any, root: Path) -> Any:
    """``value`` with every absolute path moved under ``root`` (``/a/b`` -> ``root/a/b``)."""
    return map_paths(value, lambda p: _under(root, p) if p.is_absolute() else p)


def read_inputs(paths: list[Path] | tuple[Path, ...]) -> Files:
    """Absolute path -> bytes of each input that exists (a missing optional input, such as a cache
    entry not made yet, is left out; the work then makes it)."""
    files = {}
    for path in paths:
        path = Path(path).absolute()
        if path.is_file():
            files[str(path)] = path.read_bytes()
    return files


def _unbase(value: Any, root: Path) -> Any:
    """Meta from the worker with scratch paths (as paths or strings) turned back into driver paths."""
    prefix = str(root)
    if isinstance(value, str) and value.startswith(prefix + os.sep):
        return os.sep + value[len(prefix) + 1 :]
    if isinstance(value, PurePath) and str(value).startswith(prefix + os.sep):
        return Path(os.sep + str(value)[len(prefix) + 1 :])
    if isinstance(value, list | tuple):
        return type(value)(_unbase(v, root) for v in value)
    if isinstance(value, dict):
        return {k: _unbase(v, root) for k, v in value.items()}
    return value


def run_staged(work: Any, unit: Any, inputs: Files) -> tuple[Any, Files]:
    """Run ``work(unit)`` (both with absolute driver paths) in a private scratch root; see the module
    docstring. Returns the work's meta and the files it wrote or changed, by driver path."""
    root = Path(tempfile.mkdtemp(prefix="dexgen-task-"))
    try:
        for name, data in inputs.items():
            target = _under(root, Path(name))
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        local_work, local_unit = rebase(work, root), rebase(unit, root)
        try:
            meta = local_work(local_unit)
        finally:
            close = getattr(local_work, "close", None)
            if callable(close):
                close()
        outputs = {}
        for path in sorted(root.rglob("*")):
            if not path.is_file():
                continue
            name = os.sep + str(path.relative_to(root))
            data = path.read_bytes()
            if inputs.get(name) != data:
                outputs[name] = data
        return _unbase(meta, root), outputs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def write_outputs(files: Files, *, record: Path | None = None) -> None:
    """Write a task's files at their driver paths, each atomically; ``record`` (the unit's output,
    whose provenance marks the unit done) last, so a driver killed in between redoes the unit."""
    last = str(Path(record).absolute()) if record is not None else None
    for name in sorted(files, key=lambda n: (n == last, n)):
        write_bytes(name, files[name])
