"""The simulate stage over one shard: objects + guesses in, one results file per object, a summary out.

``simulate_shard`` reads ``<objects>/index.json`` and each object's guess file, and hands one unit per
object to the runner (:mod:`dexgen.runner`): objects whose existing results carry the same provenance
(seed, params hash, mesh, gripper and guess file hashes, engine, code version) are reused, the rest
are simulated one object at a time (the backend uses every core inside one object), results of
objects no longer in the shard are pruned, and ``summary.json`` is written. The gripper is rebuilt
from the block each guess file carries (:mod:`dexgen.records.grippers`), never looked up by name. Convex
parts are cached per mesh hash under ``<cache>/convex``; hull fallbacks are counted in the summary.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import RecordFolder, check_out_dir, make_dir, write_json
from dexgen.errors import ConfigError, InputError
from dexgen.grippers.spec import ParallelJawGripper
from dexgen.hashing import sha256_file
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.sim import SimConfig, closing_force_of
from dexgen.provenance import provenance
from dexgen.records import npz
from dexgen.records.grippers import parallel_jaw_from_record, same_gripper
from dexgen.records.guesses import read_guesses
from dexgen.records.guesses import read_meta as read_guess_meta
from dexgen.records.objects import ObjectRecord, mesh_stem, read_index
from dexgen.records.trials import PHASES, REASONS, write_results
from dexgen.runner import Unit, UnitWork, prune, run_units
from dexgen.sim.backend import SimBackend
from dexgen.sim.decomposition import cache_path as decomposition_cache_path
from dexgen.sim.engines import check_real_hand
from dexgen.sim.hand_spec import scene_hand
from dexgen.sim.objects import object_for_record
from dexgen.sim.pictures import render_trials
from dexgen.sim.registry import backend_class, make_backend

log = logging.getLogger(__name__)

SUMMARY = "summary.json"
PICTURES = "pictures"


def guess_inputs(guess_path: Path, record: ObjectRecord) -> tuple[dict[str, Any], ParallelJawGripper]:
    """(meta, gripper) of ``record``'s guess file, refused before any work if it was made for another
    object or mesh; the gripper is rebuilt from the block the file carries."""
    meta = read_guess_meta(guess_path)
    if meta is None:
        raise InputError(f"{guess_path}: not a readable guess file; re-run the guess stage")
    # object, mesh hash and poses are checked here, before the output folder is made
    read_guesses(guess_path, record=record)
    return meta, parallel_jaw_from_record(meta.get("gripper"), where=str(guess_path))


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


def trial_cost(gmeta: dict[str, Any], cfg: SimConfig, parts: int | None) -> float:
    """Expected cost of an object's trials, for scheduling only: trials x sqrt(convex parts).

    On the builtin set a trial against a 15-25-part mug or bowl takes ~2x one against a box, and
    per-object seconds correlate 0.75 with this (0.59 with trials alone). ``parts`` None (no cached
    decomposition yet) counts one.
    """
    found = gmeta.get("stats", {}).get("found", {})
    counts = [int(found.get(label, 0)) for label in cfg.labels]
    if cfg.max_trials_per_label:
        counts = [min(n, cfg.max_trials_per_label) for n in counts]
    return sum(counts) * math.sqrt(max(parts or 1, 1))


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


def _by_sampler(samplers: np.ndarray, names: list[str], success: np.ndarray) -> dict[str, dict[str, int]]:
    """Trials and held per sampler that proposed the guess ("none": random poses, loaded grasps)."""
    out = {}
    for code in np.unique(samplers):
        m = samplers == code
        name = names[code] if code >= 0 else "none"
        out[name] = {"trials": int(m.sum()), "held": int(success[m].sum())}
    return dict(sorted(out.items()))


def simulate_object(
    objects_dir: Path,
    record: ObjectRecord,
    guess_path: Path,
    backend: SimBackend,
    cfg: SimConfig,
    *,
    prov: dict[str, Any],
    cache_dir: Path | None,
    out_path: Path,
    picture: Path | None,
) -> dict[str, Any]:
    """Simulate one object's guesses and write its results file (and picture); returns its meta.

    ``prov`` is the provenance the file records (:func:`sim_provenance`, or the workflow's).
    """
    guesses, gmeta = read_guesses(guess_path, record=record)
    gripper = parallel_jaw_from_record(gmeta.get("gripper"), where=str(guess_path))
    mesh = load_object_mesh(objects_dir, record)
    obj = object_for_record(record.key, mesh, record.mesh_sha256, cfg, cache_dir=cache_dir)
    rows = select_trials(guesses["labels"], list(gmeta["labels"]), cfg)
    hand = scene_hand(gripper, cfg, cache_dir=cache_dir)
    trials = backend.run(obj, hand, guesses["poses"][rows], guesses["openings"][rows])
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
        "gripper": gmeta["gripper"],
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
        # N per finger the trials squeezed with: sim.closing_force, or the gripper's own (null)
        "closing_force_n": closing_force_of(
            gripper.closing_force, cfg, where=_gripper_where(gripper, guess_path)
        ),
        "provenance": prov,
        "stats": _stats(arrays["labels"], list(gmeta["labels"]), arrays, cfg),
        "by_sampler": _by_sampler(guesses["samplers"][rows], list(gmeta["samplers"]), arrays["success"]),
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


def _gripper_where(gripper, guess_path: Path) -> str:
    """The gripper in an error: its name and description, and the guess file it came from."""
    source = getattr(gripper, "source", None)
    return f"gripper {gripper.name!r} ({source or 'no description'}; guesses {guess_path})"


def sim_provenance(
    record: ObjectRecord, gripper: ParallelJawGripper, guess_path: Path, cfg: SimConfig, seed: int
) -> dict[str, Any]:
    """What a current results file records: inputs by content hash, the engine, the output params."""
    return provenance(
        stage="simulate",
        seed=seed,
        params=cfg.output_params(),
        code=__name__,
        mesh_sha256=record.mesh_sha256,
        gripper_sha256=gripper.sha256,
        guesses_sha256=sha256_file(guess_path),
        engine=backend_class(cfg.backend).version(),
        closing_force=f"{closing_force_of(gripper.closing_force, cfg, where=_gripper_where(gripper, guess_path)):g} N",
    )


class SimulateWork(UnitWork):
    """Simulate one object per call with one backend, started on first use in whichever process runs
    it (the backend is never pickled) and released by :meth:`close`."""

    def __init__(self, config: SimConfig, *, cache_dir: Path | None) -> None:
        self.config, self.cache_dir = config, cache_dir
        self._backend: SimBackend | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_backend": None}

    def __call__(self, unit: Unit) -> dict[str, Any]:
        objects_dir, record, guess_path, picture = unit.args
        if self._backend is None:
            self._backend = make_backend(self.config)
        return simulate_object(
            objects_dir,
            record,
            guess_path,
            self._backend,
            self.config,
            prov=unit.provenance,
            cache_dir=self.cache_dir,
            out_path=unit.output,
            picture=picture,
        )

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        """The files one object's trials read (for a cluster task): mesh, guesses, cached parts."""
        objects_dir, record, guess_path, _ = unit.args
        files = (Path(objects_dir) / record.mesh, Path(guess_path))
        if self.cache_dir is not None:
            files += (
                decomposition_cache_path(self.cache_dir, record.mesh_sha256, self.config.decomposition),
            )
        return files

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def simulate_units(
    objects_dir: Path,
    guesses_dir: Path,
    out_dir: Path,
    *,
    config: SimConfig,
    seed: int,
    cache_dir: Path | None = None,
) -> list[Unit]:
    """One unit per object in key order; every guess file must exist and name the same gripper.
    ``cache_dir`` (the decomposition cache) only sharpens each unit's cost."""
    units, first = [], None
    for i, record in enumerate(sorted(read_index(objects_dir), key=lambda r: r.key)):
        stem = mesh_stem(record)
        guess_path = guesses_dir / f"{stem}.npz"
        if not guess_path.exists():
            raise InputError(f"{guess_path}: guess file missing; run the guess stage first")
        gmeta, gripper = guess_inputs(guess_path, record)
        check_real_hand(config.backend, gmeta.get("gripper"), where=str(guess_path))
        if first is None:
            first = (gmeta["gripper"], guess_path)
        same_gripper(first[0], gmeta["gripper"], where_a=str(first[1]), where_b=str(guess_path))
        picture = out_dir / PICTURES / f"{stem}.png" if i < config.max_pictures else None
        units.append(
            Unit(
                key=record.key,
                output=out_dir / f"{stem}.npz",
                provenance=sim_provenance(record, gripper, guess_path, config, seed),
                args=(objects_dir, record, guess_path, picture),
                extra_outputs=(picture,) if picture is not None else (),
                cost=trial_cost(gmeta, config, cached_parts(record, config, cache_dir)),
            )
        )
    return units


def cached_parts(record: ObjectRecord, cfg: SimConfig, cache_dir: Path | None) -> int | None:
    """Convex parts of ``record``'s cached decomposition (its header only), None where not cached."""
    if cache_dir is None:
        return None
    meta = npz.read_meta(decomposition_cache_path(cache_dir, record.mesh_sha256, cfg.decomposition))
    return None if meta is None else meta.get("parts")


def simulate_shard(
    objects_dir: str | Path,
    guesses_dir: str | Path,
    out_dir: str | Path,
    *,
    config: SimConfig,
    seed: int,
    cache_dir: str | Path | None,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Run the simulate stage on one shard; returns (and writes) the shard summary.

    Without a cluster, one object at a time in this process (the backend uses every core inside one
    object); on a cluster (``cluster.address``), one task per object, each backend on the task's CPUs.
    """
    objects_dir, guesses_dir, out_dir = Path(objects_dir), Path(guesses_dir), Path(out_dir)
    if cluster is not None and cluster.enabled:
        config = dataclasses.replace(config, threads=cluster.threads_per_task)  # threads: not hashed
    cache = Path(cache_dir) if cache_dir else None
    owned = RecordFolder(out_dir, ("simulate",), names=(SUMMARY,), pictures=PICTURES)
    check_out_dir(out_dir, owned, inputs={"objects": objects_dir, "guesses": guesses_dir})
    units = simulate_units(objects_dir, guesses_dir, out_dir, config=config, seed=seed, cache_dir=cache)
    make_dir(out_dir)
    prune(
        out_dir, [u.output.stem for u in units], owned=owned, patterns=("*.npz", "*.png", f"{PICTURES}/*.png")
    )
    result = run_units(
        units,
        SimulateWork(config, cache_dir=cache),
        desc=f"simulate {objects_dir.name}",
        cluster=cluster,
        count=trial_count,
        progress=progress,
    )
    trials = sum(s["trials"] for k in result.ran for s in result.metas[k]["stats"].values())
    if trials:
        log.info("%s: %d trials, %.0f trials/s", objects_dir.name, trials, trials / max(result.seconds, 1e-9))
    summary = summarise(list(result.metas.values()), shard=objects_dir.name)
    summary.update(seed=int(seed), params_hash=config.output_hash())
    write_json(out_dir / SUMMARY, summary)
    rates = ", ".join(f"{label} {t['held']}/{t['trials']}" for label, t in summary["totals"].items())
    log.info("%s: %d objects; held: %s", out_dir, summary["num_objects"], rates or "no trials")
    if summary["hull_fallbacks"]:
        log.warning(
            "%s: %d objects fell back to their convex hull: %s",
            objects_dir.name,
            len(summary["hull_fallbacks"]),
            ", ".join(summary["hull_fallbacks"]),
        )
    return summary


def trial_count(meta: dict[str, Any]) -> int:
    """Trials one results file's meta records (for the progress bar's rate)."""
    return sum(s["trials"] for s in meta["stats"].values())


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
                "by_sampler": meta.get("by_sampler", {}),
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
    gripper = metas[0]["gripper"] if metas else {}
    return {
        "shard": shard,
        "gripper": gripper.get("name"),
        "gripper_sha256": gripper.get("sha256"),
        "engine": metas[0]["engine"] if metas else None,
        "closing_force_n": sorted({m["closing_force_n"] for m in metas if "closing_force_n" in m}),
        "num_objects": len(objects),
        "objects": objects,
        "totals": totals,
        "decomposition_methods": dict(sorted(methods.items())),
        "hull_fallbacks": [m["object"] for m in metas if m["decomposition"]["method"] == "hull_fallback"],
    }
