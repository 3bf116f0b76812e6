"""USD files of one grasp scene, written with pxr from the parent's arrays (worker side: pxr and numpy only).

No NVIDIA-hosted assets: the gripper and the object are authored here from the numbers the parent sent
(:mod:`dexgen.sim.isaaclab.request`), the same bodies the guess stage and the MuJoCo scene use.

- **Gripper**: one articulation on a fixed base. The hand is driven in 6 DoF by a chain of three
  prismatic joints (x, y, z) and three revolute joints (x, y, z: intrinsic XYZ Euler angles) from the
  base to the palm, all joint frames at the palm origin, so the joint values are exactly the palm's pose
  in the env (hand-start) frame. PhysX needs this fixed-base chain: a joint from the world to a free
  palm is not part of a PhysX articulation (isaaclab.md §3). Each finger is a prismatic joint on the
  palm whose value is how far its pad sits outside its fully closed place (MuJoCo's convention), with a
  force-limited position drive; the joint frame of ``finger_neg`` is turned 180 deg about z so both open
  along +q.
- **Object**: one rigid body whose convex parts are meshes with convex-hull collision, with the parent's
  mass, centre of mass and principal inertia, gravity off (its weight is one of the external forces).

PhysX-only settings (iterations, offsets, friction combine mode) are written as their namespaced
attributes (``physxCollision:contactOffset``...): the pxr of usd-exchange carries no PhysxSchema module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from pxr import Gf, Sdf, Usd, UsdGeom, UsdPhysics, UsdShade

HAND_JOINTS = ("hand_x", "hand_y", "hand_z", "hand_rx", "hand_ry", "hand_rz")
FINGER_JOINTS = ("finger_neg_joint", "finger_pos_joint")
PALM = "palm"
FLIP_Z = Gf.Quatf(0.0, 0.0, 0.0, 1.0)  # 180 deg about z (wxyz)


def _attr(prim: Usd.Prim, name: str, type_name, value) -> None:
    prim.CreateAttribute(name, type_name).Set(value)


def _material(stage: Usd.Stage, path: str, friction: float) -> UsdShade.Material:
    """A physics material: equal static and dynamic friction, no bounce, combined by max (as MuJoCo does)."""
    mat = UsdShade.Material.Define(stage, path)
    api = UsdPhysics.MaterialAPI.Apply(mat.GetPrim())
    api.CreateStaticFrictionAttr(float(friction))
    api.CreateDynamicFrictionAttr(float(friction))
    api.CreateRestitutionAttr(0.0)
    prim = mat.GetPrim()
    prim.AddAppliedSchema("PhysxMaterialAPI")
    _attr(prim, "physxMaterial:frictionCombineMode", Sdf.ValueTypeNames.Token, "max")
    _attr(prim, "physxMaterial:restitutionCombineMode", Sdf.ValueTypeNames.Token, "min")
    return mat


def _collider(prim: Usd.Prim, material: UsdShade.Material, scene: dict) -> None:
    UsdPhysics.CollisionAPI.Apply(prim)
    prim.AddAppliedSchema("PhysxCollisionAPI")
    _attr(prim, "physxCollision:contactOffset", Sdf.ValueTypeNames.Float, float(scene["contact_offset"]))
    _attr(prim, "physxCollision:restOffset", Sdf.ValueTypeNames.Float, float(scene["rest_offset"]))
    binding = UsdShade.MaterialBindingAPI.Apply(prim)
    binding.Bind(material, UsdShade.Tokens.strongerThanDescendants, "physics")


def _link(stage: Usd.Stage, path: str, mass: float, inertia) -> Usd.Prim:
    """A rigid link at the origin with explicit mass and diagonal inertia, gravity off."""
    prim = UsdGeom.Xform.Define(stage, path).GetPrim()
    UsdPhysics.RigidBodyAPI.Apply(prim)
    m = UsdPhysics.MassAPI.Apply(prim)
    m.CreateMassAttr(float(mass))
    m.CreateDiagonalInertiaAttr(Gf.Vec3f(*[float(v) for v in inertia]))
    m.CreateCenterOfMassAttr(Gf.Vec3f(0.0, 0.0, 0.0))
    prim.AddAppliedSchema("PhysxRigidBodyAPI")
    _attr(prim, "physxRigidBody:disableGravity", Sdf.ValueTypeNames.Bool, True)
    return prim


def _box(stage: Usd.Stage, path: str, size, centre) -> Usd.Prim:
    cube = UsdGeom.Cube.Define(stage, path)
    cube.CreateSizeAttr(1.0)
    cube.AddTranslateOp().Set(Gf.Vec3d(*[float(v) for v in centre]))
    cube.AddScaleOp().Set(Gf.Vec3f(*[float(v) for v in size]))
    return cube.GetPrim()


def _box_inertia(mass: float, size) -> list[float]:
    x, y, z = size
    return [mass * (y * y + z * z) / 12, mass * (x * x + z * z) / 12, mass * (x * x + y * y) / 12]


def _joint(stage, path: str, kind: str, axis: str, body0: str, body1: str, flip: bool = False):
    cls = UsdPhysics.PrismaticJoint if kind == "prismatic" else UsdPhysics.RevoluteJoint
    joint = cls.Define(stage, path)
    joint.CreateAxisAttr(axis)
    joint.CreateBody0Rel().SetTargets([body0])
    joint.CreateBody1Rel().SetTargets([body1])
    rot = FLIP_Z if flip else Gf.Quatf(1.0, 0.0, 0.0, 0.0)
    for set_pos, set_rot in (
        (joint.CreateLocalPos0Attr, joint.CreateLocalRot0Attr),
        (joint.CreateLocalPos1Attr, joint.CreateLocalRot1Attr),
    ):
        set_pos(Gf.Vec3f(0.0, 0.0, 0.0))
        set_rot(rot)
    return joint


def _drive(joint, kind: str, stiffness: float, damping: float, max_force: float | None = None) -> None:
    """A position drive (without one PhysX has nothing for Isaac Lab's actuator gains to set).

    USD angular drive gains are per degree; Isaac Lab rewrites them in SI units at start-up anyway.
    """
    per = np.pi / 180 if kind == "angular" else 1.0
    drive = UsdPhysics.DriveAPI.Apply(joint.GetPrim(), kind)
    drive.CreateTypeAttr("force")
    drive.CreateStiffnessAttr(float(stiffness) * per)
    drive.CreateDampingAttr(float(damping) * per)
    drive.CreateTargetPositionAttr(0.0)
    if max_force is not None:
        drive.CreateMaxForceAttr(float(max_force))


def new_stage(path: Path, root_path: str) -> tuple[Usd.Stage, Usd.Prim]:
    """A z-up, metre stage at ``path`` with ``root_path`` as its default prim."""
    stage = Usd.Stage.CreateNew(str(path))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    root = UsdGeom.Xform.Define(stage, root_path).GetPrim()
    stage.SetDefaultPrim(root)
    return stage, root


def _solver_iterations(prim: Usd.Prim, schema: str, scene: dict) -> None:
    """PhysX's position and velocity iteration counts on an articulation or a rigid body (``schema``)."""
    for kind in ("position", "velocity"):
        count = scene[f"{kind}_iterations"]
        _attr(prim, f"{schema}:solver{kind.title()}IterationCount", Sdf.ValueTypeNames.Int, count)


def articulation(path: Path, scene: dict) -> tuple[Usd.Stage, UsdShade.Material]:
    """The gripper stage's articulation root ``/Robot`` (self-collisions off) and the gripper's material."""
    stage, root = new_stage(path, "/Robot")
    UsdPhysics.ArticulationRootAPI.Apply(root)
    root.AddAppliedSchema("PhysxArticulationAPI")
    _attr(root, "physxArticulation:enabledSelfCollisions", Sdf.ValueTypeNames.Bool, False)
    _solver_iterations(root, "physxArticulation", scene)
    return stage, _material(stage, "/Robot/Looks/gripper_material", scene["gripper"]["friction"])


def hand_chain_links(stage: Usd.Stage, g: dict) -> None:
    """The fixed base and the light links between the hand's six joints (the palm comes after)."""
    link_mass = float(g["link_mass"])
    link_inertia = [link_mass * 1e-4] * 3  # a 1 cm-radius-of-gyration point: negligible next to the palm
    chain = ["base", *HAND_JOINTS[:-1]]
    for name in chain:
        _link(stage, f"/Robot/{name}", link_mass, link_inertia)
    fixed = UsdPhysics.FixedJoint.Define(stage, "/Robot/root_joint")  # the fixed base: no body0 = the world
    fixed.CreateBody1Rel().SetTargets(["/Robot/base"])


def hand_chain_joints(stage: Usd.Stage, g: dict) -> None:
    """The six driven joints from the base to the palm (x, y, z slides, then x, y, z turns)."""
    parents = ["/Robot/base", *[f"/Robot/{n}" for n in HAND_JOINTS[:-1]]]
    children = [*[f"/Robot/{n}" for n in HAND_JOINTS[:-1]], f"/Robot/{PALM}"]
    for k, name in enumerate(HAND_JOINTS):
        kind = "prismatic" if k < 3 else "revolute"
        joint = _joint(stage, f"/Robot/joints/{name}", kind, "XYZ"[k % 3], parents[k], children[k])
        if k < 3:
            _drive(joint, "linear", g["hand_stiffness"], g["hand_damping"])
        else:
            _drive(joint, "angular", g["hand_angular_stiffness"], g["hand_angular_damping"])


def write_gripper(path: Path, scene: dict) -> None:
    """The gripper articulation (root prim ``/Robot``) of ``scene["gripper"]`` into ``path``."""
    g = scene["gripper"]
    stage, material = articulation(path, scene)
    hand_chain_links(stage, g)

    bodies = {b["name"]: b for b in g["bodies"]}
    density = float(g["density"])
    palm_body = bodies["palm"]
    palm_mass = density * float(np.prod(palm_body["size"]))
    palm = _link(stage, f"/Robot/{PALM}", palm_mass, _box_inertia(palm_mass, palm_body["size"]))
    m = UsdPhysics.MassAPI(palm)
    m.GetCenterOfMassAttr().Set(Gf.Vec3f(*[float(v) for v in palm_body["centre"]]))
    _collider(
        _box(stage, f"/Robot/{PALM}/collision", palm_body["size"], palm_body["centre"]), material, scene
    )
    hand_chain_joints(stage, g)

    for finger, joint_name in zip(("finger_neg", "finger_pos"), FINGER_JOINTS):
        body = bodies[finger]
        mass = density * float(np.prod(body["size"]))
        link = _link(stage, f"/Robot/{finger}", mass, _box_inertia(mass, body["size"]))
        UsdPhysics.MassAPI(link).GetCenterOfMassAttr().Set(Gf.Vec3f(*[float(v) for v in body["centre"]]))
        _collider(_box(stage, f"/Robot/{finger}/collision", body["size"], body["centre"]), material, scene)
        joint = _joint(
            stage,
            f"/Robot/joints/{joint_name}",
            "prismatic",
            "X",
            f"/Robot/{PALM}",
            f"/Robot/{finger}",
            flip=body["axis"][0] < 0,
        )
        joint.CreateLowerLimitAttr(0.0)
        joint.CreateUpperLimitAttr(float(g["finger_range"]))
        _drive(joint, "linear", g["finger_kp"], g["finger_kv"], g["finger_force"])
    if g["finger_coupling"]:
        _couple(stage.GetPrimAtPath(f"/Robot/joints/{FINGER_JOINTS[0]}"), f"/Robot/joints/{FINGER_JOINTS[1]}")
    stage.GetRootLayer().Save()


def _couple(follower: Usd.Prim, leader: str, gearing: float = -1.0, offset: float = 0.0) -> None:
    """q_follower = q_leader through a PhysX mimic joint (q_A + G q_B + offset = 0 with G = -1), as MuJoCo's
    joint equality. Without it two force-saturated fingers offer no resistance to moving together, and a
    sideways tug slides the object and both fingers along the closing axis."""
    instance = (
        "rotX"  # the only tokens the schema allows; for a prismatic joint its one DoF is the mimic axis
    )
    follower.AddAppliedSchema(f"PhysxMimicJointAPI:{instance}")
    follower.CreateRelationship(f"physxMimicJoint:{instance}:referenceJoint").SetTargets([leader])
    _attr(follower, f"physxMimicJoint:{instance}:referenceJointAxis", Sdf.ValueTypeNames.Token, instance)
    _attr(follower, f"physxMimicJoint:{instance}:gearing", Sdf.ValueTypeNames.Float, float(gearing))
    _attr(follower, f"physxMimicJoint:{instance}:offset", Sdf.ValueTypeNames.Float, float(offset))


def write_object(path: Path, scene: dict, arrays: dict[str, np.ndarray]) -> None:
    """The object rigid body (root prim ``/Object``) with one convex-hull mesh per part into ``path``."""
    o = scene["object"]
    stage, root = new_stage(path, "/Object")
    UsdPhysics.RigidBodyAPI.Apply(root)
    root.AddAppliedSchema("PhysxRigidBodyAPI")
    _attr(root, "physxRigidBody:disableGravity", Sdf.ValueTypeNames.Bool, True)
    _solver_iterations(root, "physxRigidBody", scene)
    _attr(root, "physxRigidBody:enableCCD", Sdf.ValueTypeNames.Bool, True)
    mass = UsdPhysics.MassAPI.Apply(root)
    mass.CreateMassAttr(float(o["mass"]))
    mass.CreateCenterOfMassAttr(Gf.Vec3f(*[float(v) for v in o["com"]]))
    mass.CreateDiagonalInertiaAttr(Gf.Vec3f(*[float(v) for v in o["inertia_diagonal"]]))
    w, x, y, z = (float(v) for v in o["principal_axes"])
    mass.CreatePrincipalAxesAttr(Gf.Quatf(w, x, y, z))
    material = _material(stage, "/Object/Looks/object_material", o["friction"])
    verts, faces = arrays["part_vertices"], arrays["part_faces"]
    v0 = f0 = 0
    for k, (nv, nf) in enumerate(zip(arrays["part_nvert"].tolist(), arrays["part_nface"].tolist())):
        mesh = UsdGeom.Mesh.Define(stage, f"/Object/part{k}")
        mesh.CreatePointsAttr([Gf.Vec3f(*map(float, p)) for p in verts[v0 : v0 + nv]])
        mesh.CreateFaceVertexCountsAttr([3] * nf)
        mesh.CreateFaceVertexIndicesAttr([int(i) for i in faces[f0 : f0 + nf].ravel()])
        prim = mesh.GetPrim()
        _collider(prim, material, scene)
        UsdPhysics.MeshCollisionAPI.Apply(prim).CreateApproximationAttr("convexHull")
        v0, f0 = v0 + nv, f0 + nf
    stage.GetRootLayer().Save()
