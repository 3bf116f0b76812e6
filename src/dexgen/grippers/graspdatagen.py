"""A GraspDataGen gripper config (``gripper_file`` plus a few fields) read into dexgen's terms.

GraspDataGen users bring a USD and the fields of its ``gripper.py`` (see its
``docs/components/gripper-definition.md``); they mean the same here: ``finger_colliders`` the two
finger bodies, ``base_frame`` the body every grasp refers to, ``bite`` how far back from the fingertip
the grasp point sits (metres), ``pinch_width_resolution`` how many openings are tabulated,
``open_configuration`` one more opening given as joint positions. Defaults are GraspDataGen's, except
that a missing ``base_frame`` or ``finger_colliders`` is inferred (the ``root_joint`` link; fingers left
to the model) rather than set to its example names. Other keys (GraspDataGen's guess and simulation
settings) are ignored.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from dexgen.errors import ConfigError, InputError
from dexgen.grippers import usd
from dexgen.grippers.articulation import Articulation

log = logging.getLogger(__name__)

FIELDS = (
    "gripper_file",
    "finger_colliders",
    "base_frame",
    "bite",
    "open_configuration",
    "pinch_width_resolution",
)
BITE = 0.01  # GraspDataGen's default bite (m)
PINCH_WIDTH_RESOLUTION = 8  # GraspDataGen's default number of openings


@dataclasses.dataclass(frozen=True)
class Extras:
    """What a GraspDataGen config says beyond the articulation, for the gripper model builder."""

    bite: float  # m back from the fingertip where the grasp point starts
    pinch_width_resolution: int  # openings tabulated between open and closed (>= 2)
    open_configuration: Mapping[str, float]  # joint -> position (rad or m), an extra opening to test
    open_value: float | None  # the driven joint's position in open_configuration, where it names it


def from_graspdatagen_config(
    config: Mapping[str, Any] | str | Path, *, base_dir: str | Path | None = None
) -> tuple[Articulation, Extras]:
    """Read a GraspDataGen gripper config (a dict, or a JSON file) and the USD it names.

    A relative ``gripper_file`` is resolved against ``base_dir``, default the JSON file's folder
    (or the working directory for a dict).
    """
    if isinstance(config, Mapping):
        where, error, fields = "GraspDataGen config", ConfigError, dict(config)
        folder = Path(base_dir) if base_dir is not None else Path.cwd()
    else:
        where, error = str(config), InputError
        fields = _read_json(Path(config))
        folder = Path(base_dir) if base_dir is not None else Path(config).parent
    ignored = sorted(set(fields) - set(FIELDS))
    if ignored:
        log.info("%s: ignoring GraspDataGen settings dexgen does not use: %s", where, ignored)
    if not isinstance(fields.get("gripper_file"), str) or not fields["gripper_file"]:
        raise error(f"{where}: gripper_file must name the gripper's USD file")
    fingers = _fingers(fields.get("finger_colliders"), where, error)
    base = fields.get("base_frame")
    if base is not None and (not isinstance(base, str) or not base):
        raise error(f"{where}: base_frame must be a link name, got {base!r}")
    articulation = usd.load(folder / fields["gripper_file"], fingers=fingers, root=base)
    return articulation, _extras(fields, articulation, where, error)


def _read_json(path: Path) -> dict[str, Any]:
    try:
        fields = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read GraspDataGen config ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not JSON ({exc})") from None
    if not isinstance(fields, dict):
        raise InputError(
            f"{path}: a GraspDataGen config is a JSON object of fields, got {type(fields).__name__}"
        )
    return fields


def _fingers(value: Any, where: str, error: type[Exception]) -> tuple[str, str] | None:
    if value is None:
        return None
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, str) and v for v in value)
    ):
        raise error(f"{where}: finger_colliders must be two link names, got {value!r}")
    if value[0] == value[1]:
        raise error(f"{where}: finger_colliders names {value[0]!r} twice")
    return value[0], value[1]


def _extras(fields: dict[str, Any], articulation: Articulation, where: str, error: type[Exception]) -> Extras:
    bite = fields.get("bite", BITE)
    if isinstance(bite, bool) or not isinstance(bite, int | float) or not 0.0 <= bite < 1.0:
        raise error(f"{where}: bite must be a length in metres in [0, 1), got {bite!r}")
    resolution = fields.get("pinch_width_resolution", PINCH_WIDTH_RESOLUTION)
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
        raise error(f"{where}: pinch_width_resolution must be an integer >= 2, got {resolution!r}")
    opening = fields.get("open_configuration", {})
    if isinstance(opening, str):  # GraspDataGen's command line passes it as a JSON string
        try:
            opening = json.loads(opening or "{}")
        except json.JSONDecodeError as exc:
            raise error(f"{where}: open_configuration is not JSON ({exc})") from None
    if not isinstance(opening, Mapping) or not all(
        isinstance(k, str) and isinstance(v, int | float) and not isinstance(v, bool)
        for k, v in opening.items()
    ):
        raise error(f"{where}: open_configuration must map joint names to positions, got {opening!r}")
    value = opening.get(articulation.driven_joint)
    if opening and value is None:
        raise error(
            f"{where}: open_configuration names {sorted(opening)} but not the driven joint {articulation.driven_joint!r}"
        )
    lo, hi = articulation.limits
    if value is not None and not lo - 1e-9 <= value <= hi + 1e-9:
        raise error(
            f"{where}: open_configuration puts {articulation.driven_joint!r} at {value}, outside its limits [{lo}, {hi}]"
        )
    return Extras(
        bite=float(bite),
        pinch_width_resolution=resolution,
        open_configuration={k: float(v) for k, v in opening.items()},
        open_value=None if value is None else float(value),
    )
