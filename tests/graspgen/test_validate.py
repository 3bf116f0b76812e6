"""Every rule of the producer checklist (graspgen-format.md §14), violated once, gives its clear error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from graspgen.helpers import GRIPPER

from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import grasp_file_name
from dexgen.graspgen.validate import check_dataset, validate_dataset

NAME = grasp_file_name("box_000", 1.0)


def _grasps(ds: Path) -> Path:
    return ds / "grasp_data" / GRIPPER


def _edit_json(path: Path, fn: Callable[[dict], None]) -> Path:
    doc = json.loads(path.read_text())
    fn(doc)
    path.write_text(json.dumps(doc))
    return path


def _edit_transforms(ds: Path, fn: Callable[[np.ndarray], None]) -> Path:
    def edit(doc):
        t = np.array(doc["grasps"]["transforms"])
        fn(t)
        doc["grasps"]["transforms"] = t.tolist()

    return _edit_json(_grasps(ds) / NAME, edit)


def _edit_yaml(ds: Path, old: str, new: str) -> Path:
    path = ds / "config" / "grippers" / f"{GRIPPER}.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def _edit_py(ds: Path, old: str, new: str) -> Path:
    path = ds / "config" / "grippers" / f"{GRIPPER}.py"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))
    return path


def _append(path: Path, line: str) -> Path:
    path.write_text(path.read_text() + line + "\n")
    return path


def _set_mask(value):
    def edit(doc):
        doc["grasps"]["object_in_gripper"] = value(doc["grasps"]["object_in_gripper"])

    return edit


def _copy_file(ds: Path) -> Path:
    src = _grasps(ds) / NAME
    dst = _grasps(ds) / "copy.grasps.json"
    dst.write_text(src.read_text())
    return dst


def _reflect(t: np.ndarray) -> None:
    t[:, :3, 0] *= -1


def _far(t: np.ndarray) -> None:
    t[:, :3, 3] += 1.0


VIOLATIONS = {
    # 1. splits
    "split key without a grasp file": (
        lambda ds: _append(ds / "splits" / GRIPPER / "train.txt", "ghost"),
        "'ghost' has no grasp file",
    ),
    "split key listed twice": (
        lambda ds: _append(ds / "splits" / GRIPPER / "train.txt", "  box_000  "),
        "listed more than once",
    ),
    "two files with one object.file": (_copy_file, "one would overwrite the other"),
    # 2. map and tar
    "stale map": (
        lambda ds: _edit_json(_grasps(ds) / "map_uuid_to_path.json", lambda m: m.update(old="old.json")),
        "stale entry 'old'",
    ),
    "map missing": (
        lambda ds: (_grasps(ds) / "map_uuid_to_path.json").unlink() or _grasps(ds) / "map_uuid_to_path.json",
        "missing; write it",
    ),
    "tar in grasp folder": (
        lambda ds: (_grasps(ds) / "shard_000.tar").write_bytes(b"") or _grasps(ds) / "shard_000.tar",
        "WebDataset",
    ),
    # 3. mask
    "0/1 mask": (
        lambda ds: _edit_json(_grasps(ds) / NAME, _set_mask(lambda m: [int(v) for v in m])),
        "not true/false",
    ),
    "nested mask": (
        lambda ds: _edit_json(_grasps(ds) / NAME, _set_mask(lambda m: [[v] for v in m])),
        "is nested",
    ),
    "mask length": (
        lambda ds: _edit_json(_grasps(ds) / NAME, _set_mask(lambda m: m[:-1])),
        "object_in_gripper entries",
    ),
    # 4. transforms
    "bottom row": (
        lambda ds: _edit_transforms(ds, lambda t: t.__setitem__((0, 3, 0), 0.5)),
        "bottom row is not [0, 0, 0, 1]",
    ),
    "not orthonormal": (
        lambda ds: _edit_transforms(
            ds, lambda t: t.__setitem__((1, slice(0, 3), slice(0, 3)), t[1, :3, :3] * 2)
        ),
        "not orthonormal",
    ),
    "reflection": (lambda ds: _edit_transforms(ds, _reflect), "det <= 0"),
    # 5. positives
    "too few positives": (
        lambda ds: _edit_json(_grasps(ds) / NAME, _set_mask(lambda m: [True] * 4 + [False] * (len(m) - 4))),
        "4 positives",
    ),
    # 6. mesh
    "mesh missing": (
        lambda ds: (ds / "objects" / "box_000.obj").unlink() or _grasps(ds) / NAME,
        "resolves to no mesh",
    ),
    "not metres": (
        lambda ds: _edit_json(_grasps(ds) / NAME, lambda d: d["object"].update(scale=1000.0)),
        "not in metres",
    ),
    # 7. visibility
    "TCPs far from the surface": (lambda ds: _edit_transforms(ds, _far), "no positive TCP within"),
    # 8. gripper files
    "yaml without depth": (lambda ds: _edit_yaml(ds, "depth: 0.1299", "deep: 0.1299"), "'depth'"),
    "yaml without width": (lambda ds: _edit_yaml(ds, "width: 0.085", "span: 0.085"), "needs 'width'"),
    "offset not xyzw": (
        lambda ds: _edit_yaml(ds, "- [0.0, 0.0, 0.0, 1.0]", "- [0.0, 0.0, 1.0]"),
        "[[x,y,z],[qx,qy,qz,qw]]",
    ),
    "py without GripperModel": (
        lambda ds: _edit_py(ds, "class GripperModel:", "class Model:"),
        "does not define GripperModel",
    ),
    "py that does not import": (
        lambda ds: _edit_py(ds, "import trimesh", "import trimesh_missing_module"),
        "does not import",
    ),
    "empty collision mesh": (
        lambda ds: _edit_py(
            ds,
            "return self.mesh.copy()\n\n    def get_gripper_visual",
            "return trimesh.Trimesh()\n\n    def get_gripper_visual",
        ),
        "collision mesh is empty",
    ),
    "py missing": (
        lambda ds: (
            (ds / "config" / "grippers" / f"{GRIPPER}.py").unlink()
            or ds / "config" / "grippers" / f"{GRIPPER}.py"
        ),
        "GraspGen imports it",
    ),
    "yaml missing": (
        lambda ds: (
            (ds / "config" / "grippers" / f"{GRIPPER}.yaml").unlink()
            or ds / "config" / "grippers" / f"{GRIPPER}.yaml"
        ),
        "registers a gripper only",
    ),
}


@pytest.mark.parametrize("rule", sorted(VIOLATIONS))
def test_each_violation_gives_its_error_naming_the_file(dataset, rule):
    assert not validate_dataset(dataset, GRIPPER).errors
    breaker, message = VIOLATIONS[rule]
    path = breaker(dataset)
    with pytest.raises(InputError) as info:
        check_dataset(dataset, GRIPPER)
    lines = [line.strip() for line in str(info.value).splitlines()[1:]]
    hits = [line for line in lines if message in line]
    assert hits, f"{rule}: no error containing {message!r} in:\n{info.value}"
    assert any(line.startswith(str(path)) for line in hits), (
        f"{rule}: error does not start with {path}: {hits}"
    )


def test_tcp_frames_written_as_base_frames_are_flagged(dataset):
    """Base-link origins inside the object: the TCP-frame mistake of §9 gives a warning."""

    def to_tcp(t):
        t[:, :3, 3] += 0.1299 * t[:, :3, 2]

    _edit_transforms(dataset, to_tcp)
    rep = validate_dataset(dataset, GRIPPER)
    assert any("inside the mesh" in w and NAME in w for w in rep.warnings)


def test_no_negatives_is_a_warning_and_small_objects_are_flagged(dataset):
    _edit_json(_grasps(dataset) / NAME, _set_mask(lambda m: [True] * len(m)))
    rep = validate_dataset(dataset, GRIPPER)
    assert not rep.errors
    assert any("no negatives" in w for w in rep.warnings)
    assert any(re.search(r"box_000\.obj: largest side 0\.060 m < 0\.075", w) for w in rep.warnings)


def test_object_side_map_resolves_meshes(dataset):
    """GraspGen consults objects/map_uuid_to_path.json only when root/key is not a file (§4)."""
    assert json.loads((dataset / "objects" / "map_uuid_to_path.json").read_text())["box_000"] == "box_000.obj"
    (dataset / "objects" / "map_uuid_to_path.json").unlink()
    rep = validate_dataset(dataset, GRIPPER)
    assert any("box_000' resolves to no mesh" in e for e in rep.errors)
    assert not any("sub/mug.obj' resolves" in e for e in rep.errors)  # a real path needs no map
