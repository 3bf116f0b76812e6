"""GraspDataGen's object-scales JSON: ``{"relative/path.obj": scale}`` under an object root.

Keys must stay inside the root: absolute paths and ``..`` escapes are refused, because keys are
also written into datasets (GraspGen's ``object.file``) that other tools resolve against the root.
A key whose file is a symlink out of the root is refused too, unless ``follow_symlinks``: the
dataset would depend on a file its checksums and DVC deps do not cover.
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath, PureWindowsPath

from dexgen.errors import InputError
from dexgen.names import inside
from dexgen.objects.loading import check_extension, check_scale


def check_key(key: object, where: str) -> str:
    """``key`` if it is a relative path inside the root, else an error naming ``where``."""
    if not isinstance(key, str) or not key.strip():
        raise InputError(f"{where}: key {key!r} must be a non-empty relative path")
    if "\\" in key or PureWindowsPath(key).drive:
        raise InputError(f"{where}: key '{key}' must use '/' separators and no drive letter")
    posix = PurePosixPath(key)
    if posix.is_absolute():
        raise InputError(
            f"{where}: key '{key}' is an absolute path; keys must be relative to the object dataset"
        )
    if ".." in posix.parts:
        raise InputError(f"{where}: key '{key}' escapes the object dataset with '..'")
    return posix.as_posix()


def read_scales(path: str | Path, root: str | Path, *, follow_symlinks: bool = False) -> dict[str, float]:
    """Validated ``{key: scale}`` from ``path``; every key names an existing supported mesh in ``root``
    (symlinks out of ``root`` only with ``follow_symlinks``)."""
    path, root = Path(path), Path(root)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise InputError(f"{path}: object scales JSON not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read object scales JSON ({exc})") from None
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not UTF-8 text, so not JSON ({exc.reason} at byte {exc.start})") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise InputError(
            f'{path}: expected a JSON object {{"relative/path.obj": scale}}, got a {type(data).__name__}'
        )
    if not data:
        raise InputError(f"{path}: lists no objects")
    if not root.is_dir():
        raise InputError(f"{root}: object dataset folder not found")
    scales: dict[str, float] = {}
    for raw_key, raw_scale in data.items():
        key = check_key(raw_key, str(path))
        scale = check_scale(raw_scale, f"{path}: '{key}'")
        mesh_path = root / key
        try:
            check_extension(mesh_path)
        except InputError as exc:
            raise InputError(f"{path}: '{key}': {exc}") from None
        _check_mesh_file(mesh_path, key, path, root, follow_symlinks)
        if key in scales:
            raise InputError(f"{path}: key '{key}' appears twice after normalisation")
        scales[key] = scale
    return dict(sorted(scales.items()))


def _check_mesh_file(mesh_path: Path, key: str, path: Path, root: Path, follow_symlinks: bool) -> None:
    """Refuse a key whose file is missing, a folder, or (without ``follow_symlinks``) a link out of ``root``."""
    if mesh_path.is_dir():
        raise InputError(f"{path}: '{key}' is a folder under {root}, not a mesh file")
    if not mesh_path.is_file():
        raise InputError(f"{path}: '{key}' does not exist under {root}")
    if not follow_symlinks and not inside(root, mesh_path):
        raise InputError(
            f"{path}: '{key}' resolves to {mesh_path.resolve()}, outside the object dataset {root} "
            "(a symlink); copy the mesh in or set objects.follow_symlinks: true"
        )
