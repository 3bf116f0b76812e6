"""Where the pipeline keeps things: every path derived from params, in one place.

``dvc.yaml`` spells these paths in its stage commands (a test checks that it spells exactly these);
the ``dexgen`` commands use them as defaults, so a command run by hand reads and writes what the
stage would. Scratch folders (git- and DVC-ignored, safe to delete) are under ``.dexgen/``.
"""

from __future__ import annotations

from pathlib import Path

from dexgen.params.dexnet import DexnetConfig
from dexgen.records.objects import shard_dirname

DATA = Path("data")
OBJECTS = DATA / "objects"
CACHE = DATA / "cache"  # downloads, per-object processing, convex decompositions, synthesis (resume)
GUESSES = DATA / "guesses"
SIM = DATA / "sim"
SIM_COMPARE = DATA / "sim_compare"  # per-object results of both engines
GRASPGEN = DATA / "graspgen"
DEXNET = DATA / "dexnet"
METRICS = Path("metrics")
MODELS = Path("models")
RESULTS = Path("results")
OBJECTS_REPORT = METRICS / "objects.json"
GUESS_REPORT = METRICS / "guess.json"
GUESS_PICTURES = METRICS / "guess"  # the worst-covered objects
SIM_REPORT = METRICS / "sim.json"
SIM_COMPARE_METRICS = METRICS / "sim_compare.json"
SIM_COMPARE_PICTURES = METRICS / "sim_compare"
SCRATCH = Path(".dexgen")
PACKED = SCRATCH / "packed"  # packed memmap copies of Dex-Net datasets (the fast loader)
ANALYSIS = Path("analysis")  # `dexgen analyze` reports, one folder per model
GRIPPER_CHECK = Path("gripper_check")  # `dexgen gripper check` pictures and pages


def objects_shard(shard: str) -> Path:
    return OBJECTS / shard_dirname(shard)


def guesses_shard(shard: str) -> Path:
    return GUESSES / shard_dirname(shard)


def sim_shard(shard: str) -> Path:
    return SIM / shard_dirname(shard)


def dexnet_dataset(dexnet: DexnetConfig, task: str) -> Path:
    """The Dex-Net tensors folder ``train@<task>`` reads: ``data/dexnet/<dexnet.source>/<task>``."""
    return DEXNET / dexnet.source / task


def model_dir(task: str) -> Path:
    return MODELS / task


def fc_model_dir(task: str) -> Path:
    return MODELS / f"{task}-fc"


def train_live_dir(task: str) -> Path:
    return METRICS / task / "train"


def eval_metrics(task: str) -> Path:
    return METRICS / task / "eval.json"


def eval_live_dir(task: str) -> Path:
    return METRICS / task / "eval"


def eval_pictures(task: str) -> Path:
    return RESULTS / task / "evaluate"


def convert_metrics(task: str) -> Path:
    return METRICS / task / "convert.json"


def resume_dir(task: str) -> Path:
    """Per-epoch resume checkpoints of ``train@<task>`` (scratch: DVC deletes declared outputs before a
    stage re-runs, so resume state cannot live in ``models/``)."""
    return SCRATCH / "resume" / task
