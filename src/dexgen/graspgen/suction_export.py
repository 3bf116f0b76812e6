"""GraspGen's suction dataset for a whole mesh set (``dexgen graspgen`` with a suction gripper, and the
``graspgen`` stage under ``graspgen.gripper``: both through :func:`suction_gripper` and
:func:`run_suction_export`).

GraspGen's only suction generator is a tutorial for one object (grippers.md §4-5); per object this
module does what it does, for every object of the set, seeded:

- the mesh (already scaled) is centred at its centre of mass; contacts are drawn on its surface in
  GraspGen's convention (:mod:`dexgen.suction.contacts`) and labelled by the rule in params
  (:mod:`dexgen.suction.rules`); the written transforms get the centre of mass added back, so they are
  cup-lip frames in the mesh frame at the written scale, as GraspGen's loader reads them;
- ``object_in_gripper`` is the rule's label as JSON booleans (under ``graspgen``: sealed, as the tutorial);
- the file keeps ``num_collision_free_grasps`` positives spread over the surface (farthest-point order
  over the contacts) and ``num_colliding_grasps`` negatives, ``near_miss_fraction`` of them near misses
  (within two cup radii of a positive: edges, curved patches) and the rest anywhere; a sealable object
  short of its quota gets more seeded rounds (``max_rounds``), ``near_share`` of each drawn around the
  positives found so far (half a cup radius off, back on the surface): a sealable patch too small for
  uniform draws (a 30 mm face under a 30 mm cup) fills its quota, and the uniform rest still finds others.

Fixed against the tutorial: the file records the scale of the mesh it names (the tutorial records the
scale of a mesh it has already scaled, so GraspGen's loader would scale twice). The map, splits, gripper
config and training scripts come from :func:`dexgen.graspgen.export.finish_dataset`.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
from scipy.spatial import cKDTree

from dexgen.graspgen.export import (
    _materialise,
    counts_of,
    current_counts,
    grasp_dir,
    grasp_file_names,
    gripper_config_dir,
    mesh_target,
    run_export,
)
from dexgen.graspgen.grasp_file import grasp_document, write_grasp_file
from dexgen.graspgen.gripper_config import check_gripper_name, gripper_fields, refuse_stale_config
from dexgen.grippers.hand import is_box
from dexgen.grippers.kinds import SUCTION
from dexgen.grippers.loader import load_gripper
from dexgen.grippers.spec import GripperBounds, SuctionGripper
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.graspgen import GraspgenConfig
from dexgen.provenance import provenance
from dexgen.records.objects import ObjectRecord
from dexgen.runner import Unit, UnitWork
from dexgen.seeding import rng_for
from dexgen.suction.contacts import jitter_contacts, sample_contacts
from dexgen.suction.cup import CupArray
from dexgen.suction.rules import LabelContext, SuctionLabels, label, required_cups
from dexgen.suction.seal_graspgen import caster

log = logging.getLogger(__name__)

CODE = (
    "dexgen.graspgen.suction_export",
    "dexgen.suction.contacts",
    "dexgen.suction.cup",
    "dexgen.suction.rules",
    "dexgen.suction.seal_graspgen",
    "dexgen.suction.wrench_graspgen",
    "dexgen.dexnet.synth.suction_cup",
)
NEAR_MISS_RADII = 2.0  # a negative this many cup radii from a positive contact is a near miss


@dataclasses.dataclass
class Drawn:
    """Every labelled contact of one object: grasps (n, 4, 4) in the centre-of-mass frame, surface points
    (n, 3), and their labels."""

    T: np.ndarray
    points: np.ndarray
    labels: list[SuctionLabels]
    rounds: int

    def field(self, name: str) -> np.ndarray:
        return np.concatenate([getattr(lab, name) for lab in self.labels])


def draw(mesh, gripper: SuctionGripper, cfg: GraspgenConfig, *, seed: int, key: str) -> Drawn:
    """Rounds of ``candidates`` contacts until the positive quota is met or ``max_rounds`` are spent."""
    sc = cfg.suction
    cup = CupArray.from_gripper(gripper)
    ctx = LabelContext(mesh, caster(mesh), cup, gripper, sc, required_cups(cup, sc, gripper.name), None)
    Ts, points, labels = [], [], []
    found = np.zeros((0, 3))
    for r in range(sc.max_rounds):
        ctx.rng = rng_for(seed, "graspgen-suction", gripper.name, key, "label", r)
        rng = rng_for(seed, "graspgen-suction", gripper.name, key, r)
        near = round(sc.candidates * sc.near_share) if len(found) else 0
        T, p, _ = sample_contacts(mesh, cup, sc.candidates - near, rng)
        if near:  # short of the quota: part of the round searches around the positives found
            Tj, pj, _ = jitter_contacts(mesh, cup, found, near, cup.radius / 2, rng)
            T, p = np.concatenate([T, Tj]), np.concatenate([p, pj])
        Ts.append(T), points.append(p), labels.append(label(ctx, T))
        ok = np.concatenate([lab.success for lab in labels])
        found = np.concatenate(points)[ok]
        if ok.sum() >= cfg.num_collision_free_grasps:
            break
    return Drawn(np.concatenate(Ts), np.concatenate(points), labels, len(labels))


def farthest_points(points: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Indices of ``count`` of ``points`` (n, 3) in farthest-point order from a random start."""
    if count <= 0:
        return np.zeros(0, np.int64)
    if count >= len(points):
        return np.arange(len(points))
    chosen = [int(rng.integers(len(points)))]
    dist = np.linalg.norm(points - points[chosen[0]], axis=1)
    for _ in range(count - 1):
        chosen.append(int(np.argmax(dist)))
        dist = np.minimum(dist, np.linalg.norm(points - points[chosen[-1]], axis=1))
    return np.array(chosen)


def select(
    drawn: Drawn, cfg: GraspgenConfig, radius: float, rng: np.random.Generator
) -> tuple[np.ndarray, dict]:
    """(indices to write, figures): spread positives, near-miss and other negatives, then shuffled."""
    ok = drawn.field("success")
    pos, neg = np.flatnonzero(ok), np.flatnonzero(~ok)
    keep_pos = pos[farthest_points(drawn.points[pos], cfg.num_collision_free_grasps, rng)]
    near = np.zeros(len(neg), bool)
    if len(pos) and len(neg):
        d, _ = cKDTree(drawn.points[pos]).query(drawn.points[neg])
        near = d <= NEAR_MISS_RADII * radius
    want_near = round(cfg.num_colliding_grasps * cfg.suction.near_miss_fraction)
    near_idx, far_idx = rng.permutation(neg[near]), rng.permutation(neg[~near])
    take_near = near_idx[: max(want_near, cfg.num_colliding_grasps - len(far_idx))]
    take_far = far_idx[: cfg.num_colliding_grasps - len(take_near)]
    keep = rng.permutation(np.concatenate([keep_pos, take_near, take_far]).astype(np.int64))
    figures = {
        "near_miss_negatives": int(len(take_near)),
        "coverage": coverage(drawn.points[pos], drawn.points[keep_pos], radius),
        "spread_mm": spread(drawn.points[keep_pos]),
    }
    return keep, figures


def coverage(candidates: np.ndarray, kept: np.ndarray, radius: float) -> float | None:
    """Share of the positive contacts found within one cup radius of a kept one (how well the kept
    positives cover the sealable surface; None when there is none)."""
    if not len(candidates) or not len(kept):
        return None
    d, _ = cKDTree(kept).query(candidates)
    return round(float((d <= radius).mean()), 4)


def spread(points: np.ndarray) -> float | None:
    """Mean distance, mm, from each kept positive contact to its nearest other one."""
    if len(points) < 2:
        return None
    d, _ = cKDTree(points).query(points, k=2)
    return round(1000 * float(d[:, 1].mean()), 2)


def suction_provenance(
    record: ObjectRecord, gripper: SuctionGripper, cfg: GraspgenConfig, *, seed: int, materialised: bool
) -> dict[str, Any]:
    return provenance(
        stage="graspgen",
        seed=seed,
        params=cfg.suction_hash(),
        code=CODE,
        gripper_sha256=gripper.sha256,
        mesh_sha256=record.mesh_sha256,
        materialised=str(materialised),
        suction_rule=cfg.suction.rule,
    )


@dataclasses.dataclass(frozen=True)
class SuctionWork(UnitWork):
    """One object's contacts -> labels -> grasp file (the unit's args: shard folder and record)."""

    dataset: Path
    gripper: SuctionGripper
    cfg: GraspgenConfig
    seed: int
    source_root: Path | None

    def __call__(self, unit: Unit) -> dict[str, Any]:
        shard_dir, record = unit.args
        mesh = load_object_mesh(Path(shard_dir), record)
        com = np.asarray(mesh.center_mass, dtype=np.float64)
        centred = mesh.copy()
        centred.apply_translation(-com)
        g = self.gripper
        drawn = draw(centred, g, self.cfg, seed=self.seed, key=record.key)
        keep, figures = select(
            drawn,
            self.cfg,
            g.cup_radius,
            rng_for(self.seed, "graspgen-suction", g.name, record.key, "select"),
        )
        T = drawn.T[keep].copy()
        T[:, :3, 3] += com  # back to the mesh frame (GraspGen's tutorial adds the centre of mass back)
        success = drawn.field("success")[keep]
        counts = {
            "positives": int(success.sum()),
            "negatives": int((~success).sum()),
            "visible_positives": int(success.sum()),  # the TCP is the lip, on the surface
            "candidates": len(drawn.T),
            "rounds": drawn.rounds,
            "sealed_candidates": int(drawn.field("sealed").sum()),
            "positive_candidates": int(drawn.field("success").sum()),
            "cup_collisions": int(drawn.field("collision").sum()),
            "qp_fallbacks": sum(lab.qp_fallbacks for lab in drawn.labels),
            **figures,
        }
        target = mesh_target(self.dataset, record.key, self.source_root)
        if target is not None:
            _materialise(target, mesh)
        doc = grasp_document(
            object_file=record.key,
            scale=1.0 if self.source_root is None else record.scale,
            transforms=T,
            success=success,
            gripper=gripper_fields(g),
            dexgen={
                "provenance": unit.provenance,
                "counts": counts,
                "source_scale": float(record.scale),
                "suction_rule": self.cfg.suction.rule,
                "center_mass": com.tolist(),
                "is_sealed": [bool(v) for v in drawn.field("sealed")[keep]],
                "score": [round(float(v), 6) for v in drawn.field("score")[keep]],
                "cup_collision": [bool(v) for v in drawn.field("collision")[keep]],
            },
        )
        write_grasp_file(unit.output, doc)
        return counts


@dataclasses.dataclass(frozen=True)
class KeptSuctionFile:
    """The runner's reader: a grasp file recording the unit's provenance is kept (not with ``overwrite``)."""

    overwrite: bool

    def __call__(self, unit: Unit) -> dict[str, Any] | None:
        if self.overwrite:
            return None
        return current_counts(
            unit.output, unit.provenance, unit.extra_outputs[0] if unit.extra_outputs else None
        )


def suction_gripper(name_or_path: str | Path, *, bounds: GripperBounds) -> SuctionGripper | None:
    """The suction gripper ``name_or_path`` names (a shipped name or a gripper YAML, refused outside
    ``bounds``); None when it names any other gripper (a parallel jaw, a robot description)."""
    if not is_box(name_or_path):
        return None
    gripper = load_gripper(name_or_path, bounds=bounds)
    return gripper if gripper.gripper_kind == SUCTION else None


def run_suction_export(
    records: list[tuple[Path, ObjectRecord]],
    gripper: SuctionGripper,
    cfg: GraspgenConfig,
    *,
    dataset: Path,
    seed: int,
    source_root: Path | None,
    graspgen_source: Path | None = None,
    overwrite_gripper_config: bool = True,
    overwrite_grasps: bool = False,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
    prune: bool = False,
) -> dict[str, Any]:
    """Every object's suction grasp file (kept when its provenance is current, unless ``overwrite_grasps``),
    then the map, splits, gripper config, training scripts and the dataset check. A config dexgen wrote
    for another description of the gripper's name stops it before any work unless
    ``overwrite_gripper_config``; ``prune`` removes grasp files of objects no longer in ``records``."""
    check_gripper_name(gripper.name)
    if not overwrite_gripper_config:  # before any work, not after every object is done
        refuse_stale_config(gripper, gripper_config_dir(dataset, graspgen_source))
    gdir = grasp_dir(dataset, gripper.name)
    names = grasp_file_names([(r.key, r.scale) for _, r in records], gdir)
    units = []
    for shard_dir, r in records:
        prov = suction_provenance(r, gripper, cfg, seed=seed, materialised=source_root is None)
        target = mesh_target(dataset, r.key, source_root)
        extra = (target,) if target is not None else ()
        units.append(Unit(r.key, gdir / names[r.key], prov, (shard_dir, r), extra))
    work = SuctionWork(dataset, gripper, cfg, seed, source_root)
    metrics = run_export(
        units,
        work,
        names,
        dataset=dataset,
        gripper=gripper,
        cfg=cfg,
        seed=seed,
        reader=KeptSuctionFile(overwrite_grasps),
        cluster=cluster,
        progress=progress,
        source_root=source_root,
        graspgen_source=graspgen_source,
        overwrite_gripper_config=overwrite_gripper_config,
        prune=prune,
    )
    metrics["suction"] = suction_metrics({k: counts_of(gdir / n) for k, n in names.items()}, cfg)
    return metrics


def suction_metrics(per_object: dict[str, dict[str, Any]], cfg: GraspgenConfig) -> dict[str, Any]:
    """Rule, quota and coverage figures over the objects: every object with a sealable face (any
    positive found) should meet the positive quota; coverage and spread say how the kept positives
    lie on the surface; near misses how many negatives sit beside a positive."""
    sealable = {k: c for k, c in per_object.items() if c.get("positive_candidates", 0) > 0}
    quota = cfg.num_collision_free_grasps
    cov = [c["coverage"] for c in sealable.values() if c.get("coverage") is not None]
    spr = [c["spread_mm"] for c in sealable.values() if c.get("spread_mm") is not None]
    negatives = sum(c.get("negatives", 0) for c in per_object.values())
    return {
        "rule": cfg.suction.rule,
        "cups_required": cfg.suction.cups_required,
        "objects_sealable": len(sealable),
        "objects_unsealable": sorted(set(per_object) - set(sealable)),
        "sealable_short_of_quota": sorted(k for k, c in sealable.items() if c["positives"] < quota),
        "coverage_mean": round(float(np.mean(cov)), 4) if cov else None,
        "coverage_min": round(float(np.min(cov)), 4) if cov else None,
        "spread_mm_mean": round(float(np.mean(spr)), 2) if spr else None,
        "near_miss_share": round(
            sum(c.get("near_miss_negatives", 0) for c in per_object.values()) / negatives, 4
        )
        if negatives
        else None,
        "candidates": sum(c.get("candidates", 0) for c in per_object.values()),
        "qp_fallbacks": sum(c.get("qp_fallbacks", 0) for c in per_object.values()),
    }
