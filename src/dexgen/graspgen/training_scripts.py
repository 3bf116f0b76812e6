"""GraspGen's training scripts for a dataset we wrote: ``runs/train_graspgen_<gripper>_{gen,dis}.sh``.

The scripts are GraspGen's own (``runs/train_graspgen_robotiq_2f_140_{gen,dis}.sh``, graspgen-format.md
§11): the same variables, the same ``train_graspgen.py`` overrides, the same log, cache and Docker mount
paths (``/object_dataset``, ``/grasp_dataset``, ``/code``, ``/results``). What GraspDataGen users edit
by hand is computed from the written data instead, and a comment header says where each value came from:

- ``GRIPPER_NAME``: the gripper the data was made with;
- ``NOISE_SCALE``: kappa = 1 / mean extent of the positive translations of the written grasps (§14.9);
  a wrong kappa trains a useless generator;
- ``RATIO``: seven entries summing to 1 (five raise ``IndexError`` in GraspGen). We have no on-generator
  data, so GraspGen folds the two on-policy shares into the true positives and negatives: with true
  negatives in the data this is GraspDataGen's advice ``[0.25,0.25,0,0,0,0.25,0.25]`` (half positives,
  half negatives); without any, the negative half comes from GraspGen's synthetic hard negatives, which
  our real gripper collision mesh makes possible (GraspDataGen writes an empty one);
- ``NUM_GRASPS_PER_OBJ``: GraspGen draws this many grasps per object with replacement; we set it to the
  median number the split objects hold (positives for the generator, all grasps for the discriminator),
  at most GraspGen's 500 / 300, so a batch is not the same few grasps repeated (objects under the median
  repeat some);
- ``SAVE_FREQ``: a divisor of ``NEPOCH`` (so the last epoch is saved, unlike GraspGen's 2000 of 5000)
  giving a checkpoint about every 100,000 object passes: GraspGen's 8,515 objects save every 10 epochs,
  a 50-object set every 2,000.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from statistics import median

from dexgen.atomic import write_text

log = logging.getLogger(__name__)

NEPOCH = 5000  # GraspGen's scripts
GEN_GRASPS, DIS_GRASPS = 500, 300  # GraspGen's NUM_GRASPS_PER_OBJ for the generator / discriminator
OBJECT_PASSES_PER_CHECKPOINT = 100_000
RATIO_NAMES = (
    "pos_true",
    "neg_true",
    "neg_hncolliding",
    "neg_freespace",
    "neg_hnretract",
    "pos_true_onpolicy",
    "neg_true_onpolicy",
)
RATIO_WITH_NEGATIVES = (0.25, 0.25, 0.0, 0.0, 0.0, 0.25, 0.25)  # GraspDataGen's advice
RATIO_WITHOUT_NEGATIVES = (0.25, 0.0, 0.40, 0.10, 0.0, 0.25, 0.0)  # half positives, half synthetic negatives
# GraspGen's suction tutorial (tutorials/tutorial_train_dis.sh): no colliding hard negatives, 1 % free space
RATIO_SUCTION = (0.25, 0.24, 0.0, 0.01, 0.0, 0.25, 0.25)
# GraspGen's suction tutorial trains both models on a PointTransformerV3 backbone, 3500 points for the generator
SUCTION_BACKBONE, SUCTION_GEN_POINTS = "ptv3", 3500


@dataclasses.dataclass(frozen=True)
class DatasetFacts:
    """What the scripts are computed from: the written data of one gripper.

    positives / grasps : per split object, its positive and total grasp counts; kappa : GraspGen's
    translation normalisation of these grasps; train_objects : objects in ``train.txt``.
    """

    gripper: str
    kappa: float
    train_objects: int
    positives: tuple[int, ...]
    grasps: tuple[int, ...]
    suction: bool = False  # a suction gripper: GraspGen's suction tutorial values


@dataclasses.dataclass(frozen=True)
class ScriptValues:
    gripper: str
    noise_scale: float
    ratio: tuple[float, ...]
    gen_grasps: int
    dis_grasps: int
    save_freq: int
    reasons: tuple[str, ...]
    backbone: str = "pointnet"
    gen_points: int = 2048


def _save_freq(train_objects: int) -> int:
    target = max(10, OBJECT_PASSES_PER_CHECKPOINT // max(train_objects, 1))
    return max(d for d in range(1, NEPOCH + 1) if NEPOCH % d == 0 and d <= target)


def script_values(facts: DatasetFacts) -> ScriptValues:
    """The computed variables and, per variable, the reason written into the scripts' header."""
    if not facts.positives or facts.kappa <= 0:
        raise ValueError(f"{facts.gripper}: no positive grasps in the splits; nothing to train on")
    has_negatives = any(g > p for p, g in zip(facts.positives, facts.grasps))
    ratio = RATIO_WITH_NEGATIVES if has_negatives else RATIO_WITHOUT_NEGATIVES
    if facts.suction and has_negatives:
        ratio = RATIO_SUCTION
    gen = min(GEN_GRASPS, max(1, int(median(facts.positives))))
    dis = min(DIS_GRASPS, max(1, int(median(facts.grasps))))
    save = _save_freq(facts.train_objects)
    n = len(facts.positives)
    reasons = (
        "GRIPPER_NAME: the gripper the data was made with",
        f"NOISE_SCALE: kappa = 1 / mean extent of the positive translations of the {n} split objects' grasps",
        "RATIO: "
        + (
            "suction, true negatives present: GraspGen's suction tutorial [0.25,0.24,0,0.01,0,0.25,0.25]"
            if facts.suction and has_negatives
            else "true negatives present, no on-generator data: GraspDataGen's [0.25,0.25,0,0,0,0.25,0.25]"
            if has_negatives
            else "no true negatives: the negative half from synthetic colliding (0.40) and free-space (0.10) poses"
        ),
        f"NUM_GRASPS_PER_OBJ: the median grasps per object (gen: {gen} positives, dis: {dis} grasps), "
        f"at most GraspGen's {GEN_GRASPS} / {DIS_GRASPS}",
        f"SAVE_FREQ: divides NEPOCH={NEPOCH}; about {OBJECT_PASSES_PER_CHECKPOINT:,} object passes per checkpoint "
        f"over {facts.train_objects} train objects",
    )
    if facts.suction:
        reasons += (
            f"suction: GraspGen's suction tutorial values: BACKBONE={SUCTION_BACKBONE}, generator "
            f"NUM_POINTS={SUCTION_GEN_POINTS}",
        )
        return ScriptValues(
            facts.gripper,
            round(facts.kappa, 5),
            ratio,
            gen,
            dis,
            save,
            reasons,
            SUCTION_BACKBONE,
            SUCTION_GEN_POINTS,
        )
    return ScriptValues(facts.gripper, round(facts.kappa, 5), ratio, gen, dis, save, reasons)


_COMMON_HEAD = """#!/usr/bin/env bash
# GraspGen {role} training for {gripper}, written by dexgen from the dataset it made; run it from a
# GraspGen checkout inside GraspGen's container, with GraspDataGen's mount points (/object_dataset,
# /grasp_dataset, /code, /results). It is GraspGen's runs/train_graspgen_robotiq_2f_140_{suffix}.sh with these values:
{reasons}

# Fixed parameters
export NGPU=1
export NWORKER=4
export NEPOCH={nepoch}
export BATCH=8
export PRINT_FREQ=10
export PLOT_FREQ=10
export SAVE_FREQ={save_freq}
export DATASET_NAME="objaverse"
export DATASET_VERSION="v2"
"""

_COMMON_PATHS = """export GRIPPER_NAME="{gripper}"
export OBJECT_DATASET_DIR="/object_dataset"
export GRASP_DIR="/grasp_dataset"
export CODE_DIR="/code"
export RESULTS_DIR="/results"
export GRASP_DATASET_DIR="$GRASP_DIR/grasp_data/$GRIPPER_NAME"
export SPLIT_DATASET_DIR="$GRASP_DIR/splits/$GRIPPER_NAME"
export METHOD="grasp_gen"
"""

_COMMON_RUN = """export PYOPENGL_PLATFORM="osmesa"
export LOG_DIR="$RESULTS_DIR/logs/${{GRIPPER_NAME}}_{suffix}_test"
export CACHE_DIR="$RESULTS_DIR/cache"
export CHECKPOINT="$LOG_DIR/last.pth"
export CONSOLE_LOG="$LOG_DIR/console_log.txt"

echo "Running Training for $GRIPPER_NAME"

rm -rf $LOG_DIR
mkdir -p $LOG_DIR
mkdir -p $CACHE_DIR

cd $CODE_DIR && cd $CODE_DIR/scripts && \\
    python train_graspgen.py \\
    data.num_points=$NUM_POINTS \\
    data.load_contact=False \\
    data.dataset_cls="ObjectPickDataset" \\
    data.rotation_augmentation=True \\
    data.root_dir=$SPLIT_DATASET_DIR \\
    data.object_root_dir=$OBJECT_DATASET_DIR \\
    data.grasp_root_dir=$GRASP_DATASET_DIR \\
    data.dataset_name=$DATASET_NAME \\
    data.dataset_version=$DATASET_VERSION \\
    data.prob_point_cloud=$PROBABILITY_SAMPLE_PARTIAL_POINTCLOUD \\
    data.redundancy=$NUM_REDUNDANT_DATAPOINTS \\
    data.gripper_name=$GRIPPER_NAME \\
    data.cache_dir=$CACHE_DIR \\
    train.log_dir=$LOG_DIR \\
    train.batch_size=$BATCH \\
    train.num_gpus=$NGPU \\
    train.num_epochs=$NEPOCH \\
    train.num_workers=$NWORKER \\
    train.print_freq=$PRINT_FREQ \\
    train.plot_freq=$PLOT_FREQ \\
    train.save_freq=$SAVE_FREQ \\
    train.checkpoint=$CHECKPOINT \\
"""

_GEN_VARS = """export TIMESTEPS=10
export NUM_GRASPS_PER_OBJ={gen_grasps}
export BACKBONE="{backbone}"
export NUM_POINTS={gen_points}
export NAME="meshandpc"
export PROBABILITY_SAMPLE_PARTIAL_POINTCLOUD=0.5
export NUM_REDUNDANT_DATAPOINTS=7
"""

_GEN_TAIL = """    train.model_name='diffusion' \\
    optimizer.type="ADAMW" \\
    optimizer.lr=0.00001 \\
    optimizer.grad_clip=-1 \\
    diffusion.gripper_name=$GRIPPER_NAME \\
    diffusion.num_diffusion_iters=$TIMESTEPS \\
    diffusion.num_diffusion_iters_eval=$TIMESTEPS \\
    diffusion.obs_backbone=$BACKBONE \\
    diffusion.grasp_repr=$ROTATION_REPR \\
    diffusion.attention='cat_attn' \\
    diffusion.compositional_schedular=True \\
    diffusion.loss_pointmatching=False \\
    diffusion.loss_l1_pos=True \\
    diffusion.loss_l1_rot=True \\
    diffusion.ptv3.grid_size=0.01 \\
    diffusion.pose_repr='mlp' \\
    data.num_grasps_per_object=$NUM_GRASPS_PER_OBJ \\
    data.load_discriminator_dataset=False \\
    data.visualize_batch=False \\
    diffusion.kappa=$NOISE_SCALE | tee $CONSOLE_LOG
"""

_DIS_VARS = """export NUM_GRASPS_PER_OBJ={dis_grasps}
export POSE_REPR="mlp"
export BACKBONE="{backbone}"
export ROTATION_REPR="r3_so3"
export TOPK_RATIO=0.75
export NUM_POINTS=2048
export NOISE_SCALE={noise_scale}
export NAME="meshandpc"
export PROBABILITY_SAMPLE_PARTIAL_POINTCLOUD=0.50
export NUM_REDUNDANT_DATAPOINTS=7
"""

_DIS_TAIL = """    train.model_name='discriminator' \\
    optimizer.type="ADAMW" \\
    optimizer.grad_clip=-1 \\
    optimizer.lr=0.00001 \\
    discriminator.gripper_name=$GRIPPER_NAME \\
    discriminator.topk_ratio=$TOPK_RATIO \\
    discriminator.obs_backbone=$BACKBONE \\
    discriminator.grasp_repr=$ROTATION_REPR \\
    discriminator.pose_repr=$POSE_REPR \\
    discriminator.kappa=$NOISE_SCALE \\
    data.num_grasps_per_object=$NUM_GRASPS_PER_OBJ \\
    data.load_discriminator_dataset=True \\
    data.discriminator_ratio=$RATIO | tee $CONSOLE_LOG
"""


def _ratio_text(ratio: tuple[float, ...]) -> str:
    return "[" + ",".join(f"{r:.2f}" for r in ratio) + "]"


def _head(v: ScriptValues, *, role: str, suffix: str) -> str:
    """The header both scripts open with: what they train, why these values, epochs and save frequency."""
    reasons = "\n".join(f"#   {r}" for r in v.reasons)
    return _COMMON_HEAD.format(
        role=role, gripper=v.gripper, suffix=suffix, reasons=reasons, nepoch=NEPOCH, save_freq=v.save_freq
    )


def generator_script(v: ScriptValues) -> str:
    """``train_graspgen_<gripper>_gen.sh``."""
    head = _head(v, role="generator", suffix="gen")
    paths = _COMMON_PATHS.format(gripper=v.gripper)
    extra = f'export ROTATION_REPR="r3_so3"\nexport NOISE_SCALE={v.noise_scale}\n'
    return (
        head
        + _GEN_VARS.format(gen_grasps=v.gen_grasps, backbone=v.backbone, gen_points=v.gen_points)
        + paths
        + extra
        + _COMMON_RUN.format(suffix="gen")
        + _GEN_TAIL
    )


def discriminator_script(v: ScriptValues) -> str:
    """``train_graspgen_<gripper>_dis.sh``."""
    head = _head(v, role="discriminator", suffix="dis")
    body = _DIS_VARS.format(dis_grasps=v.dis_grasps, noise_scale=v.noise_scale, backbone=v.backbone)
    paths = _COMMON_PATHS.format(gripper=v.gripper) + f'export RATIO="{_ratio_text(v.ratio)}"\n'
    return head + body + paths + _COMMON_RUN.format(suffix="dis") + _DIS_TAIL


def script_names(gripper: str) -> tuple[str, str]:
    return f"train_graspgen_{gripper}_gen.sh", f"train_graspgen_{gripper}_dis.sh"


def write_training_scripts(runs_dir: str | Path, facts: DatasetFacts, *, overwrite: bool = True) -> str:
    """Write both scripts (executable) into ``runs_dir``; returns "written", "unchanged" or "kept".

    Scripts that exist and differ are kept unless ``overwrite`` (a GraspGen checkout's own runs/).
    """
    runs_dir = Path(runs_dir)
    values = script_values(facts)
    gen_name, dis_name = script_names(facts.gripper)
    wanted = {
        runs_dir / gen_name: generator_script(values),
        runs_dir / dis_name: discriminator_script(values),
    }
    current = {p: p.read_text() if p.is_file() else None for p in wanted}
    if all(current[p] == text for p, text in wanted.items()):
        return "unchanged"
    if any(v is not None and v != wanted[p] for p, v in current.items()) and not overwrite:
        log.warning(
            "%s: training scripts for %s differ from ours and are kept; pass --overwrite_gripper_config "
            "to replace them",
            runs_dir,
            facts.gripper,
        )
        return "kept"
    for path, text in wanted.items():
        write_text(path, text, mode=0o755)  # executable, as GraspGen's runs/ scripts are
    return "written"
