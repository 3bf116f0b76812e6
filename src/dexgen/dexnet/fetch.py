"""The published Dex-Net 2.0 / 3.0 datasets: pinned archives, resumable download, safe extraction, checks.

No checksums or sizes were ever published and the original Box links have died more than once
(``dexnet.md`` §12), so ``params.yaml: dexnet.download`` pins a URL and a sha256 per task. A task whose
sha256 is null is refused with a message saying how to pin one: we never trust an unpinned download.
After extraction the dataset is checked the way the reference advises: the fields the task needs are
present with the published per-row shapes, every field has the same contiguous files with the same
row counts (:class:`~dexgen.dexnet.tensors.TensorsIndex`), the file count is the expected one when
known, and the positive rate on a sample of files is in the expected range.

``dexnet.source`` (``synth`` or ``download``) picks which one ``train@<task>`` reads; the typed config
is :mod:`dexgen.params.dexnet`.
"""

from __future__ import annotations

import logging
import os
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from dexgen.atomic import write_json
from dexgen.dexnet.fields import task_spec
from dexgen.dexnet.tensors import TensorsIndex
from dexgen.errors import ConfigError, InputError
from dexgen.fetch.archive import SUFFIXES, extract
from dexgen.fetch.download import download
from dexgen.params.dexnet import ArchiveConfig, DownloadConfig

log = logging.getLogger(__name__)


def _archive_name(task: str, url: str) -> str:
    """Local file name keeping the archive type; Box's 3.0 link ends in ``.gz`` but is a tar.gz."""
    name = url.rstrip("/").rsplit("/", 1)[-1].lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return f"{task}{suffix}"
    if name.endswith(".gz"):
        return f"{task}.tar.gz"
    raise ConfigError(
        f"dexnet.download.{task}.url: {url} does not end in one of {', '.join(SUFFIXES)} or .gz"
    )


def check_zip_complete(archive: Path) -> None:
    """Refuse a truncated .zip that still opens: its members are .npz files, themselves zips, so a zip
    cut short can end inside one and the reader then sees only that inner npz (its first member starts
    past offset 0). Raises InputError naming the archive."""
    if archive.suffix.lower() != ".zip":
        return
    try:
        with zipfile.ZipFile(archive) as zf:
            first = min((info.header_offset for info in zf.infolist()), default=0)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"{archive}: not a readable zip archive ({exc})") from None
    if first != 0:
        raise InputError(
            f"{archive}: truncated or corrupt zip (its directory lists members starting at byte {first}, "
            "not 0); delete it and fetch again"
        )


def validate(root: str | Path, task: str, cfg: ArchiveConfig) -> dict[str, Any]:
    """Check the tensors dataset at ``root`` for ``task``; returns counts and the sampled positive rate.

    Raises InputError naming the folder and what is wrong (a missing field, a shape, a file count, a rate).
    """
    spec = task_spec(task)
    needed = ["depth_ims_tf_table", "hand_poses", spec.metric_field]
    index = TensorsIndex(root, needed)
    for name in needed:
        want = spec.fields[name].shape
        if index.shapes[name] != want:
            raise InputError(f"{root}: field {name} has rows of shape {index.shapes[name]}, expected {want}")
    n_files = len(index.rows)
    if cfg.expected_files is not None and n_files != cfg.expected_files:
        raise InputError(f"{root}: {n_files} files per field, expected {cfg.expected_files}")
    picks = np.unique(np.linspace(0, n_files - 1, min(cfg.rate_sample_files, n_files)).round().astype(int))
    metric = np.concatenate([index.read_file(spec.metric_field, int(i)) for i in picks])
    threshold = spec.threshold if cfg.threshold is None else cfg.threshold
    rate = float((metric > threshold).mean()) if len(metric) else 0.0
    lo, hi = cfg.positive_rate
    if not lo <= rate <= hi:
        raise InputError(
            f"{root}: positive rate {rate:.3f} ({spec.metric_field} > {threshold} on {len(picks)} files) is "
            f"outside the expected [{lo}, {hi}]; wrong dataset or wrong threshold?"
        )
    return {
        "num_files": n_files,
        "num_datapoints": index.num_datapoints,
        "shapes": {k: list(v) for k, v in index.shapes.items()},
        "dtypes": {k: str(v) for k, v in index.dtypes.items()},
        "sampled_positive_rate": round(rate, 4),
        "threshold": threshold,
    }


def fetch_task(
    task: str, cfg: ArchiveConfig, out_dir: str | Path, *, cache_dir: str | Path, progress: bool = True
) -> dict:
    """Download (resumable), check and extract the archive of ``task`` into ``<out_dir>/<task>/``.

    The archive stays in ``cache_dir`` (a re-run with the same sha256 does not fetch again). Extraction
    goes to a hidden sibling; only a dataset that passes :func:`validate` replaces ``<out_dir>/<task>``.
    """
    where = f"dexnet.download.{task}"
    if not cfg.url:
        raise ConfigError(f"{where}.url is null; set it to the archive's URL (or a local path)")
    if not cfg.sha256:
        raise ConfigError(
            f"{where}.sha256 is null: dexgen only fetches pinned archives, and no checksum was ever published "
            f"for {cfg.url}. Download it once yourself, run `sha256sum` on it and put the digest in "
            f"params.yaml ({where}.sha256), or set dexnet.source: synth to train on synthesized data"
        )
    archive = download(
        cfg.url, Path(cache_dir) / _archive_name(task, cfg.url), sha256=cfg.sha256, progress=progress
    )
    out_dir = Path(out_dir)
    staging = out_dir / f".{task}.extract"
    check_zip_complete(archive)
    extract(archive, staging)
    try:
        root = staging / cfg.archive_root if cfg.archive_root else staging
        if not (root / "tensors").is_dir():
            found = sorted(str(p.parent.relative_to(staging)) for p in staging.rglob("tensors") if p.is_dir())
            raise InputError(
                f"{archive}: no tensors/ folder under archive_root {cfg.archive_root!r}; "
                f"tensors/ folders in the archive: {found or 'none'}"
            )
        report = validate(root, task, cfg)
        target = out_dir / task
        if target.exists():
            shutil.rmtree(target)
        os.replace(root, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    report.update(url=cfg.url, sha256=cfg.sha256)
    write_json(out_dir / task / "fetch.json", report)
    log.info(
        "%s: %d datapoints in %d files, positive rate %.3f",
        target,
        report["num_datapoints"],
        report["num_files"],
        report["sampled_positive_rate"],
    )
    return report


def fetch_all(
    source: str, cfg: DownloadConfig, out_dir: str | Path, *, cache_dir: str | Path, progress: bool = True
) -> dict[str, Any]:
    """The ``fetch_dexnet`` stage: every task of ``cfg.tasks`` when ``source`` is ``download``.

    With ``source: synth`` nothing is fetched (no network in the default pipeline): ``<out_dir>`` gets
    only ``SKIPPED.json`` saying so, and training reads the synthesized data.
    """
    out_dir = Path(out_dir)
    if source != "download":
        out_dir.mkdir(parents=True, exist_ok=True)
        note = {"skipped": True, "reason": "dexnet.source is 'synth'; set it to 'download' to fetch"}
        write_json(out_dir / "SKIPPED.json", note)
        return note
    skipped = out_dir / "SKIPPED.json"
    if skipped.exists():
        skipped.unlink()
    return {
        task: fetch_task(task, cfg.archive(task), out_dir, cache_dir=cache_dir, progress=progress)
        for task in cfg.tasks
    }
