"""The Isaac Lab worker: a persistent process under the Isaac Lab Python 3.12 that plays batches of trials.

Run as ``python -m dexgen.sim.isaaclab.worker`` with dexgen's ``src`` on ``PYTHONPATH``. It imports only the
standard library, numpy, pxr, warp, torch and Isaac Lab (plus :mod:`.wire`, :mod:`.usd_scene` and
:mod:`.usd_hand`, which import nothing more), so it runs in an environment that has none of dexgen's own dependencies.

It answers one protocol line (:mod:`.wire`) per request. A request folder holds one object's scene and one
chunk of at most ``num_envs`` trials; the scene (USD files, stage, simulation, environments) is rebuilt
only when its key changes, so the chunks of one object reuse it. Each chunk: every env is reset to its
trial's start (hand at the env origin, object at its grasp), then for every protocol step the hand and
finger targets and the object's external force are written where they change, the engine steps
``substeps`` times, and the palm and object poses are recorded; finger contact forces and joint values
are read at the end of the close and at the last step. A real hand (the scene's ``gripper["hand"]``)
drives only its leader joint; its followers move by their mimic joints, and its pads are its pad links. An exception is reported on the protocol line and ends the worker (its
state may be broken); the parent starts a fresh one.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path

import numpy as np

from dexgen.sim.isaaclab import wire

FINGER_BODIES = ("finger_neg", "finger_pos")


def patch_warp_pinned_memory() -> None:
    """Let pinned host allocations fall back to ordinary memory when there is no CUDA driver.

    Isaac Lab's OvPhysX assets allocate ``wp.zeros(..., device="cpu", pinned=True)``; without CUDA, Warp
    cannot pin and the allocation fails ("Failed to allocate 4 bytes on device 'cpu'", isaaclab.md §3).
    """
    import warp as wp
    from warp._src import context

    if getattr(context.Device.get_allocator, "_dexgen_patched", False):
        return
    original = context.Device.get_allocator
    wp.init()
    no_cuda = wp.get_cuda_device_count() == 0

    def get_allocator(self, pinned: bool = False):
        return original(self, pinned=pinned and not (no_cuda and self.is_cpu))

    get_allocator._dexgen_patched = True
    context.Device.get_allocator = get_allocator


def changes(series: np.ndarray) -> np.ndarray:
    """(nstep,) bool: whether step k's values (any env, any component) differ from step k-1's; step 0 always."""
    flat = series.reshape(series.shape[0], series.shape[1], -1)
    return np.concatenate([[True], (flat[:, 1:] != flat[:, :-1]).any(axis=(0, 2))])


def limit_physx_threads(threads: int) -> None:
    """Give PhysX's CPU dispatcher ``threads`` workers (the parent resolves ``sim.threads: 0`` to every core).

    Isaac Lab's OvPhysX manager asks for 8 whatever the machine; on 2 cores that oversubscription made each
    step 1.33x slower than 2 workers, and the results are the same bit for bit either way.
    """
    import ovphysx

    original = getattr(ovphysx.PhysXConfig, "_dexgen_original", ovphysx.PhysXConfig)

    def with_threads(*args, **kwargs):
        return original(*args, **{**kwargs, "num_threads": threads})

    with_threads._dexgen_original = original
    ovphysx.PhysXConfig = with_threads


def resolve_device(device: str) -> str:
    if device != "auto":
        return "cuda:0" if device == "cuda" else device
    import warp as wp

    return "cuda:0" if wp.get_cuda_device_count() > 0 else "cpu"


def physics_cfg(scene: dict):
    """Isaac Lab's physics config of the scene's engine (kit-less either way)."""
    if scene["physics"] == "physx":
        from isaaclab_ov.physics import OvPhysxCfg

        return OvPhysxCfg()
    from isaaclab_newton.physics import MJWarpSolverCfg, NewtonCfg, NewtonShapeCfg

    # Newton's default contact stiffness (2.5e3 N/m) lets a 40 N pad sink centimetres into the object
    shape = NewtonShapeCfg(ke=scene["newton_contact_stiffness"], kd=scene["newton_contact_damping"])
    return NewtonCfg(
        solver_cfg=MJWarpSolverCfg(cone="elliptic", integrator="implicitfast", enable_multiccd=True),
        default_shape_cfg=shape,
        use_cuda_graph=False,
    )


def write_gripper(path: Path, scene: dict, arrays: dict[str, np.ndarray]) -> tuple[list[str], tuple, dict]:
    """Author the scene's gripper USD at ``path``; returns (finger joint names, driven one first; the two pad
    links; Isaac Lab actuator configs of the finger joints)."""
    from isaaclab.actuators import ImplicitActuatorCfg

    from dexgen.sim.isaaclab import usd_scene

    g = scene["gripper"]
    hand = g.get("hand")
    if hand is None:
        usd_scene.write_gripper(path, scene)
        fingers = {
            "fingers": ImplicitActuatorCfg(
                joint_names_expr=["finger_.*"],
                stiffness=g["finger_kp"],
                damping=g["finger_kv"],
                effort_limit_sim=g["finger_force"],
                armature=g["finger_armature"],  # kg, as the MuJoCo scene: scaled with the force as the gains
            )
        }
        return list(usd_scene.FINGER_JOINTS), FINGER_BODIES, fingers
    from dexgen.sim.isaaclab import usd_hand

    usd_hand.write_hand(path, scene, arrays)
    fingers = {
        "fingers": ImplicitActuatorCfg(
            joint_names_expr=[hand["leader"]],
            stiffness=hand["leader_kp"],
            damping=hand["leader_kv"],
            effort_limit_sim=hand["leader_effort"],
            armature=hand["armature"],
        )
    }
    if hand["followers"]:  # moved by their mimic joints alone: no drive, the leader's armature
        fingers["followers"] = ImplicitActuatorCfg(
            joint_names_expr=list(hand["followers"]), stiffness=0.0, damping=0.0, armature=hand["armature"]
        )
    return [hand["leader"], *hand["followers"]], tuple(hand["pads"]), fingers


class Simulation:
    """One built scene: the simulation context, the environments and the index maps a chunk needs."""

    def __init__(self, scene: dict, arrays: dict[str, np.ndarray], folder: Path, device: str) -> None:
        import isaaclab.sim as sim_utils
        from isaaclab.actuators import ImplicitActuatorCfg
        from isaaclab.assets import ArticulationCfg, RigidObjectCfg
        from isaaclab.scene import InteractiveScene, InteractiveSceneCfg
        from isaaclab.sensors import ContactSensorCfg
        from isaaclab.sim import SimulationCfg, SimulationContext
        from isaaclab.utils import configclass

        from dexgen.sim.isaaclab import usd_scene

        self.key, self.device = scene["key"], device
        self.substeps, self.dt = int(scene["substeps"]), float(scene["dt"])
        gripper_usd, object_usd = folder / "gripper.usda", folder / "object.usda"
        g = scene["gripper"]
        finger_joints, pads, fingers = write_gripper(gripper_usd, scene, arrays)
        usd_scene.write_object(object_usd, scene, arrays)

        @configclass
        class GraspSceneCfg(InteractiveSceneCfg):
            robot = ArticulationCfg(
                prim_path="{ENV_REGEX_NS}/Robot",
                spawn=sim_utils.UsdFileCfg(usd_path=str(gripper_usd), activate_contact_sensors=True),
                init_state=ArticulationCfg.InitialStateCfg(pos=(0.0, 0.0, 0.0), joint_pos={".*": 0.0}),
                actuators={
                    "hand_linear": ImplicitActuatorCfg(
                        joint_names_expr=["hand_[xyz]"],
                        stiffness=g["hand_stiffness"],
                        damping=g["hand_damping"],
                        armature=g["hand_armature"],
                    ),
                    "hand_angular": ImplicitActuatorCfg(
                        joint_names_expr=["hand_r[xyz]"],
                        stiffness=g["hand_angular_stiffness"],
                        damping=g["hand_angular_damping"],
                        armature=g["hand_armature"],
                    ),
                    **fingers,
                },
            )
            object = RigidObjectCfg(
                prim_path="{ENV_REGEX_NS}/Object",
                spawn=sim_utils.UsdFileCfg(usd_path=str(object_usd), activate_contact_sensors=True),
                init_state=RigidObjectCfg.InitialStateCfg(pos=(0.0, 0.0, 0.0)),
            )
            touch_neg = ContactSensorCfg(
                prim_path="{ENV_REGEX_NS}/Robot/" + pads[0],
                filter_prim_paths_expr=["{ENV_REGEX_NS}/Object"],
                update_period=0.0,
            )
            touch_pos = ContactSensorCfg(
                prim_path="{ENV_REGEX_NS}/Robot/" + pads[1],
                filter_prim_paths_expr=["{ENV_REGEX_NS}/Object"],
                update_period=0.0,
            )

        sim_utils.create_new_stage()
        cfg = SimulationCfg(device=device, dt=self.dt, gravity=(0.0, 0.0, 0.0), physics=physics_cfg(scene))
        self.sim = SimulationContext(cfg)
        self.scene = InteractiveScene(
            GraspSceneCfg(num_envs=int(scene["num_envs"]), env_spacing=float(scene["env_spacing"]))
        )
        self.sim.reset()
        self.robot, self.object = self.scene["robot"], self.scene["object"]
        self.sensors = (self.scene["touch_neg"], self.scene["touch_pos"])
        self.num_envs = int(scene["num_envs"])
        hand_ids, _ = self.robot.find_joints(list(usd_scene.HAND_JOINTS), preserve_order=True)
        finger_ids, _ = self.robot.find_joints(finger_joints, preserve_order=True)
        self.hand_ids, self.finger_ids = list(hand_ids), list(finger_ids)
        self.palm_id = self.robot.find_bodies([usd_scene.PALM])[0][0]
        self.num_joints = self.robot.num_joints
        self.real_hand = "hand" in g

    def close(self) -> None:
        self.sim.stop()
        self.sim.clear_instance()

    def _torch(self, array: np.ndarray):
        import torch

        return torch.as_tensor(np.ascontiguousarray(array, dtype=np.float32), device=self.device)

    def run(self, req: dict[str, np.ndarray], ref: int) -> dict[str, np.ndarray]:
        """Play one chunk (its trials padded to num_envs by repeating the last one); per-trial results."""

        b = len(req["finger_q0"])
        n = self.num_envs
        pad = np.minimum(np.arange(n), b - 1)  # envs past the batch replay its last trial (results dropped)
        hand_t = req["hand_target"][pad]  # (n, nstep, 6)
        finger_t = req["finger_target"][pad]  # (n, nstep)
        force = req["force"][pad]  # (n, nstep, 3)
        nstep = hand_t.shape[1]
        origins = self.scene.env_origins.detach().cpu().numpy().astype(np.float64)

        targets = self._reset(req, pad, origins)
        hand_pos = np.empty((n, nstep, 3))
        hand_quat = np.empty((n, nstep, 4))
        obj_pos = np.empty((n, nstep, 3))
        obj_quat = np.empty((n, nstep, 4))
        out: dict[str, np.ndarray] = {}
        composer = self.object.permanent_wrench_composer
        # The engine keeps drive targets and the permanent wrench until they are written again, so both are
        # written only on the steps that change them (a seventh of a graspdatagen trial's steps, half of a
        # dexgen one's): each write is a copy into PhysX. Box trials moved by float32 rounding (under 2e-7).
        moves = changes(hand_t) | changes(finger_t)
        pushes = changes(force)
        for k in range(nstep):
            if moves[k]:
                targets[:, self.hand_ids] = hand_t[:, k]
                targets[:, self.finger_ids[0]] = finger_t[:, k]
                if not self.real_hand:  # a real hand's followers move by their mimic joints
                    targets[:, self.finger_ids[1]] = finger_t[:, k]
                self.robot.actuators.target_command.set_position_index(
                    value=self._torch(targets), full_data=True
                )
                self.robot.write_data_to_sim()
            if pushes[k]:
                composer.set_forces_and_torques_index(
                    forces=self._torch(force[:, k, None, :]), is_global=True
                )
            check = k in (ref, nstep - 1)
            for sub in range(self.substeps):
                self.object.write_data_to_sim()  # the wrench: engines clear external forces after every step
                self.sim.step(render=False)
                if check and sub == self.substeps - 1:
                    self.scene.update(self.dt)  # contact sensors too: read only where the labels need them
                else:
                    self.robot.update(self.dt)
                    self.object.update(self.dt)
            palm = self.robot.data.body_link_pose_w.torch[:, self.palm_id].cpu().numpy()
            body = self.object.data.root_link_pose_w.torch.cpu().numpy()
            hand_pos[:, k], hand_quat[:, k] = palm[:, :3] - origins, palm[:, [6, 3, 4, 5]]
            obj_pos[:, k], obj_quat[:, k] = body[:, :3] - origins, body[:, [6, 3, 4, 5]]
            if check:
                tag = "close" if k == ref else "end"
                out[f"force_{tag}"] = self._touch_forces()
                fq = self.robot.data.joint_pos.torch[:, self.finger_ids].cpu().numpy()
                out[f"finger_{tag}"] = fq.astype(np.float64)
        result = {
            "hand_pos": hand_pos,
            "hand_quat": hand_quat,
            "obj_pos": obj_pos,
            "obj_quat": obj_quat,
            **out,
        }
        result = {name: value[:b] for name, value in result.items()}
        finite = np.ones(b, dtype=bool)
        for value in result.values():
            finite &= np.isfinite(value.reshape(b, -1)).all(axis=1)
        result["finite"] = finite
        return result

    def _reset(self, req: dict[str, np.ndarray], pad: np.ndarray, origins: np.ndarray) -> np.ndarray:
        """Every env at its trial's start (fingers open, object placed and still); returns the joint values,
        the first drive targets."""
        import torch

        n = len(pad)
        joints = np.zeros((n, self.num_joints))
        if self.real_hand:  # every moving joint, leader first
            joints[:, self.finger_ids] = req["finger_q0"][pad]
        else:
            joints[:, self.finger_ids[0]] = req["finger_q0"][pad]
            joints[:, self.finger_ids[1]] = req["finger_q0"][pad]
        q = self._torch(joints)
        self.robot.write_joint_state_to_sim_index(position=q, velocity=torch.zeros_like(q))
        pose = np.concatenate([req["obj_pos"][pad] + origins, req["obj_quat"][pad][:, [1, 2, 3, 0]]], axis=1)
        self.object.write_root_pose_to_sim_index(root_pose=self._torch(pose))
        self.object.write_root_velocity_to_sim_index(root_velocity=self._torch(np.zeros((n, 6))))
        self.scene.reset()
        return joints.copy()

    def _touch_forces(self) -> np.ndarray:
        """(n, 2) normal force, N, the object presses on each finger (summed over the filter partners)."""
        forces = []
        for sensor in self.sensors:
            matrix = sensor.data.normal_force_matrix_w.torch  # (n, bodies, filters, 3)
            forces.append(matrix.norm(dim=-1).sum(dim=(1, 2)).cpu().numpy())
        return np.stack(forces, axis=1).astype(np.float64)


class Worker:
    """The request loop; owns the current :class:`Simulation`."""

    def __init__(self, proto, physics: str) -> None:
        self.proto, self.physics = proto, physics
        self.current: Simulation | None = None
        self.device: str | None = None

    def send(self, message: dict) -> None:
        self.proto.write(wire.encode(message))
        self.proto.flush()

    def handle(self, folder: Path) -> dict:
        t0 = time.perf_counter()
        request = json.loads((folder / wire.REQUEST_JSON).read_text())
        arrays = wire.read_npz(folder / wire.REQUEST_NPZ)
        scene = request["scene"]
        if scene["physics"] != self.physics:
            raise RuntimeError(
                f"the worker was started for {self.physics}; {scene['physics']} needs a new worker"
            )
        device = resolve_device(scene["device"])
        if self.device is not None and device != self.device:
            raise RuntimeError(
                f"the worker runs on {self.device}; a new device ({device}) needs a new worker"
            )
        self.device = device
        built = False
        if self.current is None or self.current.key != scene["key"]:
            if self.current is not None:
                self.current.close()
                self.current = None
            scene_dir = folder.parent / f"scene-{scene['key']}"
            scene_dir.mkdir(exist_ok=True)
            self.current = Simulation(scene, arrays, scene_dir, device)
            built = True
        t1 = time.perf_counter()
        result = self.current.run(arrays, int(request["end_of_close"]))
        wire.write_npz(folder / wire.RESULT_NPZ, result)
        t2 = time.perf_counter()
        return {"ok": True, "dir": str(folder), "built": built, "build_s": t1 - t0, "run_s": t2 - t1}


def main() -> int:
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # whatever Isaac Lab, Warp or PhysX print goes to stderr, never onto the protocol
    sys.stdout = sys.stderr
    physics = os.environ.get("DEXGEN_ISAACLAB_PHYSICS", "physx")
    device = os.environ.get("DEXGEN_ISAACLAB_DEVICE", "auto")
    worker = Worker(proto, physics)
    try:
        patch_warp_pinned_memory()
        threads = None  # Newton's CPU kernels run on one thread
        if physics == "physx":
            threads = int(os.environ.get("DEXGEN_ISAACLAB_THREADS") or os.cpu_count() or 1)
            limit_physx_threads(threads)
        import importlib.metadata

        from isaaclab.app import launch_simulation
        from isaaclab.sim import SimulationCfg

        resolved = resolve_device(device)
        # the launcher only needs the kind of engine; each scene's own settings come with its request
        knobs = {"physics": physics, "newton_contact_stiffness": 1e5, "newton_contact_damping": 1e3}
        cfg = SimulationCfg(device=resolved, physics=physics_cfg(knobs))
        launcher = launch_simulation(cfg, {"headless": True, "device": resolved})
        launcher.__enter__()
        worker.send(
            {
                "ready": True,
                "isaaclab": importlib.metadata.version("isaaclab"),
                "device": resolved,
                "threads": threads,
            }
        )
    except Exception:
        worker.send({"ok": False, "error": traceback.format_exc()})
        return 1
    for line in sys.stdin:
        if not line.strip():
            continue
        message = json.loads(line)
        if message.get("op") == "quit":
            break
        try:
            worker.send(worker.handle(Path(message["dir"])))
        except Exception:
            worker.send({"ok": False, "dir": message.get("dir"), "error": traceback.format_exc()})
            return 1
    if worker.current is not None:
        worker.current.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
