"""The typed config of the ``dexnet_synth`` stage (``params.yaml: dexnet.synth``), validated once at load.

Params are keyed by task: ``dexnet.synth.<task>`` holds the gripper, the camera, the class balance and
the task's own knobs. Defaults follow Dex-Net's generator as ``reference/dexnet.md`` §4 describes it (Primesense intrinsics,
camera distances and polar angles, 96 px crops resized to 32, perturbation sizes), shrunk in counts so
that both tasks synthesize in 1-2 minutes on 2 cores for the 24 builtin objects. Lengths in metres,
angles in degrees unless a name says ``rad``, masses in kilograms, forces in newtons.
"""

from __future__ import annotations

import dataclasses
from typing import Literal

from dexgen.config import to_mapping
from dexgen.hashing import stable_hash
from dexgen.params.guess import check_gripper
from dexgen.params.tasks import TASK_NAMES, TaskName


def _check_range(name: str, lo_hi: tuple[float, float], *, lo: float, hi: float) -> None:
    a, b = lo_hi
    if not lo <= a <= b <= hi:
        raise ValueError(f"{name} must satisfy {lo} <= min <= max <= {hi}, got {list(lo_hi)}")


def _check_positive(obj: object, *names: str) -> None:
    for name in names:
        if not getattr(obj, name) > 0:
            raise ValueError(f"{name} must be > 0, got {getattr(obj, name)}")


@dataclasses.dataclass(frozen=True)
class CameraConfig:
    """An overhead depth camera on a sphere around the resting object (``dexnet.md`` §4 "Rendering")."""

    fx: float = 525.0  # px; Primesense Carmine 1.08 (Dex-Net 2.0 paper)
    fy: float = 525.0  # px
    cx: float = 319.5  # px; principal point of the 640 x 480 image
    cy: float = 239.5  # px
    width: int = 640  # px
    height: int = 480  # px
    radius: tuple[float, float] = (0.65, 0.75)  # m, camera to object origin (2.0: 0.65-0.75; 3.0: 0.5-0.7)
    polar: tuple[float, float] = (9.0, 18.0)  # deg from the table normal (2.0: 0.05-0.1 pi; 3.0: 0.01-0.1 pi)
    target_offset: float = 0.02  # m; the camera looks at the object origin + uniform x, y in [-this, this]
    images_per_pose: int = 1  # camera draws per stable pose; every grasp of the pose is seen in each

    def __post_init__(self) -> None:
        _check_positive(self, "fx", "fy", "width", "height", "images_per_pose")
        _check_range("camera.radius", self.radius, lo=0.05, hi=10.0)
        _check_range("camera.polar", self.polar, lo=0.0, hi=80.0)
        if self.target_offset < 0:
            raise ValueError(f"camera.target_offset must be >= 0, got {self.target_offset}")


@dataclasses.dataclass(frozen=True)
class TaskBalance:
    """Class balance of one task: keep every positive, drop negatives (or positives) to reach a rate."""

    target_positive_rate: float | None = None  # null = keep every datapoint as sampled

    def __post_init__(self) -> None:
        r = self.target_positive_rate
        if r is not None and not 0 < r < 1:
            raise ValueError(f"target_positive_rate must be in (0, 1) or null, got {r}")


def _suction_camera() -> CameraConfig:
    return CameraConfig(radius=(0.5, 0.7), polar=(1.8, 18.0))


@dataclasses.dataclass(frozen=True)
class ParallelJawConfig:
    """Top-down planar grasps on the resting object, labelled by physics (``dexnet.md`` §4)."""

    gripper: str = "robotiq_2f_85"  # shipped parallel-jaw gripper name or a YAML path
    camera: CameraConfig = CameraConfig()  # Dex-Net 2.0's camera
    balance: TaskBalance = TaskBalance()  # class balance of the written set
    grasps_per_pose: int = 20  # candidates per stable pose (Dex-Net kept <= 100 per object)
    antipodal_fraction: float = 0.75  # the rest are uniformly random planar grasps (negatives mostly)
    friction_coef: float = 0.5  # mu of the antipodal test and of Ferrari-Canny (Dex-Net test config)
    max_normal_tilt: float = 30.0  # deg; antipodal contacts need normals within this of horizontal
    min_width: float = 0.0025  # m; contacts closer than this are rejected (Dex-Net)
    width_margin: float = 0.01  # m; antipodal width must stay this far below the max opening
    contact_lift: tuple[float, float] = (0.0, 0.012)  # m; the TCP sits this far above the contact
    random_depth: tuple[float, float] = (0.0, 0.04)  # m; random grasps: TCP this far below the top
    table_clearance: float = 0.002  # m; fingertips below this height collide with the table
    approach_length: float = 0.1  # m; the open gripper descends this far along the approach (Dex-Net)
    label_field: Literal["sim_success", "sim_score", "robust_ferrari_canny"] = "sim_success"
    label_threshold: float = 0.5  # label = label_field > this
    # robust Ferrari-Canny: mean over perturbations of the grasp relative to the object
    num_perturbations: int = 8  # Dex-Net used ~25
    sigma_translation: float = 0.005  # m, grasp centre (Dex-Net gripper sigma_t)
    sigma_rotation: float = 0.01  # rad, grasp axis (Dex-Net object sigma_r)
    friction_std: float = 0.1  # friction ~ N(friction_coef, this) clipped to [0, 1] (paper)
    finger_radius: float = 0.005  # m; soft-finger torsion (Dex-Net)
    torque_scaling: float | None = None  # 1/m; null = 1 / median object extent (Dex-Net default)
    fc_threshold: float = 0.002  # robust_ferrari_canny > this, reported next to the label (2.0's delta)

    def __post_init__(self) -> None:
        check_gripper(self.gripper, "gripper")
        _check_positive(self, "grasps_per_pose", "friction_coef", "min_width", "approach_length")
        if not 0 <= self.antipodal_fraction <= 1:
            raise ValueError(f"antipodal_fraction must be in [0, 1], got {self.antipodal_fraction}")
        _check_range("contact_lift", self.contact_lift, lo=0.0, hi=0.1)
        _check_range("random_depth", self.random_depth, lo=0.0, hi=0.5)
        if not 0 < self.max_normal_tilt < 90:
            raise ValueError(f"max_normal_tilt must be in (0, 90) deg, got {self.max_normal_tilt}")
        if self.num_perturbations < 1:
            raise ValueError(f"num_perturbations must be >= 1, got {self.num_perturbations}")
        for name in ("sigma_translation", "sigma_rotation", "friction_std", "finger_radius", "width_margin"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.torque_scaling is not None and not self.torque_scaling > 0:
            raise ValueError(f"torque_scaling must be > 0 or null, got {self.torque_scaling}")


@dataclasses.dataclass(frozen=True)
class SuctionConfig:
    """Dex-Net 3.0's suction model: spring-cone seal plus ring-contact wrench resistance (``dexnet.md`` §4)."""

    gripper: str = "suction_30mm"  # shipped suction gripper name or a YAML path
    camera: CameraConfig = dataclasses.field(default_factory=_suction_camera)  # Dex-Net 3.0's camera
    # Dex-Net 3.0's 12 % positives: drops negatives (we sample ~7.6 %), so accuracy is not just the prior
    balance: TaskBalance = TaskBalance(target_positive_rate=0.12)
    points_per_pose: int = 40  # visible surface points drawn per stable pose and camera (CPU-sized)
    # px cut around the target before the 32 x 32 resize; null = dexnet.synth.crop_size. 64 (cup ~13 px of 32,
    # not ~9) raised held-out AP from 0.56 to 0.73 on the default set: a seal is decided within the cup's rim
    crop_size: int | None = 64
    approach_noise: float = 8.0  # deg; approach = -normal tilted by N(0, this) per axis
    max_approach_angle: float = 60.0  # deg from the camera's optical axis (approach from the camera side)
    cone_height: float | None = None  # m; spring-cone height, null = the cup's height
    num_vertices: int = 8  # perimeter vertices of the spring cone (Dex-Net 3.0: 8)
    max_stretch: float = 0.1  # no spring may stretch or compress more than this fraction (paper: 10 %)
    hole_samples: int = 3  # extra rays per perimeter edge; a gap or bump between vertices breaks the seal
    mass: float = 1.0  # kg; gravity on 1 kg whatever the object (Dex-Net)
    # bending torque <= pi r kappa f_N / sqrt 2. Our reading of the paper's elastic limit (0.005 there): with
    # kappa scaling f_N, 0.005 gives ~0 % positives on 1 kg; 0.1 gives ~10 % on the builtin set (3.0: 11.8 %)
    kappa: float = 0.1
    vacuum: float | None = None  # N; null = the gripper's suction_force (V = 250 N)
    friction: float | None = None  # null = the gripper's friction
    num_perturbations: int = 10  # robust value = fraction of perturbed trials that seal and resist
    sigma_target: float = 0.002  # m, target point in the tangent plane
    sigma_approach: float = 3.0  # deg, approach axis
    sigma_gravity: float = 3.0  # deg, object pose (direction of gravity in the object frame)
    sigma_com: float = 0.005  # m, centre of mass
    friction_std: float = 0.1  # friction ~ N(friction, this) clipped to [0, 1]
    label_threshold: float = 0.2  # robust_suction_wrench_resistance > this (Dex-Net 3.0)

    def __post_init__(self) -> None:
        check_gripper(self.gripper, "gripper")
        _check_positive(self, "points_per_pose", "max_stretch", "mass", "kappa", "num_perturbations")
        if self.num_vertices < 3:
            raise ValueError(f"num_vertices must be >= 3, got {self.num_vertices}")
        if not 0 < self.max_approach_angle < 90:
            raise ValueError(f"max_approach_angle must be in (0, 90) deg, got {self.max_approach_angle}")
        for name in ("cone_height", "vacuum", "friction"):
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"{name} must be > 0 or null, got {value}")
        for name in ("approach_noise", "sigma_target", "sigma_approach", "sigma_gravity", "sigma_com"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if self.hole_samples < 0:
            raise ValueError(f"hole_samples must be >= 0, got {self.hole_samples}")
        _check_crop(self.crop_size, nullable=True)


def _check_crop(crop_size: int | None, *, nullable: bool = False) -> None:
    if crop_size is None and nullable:
        return
    if not isinstance(crop_size, int) or crop_size <= 0 or crop_size % 32:
        raise ValueError(f"crop_size must be a positive multiple of 32 (resized to 32 x 32), got {crop_size}")


@dataclasses.dataclass(frozen=True)
class SynthConfig:
    """``params.yaml: dexnet.synth``."""

    tasks: tuple[TaskName, ...] = TASK_NAMES
    poses_per_object: int = 3  # most probable stable poses (trimesh), each turned by a seeded yaw
    min_pose_probability: float = 0.01  # Dex-Net's database kept poses with p > 0.01
    max_objects: int = 0  # 0 = every object of the set (in key order)
    crop_size: int = 96  # px cut around the grasp before the 32 x 32 resize (Dex-Net: 96)
    examples: int = 48  # crops per task in the PNG grid
    # one section per task (params keyed by task): gripper, camera, balance and the task's own knobs
    parallel_jaw: ParallelJawConfig = ParallelJawConfig()
    suction: SuctionConfig = SuctionConfig()

    def __post_init__(self) -> None:
        if not self.tasks or len(set(self.tasks)) != len(self.tasks):
            raise ValueError(
                f"tasks must name each of {list(TASK_NAMES)} at most once, got {list(self.tasks)}"
            )
        _check_positive(self, "poses_per_object")
        _check_crop(self.crop_size)
        if self.max_objects < 0 or self.examples < 0:
            raise ValueError("max_objects and examples must be >= 0")
        if not 0 <= self.min_pose_probability < 1:
            raise ValueError(f"min_pose_probability must be in [0, 1), got {self.min_pose_probability}")

    def task(self, name: str) -> ParallelJawConfig | SuctionConfig:
        """The section of task ``name``."""
        if name not in TASK_NAMES:
            raise ValueError(f"unknown task {name!r}; tasks are {list(TASK_NAMES)}")
        return getattr(self, name)

    def crop_of(self, task: str) -> int:
        """The crop size of ``task``: its own, else the shared ``crop_size``."""
        return getattr(self.task(task), "crop_size", None) or self.crop_size

    def object_hash(self, task: str) -> str:
        """Hash of what decides one object's cached arrays for ``task`` (balance, pictures and the
        gripper reference excluded: the gripper's content hash is in the provenance)."""
        part = to_mapping(self.task(task))
        keep = {
            "task": task,
            "poses_per_object": self.poses_per_object,
            "min_pose_probability": self.min_pose_probability,
            "crop_size": self.crop_of(task),
            "camera": part.pop("camera"),
            "task_params": {k: v for k, v in part.items() if k not in ("gripper", "balance")},
        }
        return stable_hash(keep)

    def task_params(self, task: str) -> dict:
        """What decides the dataset written for ``task``: the shared settings and that task's section
        (a suction setting never changes the parallel-jaw dataset's metadata, and so never retrains it)."""
        part = {k: v for k, v in to_mapping(self.task(task)).items() if k != "gripper"}
        shared = ("poses_per_object", "min_pose_probability", "max_objects")
        return {
            "task": task,
            **{k: getattr(self, k) for k in shared},
            "crop_size": self.crop_of(task),
            task: part,
        }
