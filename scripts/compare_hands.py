"""Box 2F-85 against real 2F-85 on the same objects: guesses, cross-collisions, simulated labels.

Issue 27's question: does the box model of a hand give the labels the real hand would? For every
object of a set (the builtin set the pipeline builds from ``params.yaml``, and ``examples/meshes``)
both hands guess with the params' ``guess`` settings and seed, then:

- each hand's collision-free guesses are checked with the other hand placed on the same grasp (same
  closing axis and approach, its TCP at the same contact midpoint, its own pre-grasp ladder);
- each hand simulates its own collision-free guesses (``sim`` settings, MuJoCo);
- the box's collision-free guesses that the real hand also clears are simulated with both hands, and
  the labels that differ are counted.

Writes ``metrics/hands/<set>.json`` (per object and totals) and prints the totals. A measurement, not a
test: it never fails on the figures. Run: ``python scripts/compare_hands.py [--set builtin|examples]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
import time
from pathlib import Path

import numpy as np
from tqdm import tqdm

from dexgen import atomic
from dexgen.grippers.hand import Hand, load_hand
from dexgen.grippers.model import GripperModel
from dexgen.guess.collision import GripperCollider
from dexgen.guess.guesses import guess_object
from dexgen.guess.model_collision import ModelCollider
from dexgen.objects.build import build_object_set
from dexgen.objects.loading import load_object_mesh
from dexgen.params.tree import load_params
from dexgen.records.objects import read_index
from dexgen.seeding import rng_for
from dexgen.sim.hand_spec import sim_hand
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import make_backend

ROOT = Path(__file__).resolve().parents[1]
REAL = "robotiq_2f_85_real"


def tcp_depth(hand: Hand, widths: np.ndarray) -> np.ndarray:
    """Depth along +z of each hand's contact midpoint at contact width ``widths``."""
    if isinstance(hand, GripperModel):
        return np.array([hand.tcp_depth(float(np.clip(w, hand.min_opening, hand.stroke))) for w in widths])
    return np.full(len(widths), hand.tcp_depth)


def moved(poses: np.ndarray, contacts: np.ndarray, widths: np.ndarray, to: Hand) -> np.ndarray:
    """Base poses of hand ``to`` with its TCP at the same contact midpoints, same axes."""
    mid = np.append(contacts.mean(axis=1), np.ones((len(poses), 1)), axis=1)  # (n, 4) object frame
    depth = np.einsum("nij,nj->ni", np.linalg.inv(poses), mid)[:, 2]  # midpoint depth, base frame
    shift = np.tile(np.eye(4), (len(poses), 1, 1))
    shift[:, 2, 3] = depth - tcp_depth(to, widths)
    return poses @ shift


def collider(mesh, hand: Hand, cfg):
    kind = ModelCollider if isinstance(hand, GripperModel) else GripperCollider
    return kind(mesh, hand, clearance=cfg.clearance, opening_steps=cfg.opening_steps)


def compare_object(key, mesh, sha, hands, params, backend, sims, cache, seconds) -> dict:
    """One object's row (see the module docstring)."""
    cfg = params.guess
    g = {}
    for name, hand in hands.items():
        start = time.perf_counter()
        g[name] = guess_object(mesh, hand, cfg, rng_for(params.seed, "guess", hand.name, key))
        seconds[f"{name}_guess"] += time.perf_counter() - start
    free = {name: np.flatnonzero(x.labels == 0) for name, x in g.items()}
    row: dict = {"object": key}
    for name, x in g.items():
        row[f"{name}_free"] = int(len(free[name]))
        row[f"{name}_colliding"] = int((x.labels == 1).sum())
        row[f"{name}_quota"] = bool(
            len(free[name]) >= cfg.num_collision_free_grasps
            and (x.labels == 1).sum() >= cfg.num_colliding_grasps
        )
    cross = {}
    for a, b in (("box", "real"), ("real", "box")):
        i = free[a]
        poses = moved(g[a].poses[i], g[a].contacts[i], g[a].widths[i], hands[b])
        openings, reasons = collider(mesh, hands[b], cfg).check(poses, g[a].widths[i])
        cross[a] = (poses, openings, reasons == 0)
        row[f"{a}_free_colliding_with_{b}"] = int((reasons != 0).sum())
    obj = object_for_record(key, mesh, sha, params.sim, cache_dir=cache)
    for name in hands:
        i = free[name]
        start = time.perf_counter()
        held = backend.run(obj, sims[name], g[name].poses[i], g[name].openings[i]).success
        seconds[f"{name}_sim"] += time.perf_counter() - start
        row[f"{name}_held"] = int(np.sum(held))
    both = cross["box"][2]  # box-free guesses the real hand clears too
    i = free["box"][both]
    box_held = backend.run(obj, sims["box"], g["box"].poses[i], g["box"].openings[i]).success
    real_held = backend.run(obj, sims["real"], cross["box"][0][both], cross["box"][1][both]).success
    row["same_poses"] = int(len(i))
    row["same_poses_labels_differ"] = int(np.sum(np.asarray(box_held) != np.asarray(real_held)))
    row["same_poses_box_held"] = int(np.sum(box_held))
    row["same_poses_real_held"] = int(np.sum(real_held))
    return row


def objects_of(which: str, params, work: Path) -> list[tuple[str, object, str]]:
    """(key, mesh, mesh sha256) of the builtin set or of examples/meshes, built as the objects stage does."""
    cfg = params.objects
    if which == "examples":
        cfg = dataclasses.replace(
            cfg,
            source="directory",
            object_dataset=str(ROOT / "examples/meshes"),
            object_scales_json=str(ROOT / "examples/meshes/object_scales.json"),
        )
    out = work / "objects"
    build_object_set(cfg, seed=params.seed, out_dir=out, cache_dir=work / "cache")
    rows = []
    for shard in sorted(p for p in out.iterdir() if p.is_dir()):
        for record in read_index(shard / "index.json"):
            rows.append((record.key, load_object_mesh(shard, record), record.mesh_sha256))
    return rows


def totals(rows: list[dict]) -> dict:
    out = {"objects": len(rows)}
    for field in rows[0]:
        if field != "object":
            out[field] = int(sum(int(r[field]) for r in rows))
    for a, b in (("box", "real"), ("real", "box")):
        out[f"share_{a}_free_colliding_with_{b}"] = round(
            out[f"{a}_free_colliding_with_{b}"] / max(out[f"{a}_free"], 1), 4
        )
        out[f"{a}_success"] = round(out[f"{a}_held"] / max(out[f"{a}_free"], 1), 4)
    out["share_same_poses_labels_differ"] = round(
        out["same_poses_labels_differ"] / max(out["same_poses"], 1), 4
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("builtin", "examples"), default="builtin")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"))
    parser.add_argument("--limit", type=int, default=0, help="first N objects only (0: all)")
    parser.add_argument("--out", default=None, help="JSON path (default metrics/hands/<set>.json)")
    args = parser.parse_args()
    params = load_params(args.params)
    hands = {"box": load_hand(params.guess.gripper), "real": load_hand(REAL)}
    cache = ROOT / "data/cache"
    sims = {"box": hands["box"], "real": sim_hand(hands["real"], params.sim, cache_dir=cache)}
    seconds = dict.fromkeys(("box_guess", "real_guess", "box_sim", "real_sim"), 0.0)
    with tempfile.TemporaryDirectory() as tmp, make_backend(params.sim) as backend:
        objects = objects_of(args.set, params, Path(tmp))
        objects = objects[: args.limit] if args.limit else objects
        rows = [
            compare_object(key, mesh, sha, hands, params, backend, sims, cache, seconds)
            for key, mesh, sha in tqdm(objects, desc=f"hands {args.set}")
        ]
    result = {
        "set": args.set,
        "box": hands["box"].name,
        "real": hands["real"].name,
        "seed": params.seed,
        "totals": totals(rows),
        "objects": rows,
    }
    out = Path(args.out or ROOT / f"metrics/hands/{args.set}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    atomic.write_text(out, json.dumps(result, indent=1) + "\n")
    print(json.dumps(result["totals"], indent=1))
    # Wall time is not written to the JSON (it would differ on every run); quoted as ratios, same run.
    print(
        "seconds (one thread): "
        + ", ".join(f"{k} {v:.1f}" for k, v in seconds.items())
        + f"; real/box guess {seconds['real_guess'] / seconds['box_guess']:.2f}x, "
        f"sim per own guess {seconds['real_sim'] / max(seconds['box_sim'], 1e-9):.2f}x"
    )


if __name__ == "__main__":
    main()
