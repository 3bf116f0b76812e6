"""The USD articulation of a real hand, from the parent's numbers (worker side: pxr and numpy only).

The same fixed base and six-joint hand chain as the box gripper (:mod:`.usd_scene`) ends at a light
``palm`` link, the hand's base frame; the hand's links hang from it as the parent described them
(:mod:`dexgen.sim.isaaclab.hand_request`): each link authored at its open pose with its computed mass
and inertia, its convex parts as convex-hull mesh colliders, and its joint to the parent (fixed,
revolute or prismatic about the joint frame's X axis). The leader joint has the stroke as its limits
and a force-limited position drive; every follower is a PhysX mimic joint on the leader. PhysX limits
and drive gains of revolute joints are per degree in USD (Isaac Lab rewrites the gains in SI anyway).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pxr import Gf, Usd, UsdGeom, UsdPhysics

from dexgen.sim.isaaclab.usd_scene import (
    PALM,
    _collider,
    _couple,
    _drive,
    _link,
    articulation,
    hand_chain_joints,
    hand_chain_links,
)


def _quat(values) -> Gf.Quatf:
    w, x, y, z = (float(v) for v in values)
    return Gf.Quatf(w, x, y, z)


def _vec(values) -> Gf.Vec3f:
    return Gf.Vec3f(*[float(v) for v in values])


def _body(stage: Usd.Stage, link: dict) -> Usd.Prim:
    """A link at its open pose in the hand's base frame, weighed as the parent computed."""
    prim = _link(stage, f"/Robot/{link['prim']}", link["mass"], link["inertia_diagonal"])
    xform = UsdGeom.Xformable(prim)
    xform.AddTranslateOp().Set(Gf.Vec3d(*[float(v) for v in link["pose"]["pos"]]))
    xform.AddOrientOp().Set(_quat(link["pose"]["quat"]))
    mass = UsdPhysics.MassAPI(prim)
    mass.GetCenterOfMassAttr().Set(_vec(link["com"]))
    mass.CreatePrincipalAxesAttr(_quat(link["principal_axes"]))
    return prim


def _parts(stage, link_path: str, parts, material, scene: dict) -> None:
    """One convex-hull mesh collider per (vertices, faces) part, in the link's frame."""
    for k, (verts, faces) in enumerate(parts):
        mesh = UsdGeom.Mesh.Define(stage, f"{link_path}/part{k}")
        mesh.CreatePointsAttr([Gf.Vec3f(*map(float, p)) for p in verts])
        mesh.CreateFaceVertexCountsAttr([3] * len(faces))
        mesh.CreateFaceVertexIndicesAttr([int(i) for i in np.asarray(faces).ravel()])
        prim = mesh.GetPrim()
        _collider(prim, material, scene)
        UsdPhysics.MeshCollisionAPI.Apply(prim).CreateApproximationAttr("convexHull")


def _hand_joint(stage: Usd.Stage, link: dict, parent: str, child: str):
    """The link's joint to its parent, frames as given (the moving axis is the frames' X)."""
    spec = link["joint"]
    path = f"/Robot/joints/{spec['name']}"
    if spec["kind"] == "fixed":
        joint = UsdPhysics.FixedJoint.Define(stage, path)
    else:
        cls = UsdPhysics.RevoluteJoint if spec["kind"] == "revolute" else UsdPhysics.PrismaticJoint
        joint = cls.Define(stage, path)
        joint.CreateAxisAttr("X")
    joint.CreateBody0Rel().SetTargets([parent])
    joint.CreateBody1Rel().SetTargets([child])
    joint.CreateLocalPos0Attr(_vec(spec["frame0"]["pos"]))
    joint.CreateLocalRot0Attr(_quat(spec["frame0"]["quat"]))
    joint.CreateLocalPos1Attr(_vec(spec["frame1"]["pos"]))
    joint.CreateLocalRot1Attr(_quat(spec["frame1"]["quat"]))
    return joint


def split_parts(arrays: dict[str, np.ndarray], nlinks: int) -> list[list[tuple[np.ndarray, np.ndarray]]]:
    """Per link, its (vertices, faces) parts out of the request's stacked ``hand_part_*`` arrays."""
    out: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(nlinks)]
    verts, faces = arrays["hand_part_vertices"], arrays["hand_part_faces"]
    v0 = f0 = 0
    for nv, nf, owner in zip(
        arrays["hand_part_nvert"].tolist(),
        arrays["hand_part_nface"].tolist(),
        arrays["hand_part_link"].tolist(),
    ):
        out[owner].append((verts[v0 : v0 + nv], faces[f0 : f0 + nf]))
        v0, f0 = v0 + nv, f0 + nf
    return out


def write_hand(path: Path, scene: dict, arrays: dict[str, np.ndarray]) -> None:
    """The real hand's articulation (root prim ``/Robot``) of ``scene["gripper"]["hand"]`` into ``path``."""
    g = scene["gripper"]
    hand = g["hand"]
    stage, material = articulation(path, scene)
    hand_chain_links(stage, g)
    link_mass = float(g["link_mass"])
    _link(stage, f"/Robot/{PALM}", link_mass, [link_mass * 1e-4] * 3)  # the base frame, no collider
    hand_chain_joints(stage, g)
    parts = split_parts(arrays, len(hand["links"]))
    joints = {}
    for link, link_parts in zip(hand["links"], parts):
        prim = _body(stage, link)
        _parts(stage, str(prim.GetPath()), link_parts, material, scene)
        parent = f"/Robot/{link['parent'] or PALM}"
        joints[link["joint"]["name"]] = (_hand_joint(stage, link, parent, str(prim.GetPath())), link["joint"])
    for joint, spec in joints.values():
        if "limits" in spec:
            lower, upper = spec["limits"]
            per = 180 / np.pi if spec["kind"] == "revolute" else 1.0  # USD revolute limits are degrees
            joint.CreateLowerLimitAttr(float(lower * per))
            joint.CreateUpperLimitAttr(float(upper * per))
    lead, lead_spec = joints[hand["leader"]]
    kind = "angular" if lead_spec["kind"] == "revolute" else "linear"
    _drive(lead, kind, hand["leader_kp"], hand["leader_kv"], hand["leader_effort"])
    for name in hand["followers"]:
        joint, spec = joints[name]
        mimic = spec["mimic"]
        _couple(joint.GetPrim(), f"/Robot/joints/{mimic['leader']}", mimic["gearing"], mimic["offset"])
    stage.GetRootLayer().Save()
