"""The real Robotiq 2F-85 (airo-models' URDF) as MJCF and USD, derived by code so all three are one hand.

The MJCF is what MuJoCo's own URDF compiler makes of the URDF (every link kept as a body, the
``<mimic>`` joints as joint equalities, a position actuator added on ``finger_joint``); the USD is
authored with pxr in GraspDataGen's layout from the URDF as yourdfpy reads it (default prim
articulation, links as rigid-body Xforms, collision Meshes, fixed ``root_joint``, PhysX mimic joints).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

DRIVEN = "finger_joint"


def write_mjcf(urdf: Path, robot, out: Path) -> Path:
    """MuJoCo compiles the URDF; the compiled model is saved as MJCF with an actuator on the driven joint.

    ``fusestatic`` off keeps every URDF link a body (names and frames as in the URDF); mimic joints
    MuJoCo's URDF reader dropped (older versions did) are added as joint equalities.
    """
    import mujoco

    spec = mujoco.MjSpec.from_file(str(urdf))
    spec.compiler.fusestatic = False
    spec.compiler.discardvisual = True
    spec.meshdir = str(urdf.parent)  # the URDF's relative mesh paths stay valid from anywhere
    coupled = {e.name1 for e in spec.equalities if e.type == mujoco.mjtEq.mjEQ_JOINT}
    for joint in robot.robot.joints:
        if joint.mimic is not None and joint.name not in coupled:
            eq = spec.add_equality(type=mujoco.mjtEq.mjEQ_JOINT, name1=joint.name, name2=joint.mimic.joint)
            eq.data[:2] = [joint.mimic.offset or 0.0, joint.mimic.multiplier or 1.0]
    actuator = spec.add_actuator(name="fingers", target=DRIVEN, trntype=mujoco.mjtTrn.mjTRN_JOINT)
    actuator.set_to_position(kp=20.0)
    spec.compile()
    out.write_text(spec.to_xml())
    return out


def urdf_reference(robot, root: str):
    """Link poses and collision meshes straight from yourdfpy: the answer the other importers must give."""
    scene = robot.collision_scene

    def link_poses(q: float) -> dict[str, np.ndarray]:
        robot.update_cfg({DRIVEN: q})
        return {link: robot.get_transform(link, root) for link in meshes}

    meshes = {}
    for node in scene.graph.nodes_geometry:
        link = scene.graph.transforms.parents[node]
        transform, name = scene.graph.get(frame_to=node, frame_from=link)
        meshes[link] = scene.geometry[name].copy().apply_transform(transform)
    return link_poses, meshes


def write_usd(robot, driven: str, out: Path) -> Path:
    """The URDF as GraspDataGen expects a gripper USD: an articulation default prim, links as rigid-body
    Xforms at their rest poses, collision Meshes, a fixed ``root_joint``, limits and PhysX mimic joints."""
    from pxr import Gf, Sdf, Usd, UsdGeom, UsdPhysics

    stage = Usd.Stage.CreateNew(str(out))
    UsdGeom.SetStageUpAxis(stage, UsdGeom.Tokens.z)
    UsdGeom.SetStageMetersPerUnit(stage, 1.0)
    top = UsdGeom.Xform.Define(stage, "/robotiq_2f_85").GetPrim()
    stage.SetDefaultPrim(top)
    UsdPhysics.ArticulationRootAPI.Apply(top)
    robot.update_cfg({driven: 0.0})
    root = robot.base_link
    _, meshes = urdf_reference(robot, root)
    for link in robot.link_map:
        xform = UsdGeom.Xform.Define(stage, f"/robotiq_2f_85/{link}")
        xform.AddTransformOp().Set(Gf.Matrix4d(robot.get_transform(link, root).T.tolist()))
        UsdPhysics.RigidBodyAPI.Apply(xform.GetPrim())
        if link in meshes:
            mesh = UsdGeom.Mesh.Define(stage, f"/robotiq_2f_85/{link}/collisions/mesh_0")
            mesh.CreatePointsAttr([Gf.Vec3f(*v) for v in meshes[link].vertices.tolist()])
            mesh.CreateFaceVertexCountsAttr([3] * len(meshes[link].faces))
            mesh.CreateFaceVertexIndicesAttr(meshes[link].faces.ravel().tolist())
            UsdPhysics.CollisionAPI.Apply(mesh.GetPrim())
    fixed = UsdPhysics.FixedJoint.Define(stage, "/robotiq_2f_85/root_joint")
    fixed.CreateBody1Rel().SetTargets([f"/robotiq_2f_85/{root}"])
    for joint in robot.robot.joints:
        _write_joint(stage, joint, driven, (Gf, Sdf, UsdPhysics))
    stage.GetRootLayer().Save()
    return out


def _write_joint(stage, joint, driven: str, pxr_modules) -> None:
    """One URDF joint: its origin becomes localPos0/localRot0, its axis the joint frame's x."""
    Gf, Sdf, UsdPhysics = pxr_modules
    import trimesh

    path = f"/robotiq_2f_85/joints/{joint.name}"
    kinds = {"revolute": UsdPhysics.RevoluteJoint, "prismatic": UsdPhysics.PrismaticJoint}
    usd_joint = kinds.get(joint.type, UsdPhysics.FixedJoint).Define(stage, path)
    axis = np.asarray(joint.axis if joint.axis is not None else (1.0, 0.0, 0.0), dtype=float)
    align = trimesh.geometry.align_vectors([1.0, 0.0, 0.0], axis / np.linalg.norm(axis))
    frame0 = joint.origin @ align
    usd_joint.CreateBody0Rel().SetTargets([f"/robotiq_2f_85/{joint.parent}"])
    usd_joint.CreateBody1Rel().SetTargets([f"/robotiq_2f_85/{joint.child}"])
    usd_joint.CreateLocalPos0Attr(Gf.Vec3f(*frame0[:3, 3].tolist()))
    usd_joint.CreateLocalRot0Attr(Gf.Quatf(Gf.Matrix4d(frame0.T.tolist()).ExtractRotationQuat()))
    usd_joint.CreateLocalPos1Attr(Gf.Vec3f(0.0, 0.0, 0.0))
    usd_joint.CreateLocalRot1Attr(Gf.Quatf(Gf.Matrix4d(align.T.tolist()).ExtractRotationQuat()))
    if joint.type not in kinds:
        return
    usd_joint.CreateAxisAttr("X")
    unit = 180.0 / np.pi if joint.type == "revolute" else 1.0
    usd_joint.CreateLowerLimitAttr(joint.limit.lower * unit)
    usd_joint.CreateUpperLimitAttr(joint.limit.upper * unit)
    prim = usd_joint.GetPrim()
    if joint.name == driven:
        drive = UsdPhysics.DriveAPI.Apply(prim, "angular" if joint.type == "revolute" else "linear")
        drive.CreateMaxForceAttr(float(joint.limit.effort))
    if joint.mimic is not None:  # PhysX: q + gearing * q_ref + offset = 0
        prim.AddAppliedSchema("PhysxMimicJointAPI:rotX")
        prim.CreateRelationship("physxMimicJoint:rotX:referenceJoint").SetTargets(
            [f"/robotiq_2f_85/joints/{joint.mimic.joint}"]
        )
        prim.CreateAttribute("physxMimicJoint:rotX:gearing", Sdf.ValueTypeNames.Float).Set(
            -joint.mimic.multiplier
        )
        prim.CreateAttribute("physxMimicJoint:rotX:offset", Sdf.ValueTypeNames.Float).Set(
            -(joint.mimic.offset or 0.0)
        )
        prim.CreateAttribute("physxMimicJoint:rotX:referenceJointAxis", Sdf.ValueTypeNames.Token).Set("rotX")
