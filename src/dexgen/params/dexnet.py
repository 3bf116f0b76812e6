"""Typed config of the Dex-Net datasets (``params.yaml: dexnet``): which source training reads, how the
synthesized sets are made (:mod:`dexgen.params.synth`) and where the published ones come from.

Declarations only: every stage reads the params tree, so this module stays light.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Literal

from dexgen.params.synth import SynthConfig
from dexgen.params.tasks import TASK_NAMES, TaskName


@dataclasses.dataclass(frozen=True)
class ArchiveConfig:
    """One published dataset archive (``dexnet.download.<task>``)."""

    url: str | None = None  # .zip, .tar.gz/.tgz or .tar; http(s), file:// or a local path
    sha256: str | None = None  # pinned hex digest of the archive; null = refuse to fetch
    # folder inside the archive that holds tensors/ (2.0: dexnet_2_tensor; 3.0: dexnet_3/dexnet_09_13_17)
    archive_root: str = ""
    expected_files: int | None = None  # files per field (2.0: 6729; 3.0: ~2761, unknown exactly); null = any
    positive_rate: tuple[float, float] = (0.0, 1.0)  # accepted range of metric > threshold on the sample
    threshold: float | None = None  # label threshold; null = the task's published one (0.002 / 0.2)
    rate_sample_files: int = 20  # files read (evenly spaced) to estimate the positive rate

    def __post_init__(self) -> None:
        lo, hi = self.positive_rate
        if not 0 <= lo <= hi <= 1:
            raise ValueError(
                f"positive_rate must satisfy 0 <= min <= max <= 1, got {list(self.positive_rate)}"
            )
        if self.expected_files is not None and self.expected_files < 1:
            raise ValueError(f"expected_files must be >= 1 or null, got {self.expected_files}")
        if self.rate_sample_files < 1:
            raise ValueError(f"rate_sample_files must be >= 1, got {self.rate_sample_files}")
        if self.archive_root.startswith("/") or ".." in Path(self.archive_root).parts:
            raise ValueError(
                f"archive_root must be a relative path inside the archive, got {self.archive_root!r}"
            )


def _parallel_jaw() -> ArchiveConfig:
    return ArchiveConfig(
        url="https://berkeley.box.com/shared/static/15oid8m9q6n9cvr8og4vm37bwghjjslp.zip",
        archive_root="dexnet_2_tensor",
        expected_files=6729,
        positive_rate=(0.15, 0.28),
    )


def _suction() -> ArchiveConfig:
    return ArchiveConfig(
        url="https://berkeley.box.com/shared/static/wd5s51f1n786i71t8dufckec0262za4f.gz",
        archive_root="dexnet_3/dexnet_09_13_17",
        positive_rate=(0.07, 0.17),
    )


@dataclasses.dataclass(frozen=True)
class DownloadConfig:
    """``params.yaml: dexnet.download``."""

    tasks: tuple[TaskName, ...] = TASK_NAMES
    parallel_jaw: ArchiveConfig = dataclasses.field(default_factory=_parallel_jaw)
    suction: ArchiveConfig = dataclasses.field(default_factory=_suction)

    def archive(self, task: str) -> ArchiveConfig:
        """The archive of ``task`` (params keyed by task: ``dexnet.download.<task>``)."""
        return getattr(self, task)


@dataclasses.dataclass(frozen=True)
class DexnetConfig:
    """``params.yaml: dexnet``."""

    # what train@task reads: synth (made here from our objects, no network) | download (published)
    source: Literal["synth", "download"] = "synth"
    synth: SynthConfig = SynthConfig()
    download: DownloadConfig = DownloadConfig()
