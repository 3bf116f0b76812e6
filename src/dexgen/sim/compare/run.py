"""``sim_compare``: simulate the same trials on two engines per object, then report how they agree.

One unit per object (:mod:`dexgen.runner`: resumable, a process pool or a Ray cluster): its trial set
(:mod:`.trial_set`), both engines' labels, phases and reasons in ``<out>/<stem>.npz``. The report pools
every file into the agreement table (overall, per kind of trial, per object), which phases the
disagreements fall in, and pictures of the objects with the most disagreements.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import RecordFolder, check_out_dir, make_dir, write_json
from dexgen.config import to_mapping
from dexgen.errors import InputError
from dexgen.hashing import sha256_file
from dexgen.objects.loading import load_object_mesh
from dexgen.params.cluster import ClusterConfig
from dexgen.params.compare import KINDS, SimCompareConfig, engines
from dexgen.params.sim import SimConfig
from dexgen.provenance import provenance
from dexgen.records import npz
from dexgen.records.grippers import parallel_jaw_from_record
from dexgen.records.guesses import read_guesses
from dexgen.records.guesses import read_meta as read_guess_meta
from dexgen.records.objects import mesh_stem, read_index
from dexgen.records.trials import PHASES, REASONS
from dexgen.runner import Unit, UnitWork, prune, run_units
from dexgen.seeding import rng_for
from dexgen.sim.backend import SimBackend
from dexgen.sim.compare.agreement import agreement
from dexgen.sim.compare.trial_set import trial_set
from dexgen.sim.decomposition import cache_path as decomposition_cache_path
from dexgen.sim.engines import check_real_hand
from dexgen.sim.objects import object_for_record
from dexgen.sim.registry import backend_class, make_backend

log = logging.getLogger(__name__)

FORMAT_VERSION = 1
SIDES = ("a", "b")
RESULTS = ("success", "score", "phase", "reason")
ARRAYS = ("poses", "openings", "kinds", "source") + tuple(f"{s}_{r}" for s in SIDES for r in RESULTS)
INDEX = "index.json"  # the pictures folder's list of what it shows


def _hashed(cfg: SimCompareConfig) -> dict[str, Any]:
    """The compare params that decide a unit's bytes (not which objects, not pictures)."""
    return {
        k: v
        for k, v in to_mapping(cfg).items()
        if k not in ("enabled", "max_objects", "max_pictures", "a", "b")
    }


def engine_name(cfg: SimConfig) -> str:
    """Engine and protocol, as tables and pictures name a side: ``mujoco 3.3.5 / graspdatagen``."""
    return f"{backend_class(cfg.backend).version()} / {cfg.protocol.preset}"


def compare_units(
    objects_dir: Path,
    guesses_dir: Path,
    out_dir: Path,
    *,
    a: SimConfig,
    b: SimConfig,
    cfg: SimCompareConfig,
    seed: int,
    clearance: float,
) -> list[Unit]:
    """One unit per object of every ``shard-*`` folder of ``objects_dir`` (first ``max_objects`` by key)."""
    shards = sorted(p for p in Path(objects_dir).glob("shard-*") if p.is_dir()) or [Path(objects_dir)]
    found = []
    for shard in shards:
        guess_dir = Path(guesses_dir) if shard == Path(objects_dir) else Path(guesses_dir) / shard.name
        for record in read_index(shard):
            guess_path = guess_dir / f"{mesh_stem(record)}.npz"
            if not guess_path.exists():
                raise InputError(f"{guess_path}: guess file missing; run the guess stage first")
            for side in (a, b):  # before any work: read only the guess file's header
                block = (read_guess_meta(guess_path) or {}).get("gripper")
                check_real_hand(side.backend, block, key="sim_compare engines", where=str(guess_path))
            found.append((record, shard, guess_path))
    found.sort(key=lambda f: f[0].key)
    if cfg.max_objects:
        found = found[: cfg.max_objects]
    params = {"a": a.output_params(), "b": b.output_params(), "compare": _hashed(cfg), "clearance": clearance}
    units = []
    for record, shard, guess_path in found:
        prov = provenance(
            stage="sim_compare",
            seed=seed,
            params=params,
            code=(__name__, "dexgen.sim.compare.trial_set"),
            mesh_sha256=record.mesh_sha256,
            guesses_sha256=sha256_file(guess_path),
            engine_a=backend_class(a.backend).version(),
            engine_b=backend_class(b.backend).version(),
        )
        shard_name = "" if shard == Path(objects_dir) else shard.name
        units.append(
            Unit(
                key=record.key,
                output=out_dir / f"{mesh_stem(record)}.npz",
                provenance=prov,
                args=(shard, record, guess_path, shard_name),
            )
        )
    return units


class CompareWork(UnitWork):
    """Both engines on one object per call; backends start on first use where the work runs."""

    def __init__(
        self,
        a: SimConfig,
        b: SimConfig,
        cfg: SimCompareConfig,
        *,
        seed: int,
        clearance: float,
        cache_dir: Path | None,
    ) -> None:
        self.configs = {"a": a, "b": b}
        self.cfg, self.seed, self.clearance, self.cache_dir = cfg, seed, clearance, cache_dir
        self._backends: dict[str, SimBackend] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_backends": {}}

    def __call__(self, unit: Unit) -> dict[str, Any]:
        shard, record, guess_path, shard_name = unit.args
        guesses, gmeta = read_guesses(guess_path, record=record)
        gripper = parallel_jaw_from_record(gmeta.get("gripper"), where=str(guess_path))
        mesh = load_object_mesh(shard, record)
        rng = rng_for(self.seed, "sim_compare", record.key)
        trials = trial_set(
            mesh, gripper, guesses, list(gmeta["labels"]), self.cfg, rng, clearance=self.clearance
        )
        arrays = {
            "poses": trials.poses,
            "openings": trials.openings,
            "kinds": trials.kinds,
            "source": trials.source,
        }
        engines = {}
        for side, sim in self.configs.items():
            if side not in self._backends:
                self._backends[side] = make_backend(sim)
            obj = object_for_record(record.key, mesh, record.mesh_sha256, sim, cache_dir=self.cache_dir)
            result = self._backends[side].run(obj, gripper, trials.poses, trials.openings)
            for name in RESULTS:
                arrays[f"{side}_{name}"] = getattr(result, name)
            engines[side] = engine_name(sim)
        meta = {
            "format_version": FORMAT_VERSION,
            "object": record.key,
            "mesh": record.mesh,
            "shard": shard_name,
            "gripper": gmeta["gripper"],
            "engines": engines,
            "kinds": list(KINDS),
            "phases": list(PHASES),
            "reasons": list(REASONS),
            "provenance": unit.provenance,
            "trials": len(trials.poses),
            "agreement": agreement(arrays["a_success"], arrays["b_success"]),
        }
        npz.write(unit.output, arrays, ARRAYS, meta)
        return meta

    def inputs(self, unit: Unit) -> tuple[Path, ...]:
        """The files one object reads (for a cluster task): mesh, guesses, both engines' cached parts."""
        shard, record, guess_path, _ = unit.args
        files = (Path(shard) / record.mesh, Path(guess_path))
        if self.cache_dir is not None:
            for sim in self.configs.values():
                path = decomposition_cache_path(self.cache_dir, record.mesh_sha256, sim.decomposition)
                files += (path,) if path not in files else ()
        return files

    def close(self) -> None:
        for backend in self._backends.values():
            backend.close()
        self._backends = {}


def _failures(arrays: dict[str, np.ndarray], side: str, mask: np.ndarray) -> dict[str, int]:
    """Failure phase/reason counts of ``side`` over ``mask``."""
    pairs = zip(arrays[f"{side}_phase"][mask], arrays[f"{side}_reason"][mask])
    return dict(sorted(Counter(f"{PHASES[p]}/{REASONS[r]}" for p, r in pairs).items()))


Loaded = list[tuple[Path, dict[str, np.ndarray], dict[str, Any]]]  # (file, arrays, meta) per object


def load(files: list[Path]) -> Loaded:
    """Every per-object file, read once for the report and the pictures."""
    return [
        (path, *npz.read(path, ARRAYS, kind="sim_compare", format_version=FORMAT_VERSION)) for path in files
    ]


def report(loaded: Loaded, engines: dict[str, str]) -> dict[str, Any]:
    """The agreement table over per-object files: overall, per kind, per object, disagreement phases, and
    the objects compared on random poses only (no collision-free guess to start from)."""
    per_object, pooled, random_only = [], {name: [] for name in ARRAYS}, []
    for _, arrays, meta in loaded:
        kinds_here = arrays["kinds"]
        if len(kinds_here) and (kinds_here == KINDS.index("random")).all():
            random_only.append(
                meta["object"]
            )  # no collision-free guess (wider than the stroke): nothing to perturb
        for name in ARRAYS:
            pooled[name].append(arrays[name])
        row = {"object": meta["object"], **agreement(arrays["a_success"], arrays["b_success"])}
        row["disagreements"] = int((arrays["a_success"] != arrays["b_success"]).sum())
        per_object.append(row)
    arrays = {k: np.concatenate(v) if v else np.zeros(0) for k, v in pooled.items()}
    a, b = arrays["a_success"].astype(bool), arrays["b_success"].astype(bool)
    kinds = arrays["kinds"].astype(np.int64)
    overall = agreement(a, b)
    rates = (overall["success_rate_a"] or 0.0, overall["success_rate_b"] or 0.0)
    return {
        "engines": engines,
        "objects": len(loaded),
        **overall,
        "balanced": all(0.3 <= rate <= 0.7 for rate in rates),
        "by_kind": {k: agreement(a[kinds == i], b[kinds == i]) for i, k in enumerate(KINDS)},
        "disagreements": {
            "held_by_a_only": {"trials": int((a & ~b).sum()), "b_failed_at": _failures(arrays, "b", a & ~b)},
            "held_by_b_only": {"trials": int((~a & b).sum()), "a_failed_at": _failures(arrays, "a", ~a & b)},
            "both_failed": {"a": _failures(arrays, "a", ~a & ~b), "b": _failures(arrays, "b", ~a & ~b)},
        },
        "per_object": sorted(per_object, key=lambda r: (-r["disagreements"], r["object"])),
        "random_poses_only": sorted(random_only),
    }


def draw_disagreements(loaded: Loaded, objects_dir: Path, out_dir: Path, count: int) -> list[Path]:
    """PNGs of the ``count`` objects with the most disagreeing trials: held by a only green, by b only red."""
    from dexgen.records.grippers import gripper_from_record
    from dexgen.sim.pictures import render_trials

    ranked = []
    for path, arrays, meta in loaded:
        diff = arrays["a_success"] != arrays["b_success"]
        if diff.any():
            ranked.append((-int(diff.sum()), meta["object"], path, arrays, meta))
    written = []
    for _, key, path, arrays, meta in sorted(ranked, key=lambda r: r[:2])[:count]:
        diff = arrays["a_success"] != arrays["b_success"]
        shard = Path(objects_dir) / meta["shard"] if meta["shard"] else Path(objects_dir)
        record = next(r for r in read_index(shard) if r.key == key)
        out = out_dir / f"{path.stem}.png"
        engines = meta["engines"]
        render_trials(
            out,
            load_object_mesh(shard, record),
            gripper_from_record(meta["gripper"], where=str(path)),
            arrays["poses"][diff],
            arrays["openings"][diff],
            arrays["a_success"][diff],
            title=f"{key}: {int(diff.sum())} of {len(diff)} trials disagree",
            legend=f"green: held on a ({engines['a']}) only; red: held on b ({engines['b']}) only",
        )
        written.append(out)
    return written


def compare_with_params(
    objects_dir: str | Path,
    guesses_dir: str | Path,
    out_dir: str | Path,
    metrics: str | Path,
    *,
    sim: SimConfig,
    config: SimCompareConfig,
    seed: int,
    clearance: float,
    cache_dir: str | Path | None,
    pictures: str | Path | None = None,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """:func:`compare_engines` for ``sim`` changed by ``config.a`` and ``config.b``: the stage's call and
    ``dexgen sim-compare``'s, one place."""
    a, b = engines(sim, config)
    return compare_engines(
        objects_dir,
        guesses_dir,
        out_dir,
        metrics,
        a=a,
        b=b,
        config=config,
        seed=seed,
        clearance=clearance,
        cache_dir=cache_dir,
        pictures=pictures,
        cluster=cluster,
        progress=progress,
    )


def compare_engines(
    objects_dir: str | Path,
    guesses_dir: str | Path,
    out_dir: str | Path,
    metrics: str | Path,
    *,
    a: SimConfig,
    b: SimConfig,
    config: SimCompareConfig,
    seed: int,
    clearance: float,
    cache_dir: str | Path | None,
    pictures: str | Path | None = None,
    cluster: ClusterConfig | None = None,
    progress: bool = True,
) -> dict[str, Any]:
    """Bring every object's comparison up to date under ``out_dir``, write the report to ``metrics`` (JSON)
    and pictures under ``pictures``; returns the report."""
    objects_dir, out_dir = Path(objects_dir), Path(out_dir)
    owned = RecordFolder(out_dir, ("sim_compare",))
    check_out_dir(out_dir, owned, inputs={"objects": objects_dir, "guesses": guesses_dir})
    shown = _shown_pictures(Path(pictures)) if pictures is not None else frozenset()
    if pictures is not None:
        check_out_dir(pictures, lambda p: p.name == INDEX or p.name in shown)
    units = compare_units(
        objects_dir, Path(guesses_dir), out_dir, a=a, b=b, cfg=config, seed=seed, clearance=clearance
    )
    make_dir(out_dir)
    prune(out_dir, [u.output.stem for u in units], owned=owned)
    work = CompareWork(
        a, b, config, seed=seed, clearance=clearance, cache_dir=Path(cache_dir) if cache_dir else None
    )
    run_units(
        units, work, desc="sim_compare", cluster=cluster, count=lambda m: 2 * m["trials"], progress=progress
    )
    loaded = load([u.output for u in units])
    engines = {"a": engine_name(a), "b": engine_name(b)}
    result = report(loaded, engines)
    result["config"] = {"a": config.a, "b": config.b, **_hashed(config), "seed": int(seed)}
    write_json(metrics, result)
    if pictures is not None:
        pictures = Path(pictures)
        make_dir(pictures)
        drawn = draw_disagreements(loaded, objects_dir, pictures, config.max_pictures)
        prune(pictures, [p.stem for p in drawn], patterns=("*.png",), owned=lambda p: p.name in shown)
        write_json(pictures / INDEX, {"engines": engines, "pictures": [p.name for p in drawn]})
    if not result["balanced"]:
        log.warning(
            "%s: success rates %s / %s are not both within 30-70 %%: agreement says little about the "
            "engines' boundary; adjust sim_compare.mix or near_miss_*",
            metrics,
            result["success_rate_a"],
            result["success_rate_b"],
        )
    return result


def keep_last(metrics: str | Path, pictures: str | Path, out_dir: str | Path) -> None:
    """The disabled stage: keep the last enabled run's report, pictures and per-object files as they are
    (DVC outputs with ``persist``), creating what is missing so the stage's outputs exist."""
    metrics, pictures = Path(metrics), Path(pictures)
    pictures.mkdir(parents=True, exist_ok=True)
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    if not (pictures / INDEX).exists():  # a folder git keeps (an empty one would not reach a fresh clone)
        write_json(pictures / INDEX, {"engines": None, "pictures": []})
    if metrics.exists():
        log.info("sim_compare.enabled is false: %s is kept from its last enabled run", metrics)
        return
    write_json(
        metrics, {"enabled": False, "how": "dvc exp run -S sim_compare.enabled=true, or dexgen sim-compare"}
    )


def _shown_pictures(pictures: Path) -> frozenset[str]:
    """The PNG names our last run listed in the pictures folder's index: pictures carry no metadata,
    so that list is what makes one ours (and a user's PNG beside them is never removed)."""
    try:
        value = json.loads((pictures / INDEX).read_bytes())
        return frozenset(str(name) for name in value["pictures"])
    except (OSError, ValueError, KeyError, TypeError):
        return frozenset()
