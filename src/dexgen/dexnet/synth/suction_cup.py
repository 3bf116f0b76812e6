"""Dex-Net 3.0's suction model: spring-cone seal and suction-ring wrench resistance (``dexnet.md`` §4).

Dex-Net 3.0's code was never released; this follows the ICRA'18 paper as the reference summarises it.

**Seal.** The cup is a cone: ``num_vertices`` perimeter vertices on a circle of the cup radius around
the target, in the plane through the target perpendicular to the approach, and an apex ``cone_height``
behind it on the approach axis. Each perimeter vertex moves along the approach until it meets the
surface (one ray each). The cup seals when: every vertex meets the surface (no hole); no perimeter,
flexion (every second vertex) or cone (apex to vertex) spring stretches or compresses by more than
``max_stretch``; the surface between neighbouring vertices follows the straight perimeter edge to within
the same fraction of its length (``hole_samples`` extra rays per edge: a gap or a ridge breaks the seal);
and no surface point inside the ring pokes through the cone wall.

**Wrench resistance.** The ring contact can apply a wrench ``(f, tau)`` in the contact frame (x, y
tangent, z along the approach into the object) when, with ``f_N = f_z + V`` (vacuum V):
``f_N >= 0``, ``sqrt3 |f_x|, sqrt3 |f_y| <= mu f_N``, ``sqrt3 |tau_z| <= r mu f_N`` and
``sqrt2 |tau_x|, sqrt2 |tau_y| <= pi r kappa f_N``. A grasp resists gravity when the wrench that
cancels gravity on ``mass`` at the centre of mass satisfies them. We read the paper's elastic limit
kappa as scaling with the normal force; that reading is ours.

**Robust value** (``robust_suction_wrench_resistance``): the fraction of perturbed trials (target,
approach, gravity direction, centre of mass, friction) that both seal and resist.
"""

from __future__ import annotations

import dataclasses

import numpy as np
from scipy.spatial.transform import Rotation

from dexgen.dexnet.synth.quality import tangents
from dexgen.dexnet.synth.render import first_hits
from dexgen.grippers.spec import SuctionGripper
from dexgen.params.synth import SuctionConfig

GRAVITY = 9.81  # m/s^2
_BACK = 0.1  # m; seal rays start this far behind the lip plane, outside any part the cup could touch


@dataclasses.dataclass(frozen=True)
class CupModel:
    """The numbers of the seal and wrench models, resolved from the gripper and the config."""

    radius: float  # m
    cone_height: float  # m
    vacuum: float  # N
    friction: float
    kappa: float
    num_vertices: int
    max_stretch: float
    hole_samples: int

    @classmethod
    def from_config(cls, gripper: SuctionGripper, cfg: SuctionConfig) -> CupModel:
        return cls(
            radius=gripper.cup_radius,
            cone_height=cfg.cone_height or gripper.cup_height,
            vacuum=cfg.vacuum or gripper.suction_force,
            friction=cfg.friction or gripper.friction,
            kappa=cfg.kappa,
            num_vertices=cfg.num_vertices,
            max_stretch=cfg.max_stretch,
            hole_samples=cfg.hole_samples,
        )


def _stretch_ok(length: np.ndarray, rest: float, tol: float) -> np.ndarray:
    return np.abs(length / rest - 1.0) <= tol


def seal(caster, targets: np.ndarray, approaches: np.ndarray, cup: CupModel) -> np.ndarray:
    """(m,) bool -- the spring cone seals at each target.

    targets : (m, 3) float64 -- points on the surface; approaches : (m, 3) unit, pointing into the
    object; both in the mesh's frame, metres.
    """
    m, N, r, h = len(targets), cup.num_vertices, cup.radius, cup.cone_height
    t1, t2 = tangents(approaches)
    theta = 2 * np.pi * np.arange(N) / N
    k = cup.hole_samples
    frac = np.arange(k) / (k + 1) + 1.0 / (k + 1) if k else np.zeros(0)
    # ring angles: the N vertices, then k per edge, then interior probes at half radius
    ring = np.concatenate([theta, (theta[:, None] + frac[None, :] * 2 * np.pi / N).ravel()])
    radii = np.concatenate([np.full(len(ring), r), np.full(N, r / 2), [0.0]])
    angles = np.concatenate([ring, theta, [0.0]])
    offsets = radii[None, :, None] * (
        np.cos(angles)[None, :, None] * t1[:, None] + np.sin(angles)[None, :, None] * t2[:, None]
    )  # (m, P, 3)
    P = offsets.shape[1]
    points = targets[:, None] + offsets
    a = np.broadcast_to(approaches[:, None], (m, P, 3))
    hit, dist, _ = first_hits(caster, (points - _BACK * a).reshape(-1, 3), a.reshape(-1, 3).copy())
    d = (np.where(hit, dist, np.inf) - _BACK).reshape(m, P)  # along the approach from the lip plane
    hit = hit.reshape(m, P)

    ok = hit[:, : len(ring)].all(axis=1)
    dv = np.where(ok[:, None], d[:, :N], 0.0)
    q = points[:, :N] + dv[..., None] * approaches[:, None]  # contacted vertices
    apex = targets - h * approaches
    for step in (1, 2):  # perimeter and flexion springs
        rest = 2 * r * np.sin(np.pi * step / N)
        length = np.linalg.norm(q - np.roll(q, -step, axis=1), axis=2)
        ok &= _stretch_ok(length, rest, cup.max_stretch).all(axis=1)
    cone = np.linalg.norm(q - apex[:, None], axis=2)
    ok &= _stretch_ok(cone, np.hypot(r, h), cup.max_stretch).all(axis=1)
    if k:  # the surface between vertices follows the edge
        de = np.where(ok[:, None], d[:, N : len(ring)], 0.0).reshape(m, N, k)
        lerp = dv[:, :, None] + (np.roll(dv, -1, axis=1) - dv)[:, :, None] * frac[None, None, :]
        ok &= (np.abs(de - lerp) <= cup.max_stretch * 2 * r * np.sin(np.pi / N)).all(axis=(1, 2))
    inner = d[:, len(ring) :]
    inner_r = radii[len(ring) :]
    ok &= (inner >= -h * (1 - inner_r / r)[None, :]).all(axis=1)  # nothing pokes through the cone wall
    return ok


def resists(
    targets: np.ndarray,
    approaches: np.ndarray,
    gravity: np.ndarray,
    com: np.ndarray,
    friction: np.ndarray,
    cup: CupModel,
    *,
    mass: float,
) -> np.ndarray:
    """(m,) bool -- the suction ring can hold ``mass`` against gravity.

    targets, approaches : (m, 3) as in :func:`seal`; gravity : (m, 3) unit directions of gravity;
    com : (m, 3) centres of mass; friction : (m,) coefficients -- one frame, metres.
    """
    t1, t2 = tangents(approaches)
    weight = mass * GRAVITY * gravity
    f = -weight  # the contact must cancel the weight ...
    tau = -np.cross(com - targets, weight)  # ... and its moment about the contact
    fx, fy, fz = (np.einsum("ij,ij->i", f, e) for e in (t1, t2, approaches))
    tx, ty, tz = (np.einsum("ij,ij->i", tau, e) for e in (t1, t2, approaches))
    r = cup.radius
    fn = fz + cup.vacuum
    ok = fn >= 0
    ok &= np.sqrt(3) * np.maximum(np.abs(fx), np.abs(fy)) <= friction * fn
    ok &= np.sqrt(3) * np.abs(tz) <= r * friction * fn
    ok &= np.sqrt(2) * np.maximum(np.abs(tx), np.abs(ty)) <= np.pi * r * cup.kappa * fn
    return ok


def robust_wrench_resistance(
    caster,
    targets: np.ndarray,
    approaches: np.ndarray,
    com: np.ndarray,
    cup: CupModel,
    cfg: SuctionConfig,
    *,
    rng: np.random.Generator,
    gravity: np.ndarray | None = None,
) -> np.ndarray:
    """(m,) float64 in [0, 1] -- fraction of ``cfg.num_perturbations`` perturbed trials that seal and resist.

    targets, approaches : (m, 3) as in :func:`seal`, table frame (gravity is -z); com : (3,) metres.
    gravity : (m, 3) unit directions of gravity per target before perturbation (None: the table's -z;
    a held object's frame has no table, so GraspGen labels pass the approach: the object hangs below the cup).
    """
    m, k = len(targets), cfg.num_perturbations
    if m == 0:
        return np.zeros(0)
    a0 = np.repeat(approaches, k, axis=0)
    t1, t2 = tangents(a0)
    shift = rng.normal(0.0, cfg.sigma_target, (m * k, 2))
    a = Rotation.from_rotvec(rng.normal(0.0, np.deg2rad(cfg.sigma_approach), (m * k, 3))).apply(a0)
    a /= np.linalg.norm(a, axis=1, keepdims=True)
    g0 = np.tile([0.0, 0.0, -1.0], (m * k, 1)) if gravity is None else np.repeat(gravity, k, axis=0)
    g = Rotation.from_rotvec(rng.normal(0.0, np.deg2rad(cfg.sigma_gravity), (m * k, 3))).apply(g0)
    c = com + rng.normal(0.0, cfg.sigma_com, (m * k, 3))
    mu = np.clip(rng.normal(cup.friction, cfg.friction_std, m * k), 0.0, 1.0)
    # the perturbed target is where the approach line through the shifted point meets the surface
    p = np.repeat(targets, k, axis=0) + shift[:, :1] * t1 + shift[:, 1:] * t2
    hit, dist, _ = first_hits(caster, p - _BACK * a, a)
    p = p - _BACK * a + np.where(hit, dist, 0.0)[:, None] * a
    ok = hit & seal(caster, p, a, cup) & resists(p, a, g, c, mu, cup, mass=cfg.mass)
    return ok.reshape(m, k).mean(axis=1)
