"""Any gripper a user can name, as a :class:`~dexgen.grippers.model.GripperModel`.

:func:`load_model` accepts a shipped box gripper (name or YAML, see :mod:`dexgen.grippers.loader`), a
robot description file (``.urdf``; the importers are looked up by suffix in :data:`IMPORTERS`), a
*pointer* YAML that names a description and adds what it lacks, or a shipped pointer by name
(``grippers/real/<name>.yaml``, e.g. ``robotiq_2f_85_real``). A pointer YAML::

    name: my_hand                       # names files we write; default the YAML's stem
    description: urdf/my_hand.urdf      # relative to this YAML (or a model name of ``package``)
    package: airo_models                # optional: resolve ``description`` inside this package
    fingers: [left_pad, right_pad]      # the two pad links, where the file does not imply them
    driven_joint: finger_joint          # where several joints are independent
    open: 0.0                           # driven joint value fully open / at the stroke's end
    closed: 0.8
    bite: 0.0185                        # metres back from the fingertip to the contact point
    closing_force: 235.0                # newtons
    frame: {xyz: [0, 0, 0], rpy: [0, 0, 0]}   # the base frame in the root link frame
    openings: 8                         # rows of the opening table

Existing box-gripper code keeps using :func:`dexgen.grippers.loader.load_gripper` unchanged.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
from collections.abc import Callable
from pathlib import Path

import numpy as np
import trimesh
import yaml

from dexgen.config import from_mapping
from dexgen.errors import ConfigError, InputError
from dexgen.grippers.articulated import model_from_articulation
from dexgen.grippers.importers import IMPORTERS
from dexgen.grippers.kinds import PARALLEL_JAW
from dexgen.grippers.loader import gripper_names, load_gripper
from dexgen.grippers.model import DEFAULT_OPENINGS, MIN_OPENINGS, GripperModel, model_from_box
from dexgen.hashing import sha256_bytes
from dexgen.names import safe_name

REAL = "real"  # the package folder of shipped pointer YAMLs


def _airo_models(model: str) -> Path:
    import airo_models

    return Path(airo_models.get_urdf_path(model))


PACKAGES: dict[str, Callable[[str], Path]] = {"airo_models": _airo_models}  # package -> model -> file


@dataclasses.dataclass(frozen=True)
class Frame:
    """The base frame in the description's root link frame: metres, and URDF roll-pitch-yaw radians."""

    xyz: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rpy: tuple[float, float, float] = (0.0, 0.0, 0.0)

    def matrix(self) -> np.ndarray:
        pose = trimesh.transformations.euler_matrix(*self.rpy, axes="sxyz")
        pose[:3, 3] = self.xyz
        return pose


@dataclasses.dataclass(frozen=True)
class Pointer:
    """A pointer YAML: the description it names and what it adds (see the module docstring)."""

    description: str
    name: str | None = None
    package: str | None = None
    about: str = ""
    fingers: tuple[str, str] | None = None
    driven_joint: str | None = None
    open: float | None = None
    closed: float | None = None
    bite: float | None = None
    closing_force: float | None = None
    frame: Frame | None = None
    openings: int = DEFAULT_OPENINGS

    def __post_init__(self) -> None:
        if self.openings < MIN_OPENINGS:
            raise ValueError(f"openings must be at least {MIN_OPENINGS}, got {self.openings}")
        if self.bite is not None and not (np.isfinite(self.bite) and self.bite >= 0):
            raise ValueError(f"bite must be >= 0 metres, got {self.bite}")
        if self.closing_force is not None and not (
            np.isfinite(self.closing_force) and self.closing_force > 0
        ):
            raise ValueError(f"closing_force must be positive newtons, got {self.closing_force}")


def real_names() -> list[str]:
    """Names of the shipped pointer YAMLs (real hands built from a package's description), sorted."""
    root = importlib.resources.files("dexgen.grippers") / REAL
    return sorted(p.name[: -len(".yaml")] for p in root.iterdir() if p.name.endswith(".yaml"))


def shipped() -> list[tuple[str, str, str]]:
    """(name, kind, source) of every shipped gripper: the box YAMLs, then the real hands."""
    rows = [(n, load_gripper(n).kind, f"yaml: grippers/{n}.yaml") for n in gripper_names()]
    for name in real_names():
        where = f"grippers/{REAL}/{name}.yaml"
        res = importlib.resources.files("dexgen.grippers") / REAL / f"{name}.yaml"
        ptr = _parse_pointer(res.read_bytes(), where)
        target = _target(ptr, Path(str(res)), where)
        origin = f"{ptr.package} {ptr.description}" if ptr.package else str(target)
        rows.append((name, "parallel_jaw", f"{_format(target.suffix)}: {origin} via {where}"))
    return rows


def load_model(name_or_path: str | Path, *, openings: int | None = None) -> GripperModel:
    """The model of a shipped name, a box or pointer YAML, or a description file (by suffix).

    ``openings`` overrides the table size (default the pointer's, else 8). The model records how to
    load it again (``description``: the shipped name, or the file's absolute path).
    """
    text = str(name_or_path)
    again = text if text in gripper_names() or text in real_names() else str(Path(text).resolve())
    return dataclasses.replace(_load_model(text, openings), description=again)


def _load_model(text: str, openings: int | None) -> GripperModel:
    if text in gripper_names():
        return _box(load_gripper(text), openings)
    if text in real_names():
        res = importlib.resources.files("dexgen.grippers") / REAL / f"{text}.yaml"
        return _pointer(Path(str(res)), res.read_bytes(), f"grippers/{REAL}/{text}.yaml", openings)
    path = Path(text)
    suffix = path.suffix.lower()
    if suffix in IMPORTERS:
        art = IMPORTERS[suffix](path)
        count = DEFAULT_OPENINGS if openings is None else openings
        return model_from_articulation(art, kind=_format(suffix), openings=count)
    if suffix not in (".yaml", ".yml"):
        raise InputError(
            f"{text}: unknown gripper; give a shipped name ({gripper_names() + real_names()}), a "
            f"gripper YAML or a description file ({sorted(IMPORTERS)})"
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read gripper file ({exc.strerror})") from None
    raw = _yaml(data, str(path))
    if isinstance(raw, dict) and "description" in raw and "kind" not in raw:
        return _pointer(path, data, str(path), openings)
    return _box(load_gripper(path), openings)


def _format(suffix: str) -> str:
    """The format a suffix is read as: its importer's module name (urdf, mjcf, usd)."""
    importer = IMPORTERS.get(suffix.lower())
    return suffix.lower()[1:] if importer is None else importer.__module__.rsplit(".", 1)[-1]


def _box(gripper, openings: int | None) -> GripperModel:
    if gripper.gripper_kind != PARALLEL_JAW:
        raise InputError(f"{gripper.source}: a {gripper.kind} gripper has no fingers to model")
    return model_from_box(gripper, openings=DEFAULT_OPENINGS if openings is None else openings)


def _yaml(data: bytes, where: str):
    try:
        return yaml.safe_load(data.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"{where}: not a valid YAML text ({exc})") from None


def _pointer(path: Path, data: bytes, where: str, openings: int | None) -> GripperModel:
    """The model a pointer YAML (bytes ``data`` of ``path``, called ``where`` in messages) describes."""
    ptr = _parse_pointer(data, where)
    name = safe_name(ptr.name or path.stem, what="gripper name", source=where)
    target = _target(ptr, path, where)
    suffix = target.suffix.lower()
    if suffix not in IMPORTERS:
        raise InputError(f"{where}: description {target} is not one of the formats {sorted(IMPORTERS)}")
    art = IMPORTERS[suffix](target, driven_joint=ptr.driven_joint)
    model = model_from_articulation(
        art,
        name=name,
        kind=_format(suffix),
        openings=ptr.openings if openings is None else openings,
        fingers=ptr.fingers,
        bite=ptr.bite,
        closing_force=ptr.closing_force,
        frame=None if ptr.frame is None else ptr.frame.matrix(),
        open_value=ptr.open,
        closed_value=ptr.closed,
    )
    sha = sha256_bytes(data + model.sha256.encode())  # the pointer and everything it points at
    return dataclasses.replace(model, source=where, sha256=sha)


def _parse_pointer(data: bytes, where: str) -> Pointer:
    try:
        return from_mapping(Pointer, _yaml(data, where), where=where)
    except ConfigError as exc:
        raise InputError(str(exc)) from None


def _target(ptr: Pointer, path: Path, where: str) -> Path:
    """The description file a pointer names: in a package, or relative to the pointer YAML."""
    if ptr.package is None:
        target = path.parent / ptr.description
    elif ptr.package in PACKAGES:
        try:
            target = PACKAGES[ptr.package](ptr.description)
        except Exception as exc:  # each package raises its own kind for an unknown model
            raise InputError(f"{where}: {ptr.package} has no model {ptr.description!r} ({exc})") from None
    else:
        raise InputError(f"{where}: package {ptr.package!r} is not one of {sorted(PACKAGES)}")
    if not target.is_file():
        raise InputError(f"{where}: description {ptr.description!r} not found (looked at {target})")
    return target
