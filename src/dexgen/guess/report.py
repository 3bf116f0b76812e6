"""The coverage report ``metrics/guess.json``: does every graspable object get grasps, from every side?

Built from each shard's guess files, object index and simulation summary. It answers:

- which objects meet each quota, overall and per kind, and whether every object the gripper fits
  (narrower than the stroke less the clearances, or with any collision-free guess) meets the
  collision-free one (those that do not are named);
- how the positives spread over approach directions (:func:`dexgen.guess.coverage.approach_fraction`)
  and over the surface (:func:`dexgen.guess.coverage.surface_fraction`);
- what each sampler yields (guesses per attempt, share of the positives) and how often its
  collision-free guesses are held in simulation: the dataset's balance of successes and failures.

The worst-covered objects of each shard are drawn next to the report so a user sees what is missing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import check_out_dir, make_dir, write_json
from dexgen.errors import InputError
from dexgen.guess.coverage import (
    APPROACH_BINS,
    SURFACE_RADIUS,
    approach_fraction,
    surface_fraction,
)
from dexgen.guess.pictures import render_guesses
from dexgen.objects.loading import load_object_mesh
from dexgen.objects.width import min_width
from dexgen.params.guess import GuessConfig
from dexgen.rates import rate
from dexgen.records.grippers import parallel_jaw_from_record
from dexgen.records.guesses import FREE, read_guesses
from dexgen.records.objects import ObjectRecord, mesh_stem, read_index
from dexgen.seeding import rng_for

LABELS = ("collision_free", "colliding", "random")
_BUILTIN_KEY = re.compile(r"^(?P<kind>[a-z_]+)_\d+$")


def kind_of(record: ObjectRecord) -> str:
    """``box``, ``bowl``, ... for builtin objects (their key says), ``mesh`` for everything else."""
    m = _BUILTIN_KEY.match(record.key)
    return m["kind"] if record.source == "builtin" and m else "mesh"


def _object_row(record, arrays, meta, mesh, stroke: float, seed: int) -> dict[str, Any]:
    free = arrays["labels"] == FREE
    stats = meta["stats"]
    width = min_width(mesh)
    return {
        "object": record.key,
        "kind": kind_of(record),
        "min_width": round(width, 6),
        # The narrowest hull width bounds the whole object; fingertips can still close on a narrower
        # corner or tip, and a collision-free guess proves they did.
        "fits_stroke": bool(width < stroke or stats["found"]["collision_free"] > 0),
        "found": stats["found"],
        "quota_met": {k: stats["shortfall"][k] <= 0 for k in LABELS},
        "approach_fraction": round(approach_fraction(arrays["poses"][free]), 4),
        "surface_fraction": round(
            surface_fraction(
                mesh, arrays["contacts"][free].reshape(-1, 3), rng_for(seed, "coverage", record.key)
            ),
            4,
        ),
        "samplers": stats.get("samplers", {}),
    }


def _sampler_totals(rows: list[dict], sims: list[dict]) -> dict[str, Any]:
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        for name, s in row["samplers"].items():
            t = out.setdefault(name, {"attempts": 0, "candidates": 0, "collision_free": 0, "colliding": 0})
            for key in t:
                t[key] += s[key]
    positives = sum(t["collision_free"] for t in out.values())
    held: dict[str, list[int]] = {}
    for summary in sims:
        for obj in summary["objects"]:
            for name, s in obj.get("by_sampler", {}).items():
                h = held.setdefault(name, [0, 0])
                h[0] += s["held"]
                h[1] += s["trials"]
    for name, t in out.items():
        t["collision_free_per_1000_attempts"] = (
            round(1000 * t["collision_free"] / t["attempts"], 3) if t["attempts"] else None
        )
        t["share_of_collision_free"] = round(t["collision_free"] / positives, 4) if positives else None
        h, n = held.get(name, [0, 0])
        t["sim"] = rate(h, n)
    return dict(sorted(out.items()))


def _group(rows: list[dict]) -> dict[str, Any]:
    n = len(rows)
    fit = [r for r in rows if r["fits_stroke"]]
    return {
        "objects": n,
        "fit_stroke": len(fit),
        **{f"{k}_quota_met": sum(r["quota_met"][k] for r in rows) for k in LABELS},
        "fit_and_collision_free_quota_met": sum(r["quota_met"]["collision_free"] for r in fit),
        "approach_fraction_mean": round(float(np.mean([r["approach_fraction"] for r in rows])), 4)
        if n
        else None,
        "surface_fraction_mean": round(float(np.mean([r["surface_fraction"] for r in rows])), 4)
        if n
        else None,
    }


def _worst(rows: list[dict], count: int) -> list[dict]:
    """The ``count`` worst-covered: short of the collision-free quota first, then fewest approach cells."""
    return sorted(
        rows,
        key=lambda r: (
            r["quota_met"]["collision_free"],
            r["approach_fraction"],
            r["surface_fraction"],
            r["object"],
        ),
    )[:count]


def shard_rows(
    objects_dir: Path, guesses_dir: Path, cfg: GuessConfig, seed: int, pictures: Path | None
) -> list[dict[str, Any]]:
    """One coverage row per object of one shard; draws the shard's worst-covered objects to ``pictures``."""
    rows, inputs, hands = [], {}, {}
    for record in sorted(read_index(objects_dir), key=lambda r: r.key):
        path = guesses_dir / f"{mesh_stem(record)}.npz"
        if not path.exists():
            raise InputError(f"{path}: missing guess file for object {record.key}; run the guess stage")
        arrays, meta = read_guesses(path, record=record)
        block = json.dumps(meta["gripper"], sort_keys=True)  # a real hand is rebuilt once per shard
        if block not in hands:
            hands[block] = parallel_jaw_from_record(meta["gripper"], where=str(path))
        gripper = hands[block]
        mesh = load_object_mesh(objects_dir, record)
        stroke = gripper.stroke - 2 * cfg.clearance
        rows.append(_object_row(record, arrays, meta, mesh, stroke, seed) | {"shard": objects_dir.name})
        inputs[record.key] = (mesh, gripper, arrays)
    for row in _worst(rows, cfg.worst_pictures if pictures is not None else 0):
        mesh, gripper, arrays = inputs[row["object"]]
        name = f"{row['shard']}-{row['object']}.png"
        f = row["found"]
        render_guesses(
            pictures / name,
            mesh,
            gripper,
            arrays["poses"],
            arrays["openings"],
            arrays["labels"],
            per_label=cfg.picture_grasps,
            title=f"{row['object']}: {f['collision_free']} free, approach {row['approach_fraction']:.0%}, "
            f"surface {row['surface_fraction']:.0%}, min width {1000 * row['min_width']:.0f} mm",
        )
        row["picture"] = f"{pictures.name}/{name}"
    return rows


def _drawn_before(report: Path) -> frozenset[str]:
    """The picture names the last report at ``report`` lists: pictures carry no metadata, so the report
    that drew them is what makes them ours (a PNG it does not list is never removed)."""
    try:
        worst = json.loads(report.read_bytes())["worst"]
        return frozenset(Path(str(row["picture"])).name for row in worst)
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()


def build_report(rows: list[dict[str, Any]], sims: list[dict[str, Any]], cfg: GuessConfig) -> dict[str, Any]:
    kinds = sorted({r["kind"] for r in rows})
    fit_short = [r["object"] for r in rows if r["fits_stroke"] and not r["quota_met"]["collision_free"]]
    return {
        "samplers_mix": {name: frac for name, frac in cfg.mix()},
        **_group(rows),
        "fit_but_short": fit_short,
        "too_wide": sorted(r["object"] for r in rows if not r["fits_stroke"]),
        "coverage": {
            "approach_cells": len(APPROACH_BINS),
            "surface_radius_m": SURFACE_RADIUS,
            "approach_fraction_min": min((r["approach_fraction"] for r in rows), default=None),
            "surface_fraction_min": min((r["surface_fraction"] for r in rows), default=None),
        },
        "by_kind": {k: _group([r for r in rows if r["kind"] == k]) for k in kinds},
        "samplers": _sampler_totals(rows, sims),
        "worst": [
            {
                k: r[k]
                for k in ("shard", "object", "picture", "found", "approach_fraction", "surface_fraction")
            }
            for r in rows
            if "picture" in r
        ],
        "per_object": [{k: v for k, v in r.items() if k not in ("samplers", "picture")} for r in rows],
    }


def write_report(
    objects_root: str | Path,
    guesses_root: str | Path,
    sim_root: str | Path,
    out_path: str | Path,
    *,
    config: GuessConfig,
    seed: int,
    pictures: str | Path | None = None,
) -> dict[str, Any]:
    """Build the report over every ``shard-*`` under ``guesses_root`` and write it; returns it."""
    shards = sorted(p.name for p in Path(guesses_root).glob("shard-*") if p.is_dir())
    if not shards:
        raise InputError(f"{guesses_root}: no shard-* folders; run the guess stage first")
    pics = Path(pictures) if pictures is not None else None
    if pics is not None:
        drawn = _drawn_before(Path(out_path))
        check_out_dir(pics, lambda p: p.name in drawn)
        make_dir(pics)
        for old in pics.glob("*.png"):  # the worst objects change with the data: no stale pictures
            old.unlink()
    rows = []
    for shard in shards:
        rows += shard_rows(Path(objects_root) / shard, Path(guesses_root) / shard, config, seed, pics)
    sims = []
    for shard in shards:
        path = Path(sim_root) / shard / "summary.json"
        if path.exists():
            sims.append(json.loads(path.read_text()))
    report = build_report(rows, sims, config)
    write_json(out_path, report)
    return report
