"""GraspGen's combined inference config from a generator and a discriminator training run.

What GraspGen's ``tutorials/generate_model_inference_config.py`` does (graspgen-format.md §12), with the
checks it leaves to an ``assert`` at inference time: the discriminator's ``config.yaml`` is the base,
the generator's ``diffusion`` section replaces its own, ``eval.checkpoint: gen.pth``, ``eval.model_name:
diffusion-discriminator`` and ``discriminator.checkpoint: dis.pth`` point at copies of each run's
``last.pth`` beside the config. GraspGen's ``load_grasp_cfg`` resolves the checkpoints against the
config's folder and asserts ``data.gripper_name == diffusion.gripper_name == discriminator.gripper_name``;
here a missing file or a gripper name that differs anywhere is refused before anything is written.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import yaml

from dexgen.atomic import make_dir, write_text
from dexgen.errors import InputError

GEN_CHECKPOINT, DIS_CHECKPOINT = "gen.pth", "dis.pth"


def _config(log_dir: Path, role: str) -> dict[str, Any]:
    path = log_dir / "config.yaml"
    if not path.is_file():
        raise InputError(
            f"{path}: the {role} run's config.yaml is missing; is {log_dir} a GraspGen log folder?"
        )
    if not (log_dir / "last.pth").is_file():
        raise InputError(
            f"{log_dir / 'last.pth'}: the {role} run's last checkpoint is missing; has it trained?"
        )
    try:
        config = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(config, dict):
        raise InputError(f"{path}: expected a mapping of config sections")
    return config


def _gripper_names(config: dict[str, Any], sections: tuple[str, ...], where: Path) -> dict[str, Any]:
    names = {}
    for section in sections:
        value = (config.get(section) or {}).get("gripper_name")
        if value is None:
            raise InputError(f"{where}: no {section}.gripper_name")
        names[f"{where}: {section}.gripper_name"] = value
    return names


def inference_config(gen_dir: str | Path, dis_dir: str | Path) -> dict[str, Any]:
    """The merged config of the two runs' log folders (see the module docstring)."""
    gen_dir, dis_dir = Path(gen_dir), Path(dis_dir)
    gen, dis = _config(gen_dir, "generator"), _config(dis_dir, "discriminator")
    if not isinstance(gen.get("diffusion"), dict):
        raise InputError(f"{gen_dir / 'config.yaml'}: no diffusion section; is it a generator run?")
    if not isinstance(dis.get("discriminator"), dict):
        raise InputError(f"{dis_dir / 'config.yaml'}: no discriminator section; is it a discriminator run?")
    names = _gripper_names(gen, ("data", "diffusion"), gen_dir / "config.yaml")
    names |= _gripper_names(dis, ("data", "discriminator"), dis_dir / "config.yaml")
    if len(set(names.values())) != 1:
        listed = "; ".join(f"{k} = {v!r}" for k, v in names.items())
        raise InputError(
            f"the runs were trained for different grippers, so GraspGen's inference would abort: {listed}"
        )
    config = dict(dis)
    config["diffusion"] = gen["diffusion"]
    config["eval"] = {
        **(config.get("eval") or {}),
        "checkpoint": GEN_CHECKPOINT,
        "model_name": "diffusion-discriminator",
    }
    config["discriminator"] = {**config["discriminator"], "checkpoint": DIS_CHECKPOINT}
    return config


def _copy(src: Path, dst: Path) -> None:
    """Copy through a temporary sibling and rename: a checkpoint is never half there."""
    tmp = dst.with_name(f".{dst.name}.tmp")
    shutil.copyfile(src, tmp)
    os.replace(tmp, dst)


def write_inference_config(gen_dir: str | Path, dis_dir: str | Path, out_dir: str | Path) -> Path:
    """Write ``<out_dir>/graspgen_<gripper>.yml`` with ``gen.pth`` and ``dis.pth`` beside it; returns the
    config's path. The checkpoints go first and the config last, so a config always has its checkpoints."""
    gen_dir, dis_dir, out_dir = Path(gen_dir), Path(dis_dir), Path(out_dir)
    config = inference_config(gen_dir, dis_dir)
    name = f"graspgen_{config['data']['gripper_name']}.yml"
    make_dir(out_dir)
    _copy(gen_dir / "last.pth", out_dir / GEN_CHECKPOINT)
    _copy(dis_dir / "last.pth", out_dir / DIS_CHECKPOINT)
    header = f"# GraspGen inference config, merged by dexgen from {gen_dir} (generator) and {dis_dir} (discriminator)\n"
    write_text(out_dir / name, header + yaml.safe_dump(config, default_flow_style=False, sort_keys=False))
    return out_dir / name
