"""The typed config of the simulate stage (``params.yaml: sim``), validated once at load.

Every number of the trial lives here with its unit and the reason for its default; the defaults
follow the MuJoCo prototype that worked (``stack.md`` §4) and GraspDataGen's tug sequence
(``graspdatagen.md`` §5). Lengths in metres, times in seconds, angles in degrees, forces in newtons.
"""

from __future__ import annotations

import dataclasses
import math
import typing
from collections.abc import Mapping
from typing import Literal

from dexgen.config import to_mapping
from dexgen.errors import ConfigError
from dexgen.hashing import stable_hash
from dexgen.params.isaaclab import IsaacLabConfig

# The engines ``sim.backend`` may name: dexgen.sim.registry maps each to its class (a test keeps the two equal).
# Typed here, not looked up in the registry, so a bad name fails when params load, before any stage runs.
Backend = Literal["isaaclab", "mujoco"]
BACKEND_NAMES: tuple[str, ...] = typing.get_args(Backend)
# The labels a guess file holds (dexgen.records.guesses.LABELS; a test keeps the two equal): sim.labels names them
GUESS_LABELS = ("collision_free", "colliding", "random")

# Fields that change speed, never the per-object output bytes: left out of the params hash so that
# changing them does not invalidate finished objects on resume.
_NOT_HASHED = ("threads", "batch_size", "max_pictures")
# The same for sim.isaaclab: where the interpreter lives (provenance records the Isaac Lab version it ran) and
# how long to wait. Not num_envs: PhysX is deterministic per batch, but a batch of 4 and one of 6 moved final poses
# by 4e-5 m (six grasps on a box, graspdatagen preset); not device: ``cpu`` and ``cuda`` are different engines.
_ISAACLAB_NOT_HASHED = ("python", "startup_timeout", "batch_timeout")
# MuJoCo's own solver and constraint settings, which the Isaac Lab backend never reads: not in its hash, so
# changing one does not re-run Isaac Lab trials it cannot have changed.
_MUJOCO_ONLY = (
    "finger_solref",
    "finger_solimp",
    "weld_solref",
    "solver_tolerance",
    "impratio",
    "contact_margin",
    "warmstart",
    "islands",
    "early_exit_steps",
    "substeps",
)

# Opt-in settings that trade exact labels for speed (``dataclasses.replace(cfg, **FAST_TRIAL)``): on the builtin
# set (5,399 trials) 1.07x wall (1.10x CPU) with 99.87 % of labels equal, kappa 0.997 (benchmarks/sim_labels.py).
# Not the defaults: the gain is within this machine's noise and every label downstream (Dex-Net synthesis,
# training) would move. Mid-trial early exit belongs here: it is exact only without the solver's warm start.
FAST_TRIAL = {"solver_tolerance": 1e-6, "warmstart": False, "islands": False, "early_exit_steps": 60}


@dataclasses.dataclass(frozen=True)
class DecompositionConfig:
    """Convex decomposition of the object's collision geometry (coacd "fast" settings, ``stack.md`` §7)."""

    method: Literal["coacd", "hull"] = "coacd"  # hull: one convex hull (fast, no concavities)
    threshold: float = 0.1  # coacd concavity threshold (smaller = more parts, slower)
    max_parts: int = 32  # coacd max_convex_hull; -1 = unbounded
    preprocess_mode: Literal["off", "auto", "on"] = "off"  # "auto" is 2-6x slower (stack.md §7)
    resolution: int = 1000  # coacd sampling resolution
    mcts_iterations: int = 30
    mcts_max_depth: int = 2
    mcts_nodes: int = 10
    # a mesh whose volume is within this fraction of its hull's is convex: it gets its hull (exact, no fallback)
    convex_tolerance: float = 0.002

    def __post_init__(self) -> None:
        if not self.threshold > 0:
            raise ValueError(f"decomposition.threshold must be > 0, got {self.threshold}")
        if self.max_parts == 0 or self.max_parts < -1:
            raise ValueError(f"decomposition.max_parts must be >= 1 or -1 (unbounded), got {self.max_parts}")
        for name in ("resolution", "mcts_iterations", "mcts_max_depth", "mcts_nodes"):
            if getattr(self, name) < 1:
                raise ValueError(f"decomposition.{name} must be >= 1, got {getattr(self, name)}")


@dataclasses.dataclass(frozen=True)
class Tug:
    """A constant force on the object, in the gripper base frame (GraspDataGen's ``tug_sequences``)."""

    duration: float  # seconds
    # gripper base frame, normalised on use; +z pulls the object out through the opening
    direction: tuple[float, float, float]
    scale: float = 1.0  # times tug_force_g * m * g

    def __post_init__(self) -> None:
        if not self.duration > 0:
            raise ValueError(f"tug duration must be > 0, got {self.duration}")
        if not math.hypot(*self.direction) > 0:
            raise ValueError(f"tug direction {list(self.direction)} must be nonzero")


def _default_tugs() -> tuple[Tug, ...]:
    # GraspDataGen's five directions (out of the opening, then tilted 63.4 deg toward -+y and -+x), shortened
    # from 0.5 s to 0.12 s each: an object that slips under 2 g moves 7 cm in 0.12 s, so it still discriminates.
    dirs = ((0, 0, 1), (0, 2, 1), (0, -2, 1), (2, 0, 1), (-2, 0, 1))
    return tuple(Tug(0.12, tuple(float(v) for v in d), 1.0) for d in dirs)


@dataclasses.dataclass(frozen=True)
class ProtocolConfig:
    """The open-loop trial timeline (close, lift, tugs, shake) and what the trial holds constant.

    Built from a named preset (:data:`PRESETS`) plus the keys a params file overrides, so
    ``sim.protocol.preset: graspdatagen`` alone switches every value; constructing it directly gives the
    ``dexgen`` values whatever ``preset`` says (use :func:`protocol_preset`).
    """

    # dexgen: close, lift, tugs, shake, drift test | graspdatagen: GraspDataGen's grasp_sim (graspdatagen.md §5)
    preset: Literal["dexgen", "graspdatagen"] = "dexgen"
    timestep: float = 0.002  # s; MuJoCo dt (stack.md §4)
    close_duration: float = 0.3  # s; fingers close with the object's gravity cancelled
    close_ramp: float = 0.2  # s; finger targets ramp closed over this (pitfall 2: no full-force slam)
    lift_duration: float = 0.25  # s; gravity on, the hand rises lift_height (cosine profile)
    lift_height: float = 0.1  # m, against gravity
    tugs: tuple[Tug, ...] = dataclasses.field(default_factory=_default_tugs)
    tug_force_g: float = 1.0  # tug force in units of the object's weight (GraspDataGen force_magnitude)
    shake_duration: float = 0.35  # s; the hand oscillates in translation and rotation
    shake_amplitude: float = 0.02  # m, along each world axis (phase-shifted)
    shake_frequency: float = 3.0  # Hz
    shake_angle: float = 20.0  # degrees about each hand axis (phase-shifted)
    shake_angle_frequency: float = 2.0  # Hz
    # gravity acts after the close (false: none at all, GraspDataGen's object; tugs still scale with m x 9.81)
    gravity: bool = True
    # kg; null = volume x sim.density. GraspDataGen fixes 1 kg whatever the object's size
    object_mass: float | None = None
    # held: contact at the close and the end plus the drift test (SuccessConfig) | contact: both fingers on
    # the object at the close and at the end, no drift test (GraspDataGen's rule, against the object only)
    success_rule: Literal["held", "contact"] = "held"

    @classmethod
    def expand_mapping(cls, data: dict) -> dict:
        """A params mapping with its preset's values under the keys it does not give (config.from_mapping)."""
        name = data.get("preset", "dexgen")
        if name not in PRESETS:
            return data  # the Literal check names the valid presets
        return {**PRESETS[name], **data}

    def __post_init__(self) -> None:
        if self.object_mass is not None and not self.object_mass > 0:
            raise ValueError(f"protocol.object_mass must be > 0 or null, got {self.object_mass}")
        if not 0 < self.timestep <= 0.01:
            raise ValueError(f"protocol.timestep must be in (0, 0.01] s, got {self.timestep}")
        if not 0 < self.close_ramp <= self.close_duration:
            raise ValueError(
                f"protocol.close_ramp {self.close_ramp} must be in (0, close_duration {self.close_duration}]"
            )
        for name in (
            "lift_duration",
            "shake_duration",
            "lift_height",
            "tug_force_g",
            "shake_amplitude",
            "shake_frequency",
            "shake_angle",
            "shake_angle_frequency",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"protocol.{name} must be >= 0, got {getattr(self, name)}")


def _graspdatagen_tugs() -> list[dict]:
    dirs = ((0, 0, 1), (0, 2, 1), (0, -2, 1), (2, 0, 1), (-2, 0, 1))
    return [{"duration": 0.5, "direction": [float(v) for v in d], "scale": 1.0} for d in dirs]


# Named protocols, as params mappings. dexgen: the dataclass defaults. graspdatagen: GraspDataGen's grasp_sim
# defaults (graspdatagen.md §5): 250 Hz, the finger targets set fully closed at once and 1 s to close and settle,
# five 0.5-s tugs of 1 g x 1 kg, no gravity, no lift or shake, success = both fingers in contact at the end.
# Deviations, each a GraspDataGen bug we do not copy: contacts count against the object only (its unfiltered
# sensors count a finger touching the other finger), and a grasp with nothing between the pads at the end of
# the close has failed (its sensors would count a later touch on a finger's outside).
PRESETS: dict[str, dict] = {
    "dexgen": {},
    "graspdatagen": {
        "timestep": 0.004,
        "close_duration": 1.0,
        "close_ramp": 0.5,
        "lift_duration": 0.0,
        "lift_height": 0.0,
        "tugs": _graspdatagen_tugs(),
        "tug_force_g": 1.0,
        "shake_duration": 0.0,
        "shake_amplitude": 0.0,
        "shake_angle": 0.0,
        "gravity": False,
        "object_mass": 1.0,
        "success_rule": "contact",
    },
}


def protocol_preset(name: str, **overrides) -> ProtocolConfig:
    """The protocol ``name`` (a :data:`PRESETS` key) with ``overrides``, validated as params are."""
    from dexgen.config import from_mapping

    return from_mapping(ProtocolConfig, {"preset": name, **overrides}, where="sim.protocol")


@dataclasses.dataclass(frozen=True)
class SuccessConfig:
    """When a trial counts as held (GraspDataGen's single-frame contact test is too weak, §11)."""

    # m; object drift in the hand frame from the end of the close to the end (stack.md §4)
    max_translation: float = 0.02
    # degrees; same, rotation
    max_rotation: float = 20.0
    # N; a finger "touches" the object when their summed contact normal force exceeds this
    min_contact_force: float = 0.1
    # m; pads closer than min_opening + this are "fully closed": nothing is between them
    closed_margin: float = 0.001
    # m; a trial starting deeper than this inside the object's sim geometry fails in phase "start"
    max_start_penetration: float = 0.002
    # m; a gripper this deep inside the object at the end of the close or at the end has sunk through it: the
    # trial fails as "crossed", never as a miss (a pad at the closing force sits < 0.5 mm in, issue 28)
    max_penetration: float = 0.003
    # m; pads fully closed (closed_margin) with the gripper this deep inside the object closed through it (a
    # 1 mm wall at 235 N: 1.1 mm), where a closed miss touching the object from outside sits at < 0.1 mm
    closed_penetration: float = 0.0005

    def __post_init__(self) -> None:
        for name in (
            "max_translation",
            "max_rotation",
            "min_contact_force",
            "closed_margin",
            "max_start_penetration",
            "max_penetration",
            "closed_penetration",
        ):
            if not getattr(self, name) >= 0:
                raise ValueError(f"success.{name} must be >= 0, got {getattr(self, name)}")


@dataclasses.dataclass(frozen=True)
class SimConfig:
    """Physics verification of grasp guesses (``params.yaml: sim``)."""

    # a name in dexgen.sim.registry (BACKEND_NAMES; unknown names list the valid ones)
    backend: Backend = "mujoco"
    # guess labels to simulate; "colliding" guesses start inside the object and are left out by default
    labels: tuple[str, ...] = ("collision_free", "random")
    # cap per label and object (the first ones in file order); 0 = all
    max_trials_per_label: int = 0
    # kg/m^3; object mass = volume * density (GraspDataGen fixes 1 kg whatever the size)
    density: float = 500.0
    # sliding friction of object and gripper (MuJoCo combines by max)
    friction: float = 1.0
    # m; condim-4 spin resistance about the contact normal (~ contact patch radius * mu)
    torsional_friction: float = 0.01
    # N per finger (actuator force limit); null = the gripper's own: its YAML's closing_force, the description's
    # effort limit or the USD drive's force limit, as GraspDataGen takes it (resolve with closing_force_of)
    closing_force: float | None = None
    # the fingers move as one (a linkage / mimic joint, as real parallel grippers do); false = independent
    finger_coupling: bool = True
    # N/m, finger position servo gain of a DRIVE_FORCE (40 N) drive; kp, kv and the finger's reflected inertia
    # scale with the closing force (finger_drive), so the close follows the same path at every force
    finger_kp: float = 2000.0
    # N s/m, finger servo damping (of a DRIVE_FORCE drive, scaled likewise)
    finger_kv: float = 20.0
    # stiff gripper-object contacts (pitfall 2: MuJoCo's default 0.02 lets the pads sink into the hull)
    finger_solref: tuple[float, float] = (0.004, 1.0)
    # impedance (dmin, dmax, width): MuJoCo's steady sink under a force grows as (1 - d) / d over the contact's
    # effective mass, so 235 N pads sank through grams-light objects at dmax 0.99 (248 of 4,247 collision-free
    # guesses "crossed" on the builtin set, a 0.8 g cylinder 50 of 64); 0.999 holds them on the surface
    finger_solimp: tuple[float, float, float] = (0.95, 0.999, 0.001)
    # m; MuJoCo contact margin of gripper and object geoms: the soft contact pushes back from this far out, so
    # the pads' steady sink at the closing force (0.5-0.8 mm per pad at 235 N on the 2F-85) ends on the surface
    contact_margin: float = 0.0003
    # MuJoCo physics steps per protocol step (protocol.timestep / substeps is MuJoCo's dt; the controls hold over a
    # step, as PhysX's do over its substeps); null = as many as the stiff finger contact needs: MuJoCo clamps a
    # solref time constant to 2 dt, so at the graspdatagen preset's 4 ms step finger_solref's 4 ms became 8 ms and
    # the real 2F-85 at 235 N squeezed a hammer's handle out of 13 of 20 grasps it holds at 2 ms (issue 28)
    substeps: int | None = None
    # hand-to-mocap weld (pitfall 1: the hand must be a dynamic body dragged by a weld)
    weld_solref: tuple[float, float] = (0.01, 1.0)
    # kg/m^3 of the gripper bodies (gravity-compensated; sets their inertia)
    hand_density: float = 1000.0
    # top_down: every grasp is tested with its approach along gravity (gravity pulls the object out of the
    # opening: one test for all poses); object_frame: the object keeps its frame, gravity along its -z
    orientation: Literal["top_down", "object_frame"] = "top_down"
    decomposition: DecompositionConfig = DecompositionConfig()
    protocol: ProtocolConfig = ProtocolConfig()
    success: SuccessConfig = SuccessConfig()
    # the Isaac Lab backend's engine, device, interpreter and batch size (used only by sim.backend: isaaclab)
    isaaclab: IsaacLabConfig = IsaacLabConfig()
    # MuJoCo solver tolerance (opt.tolerance, relative cost improvement that ends the Newton solve); MuJoCo's
    # 1e-8. 1e-6 costs ~7 % less time per step and moves labels only as chaos does (FAST_TRIAL)
    solver_tolerance: float = 1e-8
    # MuJoCo opt.impratio: the frictional-to-normal constraint impedance ratio of the elliptic cone (MuJoCo's 1).
    # Soft friction lets a squeezed object creep under a steady pull: under the graspdatagen preset's 2.5 s of
    # tugs MuJoCo at 1 lost 140 grasps PhysX held (1,648 trials, 87.6 % agreement); at 10 (MuJoCo's advice for
    # grasping) 93.0 %, kappa 0.85. The default since the gripper's own force (235 N on the 2F-85): at 1 a
    # squeezed hull creeps and turns under the squeeze itself (71 % of collision-free guesses held vs 89 %).
    impratio: float = 10.0
    # reuse the previous step's accelerations as the solver's start (MuJoCo's default); the Newton solve
    # converges in ~1 iteration with or without it (false: slightly faster, labels move: FAST_TRIAL)
    warmstart: bool = True
    # MuJoCo constraint islands (its default); with one hand and one object there is at most one island worth
    # solving apart, and finding islands costs ~15 % of a step (false: faster, labels move: FAST_TRIAL)
    islands: bool = True
    # steps (dt each) between drift checks after the close: a trial whose object already drifted past
    # success.max_translation / max_rotation stops at the end of its segment, since nothing after the first
    # step over a threshold changes its label, phase or score (its final pose and drifts are those of the
    # step it stopped at). Exact only with warmstart off: a segment restarts the solve without the warm
    # start (not part of MuJoCo's physics state), which moved held trials' scores by up to 0.02 on the
    # builtin set (no label). 60 = 0.12 s, one tug (FAST_TRIAL); 0 = every trial to the end in one call
    early_exit_steps: int = 0
    # engine threads: mujoco.rollout's, or PhysX's CPU dispatcher on the isaaclab backend; 0 = every core (speed
    # only: results do not depend on it, bit for bit on both engines)
    threads: int = 0
    # trials per rollout call; memory is batch * steps * state floats, allocated once per object
    batch_size: int = 64
    # PNGs per shard (first objects in key order); 0 = none
    max_pictures: int = 8

    @property
    def mujoco_substeps(self) -> int:
        """``substeps``, or the fewest that keep MuJoCo's dt within half of finger_solref's time constant."""
        if self.substeps is not None:
            return self.substeps
        if self.finger_solref[0] <= 0:  # MuJoCo's direct (stiffness, damping) form: no time constant to keep
            return 1
        return max(1, math.ceil(2 * self.protocol.timestep / self.finger_solref[0] - 1e-9))

    @property
    def mujoco_timestep(self) -> float:
        """Seconds per MuJoCo step (``opt.timestep``)."""
        return self.protocol.timestep / self.mujoco_substeps

    def __post_init__(self) -> None:
        if self.backend not in BACKEND_NAMES:  # a loaded mapping is checked by type; this guards direct use
            raise ConfigError(
                f"sim.backend: unknown backend {self.backend!r}; valid backends are {list(BACKEND_NAMES)}"
            )
        if not 0 <= self.contact_margin <= 0.005:
            raise ValueError(f"contact_margin must be in [0, 0.005] m, got {self.contact_margin}")
        for name in ("density", "friction", "finger_kp", "hand_density"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be > 0, got {getattr(self, name)}")
        for name in (
            "torsional_friction",
            "finger_kv",
            "threads",
            "max_trials_per_label",
            "max_pictures",
            "early_exit_steps",
        ):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be >= 0, got {getattr(self, name)}")
        if not (math.isfinite(self.impratio) and self.impratio > 0):
            raise ValueError(f"impratio must be > 0, got {self.impratio}")
        if not self.solver_tolerance >= 0:
            raise ValueError(f"solver_tolerance must be >= 0, got {self.solver_tolerance}")
        if self.closing_force is not None and not self.closing_force > 0:
            raise ValueError(f"closing_force must be > 0 or null, got {self.closing_force}")
        if self.substeps is not None and self.substeps < 1:
            raise ValueError(f"substeps must be >= 1 or null, got {self.substeps}")
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {self.batch_size}")
        if not self.labels:
            raise ValueError("labels must name at least one guess label")
        unknown = sorted(set(self.labels) - set(GUESS_LABELS))
        if unknown:
            raise ValueError(f"labels {unknown} are not guess labels; choose from {list(GUESS_LABELS)}")

    def output_params(self) -> dict:
        """The fields that decide the output bytes (hashed into provenance ``params_hash``): the Isaac Lab
        section only for the Isaac Lab backend (never its interpreter or timeouts), MuJoCo's solver settings
        only for MuJoCo."""
        out = {k: v for k, v in to_mapping(self).items() if k not in _NOT_HASHED}
        if self.backend == "isaaclab":
            out["isaaclab"] = {k: v for k, v in out["isaaclab"].items() if k not in _ISAACLAB_NOT_HASHED}
            out = {k: v for k, v in out.items() if k not in _MUJOCO_ONLY}
        else:
            del out["isaaclab"]
        return out

    def output_hash(self) -> str:
        return stable_hash(self.output_params())


# N: the closing force finger_kp, finger_kv and the finger armature are tuned for. At another force all three scale
# with it: MuJoCo's soft contact yields by acceleration (solref is per unit mass), so 235 N on the same 20 g finger
# drove it at 6x the acceleration and 6x as deep into the object, and the servo's target (force / kp past closed)
# ramped 6x as fast, slamming the pads in: the 2F-85 passed through a 30 mm box (issue 28). Scaled, the fingers
# close along the same path at every force and press with the force asked for.
DRIVE_FORCE = 40.0
# kg at the pads: a DRIVE_FORCE finger's reflected inertia (the box finger joint's armature; real hands scale it to
# their driven joint's units by lever^2 / 2)
DRIVE_ARMATURE = 0.01


@dataclasses.dataclass(frozen=True)
class FingerDrive:
    """The finger servo at one closing force: gains and the factor on the finger's reflected inertia."""

    force: float  # N per finger, the servo's force limit
    kp: float  # N/m
    kv: float  # N s/m
    scale: float  # force / DRIVE_FORCE: multiplies kp, kv and the joint armature
    armature: float  # kg at the pads, DRIVE_ARMATURE x scale


def closing_force_of(gripper_force: float | None, cfg: SimConfig, *, where: str) -> float:
    """N per finger a trial squeezes with: ``sim.closing_force``, else the gripper's own (``gripper_force``)."""
    force = cfg.closing_force if cfg.closing_force is not None else gripper_force
    if force is None:
        raise ConfigError(
            f"sim.closing_force: null (the gripper's own), and {where} states no closing force; set "
            "sim.closing_force (N) or the gripper's closing_force (its YAML or a pointer file beside the description)"
        )
    return float(force)


def finger_drive(force: float, cfg: SimConfig) -> FingerDrive:
    """The servo of a finger closing with ``force`` newtons: cfg's DRIVE_FORCE gains, scaled."""
    scale = float(force) / DRIVE_FORCE
    return FingerDrive(
        force=float(force),
        kp=cfg.finger_kp * scale,
        kv=cfg.finger_kv * scale,
        scale=scale,
        armature=DRIVE_ARMATURE * scale,
    )


def _merge(base: dict, changes: Mapping) -> dict:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict) and "preset" not in value:
            out[key] = _merge(out[key], value)
        else:  # a scalar, a list, or a mapping naming a preset: its values come from the preset, not base's
            out[key] = value
    return out


def sim_variant(base: SimConfig, changes: Mapping, *, where: str) -> SimConfig:
    """``base`` with the keys of ``changes`` (a params-style mapping) replaced, validated as params are;
    ``where`` names the mapping in errors. A sub-mapping that names a ``preset`` replaces that section whole."""
    from dexgen.config import from_mapping

    return from_mapping(SimConfig, _merge(to_mapping(base), changes), where=where)
