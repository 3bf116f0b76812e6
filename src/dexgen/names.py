"""Names that become paths, and paths that must stay under a root.

A gripper name, a run's ``gripper_name`` or a file name read from a config ends up in
``out_dir / f"{name}..."``; ``"../x"`` there writes outside the folder the user gave. Every such
name goes through :func:`safe_name` before it is joined, and every resolved input that must stay in
a dataset folder goes through :func:`inside`.
"""

from __future__ import annotations

from pathlib import Path

from dexgen.errors import InputError

MAX_NAME = 200  # characters: under the 255-byte file name limit with room for suffixes we add
_DOT = "starts with '.'"


def safe_name(value: object, *, what: str, source: str, leading_dot: bool = False) -> str:
    """``value`` if it can be one path component of a file we write, else an InputError.

    Refused: a non-string, empty, ``.``/``..``, a leading ``.`` (hidden, and our temp-file prefix),
    ``/`` or ``\\`` (a path, not a name), NUL or other control characters, past ``MAX_NAME`` chars.
    ``what`` says which field it is and ``source`` where it was read, for the message;
    ``leading_dot`` admits names such as ``.mug-1a2b.ply`` (never ``.`` or ``..``).
    """
    if not isinstance(value, str):
        raise InputError(f"{source}: {what} must be a string, got {type(value).__name__} {value!r}")
    problem = _problem(value)
    if leading_dot and problem == _DOT and value not in (".", ".."):
        problem = ""
    if problem:
        raise InputError(f"{source}: {what} {value!r} {problem}; it becomes a file name")
    return value


def safe_relpath(value: object, *, what: str, source: str) -> str:
    """``value`` if it is a relative ``/`` path that stays under the folder it is joined to (an
    object key: ``meshes/mug.obj``), else an InputError; ``.`` and ``..`` parts are refused."""
    if not isinstance(value, str):
        raise InputError(f"{source}: {what} must be a string, got {type(value).__name__} {value!r}")
    parts = value.split("/")
    if value.startswith("/") or "\\" in value or any(p in ("", ".", "..") for p in parts):
        raise InputError(f"{source}: {what} {value!r} is not a relative path inside its folder")
    for part in parts:
        problem = _problem(part)
        if problem and problem != _DOT:
            raise InputError(f"{source}: {what} {value!r}: part {part!r} {problem}")
    return value


def _problem(value: str) -> str:
    if not value.strip():
        return "is empty"
    if len(value) > MAX_NAME:
        return f"is {len(value)} characters long (at most {MAX_NAME})"
    if "/" in value or "\\" in value:
        return "holds a path separator"
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        return "holds a control character"
    if value.startswith("."):
        return _DOT  # checked last: callers that admit hidden names skip only this
    return ""


def inside(root: str | Path, path: str | Path) -> bool:
    """Whether ``path``, symlinks resolved, is ``root`` or lies under it (``root`` resolved too)."""
    return Path(path).resolve().is_relative_to(Path(root).resolve())
