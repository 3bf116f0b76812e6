"""Test helper: stand-ins for GraspGen's training runs (GraspGen is not installed here), so the tutorial's
``dexgen graspgen-inference-config`` block runs on runs of the shape GraspGen writes: ``config.yaml``
(GraspGen's own, ``tests/graspgen/fixtures``) and a small ``last.pth``."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

FIXTURE = Path(__file__).resolve().parents[1] / "graspgen" / "fixtures" / "graspgen_config.yaml"
_RUN = re.compile(r"--(?P<role>gen|dis)\s+(?P<path>\S+)")
_NAME = re.compile(r"^(?P<gripper>.+)_(gen|dis)_test$")


def write_run(folder: Path, *, gripper: str, role: str) -> None:
    """One finished GraspGen run of ``role`` (``gen``: the diffusion generator, ``dis``: the discriminator)."""
    import torch

    model, section = ("diffusion", "diffusion") if role == "gen" else ("discriminator", "discriminator")
    config = yaml.safe_load(FIXTURE.read_text())
    config["train"]["model_name"] = model
    for name in ("data", section):
        config[name]["gripper_name"] = gripper
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    weights = {"head.weight": torch.full((2, 3), float(len(model)))}
    torch.save(
        {"epoch": 1, "model": weights, "optimizer": {"state": {}, "param_groups": []}}, folder / "last.pth"
    )


def write_runs_for(code: str, repo: Path) -> list[Path]:
    """The runs a block's ``--gen DIR`` / ``--dis DIR`` name, written under ``repo``; their folders."""
    made = []
    for match in _RUN.finditer(code):
        folder = repo / match["path"]
        name = _NAME.match(folder.name)
        if not name:
            raise ValueError(
                f"{match['path']}: not a GraspGen log folder name (<gripper>_gen_test / _dis_test)"
            )
        write_run(folder, gripper=name["gripper"], role=match["role"])
        made.append(folder)
    return made
