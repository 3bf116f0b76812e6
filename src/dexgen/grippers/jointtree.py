"""Forward kinematics of a tree of joint frames, the way USD and PhysX describe an articulation.

Each joint holds a frame in each of its two bodies (``localPos0/localRot0`` in body0,
``localPos1/localRot1`` in body1); the child's pose is ``parent @ frame0 @ motion(q) @ inv(frame1)``.
Mimic joints follow PhysX's rule ``q + gearing * q_ref + offset = 0``. Kept apart from
:mod:`dexgen.grippers.usd` so the stage reading and the kinematics can be read (and tested) alone.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import trimesh

from dexgen.errors import InputError


@dataclasses.dataclass(frozen=True)
class Joint:
    """One joint in metres and radians; frames are 4x4 in each body's rigid frame (scale applied)."""

    name: str
    kind: str  # "revolute", "prismatic" or "fixed"
    body0: str | None  # link name; None: the world
    body1: str | None
    frame0: np.ndarray  # (4, 4) joint frame in body0
    frame1: np.ndarray  # (4, 4) joint frame in body1
    axis: int  # 0, 1, 2: the joint frame's x, y or z
    limits: tuple[float, float] | None
    mimic: tuple[str, float, float] | None  # (reference joint, gearing, offset) in native units
    max_force: float | None


def tree(path: Path, root: str, joints: dict[str, Joint]) -> dict[str, tuple[str, str, bool]]:
    """{link: (parent link, joint, whether the joint's body0 is the parent)} reached from ``root``.

    USD does not order ``body0``/``body1`` parent first, so joints are followed both ways.
    """
    edges: dict[str, tuple[str, str, bool]] = {}
    used: set[str] = set()
    frontier = [root]
    while frontier:
        link = frontier.pop()
        for j in joints.values():
            if j.name in used or not (j.body0 and j.body1) or link not in (j.body0, j.body1):
                continue
            used.add(j.name)
            forward = j.body0 == link
            other = j.body1 if forward else j.body0
            if other in edges or other == root:
                raise InputError(
                    f"{path}: joint {j.name!r} closes a kinematic loop at link {other!r}; only trees are read"
                )
            edges[other] = (link, j.name, forward)
            frontier.append(other)
    return edges


def root_link(path: Path, where: str, links, joints: dict[str, Joint]) -> str:
    """The link held to the world by a fixed joint (GraspDataGen's ``root_joint``), else the only parentless one."""
    anchored = {
        j.body1 or j.body0
        for j in joints.values()
        if j.kind == "fixed" and (j.body0 is None) != (j.body1 is None)
    }
    if len(anchored) == 1:
        return anchored.pop()
    children = {j.body1 for j in joints.values() if j.body0 and j.body1}
    parentless = sorted(set(links) - children)
    if len(parentless) == 1:
        return parentless[0]
    raise InputError(
        f"{path}: cannot tell the root link of {where} (candidates {parentless}); give root (base_frame)"
    )


def driven(path: Path, joints: dict[str, Joint], edges: dict, override: str | None) -> str:
    """The driven joint: as given, else the one moving joint of the tree that mimics no other."""
    in_tree = {joint for _, joint, _ in edges.values()}
    if override is not None:
        if override not in in_tree:
            raise InputError(f"{path}: driven joint {override!r} is not a joint of the articulation tree")
        return override
    free = sorted(n for n in in_tree if joints[n].kind != "fixed" and joints[n].mimic is None)
    if len(free) != 1:
        raise InputError(
            f"{path}: {len(free)} joints move independently {free}; name the driven one with driven_joint"
        )
    return free[0]


class Kinematics:
    """``q -> {link: 4x4 pose in the root link frame}`` through the joint frames, mimic joints following."""

    def __init__(self, path, root, edges, joints, driven, mpu, links):
        self.path, self.root, self.edges, self.joints = path, root, edges, joints
        self.driven, self.mpu, self.links = driven, mpu, links

    def values(self, q: float) -> dict[str, float]:
        """Every joint's position (rad or m) with the driven one at ``q``; unlisted moving joints at 0."""
        values = {self.driven: float(q)}

        def value(name: str, seen: tuple[str, ...] = ()) -> float:
            if name in values:
                return values[name]
            joint = self.joints[name]
            if joint.mimic is None or joint.kind == "fixed":
                return 0.0
            if name in seen:
                raise InputError(f"{self.path}: mimic joints form a cycle through {name!r}")
            ref, gearing, offset = joint.mimic
            if ref not in self.joints:
                raise InputError(
                    f"{self.path}: mimic joint {name!r} refers to {ref!r}, not a joint of the articulation"
                )
            native = self._native(ref, value(ref, (*seen, name)))
            native = -gearing * native - offset  # PhysX: q + gearing * q_ref + offset = 0
            values[name] = native * self.mpu if joint.kind == "prismatic" else native
            return values[name]

        for name in self.joints:
            value(name)
        return values

    def _native(self, name: str, value: float) -> float:
        return value / self.mpu if self.joints[name].kind == "prismatic" else value

    def __call__(self, q: float) -> dict[str, np.ndarray]:
        values = self.values(q)
        poses = {self.root: np.eye(4)}

        def pose(link: str) -> np.ndarray:
            if link not in poses:
                parent, name, forward = self.edges[link]
                joint = self.joints[name]
                motion = _motion(joint, values.get(name, 0.0))
                if forward:
                    step = joint.frame0 @ motion @ np.linalg.inv(joint.frame1)
                else:
                    step = joint.frame1 @ np.linalg.inv(motion) @ np.linalg.inv(joint.frame0)
                poses[link] = pose(parent) @ step
            return poses[link]

        return {link: pose(link) for link in self.links}


def _motion(joint: Joint, q: float) -> np.ndarray:
    """The joint's motion in its own frame: a turn or a slide along the axis (metres)."""
    motion = np.eye(4)
    if joint.kind == "revolute":
        axis = np.zeros(3)
        axis[joint.axis] = 1.0
        motion[:3, :3] = trimesh.transformations.rotation_matrix(q, axis)[:3, :3]
    elif joint.kind == "prismatic":
        motion[joint.axis, 3] = q
    return motion
