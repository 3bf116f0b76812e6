"""URDF importer, on ``yourdfpy`` (the URDF library NVIDIA GraspGen itself depends on).

yourdfpy parses the file, follows mimic joints (the Robotiq 2F-85 drives six joints from
``finger_joint``) and does the forward kinematics; this module only turns its answers into an
:class:`~dexgen.grippers.articulation.Articulation`: one collision mesh per link (primitives and mesh
files, ``package://`` and relative names resolved as yourdfpy resolves them), the driven joint and its
limits, the two finger links where the file implies them, and a hash of the URDF and every mesh it
references. yourdfpy logs through ``logging`` at warning and error level for things it recovers from
(an unbound XML namespace such as ``drake:``); those lines are passed on at debug level instead.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import trimesh
import yourdfpy

from dexgen.errors import InputError
from dexgen.grippers.articulation import Articulation

log = logging.getLogger(__name__)

MOVING = ("revolute", "prismatic")  # joint types with limits; continuous and floating cannot be a stroke


def load(
    path: str | Path,
    *,
    driven_joint: str | None = None,
    fingers: tuple[str, str] | None = None,
    closing_force: float | None = None,
) -> Articulation:
    """Read the URDF at ``path``; ``driven_joint``, ``fingers`` and ``closing_force`` (N) override
    what the file implies (its one actuated joint, its two pad links, a prismatic joint's effort)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: URDF file not found")
    with _quiet():
        try:
            robot = yourdfpy.URDF.load(str(path), load_meshes=False, build_collision_scene_graph=False)
        except Exception as exc:  # yourdfpy raises bare ValueError/KeyError/lxml errors
            raise InputError(f"{path}: yourdfpy cannot read it ({type(exc).__name__}: {exc})") from None
        joint = _driven(robot, path, driven_joint)
        limits = _limits(path, joint)
        meshes, files = _meshes(robot, path)  # yourdfpy warns of each name it cannot resolve
    root = robot.base_link

    def link_poses(q: float) -> dict[str, np.ndarray]:  # poses the one parsed robot: not thread-safe
        robot.update_cfg({joint.name: float(q)})  # mimic joints follow inside yourdfpy
        return {link: robot.get_transform(link, root) for link in meshes}

    effort = joint.limit.effort if joint.type == "prismatic" and joint.limit is not None else None
    return Articulation(
        source=path,
        sha256=_sha256(path, files),
        root=root,
        meshes=meshes,
        driven_joint=joint.name,
        limits=limits,
        link_poses=link_poses,
        fingers=tuple(fingers) if fingers else _guess_fingers(robot, joint.name, meshes),
        closing_force=closing_force if closing_force is not None else (effort or None),
        parents={j.child: j.parent for j in robot.robot.joints},
    )


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """yourdfpy's log records, demoted to debug lines of this module while it loads."""
    source = logging.getLogger("yourdfpy")

    class Demote(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            log.debug("yourdfpy: %s", record.getMessage())

    handler, propagate = Demote(), source.propagate
    source.addHandler(handler)
    source.propagate = False
    try:
        yield
    finally:
        source.removeHandler(handler)
        source.propagate = propagate


def _driven(robot: yourdfpy.URDF, path: Path, name: str | None) -> yourdfpy.Joint:
    joints = robot.joint_map
    if name is not None:
        if name not in joints:
            raise InputError(f"{path}: driven joint {name!r} does not exist; joints: {sorted(joints)}")
        if joints[name].mimic is not None:
            raise InputError(
                f"{path}: joint {name!r} follows {joints[name].mimic.joint!r} (mimic); name that one as driven_joint"
            )
        return joints[name]
    actuated = robot.actuated_joint_names
    if len(actuated) != 1:
        raise InputError(
            f"{path}: {len(actuated)} independent joints {actuated}; name the one that drives the "
            "fingers (driven_joint:) in a gripper YAML"
        )
    return joints[actuated[0]]


def _limits(path: Path, joint: yourdfpy.Joint) -> tuple[float, float]:
    if joint.type not in MOVING:
        raise InputError(
            f"{path}: joint {joint.name!r} is {joint.type}; a driven joint is revolute or prismatic"
        )
    limit = joint.limit
    if limit is None or limit.lower is None or limit.upper is None or not limit.lower < limit.upper:
        bounds = None if limit is None else (limit.lower, limit.upper)
        raise InputError(f"{path}: joint {joint.name!r} has no usable limits (lower, upper = {bounds})")
    return float(limit.lower), float(limit.upper)


def _meshes(robot: yourdfpy.URDF, path: Path) -> tuple[dict[str, trimesh.Trimesh], list[Path]]:
    """({link: its collision geometry merged, link frame}, mesh files read)."""
    meshes, files = {}, []
    for link in robot.robot.links:
        parts = []
        for collision in link.collisions:
            mesh, file = _geometry(collision.geometry, path, link.name)
            if collision.origin is not None:
                mesh.apply_transform(collision.origin)
            parts.append(mesh)
            files += [file] if file is not None else []
        if parts:
            meshes[link.name] = trimesh.util.concatenate(parts) if len(parts) > 1 else parts[0]
    return meshes, files


def _geometry(geom: yourdfpy.Geometry, path: Path, link: str) -> tuple[trimesh.Trimesh, Path | None]:
    if geom.box is not None:
        return trimesh.creation.box(extents=geom.box.size), None
    if geom.cylinder is not None:
        return trimesh.creation.cylinder(radius=geom.cylinder.radius, height=geom.cylinder.length), None
    if geom.sphere is not None:
        return trimesh.creation.icosphere(radius=geom.sphere.radius), None
    if geom.mesh is None:
        raise InputError(f"{path}: link {link!r} has a collision element without geometry")
    file = Path(yourdfpy.filename_handler_magic(geom.mesh.filename, dir=str(path.parent)))
    if not file.is_file():
        raise InputError(f"{path}: link {link!r}: collision mesh {geom.mesh.filename!r} not found")
    try:
        mesh = trimesh.load(file, force="mesh", process=False)
    except Exception as exc:  # trimesh raises per format: ValueError, KeyError, ImportError for .dae
        raise InputError(f"{path}: link {link!r}: cannot read mesh {file} ({exc})") from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise InputError(f"{path}: link {link!r}: mesh {file} has no triangles")
    if geom.mesh.scale is not None:
        mesh.apply_scale(geom.mesh.scale)
    return mesh, file


def _sha256(path: Path, files: list[Path]) -> str:
    """Hash of the URDF text and every mesh file, in reference order, so an edited mesh is a new hand."""
    h = hashlib.sha256(path.read_bytes())
    for file in files:
        h.update(str(file.name).encode())
        h.update(file.read_bytes())
    return h.hexdigest()


def _guess_fingers(robot: yourdfpy.URDF, driven: str, meshes) -> tuple[str, str] | None:
    """The two pad links: two links named ``*pad*`` with geometry, else the two leaves with geometry
    of the tree the driven joint and its mimic joints move. None when neither gives exactly two."""
    pads = sorted(link for link in meshes if "pad" in link.lower())
    if len(pads) == 2:
        return pads[0], pads[1]
    moved = {j.child for j in robot.robot.joints if j.name == driven or (j.mimic and j.mimic.joint == driven)}
    children: dict[str, list[str]] = {}
    for j in robot.robot.joints:
        children.setdefault(j.parent, []).append(j.child)
    stack, below = list(moved), set()
    while stack:
        link = stack.pop()
        if link not in below:
            below.add(link)
            stack += children.get(link, [])

    def carries_below(link: str) -> bool:
        return any(c in meshes or carries_below(c) for c in children.get(link, []))

    leaves = sorted(link for link in below if link in meshes and not carries_below(link))
    return (leaves[0], leaves[1]) if len(leaves) == 2 else None
