"""Suction label rules by name (``graspgen.suction.rule``): what makes a contact a positive.

``graspgen`` -- GraspGen's own labels (its suction tutorial): ``object_in_gripper`` = sealed under
:mod:`seal_graspgen`; the score is GraspGen's wrench success fraction (:mod:`wrench_graspgen`), kept for
the record, not in the label; no collision test (GraspGen's tutorial leaves it out).

``dexnet`` -- Dex-Net 3.0 (``dexnet.md`` §4): each cup's spring cone seals
(:func:`dexgen.dexnet.synth.suction_cup.seal`), its robust wrench resistance with the object hanging
below the cup (gravity along the approach, perturbed) exceeds ``dexnet_threshold``, and no cup body or tube
(on the approach side, above the lip) hits the object. A cup of an array carries ``mass / cups_required``
with the moment about its own lip (our conservative reading for arrays).

Arrays: a grasp counts when at least ``cups_required`` cups pass (None: all, GraspGen's ``sealed.all``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import trimesh

from dexgen.dexnet.synth.suction_cup import CupModel, robust_wrench_resistance, seal
from dexgen.errors import ConfigError
from dexgen.grippers.spec import SuctionGripper
from dexgen.params.suction import SuctionLabelConfig
from dexgen.params.synth import SuctionConfig
from dexgen.suction.cup import CupArray
from dexgen.suction.seal_graspgen import sealed_cups
from dexgen.suction.wrench_graspgen import resisted

LIP_CLEARANCE = (
    0.002  # m; the cup body's collision cylinder starts this far above the lip (the lip itself flexes)
)


@dataclasses.dataclass(frozen=True)
class SuctionLabels:
    """Per grasp (n,): ``success`` = object_in_gripper; ``sealed`` under the rule's seal; ``score`` in [0, 1]
    (graspgen: wrench success fraction; dexnet: robust wrench resistance of the weakest required cup);
    ``collision``: a cup body or tube hits the object (dexnet only); ``cups`` (n, k) per-cup seals."""

    success: np.ndarray
    sealed: np.ndarray
    score: np.ndarray
    collision: np.ndarray
    cups: np.ndarray
    qp_fallbacks: int = 0


def required_cups(cup: CupArray, cfg: SuctionLabelConfig, gripper: str) -> int:
    k = cfg.cups_required if cfg.cups_required is not None else cup.num_cups
    if k > cup.num_cups:
        raise ConfigError(
            f"graspgen.suction.cups_required {k} exceeds the {cup.num_cups} cup(s) of gripper {gripper}"
        )
    return k


def disturbances(rng: np.random.Generator, count: int) -> np.ndarray:
    """(count, 3) unit force directions, as GraspGen draws them (normal, then normalised)."""
    d = rng.normal(size=(count, 3))
    return d / np.linalg.norm(d, axis=1, keepdims=True)


def label_graspgen(ctx: LabelContext, T: np.ndarray) -> SuctionLabels:
    cups = sealed_cups(ctx.cast, ctx.cup, T)
    sealed = cups.sum(axis=1) >= ctx.required
    score = np.zeros(len(T))
    ok, fallbacks = resisted(ctx.cup, T[sealed], disturbances(ctx.rng, ctx.cfg.num_disturbances))
    score[sealed] = ok.mean(axis=1) if ok.size else 0.0
    return SuctionLabels(sealed.copy(), sealed, score, np.zeros(len(T), bool), cups, fallbacks)


def _bodies(gripper: SuctionGripper) -> trimesh.Trimesh:
    """One cup's body and tube above its lip, lip frame (+z out of the object), metres."""
    parts = []
    for radius, z0, z1 in (
        (gripper.cup_radius, LIP_CLEARANCE + gripper.standoff_distance, gripper.cup_height),
        (gripper.tube_radius, gripper.cup_height, gripper.depth),
    ):
        c = trimesh.creation.cylinder(radius=radius, height=z1 - z0, sections=24)
        c.apply_translation([0.0, 0.0, (z0 + z1) / 2])
        parts.append(c)
    return trimesh.util.concatenate(parts)


def cup_collisions(mesh: trimesh.Trimesh, gripper: SuctionGripper, frames: np.ndarray) -> np.ndarray:
    """(F,) bool -- the cup body or tube at each lip frame (F, 4, 4) intersects the object mesh."""
    manager = trimesh.collision.CollisionManager()
    manager.add_object("object", mesh)
    body = _bodies(gripper)
    return np.array([manager.in_collision_single(body, transform=f) for f in frames], dtype=bool)


def label_dexnet(ctx: LabelContext, T: np.ndarray) -> SuctionLabels:
    n, k, cfg = len(T), ctx.cup.num_cups, ctx.cfg
    frames = np.einsum("nij,kjl->nkil", T, ctx.cup.poses).reshape(-1, 4, 4)
    approach = -frames[:, :3, 2]
    targets = frames[:, :3, 3] + ctx.cup.standoff * approach  # the surface point under the lip centre
    scfg = SuctionConfig(
        kappa=cfg.dexnet_kappa,
        mass=cfg.dexnet_mass / ctx.required,
        num_perturbations=cfg.dexnet_perturbations,
        label_threshold=cfg.dexnet_threshold,
        max_stretch=ctx.gripper.spring_max_length_change,
    )
    model = CupModel.from_config(ctx.gripper, scfg)
    cup_seal = seal(ctx.cast, targets, approach, model).reshape(n, k)
    robust = robust_wrench_resistance(
        ctx.cast, targets, approach, np.zeros(3), model, scfg, rng=ctx.rng, gravity=approach
    ).reshape(n, k)
    collision = cup_collisions(ctx.mesh, ctx.gripper, frames).reshape(n, k).any(axis=1)
    sealed = cup_seal.sum(axis=1) >= ctx.required
    holds = (cup_seal & (robust > cfg.dexnet_threshold)).sum(axis=1) >= ctx.required
    score = np.sort(robust, axis=1)[:, k - ctx.required]  # the weakest of the best `required` cups
    return SuctionLabels(holds & ~collision, sealed, score, collision, cup_seal)


@dataclasses.dataclass
class LabelContext:
    """What a rule needs for one object: the mesh centred at its centre of mass, its ray caster, the cups."""

    mesh: trimesh.Trimesh
    cast: object
    cup: CupArray
    gripper: SuctionGripper
    cfg: SuctionLabelConfig
    required: int
    rng: np.random.Generator


RULES: dict[str, Callable[[LabelContext, np.ndarray], SuctionLabels]] = {
    "graspgen": label_graspgen,
    "dexnet": label_dexnet,
}


def label(ctx: LabelContext, T_com_grasp: np.ndarray) -> SuctionLabels:
    """Labels of grasps (n, 4, 4) in the centre-of-mass frame under ``ctx.cfg.rule``."""
    if ctx.cfg.rule not in RULES:
        raise ConfigError(f"graspgen.suction.rule {ctx.cfg.rule!r} is not one of {sorted(RULES)}")
    return RULES[ctx.cfg.rule](ctx, np.asarray(T_com_grasp, dtype=np.float64).reshape(-1, 4, 4))
