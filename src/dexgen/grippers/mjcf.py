"""A gripper from an MJCF file, read by MuJoCo's own compiler.

MuJoCo resolves includes, defaults, mesh scaling and frames; this module only asks the compiled model
where each body is. Coupled joints follow MuJoCo's equality constraints: joint equalities
(``polycoef``) are applied to ``qpos`` exactly, and closed loops (``connect``/``weld``) are closed by
a Gauss-Newton projection on MuJoCo's own constraint residuals and Jacobians (``efc_pos``,
``efc_J``) over every hinge/slide joint but the driven one, reached by continuation from the
reference pose so the linkage stays on its assembly branch. The projection stops below
``_RESIDUAL`` (1e-12 m or rad), so poses match the closed linkage to far better than 1e-6 m.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import mujoco
import numpy as np
import trimesh

from dexgen.errors import InputError
from dexgen.grippers.articulation import Articulation
from dexgen.grippers.fingers import guess_fingers

_RESIDUAL = 1e-12  # constraint residual (m or rad) below which a closed loop counts as closed
_MAX_ITER = 50  # Gauss-Newton steps per continuation step; a healthy linkage needs 2-4
_STEP = 0.05  # continuation step (rad or m) from the reference pose, keeping the assembly branch
_MOVING = (int(mujoco.mjtJoint.mjJNT_HINGE), int(mujoco.mjtJoint.mjJNT_SLIDE))


def load(
    path: str | Path,
    *,
    driven_joint: str | None = None,
    fingers: tuple[str, str] | None = None,
    closing_force: float | None = None,
) -> Articulation:
    """Compile ``path`` with MuJoCo and describe the gripper it holds.

    ``driven_joint`` overrides the joint an actuator drives; ``fingers`` names the two finger (pad)
    bodies (default: :func:`~dexgen.grippers.fingers.guess_fingers`); ``closing_force`` (N) overrides
    a slide joint's actuator force range. Meshes are the collision geoms (``contype`` or
    ``conaffinity`` set) of each body in the driven joint's top-level tree, in that body's frame,
    metres. ``link_poses`` owns a private MjData: call it from one thread at a time.
    """
    path = Path(path)
    try:
        model = mujoco.MjModel.from_xml_path(str(path))
    except ValueError as exc:
        detail = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
        raise InputError(f"{path}: MuJoCo cannot compile it: {detail}") from None
    joint = _driven_joint(model, path, driven_joint)
    lo, hi = _limits(model, path, joint)
    root = _top_body(model, int(model.jnt_bodyid[joint]))
    names = {
        b: _name(model, mujoco.mjtObj.mjOBJ_BODY, b)
        for b in range(model.nbody)
        if _top_body(model, b) == root
    }
    meshes = {names[b]: m for b in names if (m := _body_mesh(model, b, path)) is not None}
    for name in fingers or ():
        if name not in meshes:
            raise InputError(
                f"{path}: finger body {name!r} has no collision geometry; bodies with some: {sorted(meshes)}"
            )
    kinematics = _Kinematics(model, path, joint, root, {n: b for b, n in names.items() if n in meshes})
    parents = {n: names.get(int(model.body_parentid[b])) for b, n in names.items()}
    if not fingers:
        fingers = guess_fingers(meshes, parents, kinematics, (lo, hi))
    return Articulation(
        source=path,
        sha256=_sha256(model, path),
        root=_name(model, mujoco.mjtObj.mjOBJ_BODY, root),
        meshes=meshes,
        driven_joint=_name(model, mujoco.mjtObj.mjOBJ_JOINT, joint),
        limits=(lo, hi),
        link_poses=kinematics,
        fingers=tuple(fingers) if fingers else None,
        closing_force=closing_force if closing_force is not None else _force(model, joint),
        parents=parents,
    )


def _name(model: mujoco.MjModel, kind: mujoco.mjtObj, index: int) -> str:
    """The element's name, or ``<kind><index>`` for an unnamed one (MJCF allows those)."""
    name = mujoco.mj_id2name(model, kind, index)
    return name if name else f"{kind.name[6:].lower()}{index}"


def _driven_joint(model: mujoco.MjModel, path: Path, override: str | None) -> int:
    """The joint an actuator drives: directly, or the first joint of a fixed tendon it pulls."""
    if override is not None:
        found = mujoco.mj_name2id(model, mujoco.mjtObj.mjOBJ_JOINT, override)
        if found < 0:
            raise InputError(f"{path}: driven joint {override!r} is not a joint of the model")
        return found
    driven: list[int] = []
    for a in range(model.nu):
        target = int(model.actuator_trnid[a, 0])
        if model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT:
            driven.append(target)
        elif model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_TENDON and model.tendon_num[target] > 0:
            first = model.tendon_adr[target]
            if model.wrap_type[first] == mujoco.mjtWrap.mjWRAP_JOINT:
                driven.append(int(model.wrap_objid[first]))
    driven = list(dict.fromkeys(driven))
    if not driven:
        raise InputError(
            f"{path}: no actuator drives a joint (or a fixed tendon); name one with driven_joint"
        )
    if len(driven) > 1:
        names = [_name(model, mujoco.mjtObj.mjOBJ_JOINT, j) for j in driven]
        raise InputError(f"{path}: actuators drive several joints {names}; choose one with driven_joint")
    return driven[0]


def _limits(model: mujoco.MjModel, path: Path, joint: int) -> tuple[float, float]:
    name = _name(model, mujoco.mjtObj.mjOBJ_JOINT, joint)
    if int(model.jnt_type[joint]) not in _MOVING:
        raise InputError(f"{path}: driven joint {name!r} is not a hinge or slide joint")
    if not model.jnt_limited[joint]:
        raise InputError(f'{path}: driven joint {name!r} has no range (limits); give it range="lower upper"')
    lo, hi = (float(v) for v in model.jnt_range[joint])
    return lo, hi


def _force(model: mujoco.MjModel, joint: int) -> float | None:
    """The closing force (N) of a slide joint: its actuator's force range times gear, or the joint's own
    limit; None for a hinge, whose limit is a torque, not the squeeze at the pads."""
    if model.jnt_type[joint] != mujoco.mjtJoint.mjJNT_SLIDE:
        return None
    limits = []
    for a in range(model.nu):
        on_joint = (
            model.actuator_trntype[a] == mujoco.mjtTrn.mjTRN_JOINT and model.actuator_trnid[a, 0] == joint
        )
        if on_joint and model.actuator_forcelimited[a]:
            limits.append(np.abs(model.actuator_forcerange[a]).max() * abs(model.actuator_gear[a, 0]))
    if model.jnt_actfrclimited[joint]:
        limits.append(np.abs(model.jnt_actfrcrange[joint]).max())
    return float(min(limits)) if limits else None


def _top_body(model: mujoco.MjModel, body: int) -> int:
    """The body's ancestor that is a child of the world (0 for the world itself)."""
    while body and model.body_parentid[body]:
        body = int(model.body_parentid[body])
    return body


def _body_mesh(model: mujoco.MjModel, body: int, path: Path) -> trimesh.Trimesh | None:
    """Every collision geom of ``body`` merged, in the body frame (metres); None when it has none."""
    parts = []
    for g in range(model.body_geomadr[body], model.body_geomadr[body] + model.body_geomnum[body]):
        if not (model.geom_contype[g] or model.geom_conaffinity[g]):
            continue
        part = _geom_mesh(model, g, path)
        transform = np.eye(4)
        transform[:3, :3] = _rotation(model.geom_quat[g])
        transform[:3, 3] = model.geom_pos[g]
        parts.append(part.apply_transform(transform))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else trimesh.util.concatenate(parts)


def _geom_mesh(model: mujoco.MjModel, g: int, path: Path) -> trimesh.Trimesh:
    """One geom as a triangle mesh in the geom frame (MuJoCo centres meshes; geom_pos undoes it)."""
    kind, size = model.geom_type[g], model.geom_size[g]
    if kind == mujoco.mjtGeom.mjGEOM_MESH:
        m = model.geom_dataid[g]
        v0, f0 = model.mesh_vertadr[m], model.mesh_faceadr[m]
        vertices = model.mesh_vert[v0 : v0 + model.mesh_vertnum[m]].astype(np.float64)
        faces = model.mesh_face[f0 : f0 + model.mesh_facenum[m]]
        return trimesh.Trimesh(vertices, faces, process=False)
    if kind == mujoco.mjtGeom.mjGEOM_BOX:
        return trimesh.creation.box(extents=2 * size)
    if kind == mujoco.mjtGeom.mjGEOM_SPHERE:
        return trimesh.creation.icosphere(subdivisions=2, radius=size[0])
    if kind == mujoco.mjtGeom.mjGEOM_ELLIPSOID:
        return trimesh.creation.icosphere(subdivisions=2).apply_scale(size)
    if kind == mujoco.mjtGeom.mjGEOM_CYLINDER:
        return trimesh.creation.cylinder(radius=size[0], height=2 * size[1], sections=24)
    if kind == mujoco.mjtGeom.mjGEOM_CAPSULE:
        return trimesh.creation.capsule(height=2 * size[1], radius=size[0], count=[12, 12])
    geom = _name(model, mujoco.mjtObj.mjOBJ_GEOM, g)
    body = _name(model, mujoco.mjtObj.mjOBJ_BODY, model.geom_bodyid[g])
    raise InputError(
        f"{path}: geom {geom!r} of body {body!r} is a {mujoco.mjtGeom(kind).name[7:].lower()}, not a solid a gripper can have"
    )


def _rotation(quat: np.ndarray) -> np.ndarray:
    matrix = np.zeros(9)
    mujoco.mju_quat2Mat(matrix, np.asarray(quat, dtype=np.float64))
    return matrix.reshape(3, 3)


def _sha256(model: mujoco.MjModel, path: Path) -> str:
    """Hash of the XML and every mesh file the compiled model read, in the model's order."""
    digest = hashlib.sha256(path.read_bytes())
    paths = model.paths.decode() if isinstance(model.paths, bytes) else str(model.paths)
    for m in range(model.nmesh):
        adr = model.mesh_pathadr[m]
        if adr >= 0:
            mesh_file = Path(paths[adr:].split("\0", 1)[0])
            if mesh_file.is_file():
                digest.update(mesh_file.read_bytes())
    return digest.hexdigest()


class _Kinematics:
    """Owns a private MjModel/MjData pair and answers ``q -> {body: 4x4 pose in the root body frame}``."""

    def __init__(self, model: mujoco.MjModel, path: Path, joint: int, root: int, bodies: dict[str, int]):
        self.model, self.path, self.root, self.bodies = model, path, root, bodies
        model.opt.jacobian = mujoco.mjtJacobian.mjJAC_DENSE  # efc_J as one (nefc, nv) array
        model.opt.disableflags |= mujoco.mjtDisableBit.mjDSBL_CONTACT | mujoco.mjtDisableBit.mjDSBL_LIMIT
        model.opt.disableflags &= ~int(mujoco.mjtDisableBit.mjDSBL_EQUALITY)
        self.data = mujoco.MjData(model)
        self.joint_adr = int(model.jnt_qposadr[joint])
        in_tree = [j for j in range(model.njnt) if _top_body(model, model.jnt_bodyid[j]) == root]
        self.free = [
            int(model.jnt_dofadr[j]) for j in in_tree if j != joint and int(model.jnt_type[j]) in _MOVING
        ]
        loops = [
            e for e in range(model.neq) if model.eq_active0[e] and model.eq_type[e] != mujoco.mjtEq.mjEQ_JOINT
        ]
        self.loops = [e for e in loops if self._inside(e)]
        model.eq_active0[[e for e in loops if e not in self.loops]] = 0  # e.g. a base welded to a mocap

    def _inside(self, eq: int) -> bool:
        """Whether a connect/weld equality ties two bodies of the gripper (not the world or a mocap)."""
        ids = [self.model.eq_obj1id[eq], self.model.eq_obj2id[eq]]
        if self.model.eq_objtype[eq] == mujoco.mjtObj.mjOBJ_SITE:
            ids = [self.model.site_bodyid[i] for i in ids]
        return all(i > 0 and _top_body(self.model, i) == self.root for i in ids)

    def __call__(self, q: float) -> dict[str, np.ndarray]:
        qpos = self.model.qpos0.copy()
        start = float(qpos[self.joint_adr])
        steps = max(1, int(np.ceil(abs(q - start) / _STEP))) if self.loops else 1
        for value in np.linspace(start, q, steps + 1)[1:]:
            qpos[self.joint_adr] = value
            self._apply_joint_equalities(qpos)
            self._close(qpos, value)  # returns at once when every equality already holds
        self.data.qpos[:] = qpos
        mujoco.mj_kinematics(self.model, self.data)
        world_root = _pose(self.data, self.root)
        inverse = np.linalg.inv(world_root)
        return {name: inverse @ _pose(self.data, b) for name, b in self.bodies.items()}

    def _apply_joint_equalities(self, qpos: np.ndarray) -> None:
        """q1 - q1_0 = poly(q2 - q2_0), MuJoCo's definition, in dependency order (chains allowed).

        A rule that would move the driven joint itself is left to :meth:`_close`, which solves it
        for the other joint instead.
        """
        m = self.model
        rules = [
            e
            for e in range(m.neq)
            if m.eq_active0[e]
            and m.eq_type[e] == mujoco.mjtEq.mjEQ_JOINT
            and m.jnt_qposadr[m.eq_obj1id[e]] != self.joint_adr
        ]
        for _ in range(len(rules)):  # a chain of n rules settles in at most n passes
            for e in rules:
                a1, j2 = m.jnt_qposadr[m.eq_obj1id[e]], m.eq_obj2id[e]
                dif = qpos[m.jnt_qposadr[j2]] - m.qpos0[m.jnt_qposadr[j2]] if j2 >= 0 else 0.0
                qpos[a1] = m.qpos0[a1] + sum(c * dif**k for k, c in enumerate(m.eq_data[e, :5]))

    def _close(self, qpos: np.ndarray, value: float) -> None:
        """Gauss-Newton on MuJoCo's equality residuals over the free joints, driven joint held."""
        m, d = self.model, self.data
        for _ in range(_MAX_ITER):
            d.qpos[:] = qpos
            mujoco.mj_fwdPosition(m, d)
            rows = np.flatnonzero(d.efc_type[: d.nefc] == mujoco.mjtConstraint.mjCNSTR_EQUALITY)
            residual = d.efc_pos[rows]
            if residual.size == 0 or np.abs(residual).max() < _RESIDUAL:
                return
            jac = d.efc_J[: d.nefc * m.nv].reshape(d.nefc, m.nv)[np.ix_(rows, self.free)]
            step = np.zeros(m.nv)
            step[self.free] = -np.linalg.lstsq(jac, residual, rcond=None)[0]
            mujoco.mj_integratePos(m, qpos, step, 1.0)
        worst = int(rows[np.abs(residual).argmax()])
        eq = _name(m, mujoco.mjtObj.mjOBJ_EQUALITY, int(d.efc_id[worst]))
        raise InputError(
            f"{self.path}: equality {eq!r} cannot be closed at driven value {value:.6g} (residual {np.abs(residual).max():.3g})"
        )


def _pose(data: mujoco.MjData, body: int) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, :3] = data.xmat[body].reshape(3, 3)
    pose[:3, 3] = data.xpos[body]
    return pose
