"""Build the object set: resolve the source, process each mesh, write the sharded layout.

Processing runs on the per-object runner (:mod:`dexgen.runner`) and is cached per object under
``cache_dir``, keyed on everything that decides the result (source bytes, scale, bounds, code
version), so an interrupted or repeated run redoes only the objects that are new or changed. The
output folder is replaced atomically at the end, and only when it holds nothing but an object set we
wrote (:class:`ObjectSetFolder`): a user's file in it, or the source meshes themselves, stop the build
before any work.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import shutil
from pathlib import Path
from typing import Any

import trimesh

from dexgen import __version__, atomic
from dexgen.codebase import code_hash
from dexgen.config import to_mapping
from dexgen.errors import InputError
from dexgen.hashing import sha256_bytes, sha256_file, stable_hash
from dexgen.listing import first_n
from dexgen.objects import procedural
from dexgen.objects.loading import check_faces, load_object_mesh, read_mesh, repair_mesh, volume_of
from dexgen.objects.scales import read_scales
from dexgen.objects.shards import shard_of
from dexgen.params.objects import ObjectsConfig
from dexgen.records.objects import FORMAT_VERSION, INDEX, ObjectRecord, shard_dirname
from dexgen.runner import Unit, UnitWork, run_units

log = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class _Job:
    """One object to process: where it comes from and everything its result depends on."""

    key: str
    source: str
    scale: float
    source_sha256: str
    path: Path | None = None  # directory / url sources
    kind: str | None = None  # builtin


def resolve_jobs(cfg: ObjectsConfig, *, seed: int, cache_dir: Path) -> list[_Job]:
    """The objects ``cfg`` names, sorted by key; for ``url`` this downloads and extracts."""
    if cfg.source == "builtin":
        jobs = []
        for key, kind in procedural.procedural_keys(cfg.count, cfg.kinds):
            recipe = {"kind": kind, "key": key, "seed": seed, "size_range": cfg.size_range, "v": __version__}
            jobs.append(
                _Job(key=key, source="builtin", scale=1.0, source_sha256=stable_hash(recipe), kind=kind)
            )
        return jobs
    if cfg.source == "directory":
        root, scales_json = Path(cfg.object_dataset), Path(cfg.object_scales_json)
    else:
        root, scales_json = _fetch_archive(cfg, cache_dir)
    scales = read_scales(scales_json, root, follow_symlinks=cfg.follow_symlinks)
    return [
        _Job(key=k, source=cfg.source, scale=s, source_sha256=sha256_file(root / k), path=root / k)
        for k, s in scales.items()
    ]


def _fetch_archive(cfg: ObjectsConfig, cache_dir: Path) -> tuple[Path, Path]:
    from dexgen.fetch.archive import extract
    from dexgen.fetch.download import download

    name = re.sub(r"[^A-Za-z0-9._-]", "_", cfg.url.rsplit("/", 1)[-1]) or "archive"
    archive = download(cfg.url, cache_dir / "downloads" / f"{cfg.sha256[:16]}-{name}", sha256=cfg.sha256)
    target = cache_dir / "archives" / cfg.sha256
    if not (target / ".complete").is_file():
        extract(archive, target)
        (target / ".complete").write_text(cfg.sha256 + "\n")
    root, scales_json = target / cfg.archive_root, target / cfg.archive_scales_json
    for name, path in (("archive_root", root), ("archive_scales_json", scales_json)):
        if not path.resolve().is_relative_to(target.resolve()):
            raise InputError(f"objects.{name} '{path.relative_to(target)}' escapes the extracted archive")
    return root, scales_json


def _cache_paths(job: _Job, cfg: ObjectsConfig, cache_dir: Path) -> tuple[Path, Path]:
    """(record fields JSON, PLY) of ``job`` in the cache, named by a hash of everything that decides them."""
    code = code_hash(__name__)  # a changed mesh pipeline reprocesses, never reuses
    cache_key = stable_hash(
        {
            "job": dataclasses.asdict(job) | {"path": None},
            "bounds": cfg.bounds,
            "max_faces": cfg.max_faces,  # a lower limit must not reuse a mesh it refuses
            "code": code,
        }
    )
    return cache_dir / "objects" / f"{cache_key}.json", cache_dir / "objects" / f"{cache_key}.ply"


def cached_object(unit: Unit) -> dict[str, Any] | None:
    """The runner's reader: the cached fields of an object whose inputs are unchanged (and whose PLY is whole)."""
    cached_json, cached_ply = unit.output, unit.extra_outputs[0]
    if not (cached_json.is_file() and cached_ply.is_file()):
        return None
    fields = json.loads(cached_json.read_text())
    return {"fields": fields} if sha256_file(cached_ply) == fields.get("mesh_sha256") else None


@dataclasses.dataclass(frozen=True)
class ObjectWork(UnitWork):
    """Load (or generate), repair and scale one object into the cache. A bad mesh is reported, not
    raised: ``on_bad_mesh`` decides after every object has been tried."""

    cfg: ObjectsConfig
    seed: int

    def __call__(self, unit: Unit) -> dict[str, Any]:
        (job,) = unit.args
        try:
            fields, data = _process(job, self.cfg, self.seed)
        except InputError as exc:
            return {"error": str(exc)}
        atomic.write_bytes(unit.extra_outputs[0], data)
        atomic.write_json(unit.output, fields)
        return {"fields": fields}


def _process(job: _Job, cfg: ObjectsConfig, seed: int) -> tuple[dict[str, Any], bytes]:
    """(record fields, PLY bytes) of one object."""
    if job.source == "builtin":
        raw = procedural.make_object(job.kind, job.key, seed=seed, size_range=cfg.size_range)
        name = f"builtin:{job.key}"
    else:
        raw = read_mesh(job.path)
        name = str(job.path)
    check_faces(raw, max_faces=cfg.max_faces, name=name)
    mesh, repairs = repair_mesh(raw, scale=job.scale, bounds=cfg.bounds, name=name)
    data = mesh.export(file_type="ply")
    # Report on the mesh as stored (float32 PLY), which is what every later stage reads.
    stored = trimesh.load(trimesh.util.wrap_as_stream(data), file_type="ply", process=False)
    fields = {
        "key": job.key,
        "scale": job.scale,
        "source": job.source,
        "source_sha256": job.source_sha256,
        "mesh_sha256": sha256_bytes(data),
        "watertight": bool(stored.is_watertight),
        "volume": volume_of(stored),
        "extents": [float(x) for x in stored.extents],
        "faces": len(stored.faces),
        "repairs": repairs,
    }
    return fields, data


def mesh_filename(key: str) -> str:
    """A readable, collision-free file name for ``key`` inside its shard folder."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", Path(key).stem)[:60]
    return f"{stem}-{sha256_bytes(key.encode())[:8]}.ply"


def build_object_set(
    cfg: ObjectsConfig,
    *,
    seed: int,
    out_dir: str | Path,
    cache_dir: str | Path,
    report_path: str | Path | None = None,
    preview_path: str | Path | None = None,
) -> dict[str, Any]:
    """Write the object set to ``out_dir`` (see :mod:`dexgen.records.objects`); return the report."""
    out_dir, cache_dir = Path(out_dir), Path(cache_dir)
    sources = {
        "objects.object_dataset": cfg.object_dataset,
        "objects.object_scales_json": cfg.object_scales_json,
    }
    atomic.check_replace_dir(
        out_dir, ObjectSetFolder(out_dir), inputs=sources if cfg.source == "directory" else None
    )
    jobs = resolve_jobs(cfg, seed=seed, cache_dir=cache_dir)
    units = []
    for job in jobs:
        cached_json, cached_ply = _cache_paths(job, cfg, cache_dir)
        units.append(Unit(job.key, cached_json, {}, (job,), (cached_ply,)))
    work = ObjectWork(cfg, seed)
    metas = run_units(units, work, reader=cached_object, desc="objects", workers=cfg.workers).metas
    results, errors = {}, {}
    for unit in units:
        meta = metas[unit.key]
        if "error" in meta:
            errors[unit.key] = meta["error"]
        else:
            results[unit.key] = (meta["fields"], unit.extra_outputs[0].read_bytes())
    _check_refusals(errors, len(jobs), cfg)
    records = _write_layout(cfg, results, out_dir)
    report = _report(cfg, records, errors)
    if report_path is not None:
        atomic.write_json(report_path, report)
    if preview_path is not None:
        from dexgen.objects.preview import contact_sheet

        items = [
            (r.key, load_object_mesh(out_dir / shard_dirname(r.shard), r)) for r in records[: cfg.preview_max]
        ]
        contact_sheet(items, preview_path)
    return report


def _check_refusals(errors: dict[str, str], total: int, cfg: ObjectsConfig) -> None:
    """Stop on bad meshes (``on_bad_mesh: error``), or report them and stop past ``max_skipped_fraction``."""
    if cfg.on_bad_mesh == "skip":
        for key in sorted(errors):
            log.warning("skipping %s", errors[key])
    if errors and cfg.on_bad_mesh == "error":
        hint = "; set objects.on_bad_mesh: skip to leave bad meshes out" if total > 1 else ""
        raise InputError(
            f"{len(errors)} of {total} objects refused{hint}:\n  "
            + first_n((errors[k] for k in sorted(errors)), sep="\n  ")
        )
    if total and len(errors) / total > cfg.max_skipped_fraction:
        raise InputError(
            f"{len(errors)} of {total} objects refused, more than objects.max_skipped_fraction="
            f"{cfg.max_skipped_fraction}; first: {errors[sorted(errors)[0]]}"
        )


def _write_layout(cfg: ObjectsConfig, results: dict, out_dir: Path) -> list[ObjectRecord]:
    records = []
    with atomic.replace_dir(out_dir, owned=ObjectSetFolder(out_dir)) as tmp:
        for shard in cfg.shards:
            (tmp / shard_dirname(shard)).mkdir()
        for key in sorted(results):
            fields, data = results[key]
            shard = shard_of(key, cfg.shards)
            record = ObjectRecord.from_json(fields | {"shard": shard, "mesh": mesh_filename(key)})
            (tmp / shard_dirname(shard) / record.mesh).write_bytes(data)
            records.append(record)
        header = {"format_version": FORMAT_VERSION, "shards": list(cfg.shards), "config": content_config(cfg)}
        for shard in cfg.shards:
            mine = [r.to_json() for r in records if r.shard == shard]
            _dump(tmp / shard_dirname(shard) / INDEX, header | {"shard": shard, "objects": mine})
        _dump(tmp / INDEX, header | {"objects": [r.to_json() for r in records]})
    return records


@dataclasses.dataclass(frozen=True)
class ObjectSetFolder:
    """Ownership of an object set folder (:func:`_write_layout`): the top ``index.json``, the shard
    folders, each shard's ``index.json`` and the meshes it lists. The indexes are our metadata (format
    version and object list); a mesh no index lists, or any other file, is someone else's."""

    root: Path
    _meshes: dict = dataclasses.field(default_factory=dict, compare=False)

    def __call__(self, path: Path) -> bool:
        parts = path.relative_to(self.root).parts
        if parts == (INDEX,):
            return _listed_meshes(path) is not None
        if len(parts) == 1:
            return path.is_dir() and self._shard_meshes(parts[0]) is not None
        listed = self._shard_meshes(parts[0])
        return len(parts) == 2 and listed is not None and (parts[1] == INDEX or parts[1] in listed)

    def _shard_meshes(self, shard_dir: str) -> frozenset[str] | None:
        if shard_dir not in self._meshes:
            self._meshes[shard_dir] = _listed_meshes(self.root / shard_dir / INDEX)
        return self._meshes[shard_dir]


def _listed_meshes(index: Path) -> frozenset[str] | None:
    """The mesh file names an object index we wrote lists; None when ``index`` is not one."""
    try:
        value = json.loads(index.read_bytes())
        if value["format_version"] == FORMAT_VERSION and isinstance(value["objects"], list):
            return frozenset(str(o["mesh"]) for o in value["objects"])
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return None


def content_config(cfg: ObjectsConfig) -> dict[str, Any]:
    """The config values that decide the set's content: not worker counts, not local paths.

    Sources are identified by their keys and content hashes in the records instead of paths, so the
    same meshes give the same files on any machine.
    """
    # max_faces refuses a mesh or not: the set it accepts is the same whatever the limit
    skip = {"workers", "preview_max", "object_dataset", "object_scales_json", "follow_symlinks", "max_faces"}
    return {k: v for k, v in to_mapping(cfg).items() if k not in skip}


def _dump(path: Path, value: dict) -> None:
    path.write_text(json.dumps(value, indent=1, sort_keys=True) + "\n")


def _report(cfg: ObjectsConfig, records: list[ObjectRecord], errors: dict[str, str]) -> dict[str, Any]:
    per_shard = {s: sum(r.shard == s for r in records) for s in cfg.shards}
    return {
        "count": len(records),
        "skipped": len(errors),
        "watertight": sum(r.watertight for r in records),
        "faces_total": sum(r.faces for r in records),
        "per_shard": per_shard,
        "objects": [
            {
                "key": r.key,
                "shard": r.shard,
                "watertight": r.watertight,
                "volume_cm3": round(r.volume * 1e6, 4),
                "extents_mm": [round(1000 * e, 2) for e in r.extents],
                "faces": r.faces,
                "mesh_sha256": r.mesh_sha256,
                "repairs": r.repairs,
            }
            for r in records
        ],
        "skipped_objects": [{"key": k, "reason": errors[k]} for k in sorted(errors)],
    }


def clear_cache(cache_dir: str | Path) -> None:
    """Remove the per-object processing cache (the next build reprocesses everything)."""
    shutil.rmtree(Path(cache_dir) / "objects", ignore_errors=True)
