"""Guess-stage throughput on one core: candidates/s on a ~10k-face mesh (the default sampler mix and
each sampler alone), s/object at default quotas, and collision checks/s of the collider (per-body
fcl boxes) against the gripper as one BVH, measured in the same run. The same for the real Robotiq
2F-85 (``robotiq_2f_85_real``, every body's mesh) on the same objects, with its ratio to the box
2F-85, and its collider (fcl BVHs) against an embree mesh-vs-mesh test (every edge of each mesh cast
against the other). Prints figures and ratios, writes metrics/bench/guess.json (the real hand under
``real_hand``); never asserts on time.

    PYTHONPATH=src python benchmarks/guess.py
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import fcl
import numpy as np
import trimesh

from dexgen.atomic import write_json
from dexgen.grippers.geometry import bodies, body_mesh
from dexgen.grippers.hand import load_hand
from dexgen.grippers.loader import load_gripper
from dexgen.guess.candidates import sample_candidates
from dexgen.guess.collision import GripperCollider, bvh
from dexgen.guess.guesses import guess_object
from dexgen.guess.model_collision import ModelCollider
from dexgen.guess.model_hand import HandLimits
from dexgen.guess.model_pads import ModelPadSettler
from dexgen.guess.pads import PadSettler
from dexgen.objects.procedural import KINDS, make_object
from dexgen.params.guess import GuessConfig
from dexgen.seeding import rng_for

OUT = Path("metrics/bench/guess.json")
REAL = "robotiq_2f_85_real"
EMBREE_POSES = 200  # the embree test is slow: a subset of the poses


def one_bvh_baseline(mesh: trimesh.Trimesh, gripper, poses: np.ndarray, opening: float, margin: float) -> int:
    """The whole gripper as one triangle BVH, one fcl.collide per pose: the layout before the collider
    moved to per-body primitives."""
    obj = fcl.CollisionObject(bvh(mesh), fcl.Transform())
    parts = [body_mesh(b) for b in bodies(gripper, opening, margin=margin)]
    hand = fcl.CollisionObject(bvh(trimesh.util.concatenate(parts)), fcl.Transform())
    request, hits = fcl.CollisionRequest(), 0
    for pose in poses:
        hand.setTransform(fcl.Transform(pose[:3, :3], pose[:3, 3]))
        hits += bool(fcl.collide(hand, obj, request, fcl.CollisionResult()))
    return hits


def sampler_rates(mesh: trimesh.Trimesh, gripper, cfg: GuessConfig) -> dict[str, dict[str, float]]:
    """Full pipeline rate at the attempt cap (quotas out of reach so it never stops early), for the
    default mix and for each sampler alone."""
    heavy = dataclasses.replace(
        cfg,
        num_collision_free_grasps=10**6,
        num_colliding_grasps=10**6,
        num_random_poses=0,
        max_attempts=20000,
    )
    guess_object(mesh, gripper, dataclasses.replace(heavy, max_attempts=2000), rng_for(1, "warm-up"))
    rates = {}
    for name, mix in [("default_mix", cfg.samplers)] + [(n, {n: 1.0}) for n in cfg.samplers]:
        t = time.perf_counter()
        res = guess_object(mesh, gripper, dataclasses.replace(heavy, samplers=mix), rng_for(0, "bench"))
        dt = time.perf_counter() - t
        rates[name] = {
            "candidates_per_s": round(res.stats["candidates"] / dt, 1),
            "surface_samples_per_s": round(res.stats["attempts"] / dt, 1),
            "collision_free_per_s": round(res.stats["found"]["collision_free"] / dt, 1),
            "collision_free_per_1000_samples": round(
                1000 * res.stats["found"]["collision_free"] / res.stats["attempts"], 1
            ),
        }
    return rates


def collision_rates(mesh: trimesh.Trimesh, gripper, cfg: GuessConfig) -> dict[str, Any]:
    """The collider (per-body fcl boxes, palm first, with reasons and containment) against the gripper
    as one BVH, fingers fully open, on the same poses: sampled grasps (at the surface, the guess
    stage's workload) and the same grasps + 1 cm noise (``stack.md`` §7's protocol)."""
    col = GripperCollider(mesh, gripper, clearance=0.002, opening_steps=32)
    settler = PadSettler(
        mesh,
        col.target,
        gripper,
        clearance=0.002,
        step=cfg.pad_step,
        steps=cfg.pad_steps,
        tolerance=cfg.pad_tolerance,
    )
    cand = sample_candidates(mesh, gripper, 4000, rng_for(1, "bench"), cfg, settler)
    noisy = cand.poses + np.pad(
        rng_for(2, "bench").normal(scale=0.01, size=(len(cand.poses), 3, 1)), ((0, 0), (0, 1), (3, 0))
    )
    out: dict[str, Any] = {}
    for name, poses in (("at_surface", cand.poses), ("noise_1cm", noisy)):
        t = time.perf_counter()
        ours = int((col.check_open(poses) != 0).sum())
        ours_rate = len(poses) / (time.perf_counter() - t)
        t = time.perf_counter()
        base = one_bvh_baseline(mesh, gripper, poses, gripper.max_opening, 0.002)
        base_rate = len(poses) / (time.perf_counter() - t)
        out[name] = {
            "poses": len(poses),
            "checks_per_s_collider": round(ours_rate, 1),
            "checks_per_s_one_bvh": round(base_rate, 1),
            "collider_vs_one_bvh_ratio": round(ours_rate / base_rate, 3),
            "hits": [ours, base],
        }
    return out


def seconds_per_object(gripper, cfg: GuessConfig) -> dict[str, dict[str, Any]]:
    """Seconds per object at default quotas over the procedural kinds."""
    per_object = {}
    for kind in KINDS:
        obj = make_object(kind, f"{kind}_000", seed=0, size_range=(0.05, 0.12))
        t = time.perf_counter()
        r = guess_object(obj, gripper, cfg, rng_for(0, "bench", kind))
        per_object[kind] = {
            "seconds": round(time.perf_counter() - t, 4),
            "faces": len(obj.faces),
            "found": r.stats["found"],
        }
    return per_object


def _edge_hits(target: trimesh.Trimesh, starts: np.ndarray, ends: np.ndarray) -> bool:
    """Does any segment (starts (k, 3) -> ends (k, 3)) cross ``target``'s surface (embree rays)?"""
    vec = ends - starts
    length = np.linalg.norm(vec, axis=1)
    _, ray, hit = target.ray.intersects_id(
        starts, vec / length[:, None], multiple_hits=False, return_locations=True
    )
    return bool((np.linalg.norm(hit - starts[ray], axis=1) <= length[ray]).any())


def embree_baseline(mesh: trimesh.Trimesh, model, poses: np.ndarray) -> int:
    """The real hand fully open against the object by embree alone: every hand edge cast against the
    object and every object edge against the hand, per pose (surfaces only, like fcl's test)."""
    hand = model.mesh_at(model.stroke)
    hand_edges, obj_edges = hand.vertices[hand.edges_unique], mesh.vertices[mesh.edges_unique]
    hits = 0
    for pose in poses:
        inv = np.linalg.inv(pose)
        h = hand_edges @ pose[:3, :3].T + pose[:3, 3]  # hand edges, object frame
        o = obj_edges @ inv[:3, :3].T + inv[:3, 3]  # object edges, hand frame
        hits += _edge_hits(mesh, h[:, 0], h[:, 1]) or _edge_hits(hand, o[:, 0], o[:, 1])
    return hits


def model_collision_rates(mesh: trimesh.Trimesh, model, cfg: GuessConfig) -> dict[str, Any]:
    """The real-hand collider (fcl BVH per body group, no clearance) against embree edge casting, the
    fingers fully open, on sampled grasp poses (a subset of :data:`EMBREE_POSES` for both)."""
    col = ModelCollider(mesh, model, clearance=0.0, opening_steps=cfg.opening_steps)
    settler = ModelPadSettler(mesh, col.target, model, tolerance=cfg.pad_tolerance)
    cand = sample_candidates(mesh, HandLimits.of(model), 4000, rng_for(1, "bench"), cfg, settler)
    poses = cand.poses[:EMBREE_POSES]
    col.check_open(poses[:8])  # builds the cached BVHs
    t = time.perf_counter()
    ours = int((col.check_open(poses) != 0).sum())
    fcl_rate = len(poses) / (time.perf_counter() - t)
    t = time.perf_counter()
    theirs = embree_baseline(mesh, model, poses)
    embree_rate = len(poses) / (time.perf_counter() - t)
    return {
        "poses": len(poses),
        "rung_motion_m": round(
            ModelCollider(mesh, model, clearance=cfg.clearance, opening_steps=cfg.opening_steps).rung_motion,
            6,
        ),
        "checks_per_s_fcl": round(fcl_rate, 1),
        "checks_per_s_embree_edges": round(embree_rate, 1),
        "fcl_vs_embree_ratio": round(fcl_rate / embree_rate, 2),
        "hits": [ours, theirs],
    }


def real_hand(mesh: trimesh.Trimesh, cfg: GuessConfig, box_rate: float) -> dict[str, Any]:
    """The real 2F-85's figures on the same mesh and objects, and its ratio to the box 2F-85."""
    model = load_hand(REAL)
    rates = sampler_rates(mesh, model, cfg)
    per_object = seconds_per_object(model, cfg)
    secs = [v["seconds"] for v in per_object.values()]
    rate = rates["default_mix"]["candidates_per_s"]
    return {
        "gripper": model.name,
        "faces": sum(model.faces().values()),
        "candidates_per_s_per_core": rate,
        "real_vs_box_candidates_ratio": round(rate / box_rate, 3),
        "by_sampler": rates,
        "collision_checks": model_collision_rates(mesh, model, cfg),
        "seconds_per_object_default_quotas_median": round(float(np.median(secs)), 4),
        "seconds_per_object_default_quotas_max": round(float(np.max(secs)), 4),
        "per_object": per_object,
    }


def report_real(real: dict[str, Any], box_rate: float) -> None:
    c = real["collision_checks"]
    print(
        f"real hand {real['gripper']} ({real['faces']} faces): {real['candidates_per_s_per_core']:,.0f} "
        f"candidates/s per core vs box {box_rate:,.0f}/s -> {real['real_vs_box_candidates_ratio']:.2f}x; "
        f"target 1,500/s -> {real['candidates_per_s_per_core'] / 1500:.2f}x"
    )
    print(
        f"  collision checks, fully open: fcl {c['checks_per_s_fcl']:,.0f}/s vs embree edges "
        f"{c['checks_per_s_embree_edges']:,.0f}/s -> {c['fcl_vs_embree_ratio']:.1f}x (hits {c['hits']}); "
        f"finger motion between rungs at most {1000 * c['rung_motion_m']:.2f} mm"
    )
    print(
        f"  default quotas: median {real['seconds_per_object_default_quotas_median']:.3f} s/object, "
        f"max {real['seconds_per_object_default_quotas_max']:.3f} s"
    )
    for name, r in real["by_sampler"].items():
        print(f"  {name:12s} {r['candidates_per_s']:9,.0f} candidates/s")


def report(mesh: trimesh.Trimesh, gripper, rates, collisions, per_object) -> None:
    cand_rate = rates["default_mix"]["candidates_per_s"]
    sample_rate = rates["default_mix"]["surface_samples_per_s"]
    secs = [v["seconds"] for v in per_object.values()]
    print(f"mesh: torus, {len(mesh.faces)} faces, gripper {gripper.name}")
    print(
        f"candidates fully evaluated: {cand_rate:,.0f}/s per core ({sample_rate:,.0f} surface samples/s);"
        f" target 5,000/s -> {cand_rate / 5000:.2f}x (samples: {sample_rate / 5000:.2f}x)"
    )
    for name, c in collisions.items():
        print(
            f"collision checks ({name}): collider {c['checks_per_s_collider']:,.0f}/s vs gripper as one BVH "
            f"{c['checks_per_s_one_bvh']:,.0f}/s -> {c['collider_vs_one_bvh_ratio']:.2f}x (hits {c['hits']})"
        )
    print(
        f"default quotas: median {np.median(secs):.3f} s/object, max {np.max(secs):.3f} s "
        f"(target 0.5 s -> {0.5 / np.median(secs):.2f}x)"
    )
    for name, r in rates.items():
        print(
            f"  {name:12s} {r['candidates_per_s']:9,.0f} candidates/s  {r['surface_samples_per_s']:9,.0f} samples/s  "
            f"{r['collision_free_per_s']:7,.0f} collision-free/s  "
            f"{r['collision_free_per_1000_samples']:6.1f} collision-free per 1000 samples"
        )
    for kind, v in per_object.items():
        print(f"  {kind:13s} {v['faces']:6d} faces {v['seconds']:.3f} s {v['found']}")


def main() -> None:
    gripper = load_gripper("robotiq_2f_85")
    mesh = trimesh.creation.torus(
        major_radius=0.05, minor_radius=0.018, major_sections=100, minor_sections=50
    )
    cfg = GuessConfig()
    rates = sampler_rates(mesh, gripper, cfg)
    collisions = collision_rates(mesh, gripper, cfg)
    per_object = seconds_per_object(gripper, cfg)
    secs = [v["seconds"] for v in per_object.values()]
    metrics = {
        "mesh_faces": len(mesh.faces),
        "candidates_per_s_per_core": rates["default_mix"]["candidates_per_s"],
        "surface_samples_per_s_per_core": rates["default_mix"]["surface_samples_per_s"],
        "by_sampler": rates,
        "collision_checks": collisions,
        "seconds_per_object_default_quotas_median": round(float(np.median(secs)), 4),
        "seconds_per_object_default_quotas_max": round(float(np.max(secs)), 4),
        "per_object": per_object,
    }
    metrics["real_hand"] = real_hand(mesh, cfg, rates["default_mix"]["candidates_per_s"])
    report(mesh, gripper, rates, collisions, per_object)
    report_real(metrics["real_hand"], rates["default_mix"]["candidates_per_s"])
    write_json(OUT, metrics)
    print(json.dumps({k: v for k, v in metrics.items() if k not in ("per_object", "real_hand")}))
    print(json.dumps({k: v for k, v in metrics["real_hand"].items() if k != "per_object"}))


if __name__ == "__main__":
    main()
