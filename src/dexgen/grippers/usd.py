"""A gripper from a USD articulation (Isaac Sim / GraspDataGen layout), read with usd-core (pxr).

What is read: the default prim's UsdPhysics joints (revolute, prismatic, fixed: ``body0``/``body1``,
``localPos0/1``, ``localRot0/1``, ``axis``, limits in degrees or stage units), PhysX mimic joints
(``PhysxMimicJointAPI:<axis>``: ``physxMimicJoint:<axis>:referenceJoint``, ``:gearing``, ``:offset``,
meaning ``q + gearing * q_ref + offset = 0``; usd-core ships no PhysxSchema, so the raw attributes
are read), and every ``Mesh`` with collision enabled under each rigid body, scaled to metres by the
stage's ``metersPerUnit``. Forward kinematics is the tree of joint frames from the root link, as
PhysX builds the articulation; authored link transforms only place the meshes in their link frame.
The mimic ``offset`` of a rotational joint is taken in radians, as PhysX applies it.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import numpy as np
import trimesh
from pxr import Gf, Usd, UsdGeom, UsdPhysics

from dexgen.errors import InputError
from dexgen.grippers import jointtree
from dexgen.grippers.articulation import Articulation
from dexgen.grippers.fingers import guess_fingers

_AXES = {"X": 0, "Y": 1, "Z": 2}
_MIMIC = re.compile(r"^physxMimicJoint:([A-Za-z]+):referenceJoint$")


def load(
    path: str | Path,
    *,
    driven_joint: str | None = None,
    fingers: tuple[str, str] | None = None,
    closing_force: float | None = None,
    root: str | None = None,
) -> Articulation:
    """Read the gripper articulation that is ``path``'s default prim.

    ``root`` names the link every pose refers to (GraspDataGen's ``base_frame``; default: the link
    the fixed ``root_joint`` holds); ``driven_joint`` the joint that moves the fingers (default: the
    one moving joint that mimics no other); ``fingers`` two links (GraspDataGen's ``finger_colliders``;
    default :func:`~dexgen.grippers.fingers.guess_fingers`); ``closing_force`` (N) overrides a prismatic
    drive's ``maxForce``.
    """
    path = Path(path)
    stage = _open(path)
    top = stage.GetDefaultPrim()
    if not top or not top.IsValid():
        raise InputError(
            f"{path}: no default prim; the gripper articulation must be the stage's default prim"
        )
    mpu = UsdGeom.GetStageMetersPerUnit(stage)
    links = _links(top, path)
    joints = _joints(top, path, links, mpu)
    root = root or jointtree.root_link(path, str(top.GetPath()), links, joints)
    if root not in links:
        raise InputError(
            f"{path}: root link {root!r} is not a rigid body of {top.GetPath()}; links: {sorted(links)}"
        )
    edges = jointtree.tree(path, root, joints)
    driven = jointtree.driven(path, joints, edges, driven_joint)
    meshes = {name: m for name in (root, *edges) if (m := _link_mesh(links[name], path, mpu)) is not None}
    for name in fingers or ():
        if name not in meshes:
            raise InputError(
                f"{path}: finger link {name!r} has no collision Mesh; links with one: {sorted(meshes)}"
            )
    joint = joints[driven]
    if joint.limits is None:
        raise InputError(f"{path}: driven joint {driven!r} has no limits (physics:lowerLimit/upperLimit)")
    kinematics = jointtree.Kinematics(path, root, edges, joints, driven, mpu, tuple(meshes))
    parents = {link: parent for link, (parent, _, _) in edges.items()}
    if not fingers:
        fingers = guess_fingers(meshes, parents, kinematics, joint.limits)
    return Articulation(
        source=path,
        sha256=_sha256(stage),
        root=root,
        meshes=meshes,
        driven_joint=driven,
        limits=joint.limits,
        link_poses=kinematics,
        fingers=tuple(fingers) if fingers else None,
        closing_force=closing_force if closing_force is not None else _force(stage, joint),
        parents=parents,
    )


def _force(stage: Usd.Stage, joint: jointtree.Joint) -> float | None:
    """A prismatic drive's force limit in N (USD forces are in stage mass x length units per s^2);
    None for a revolute one, whose limit is a torque, not the squeeze at the pads."""
    if joint.kind != "prismatic" or joint.max_force is None:
        return None
    return joint.max_force * UsdGeom.GetStageMetersPerUnit(stage) * UsdPhysics.GetStageKilogramsPerUnit(stage)


def _open(path: Path) -> Usd.Stage:
    if not path.is_file():
        raise InputError(f"{path}: no such USD file")
    try:
        stage = Usd.Stage.Open(str(path))
    except Exception as exc:  # pxr raises Tf.ErrorException, not importable as a class everywhere
        detail = " ".join(str(exc).split())
        raise InputError(f"{path}: USD cannot open it: {detail}") from None
    if stage is None:
        raise InputError(f"{path}: USD cannot open it")
    return stage


def _subtree(prim: Usd.Prim):
    return Usd.PrimRange(prim, Usd.TraverseInstanceProxies(Usd.PrimDefaultPredicate))


def _links(top: Usd.Prim, path: Path) -> dict[str, Usd.Prim]:
    """Rigid bodies under the default prim, by prim name (GraspDataGen's link names)."""
    links: dict[str, Usd.Prim] = {}
    for prim in _subtree(top):
        if prim.HasAPI(UsdPhysics.RigidBodyAPI):
            name = prim.GetName()
            if name in links:
                raise InputError(
                    f"{path}: two links are named {name!r}: {links[name].GetPath()} and {prim.GetPath()}"
                )
            links[name] = prim
    if not links:
        raise InputError(f"{path}: no prim under {top.GetPath()} has PhysicsRigidBodyAPI; no links to read")
    return links


def _rigid(prim: Usd.Prim) -> tuple[np.ndarray, np.ndarray]:
    """(4x4 rigid world frame of the prim, (3,) its scale), stage units, column-vector convention."""
    world = np.array(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(Usd.TimeCode.Default())).T
    scale = np.linalg.norm(world[:3, :3], axis=0)
    rigid = world.copy()
    rigid[:3, :3] /= scale
    return rigid, scale


def _frame(position, rotation, scale, mpu: float) -> np.ndarray:
    """A joint frame from localPos (stage units, scaled by its body) and localRot (a unit quaternion)."""
    frame = np.eye(4)
    quat = Gf.Quatd(rotation) if rotation is not None else Gf.Quatd(1.0)
    frame[:3, :3] = np.array(Gf.Matrix3d(Gf.Rotation(quat))).T
    frame[:3, 3] = np.array(position if position is not None else (0, 0, 0), dtype=float) * scale * mpu
    return frame


def _joints(top: Usd.Prim, path: Path, links: dict[str, Usd.Prim], mpu: float) -> dict[str, jointtree.Joint]:
    """The articulation's joints by name; disabled joints and loop closures PhysX keeps out of the
    articulation (``excludeFromArticulation``) are skipped, as the reduced-coordinate tree skips them."""
    by_path = {prim.GetPath(): name for name, prim in links.items()}
    joints: dict[str, jointtree.Joint] = {}
    for prim in _subtree(top):
        if not prim.IsA(UsdPhysics.Joint):
            continue
        usd_joint = UsdPhysics.Joint(prim)
        if usd_joint.GetJointEnabledAttr().Get() is False or usd_joint.GetExcludeFromArticulationAttr().Get():
            continue
        name = prim.GetName()
        if name in joints:
            raise InputError(f"{path}: two joints are named {name!r}; joint names must be unique")
        joints[name] = _joint(prim, path, by_path, links, mpu)
    return joints


def _joint(
    prim: Usd.Prim, path: Path, by_path: dict, links: dict[str, Usd.Prim], mpu: float
) -> jointtree.Joint:
    name, usd_joint = prim.GetName(), UsdPhysics.Joint(prim)
    if prim.IsA(UsdPhysics.RevoluteJoint):
        kind, typed = "revolute", UsdPhysics.RevoluteJoint(prim)
    elif prim.IsA(UsdPhysics.PrismaticJoint):
        kind, typed = "prismatic", UsdPhysics.PrismaticJoint(prim)
    elif prim.IsA(UsdPhysics.FixedJoint):
        kind, typed = "fixed", None
    else:
        raise InputError(
            f"{path}: joint {name!r} is a {prim.GetTypeName()}; only revolute, prismatic and fixed joints are read"
        )
    bodies = []
    for rel, pos, rot in (
        (usd_joint.GetBody0Rel(), usd_joint.GetLocalPos0Attr(), usd_joint.GetLocalRot0Attr()),
        (usd_joint.GetBody1Rel(), usd_joint.GetLocalPos1Attr(), usd_joint.GetLocalRot1Attr()),
    ):
        targets = rel.GetTargets()
        body = by_path.get(targets[0]) if targets else None
        if targets and body is None:
            raise InputError(
                f"{path}: joint {name!r} connects {targets[0]}, which is not a rigid body under the default prim"
            )
        scale = _rigid(links[body])[1] if body else np.ones(3)
        bodies.append((body, _frame(pos.Get(), rot.Get(), scale, mpu)))
    limits = axis = None
    if typed is not None:
        axis = _AXES.get(str(typed.GetAxisAttr().Get()))
        if axis is None:
            raise InputError(
                f"{path}: joint {name!r} has axis {typed.GetAxisAttr().Get()!r}; expected X, Y or Z"
            )
        lo, hi = typed.GetLowerLimitAttr().Get(), typed.GetUpperLimitAttr().Get()
        unit = np.pi / 180.0 if kind == "revolute" else mpu
        if lo is not None and hi is not None and np.isfinite(lo) and np.isfinite(hi) and lo < hi:
            limits = (float(lo) * unit, float(hi) * unit)
    force = prim.GetAttribute(f"drive:{'angular' if kind == 'revolute' else 'linear'}:physics:maxForce").Get()
    return jointtree.Joint(
        name=name,
        kind=kind,
        body0=bodies[0][0],
        body1=bodies[1][0],
        frame0=bodies[0][1],
        frame1=bodies[1][1],
        axis=axis or 0,
        limits=limits,
        mimic=_mimic(prim, path),
        max_force=float(force) if force is not None and 0 < force < 1e30 else None,
    )


def _mimic(prim: Usd.Prim, path: Path) -> tuple[str, float, float] | None:
    """(reference joint name, gearing, offset) of a PhysX mimic joint, or None."""
    listop = prim.GetMetadata("apiSchemas")
    applied = listop.ApplyOperations([]) if listop else []
    instances = {a.split(":", 1)[1] for a in applied if a.startswith("PhysxMimicJointAPI:")}
    instances |= {m.group(1) for r in prim.GetRelationships() if (m := _MIMIC.match(r.GetName()))}
    if not instances:
        return None
    if len(instances) > 1:
        raise InputError(
            f"{path}: joint {prim.GetName()!r} mimics on several axes {sorted(instances)}; one is supported"
        )
    inst = instances.pop()
    targets = prim.GetRelationship(f"physxMimicJoint:{inst}:referenceJoint").GetTargets()
    ref = prim.GetStage().GetPrimAtPath(targets[0]) if targets else None
    if ref is None or not ref.IsValid() or not ref.IsA(UsdPhysics.Joint):
        raise InputError(
            f"{path}: mimic joint {prim.GetName()!r} refers to {targets[0] if targets else 'nothing'}, which is not a joint"
        )
    gearing = prim.GetAttribute(f"physxMimicJoint:{inst}:gearing").Get()
    offset = prim.GetAttribute(f"physxMimicJoint:{inst}:offset").Get()
    return ref.GetName(), 1.0 if gearing is None else float(gearing), 0.0 if offset is None else float(offset)


def _link_mesh(link: Usd.Prim, path: Path, mpu: float) -> trimesh.Trimesh | None:
    """Every collision-enabled Mesh of the link (not of nested bodies) merged, in the link frame, metres."""
    rigid = np.linalg.inv(_rigid(link)[0])
    parts = []
    it = iter(_subtree(link))
    for prim in it:
        if prim != link and prim.HasAPI(UsdPhysics.RigidBodyAPI):
            it.PruneChildren()
            continue
        if not _collides(prim, link):
            continue
        if prim.IsA(UsdGeom.Mesh):
            parts.append(_mesh(prim, path, rigid, mpu))
        elif prim.IsA(UsdGeom.Gprim):
            raise InputError(
                f"{path}: collider {prim.GetPath()} is a {prim.GetTypeName()}; only Mesh colliders are read"
            )
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else trimesh.util.concatenate(parts)


def _collides(prim: Usd.Prim, link: Usd.Prim) -> bool:
    """Collision on the prim or an ancestor within the link, not switched off (GraspDataGen's rule)."""
    while prim.IsValid():
        if prim.HasAPI(UsdPhysics.CollisionAPI):
            return UsdPhysics.CollisionAPI(prim).GetCollisionEnabledAttr().Get() is not False
        if prim == link:
            return False
        prim = prim.GetParent()
    return False


def _mesh(prim: Usd.Prim, path: Path, link_from_world: np.ndarray, mpu: float) -> trimesh.Trimesh:
    mesh = UsdGeom.Mesh(prim)
    points = np.asarray(mesh.GetPointsAttr().Get() or [], dtype=np.float64).reshape(-1, 3)
    counts = np.asarray(mesh.GetFaceVertexCountsAttr().Get() or [], dtype=np.int64)
    indices = np.asarray(mesh.GetFaceVertexIndicesAttr().Get() or [], dtype=np.int64)
    if (
        points.size == 0
        or counts.sum() != indices.size
        or (counts < 3).any()
        or (indices >= len(points)).any()
    ):
        raise InputError(f"{path}: collision Mesh {prim.GetPath()} has no valid points and faces")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    faces = [
        [indices[s], indices[s + k], indices[s + k + 1]]
        for s, n in zip(starts, counts)
        for k in range(1, n - 1)
    ]
    world = np.array(UsdGeom.Xformable(prim).ComputeLocalToWorldTransform(Usd.TimeCode.Default())).T
    to_link = link_from_world @ world
    to_link[:3, :] *= mpu  # stage units -> metres, rotation untouched by the later division
    vertices = points @ to_link[:3, :3].T + to_link[:3, 3]
    return trimesh.Trimesh(vertices, np.asarray(faces, dtype=np.int64), process=False)


def _sha256(stage: Usd.Stage) -> str:
    """Hash of every layer the stage composed (root, sublayers, references), in identifier order."""
    digest = hashlib.sha256()
    for layer in sorted(stage.GetUsedLayers(), key=lambda layer: layer.identifier):
        if layer.anonymous:
            continue
        real = layer.realPath
        digest.update(
            Path(real).read_bytes() if real and Path(real).is_file() else layer.ExportToString().encode()
        )
    return digest.hexdigest()
