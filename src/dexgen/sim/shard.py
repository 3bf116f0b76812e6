"""The simulate stage over one shard: objects + guesses in, one results file per object, a summary out.

``simulate_shard`` reads ``<objects>/index.json`` and each object's guess file, skips objects whose
existing results carry the same provenance (seed, params hash, mesh, gripper and guess file hashes,
engine, code version), simulates the rest one object at a time (the backend uses every core inside
one object), prunes results of objects no longer in the shard, and writes ``summary.json``. Convex
parts are cached per mesh hash under ``<cache>/convex``; hull fallbacks are counted in the summary.
"""

from __future__ import annotations

import functools
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from dexgen import npz_record
from dexgen.atomic import write_json
from dexgen.errors import ConfigError, InputError
from dexgen.grippers import load_gripper
from dexgen.grippers.spec import Gripper, ParallelJawGripper
from dexgen.guess.output import read_guesses
from dexgen.guess.output import read_meta as read_guess_meta
from dexgen.hashing import sha256_file
from dexgen.objects.records import ObjectRecord, load_object_mesh, read_index
from dexgen.provenance import provenance
from dexgen.sim.backend import PHASES, REASONS, SimBackend
from dexgen.sim.config import SimConfig
from dexgen.sim.objects import object_for_record
from dexgen.sim.output import read_meta, write_results
from dexgen.sim.pictures import render_trials
from dexgen.sim.registry import make_backend

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
PICTURES = "pictures"


@functools.lru_cache(maxsize=4)
def _gripper(name: str) -> Gripper:
    return load_gripper(name)


def gripper_of(guess_meta: dict[str, Any], where: Path) -> ParallelJawGripper:
    """The gripper a guess file was made with, checked against the file hash it recorded."""
    gripper = _gripper(guess_meta["gripper"])
    recorded = guess_meta.get("provenance", {}).get("gripper_sha256")
    if recorded and recorded != gripper.sha256:
        raise InputError(
            f"{where}: guesses were made with a different {gripper.name} file (sha256 {recorded[:12]}, now "
            f"{gripper.sha256[:12]}); re-run the guess stage"
        )
    if not isinstance(gripper, ParallelJawGripper):
        raise ConfigError(
            f"{where}: gripper {gripper.name} is {gripper.kind}; simulation needs a parallel jaw"
        )
    return gripper


def select_trials(labels: np.ndarray, label_names: list[str], cfg: SimConfig) -> np.ndarray:
    """Row indices (k,) int64 of the guesses to simulate: cfg.labels, capped per label, in file order."""
    unknown = sorted(set(cfg.labels) - set(label_names))
    if unknown:
        raise ConfigError(f"sim.labels: {unknown} not among the guess labels {label_names}")
    keep = []
    for name in cfg.labels:
        rows = np.flatnonzero(labels == label_names.index(name))
        keep.append(rows[: cfg.max_trials_per_label] if cfg.max_trials_per_label else rows)
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, dtype=np.int64)


def _stats(labels: np.ndarray, label_names: list[str], arrays: dict[str, np.ndarray], cfg: SimConfig) -> dict:
    """Per guess label: trials, held, start penetration counts, failures by phase/reason."""
    out = {}
    for k, name in enumerate(label_names):
        m = labels == k
        if not m.any():
            continue
        fails: dict[str, int] = {}
        for p, r in zip(arrays["phase"][m & ~arrays["success"]], arrays["reason"][m & ~arrays["success"]]):
            key = f"{PHASES[p]}/{REASONS[r]}"
            fails[key] = fails.get(key, 0) + 1
        pen = arrays["start_penetration"][m]
        out[name] = {
            "trials": int(m.sum()),
            "held": int(arrays["success"][m].sum()),
            "mean_score": round(float(arrays["score"][m].mean()), 6),
            "start_in_penetration": int((pen > 0).sum()),
            "start_beyond_tolerance": int((pen > cfg.success.max_start_penetration).sum()),
            "failures": dict(sorted(fails.items())),
        }
    return out


def simulate_object(
    objects_dir: Path,
    record: ObjectRecord,
    guess_path: Path,
    backend: SimBackend,
    cfg: SimConfig,
    *,
    seed: int,
    cache_dir: Path | None,
    out_path: Path,
    picture: Path | None,
) -> dict[str, Any]:
    """Simulate one object's guesses and write its results file (and picture); returns its meta."""
    guesses, gmeta = read_guesses(guess_path)
    gripper = gripper_of(gmeta, guess_path)
    mesh = load_object_mesh(objects_dir, record)
    obj = object_for_record(record.key, mesh, record.mesh_sha256, cfg, cache_dir=cache_dir)
    rows = select_trials(guesses["labels"], list(gmeta["labels"]), cfg)
    trials = backend.run(obj, gripper, guesses["poses"][rows], guesses["openings"][rows])
    arrays = {
        "guess_index": rows.astype(np.int64),
        "labels": guesses["labels"][rows].astype(np.int8),
        "poses": guesses["poses"][rows],
        "openings": guesses["openings"][rows],
        **{name: getattr(trials, name) for name in trials.ARRAYS},
    }
    meta = {
        "object": record.key,
        "mesh": record.mesh,
        "gripper": gripper.name,
        "engine": backend.version(),
        "guess_labels": list(gmeta["labels"]),
        "phases": list(PHASES),
        "reasons": list(REASONS),
        "decomposition": {
            "method": obj.decomposition,
            "parts": len(obj.parts),
            "note": obj.decomposition_note,
        },
        "mass_kg": round(obj.mass, 9),
        "provenance": _provenance(record, gripper, guess_path, backend, cfg, seed),
        "stats": _stats(arrays["labels"], list(gmeta["labels"]), arrays, cfg),
    }
    write_results(out_path, arrays, meta)
    if picture is not None:
        render_trials(
            picture,
            mesh,
            gripper,
            arrays["poses"],
            arrays["openings"],
            arrays["success"],
            reasons=arrays["reason"],
            title=f"{record.key} / {gripper.name} ({backend.version()})",
        )
    return meta


def _provenance(
    record: ObjectRecord, gripper: Gripper, guess_path: Path, backend: SimBackend, cfg: SimConfig, seed: int
) -> dict[str, Any]:
    return provenance(
        stage="simulate",
        seed=seed,
        params=cfg.output_params(),
        mesh_sha256=record.mesh_sha256,
        gripper_sha256=gripper.sha256,
        guesses_sha256=sha256_file(guess_path),
        engine=backend.version(),
    )


def simulate_shard(
    objects_dir: str | Path,
    guesses_dir: str | Path,
    out_dir: str | Path,
    *,
    config: SimConfig,
    seed: int,
    cache_dir: str | Path | None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the simulate stage on one shard; returns (and writes) the shard summary."""
    objects_dir, guesses_dir, out_dir = Path(objects_dir), Path(guesses_dir), Path(out_dir)
    records = sorted(read_index(objects_dir), key=lambda r: r.key)
    stems = [Path(r.mesh).stem for r in records]
    for stem in stems:
        if not (guesses_dir / f"{stem}.npz").exists():
            raise InputError(
                f"{guesses_dir / (stem + '.npz')}: guess file missing; run the guess stage first"
            )
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_record.prune_stale(out_dir, set(stems), pictures=PICTURES)
    metas: dict[str, dict[str, Any]] = {}
    trials = 0
    started = time.perf_counter()
    with make_backend(config) as backend:
        bar = tqdm(total=len(records), desc=f"simulate {objects_dir.name}", disable=not progress, unit="obj")
        for i, (record, stem) in enumerate(zip(records, stems)):
            out_path, guess_path = out_dir / f"{stem}.npz", guesses_dir / f"{stem}.npz"
            picture = out_dir / PICTURES / f"{stem}.png" if i < config.max_pictures else None
            old = read_meta(out_path)
            guess_meta = read_guess_meta(guess_path)
            if guess_meta is None:
                raise InputError(f"{guess_path}: not a readable guess file; re-run the guess stage")
            gripper = gripper_of(guess_meta, guess_path)
            want = _provenance(record, gripper, guess_path, backend, config, seed)
            if old is not None and old.get("provenance") == want and (picture is None or picture.exists()):
                metas[record.key] = old
            else:
                metas[record.key] = simulate_object(
                    objects_dir,
                    record,
                    guess_path,
                    backend,
                    config,
                    seed=seed,
                    cache_dir=Path(cache_dir) if cache_dir else None,
                    out_path=out_path,
                    picture=picture,
                )
                trials += sum(s["trials"] for s in metas[record.key]["stats"].values())
            bar.update()
        bar.close()
    elapsed = time.perf_counter() - started
    if trials:
        log.info(
            "%s: %d trials in %.1f s (%.0f trials/s)", objects_dir.name, trials, elapsed, trials / elapsed
        )
    summary = summarise([metas[r.key] for r in records], shard=objects_dir.name)
    summary.update(seed=int(seed), params_hash=config.output_hash())
    write_json(out_dir / SUMMARY, summary)
    if summary["hull_fallbacks"]:
        log.warning(
            "%s: %d objects fell back to their convex hull: %s",
            objects_dir.name,
            len(summary["hull_fallbacks"]),
            ", ".join(summary["hull_fallbacks"]),
        )
    return summary


def summarise(metas: list[dict[str, Any]], *, shard: str) -> dict[str, Any]:
    """Shard summary: per-object stats, totals per guess label, decomposition methods (no timings)."""
    objects, totals, methods = [], {}, {}
    for meta in metas:
        objects.append(
            {
                "object": meta["object"],
                "mesh": meta["mesh"],
                "mass_kg": meta["mass_kg"],
                "decomposition": meta["decomposition"],
                "stats": meta["stats"],
            }
        )
        method = meta["decomposition"]["method"]
        methods[method] = methods.get(method, 0) + 1
        for label, s in meta["stats"].items():
            t = totals.setdefault(
                label, {"trials": 0, "held": 0, "start_in_penetration": 0, "start_beyond_tolerance": 0}
            )
            for key in t:
                t[key] += s[key]
    for t in totals.values():
        t["success_rate"] = round(t["held"] / t["trials"], 6) if t["trials"] else None
    return {
        "shard": shard,
        "gripper": metas[0]["gripper"] if metas else None,
        "engine": metas[0]["engine"] if metas else None,
        "num_objects": len(objects),
        "objects": objects,
        "totals": totals,
        "decomposition_methods": dict(sorted(methods.items())),
        "hull_fallbacks": [m["object"] for m in metas if m["decomposition"]["method"] == "hull_fallback"],
    }
