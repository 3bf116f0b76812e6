"""Load a written GraspGen dataset back and enforce the producer checklist (graspgen-format.md §14).

Every problem names the file it is in. :func:`validate_dataset` collects errors and warnings;
:func:`check_dataset` raises :class:`~dexgen.errors.InputError` listing all errors. Rules:

1. splits parse as GraspGen parses them; every key has exactly one grasp file with that ``object.file``;
   no key twice in a file; no two grasp files with the same ``object.file``;
2. the grasp-side ``map_uuid_to_path.json`` exists and is current; no ``*.tar`` in the grasp folder;
3. ``object_in_gripper`` is a flat list of N JSON booleans;
4. transforms are N x 4 x 4 rigid (bottom row 0 0 0 1, orthonormal rotation, det > 0);
5. >= ``min_positives`` positives per split object; a warning when it has no negatives;
6. the mesh resolves under the object root (directly or through the object-side map), is in metres;
   a warning under 7.5 cm (GraspGen renders such objects only as full-mesh samples);
7. at least one positive TCP within ``visibility_distance`` of the surface (5-NN mean L1); a warning
   when most base-link origins lie inside a watertight mesh (TCP frames written as base frames);
8. the gripper YAML has ``depth`` and ``width`` (or ``control_points``), an xyzw offset; the ``.py``
   imports and defines GripperModel, load_control_points (4 x K), load_control_points_for_visualization,
   and a non-empty collision mesh;
9. the suggested kappa = 1 / mean extent of positive base-link translations is reported;
10. grasp files that record the gripper's content hash (``gripper.dexgen_sha256``) all record the one
    the gripper YAML records, when it records one: grasps of one hand never train with another's config.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path
from typing import Any

import numpy as np
import trimesh
import yaml
from scipy.spatial import cKDTree

from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import load_json, read_grasp_file
from dexgen.graspgen.gripper_config import recorded_sha256
from dexgen.graspgen.splits import FILES, parse_split
from dexgen.listing import first_n
from dexgen.params.graspgen import GraspgenConfig
from dexgen.seeding import rng_for

MAP = "map_uuid_to_path.json"
OBJECT_MAPS = ("map_uuid_to_path_simplified.json", "map_uuid_to_path.json")  # object side, in lookup order
RIGID_TOL = 1e-5  # orthonormality / bottom-row tolerance
MIN_EXTENT, MAX_EXTENT = 1e-3, 5.0  # m; outside this a mesh is almost surely not in metres
SIZE_GATE = 0.075  # m; GraspGen rejects partial renderings of smaller objects (§7)


_PARAMS = GraspgenConfig()  # the checks a standalone validation applies are the export's defaults


@dataclasses.dataclass
class Report:
    errors: list[str] = dataclasses.field(default_factory=list)
    warnings: list[str] = dataclasses.field(default_factory=list)
    objects: dict[str, dict[str, Any]] = dataclasses.field(default_factory=dict)  # split key -> counts
    kappa: float | None = None

    def summary(self) -> dict[str, Any]:
        return {
            "objects": len(self.objects),
            "positives": sum(o["positives"] for o in self.objects.values()),
            "negatives": sum(o["negatives"] for o in self.objects.values()),
            "kappa": self.kappa,
            "errors": len(self.errors),
            "warnings": list(self.warnings),
        }


def rigid_problem(transforms: np.ndarray) -> str | None:
    """Why the first non-rigid transform of (n, 4, 4) is not rigid, or None."""
    bottom = np.abs(transforms[:, 3] - [0, 0, 0, 1]).max(axis=1) > RIGID_TOL
    rot = transforms[:, :3, :3]
    ortho = np.abs(np.einsum("nji,njk->nik", rot, rot) - np.eye(3)).max(axis=(1, 2)) > 1e-4
    det = np.linalg.det(rot) <= 0
    for bad, why in (
        (bottom, "bottom row is not [0, 0, 0, 1]"),
        (ortho, "rotation is not orthonormal"),
        (det, "rotation has det <= 0 (a reflection)"),
    ):
        if bad.any():
            return f"transform {int(np.argmax(bad))} {why}"
    return None


def visible_tcps(
    mesh: trimesh.Trimesh, poses: np.ndarray, *, depth: float, distance: float, samples: int, key: str
) -> np.ndarray:
    """(n,) bool -- TCPs within ``distance`` (mean L1 to the 5 nearest of ``samples`` surface points).

    GraspGen's visibility filter (graspgen-format.md §7.4) on the full surface: a positive whose TCP is
    deeper than ~3 cm inside an object (a wide object grasped across its middle) never survives it.
    poses : (n, 4, 4) float64 -- base link in the mesh frame, metres; TCP = base + depth along +z.
    """
    if not len(poses):
        return np.zeros(0, dtype=bool)
    seed = int(rng_for(0, "graspgen-visibility", key).integers(2**31))
    cloud, _ = trimesh.sample.sample_surface(mesh, samples, seed=seed)
    tcp = poses[:, :3, 3] + depth * poses[:, :3, 2]
    dist, _ = cKDTree(cloud).query(tcp, k=5, p=1)
    return dist.mean(axis=1) < distance


def resolve_mesh(object_root: Path, key: str) -> Path | None:
    """GraspGen's lookup: ``object_root/key``, else the object-side map's value (§4)."""
    direct = object_root / key
    if direct.is_file():
        return direct
    for name in OBJECT_MAPS:
        path = object_root / name
        if path.is_file():
            mapping = load_json(path)
            if isinstance(mapping, dict) and isinstance(mapping.get(key), str):
                target = object_root / mapping[key]
                return target if target.is_file() else None
    return None


def _load_module(path: Path) -> Any:
    """Import a gripper ``.py`` to check it, without leaving ``__pycache__`` in the dataset.

    A bytecode file written beside the dataset's files would be an untracked change to a DVC output
    (and differ between machines), so bytecode writing is off while the module loads.
    """
    name = f"_dexgen_check_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    dont_write = sys.dont_write_bytecode
    sys.dont_write_bytecode = True
    try:
        spec.loader.exec_module(module)
    finally:
        sys.dont_write_bytecode = dont_write
        sys.modules.pop(name, None)
    return module


def check_gripper_files(config_dir: Path, name: str, rep: Report, *, require_mesh: bool) -> float | None:
    """Rule 8; returns the TCP depth (the ``.py``'s base link -> TCP when it says, else the YAML depth;
    None when unusable)."""
    ypath, ppath = config_dir / f"{name}.yaml", config_dir / f"{name}.py"
    if not ypath.is_file():
        rep.errors.append(f"{ypath}: missing; GraspGen registers a gripper only when its YAML exists")
        return None
    try:
        cfg = yaml.safe_load(ypath.read_text())
    except yaml.YAMLError as exc:
        rep.errors.append(f"{ypath}: not valid YAML ({exc})")
        return None
    if not isinstance(cfg, dict):
        rep.errors.append(f"{ypath}: expected a mapping")
        return None
    depth = cfg.get("depth")
    if isinstance(depth, bool) or not isinstance(depth, (int, float)) or not depth > 0:
        rep.errors.append(
            f"{ypath}: 'depth' (base link -> TCP, metres) is required and must be > 0, got {depth!r}"
        )
        depth = None
    width, points = cfg.get("width"), cfg.get("control_points")
    if not (isinstance(width, (int, float)) and not isinstance(width, bool) and width > 0) and not points:
        rep.errors.append(f"{ypath}: needs 'width' > 0 or 'control_points'")
    offset = cfg.get("transform_offset_from_asset_to_graspgen_convention")
    if offset is not None:
        ok = isinstance(offset, list) and len(offset) == 2 and len(offset[0]) == 3 and len(offset[1]) == 4
        if not ok or abs(np.linalg.norm(np.asarray(offset[1], dtype=float)) - 1) > 1e-3:
            rep.errors.append(
                f"{ypath}: transform_offset_from_asset_to_graspgen_convention must be [[x,y,z],[qx,qy,qz,qw]] with a unit quaternion, got {offset!r}"
            )
    if not ppath.is_file():
        rep.errors.append(f"{ppath}: missing; GraspGen imports it for every registered gripper")
        return depth
    suction = isinstance(cfg.get("poses"), list) and "radius" in cfg  # GraspGen's SuctionCupArray layout
    try:
        module = _load_module(ppath)
    except ModuleNotFoundError as exc:
        if exc.name is None or exc.name.split(".")[0] != "grasp_gen":
            rep.errors.append(f"{ppath}: does not import (ModuleNotFoundError: {exc})")
            return depth
        # GraspGen's own config (kept from a checkout) imports GraspGen, which is not installed here: it is
        # GraspGen's to load; a suction one puts the TCP at the cup lip (its .py returns the identity)
        rep.warnings.append(
            f"{ppath}: imports GraspGen's package ({exc.name}), not importable here; not checked"
        )
        return 0.0 if suction and depth is not None else depth
    except Exception as exc:  # any import failure of a foreign file is a finding, not a crash
        rep.errors.append(f"{ppath}: does not import ({type(exc).__name__}: {exc})")
        return depth
    for attr in ("GripperModel", "load_control_points", "load_control_points_for_visualization"):
        if not hasattr(module, attr):
            rep.errors.append(f"{ppath}: does not define {attr}")
    if hasattr(module, "get_transform_from_base_link_to_tool_tcp") and depth is not None:
        try:  # GraspGen's visibility filter puts the TCP where the .py says (a suction cup: at the lip)
            depth = float(np.asarray(module.get_transform_from_base_link_to_tool_tcp())[2, 3])
        except Exception as exc:  # a foreign file is a finding, not a crash
            rep.errors.append(f"{ppath}: get_transform_from_base_link_to_tool_tcp() fails ({exc})")
    if hasattr(module, "load_control_points"):
        cp = np.asarray(module.load_control_points())
        if cp.ndim != 2 or cp.shape[0] != 4:
            rep.errors.append(f"{ppath}: load_control_points() has shape {list(cp.shape)}, expected [4, K]")
    if hasattr(module, "GripperModel"):
        try:  # GraspGen builds it with no argument; a real hand's .py reads its mesh file here
            mesh = module.GripperModel().get_gripper_collision_mesh()
        except Exception as exc:  # a foreign or broken file is a finding, not a crash
            rep.errors.append(f"{ppath}: GripperModel() fails ({type(exc).__name__}: {exc})")
            return depth
        if mesh is None or len(getattr(mesh, "faces", [])) == 0:
            msg = f"{ppath}: the collision mesh is empty, so GraspGen cannot make collision hard negatives"
            (rep.errors if require_mesh else rep.warnings).append(msg)
    return depth


def check_gripper_hashes(hashes: dict[Path, Any], ypath: Path, rep: Report) -> None:
    """Rule 10: each grasp file's ``gripper.dexgen_sha256`` against the YAML's, and the files among
    themselves (files and configs from elsewhere record none and are not compared)."""
    recorded = recorded_sha256(ypath.read_text(errors="replace")) if ypath.is_file() else None
    first: tuple[Path, str] | None = (ypath, recorded) if recorded is not None else None
    for path, sha in sorted(hashes.items()):
        if not isinstance(sha, str) or not sha:
            continue
        if first is None:
            first = (path, sha)
        elif sha != first[1]:
            rep.errors.append(
                f"{path}: made with gripper sha256 {sha[:12]}, but {first[0]} records {first[1][:12]}; "
                "one dataset mixes two descriptions of the gripper: re-export with one"
            )


def _check_object(
    key: str,
    path: Path,
    transforms: np.ndarray,
    success: np.ndarray,
    scale: float,
    *,
    object_root: Path,
    depth: float | None,
    min_positives: int,
    visibility: float,
    samples: int,
    rep: Report,
) -> float | None:
    """Rules 4-7 for one split object; returns the extent of its positive translations (rule 9)."""
    problem = rigid_problem(transforms) if len(transforms) else None
    if problem:
        rep.errors.append(f"{path}: {problem}")
    pos = transforms[success]
    if len(pos) < min_positives:
        rep.errors.append(
            f"{path}: {len(pos)} positives; GraspGen's generator needs at least {min_positives} (else INSUFFICIENT_GRASPS_FOR_GENERATOR_DATASET)"
        )
    if not (~success).any():
        rep.warnings.append(f"{path}: no negatives; the discriminator re-fills them with positives")
    mesh_path = resolve_mesh(object_root, key)
    if mesh_path is None:
        rep.errors.append(
            f"{path}: object.file '{key}' resolves to no mesh under {object_root} (directly or through {'/'.join(OBJECT_MAPS)})"
        )
        return None
    try:
        mesh = trimesh.load(mesh_path, force="mesh", process=False)
    except Exception as exc:
        rep.errors.append(f"{mesh_path}: cannot load mesh ({exc})")
        return None
    mesh.apply_scale(scale)
    extent = float(mesh.extents.max()) if len(mesh.vertices) else 0.0
    if not MIN_EXTENT <= extent <= MAX_EXTENT:
        rep.errors.append(
            f"{path}: object.scale {scale} makes {mesh_path} {extent:.4g} m across; the mesh is not in metres after scaling"
        )
        return None
    if extent < SIZE_GATE:
        rep.warnings.append(
            f"{mesh_path}: largest side {extent:.3f} m < 0.075 m; GraspGen uses only full-mesh samples for it"
        )
    if problem or depth is None or not len(pos):
        return None
    if not visible_tcps(mesh, pos, depth=depth, distance=visibility, samples=samples, key=key).any():
        rep.errors.append(
            f"{path}: no positive TCP within {visibility} m of the surface of {mesh_path}; GraspGen's visibility filter would drop every rendering (wrong frame or scale?)"
        )
    if mesh.is_watertight and mesh.contains(pos[:, :3, 3]).mean() > 0.5:
        rep.warnings.append(
            f"{path}: most positive base-link origins lie inside the mesh; were TCP frames written instead of base-link frames?"
        )
    return float(np.ptp(pos[:, :3, 3], axis=0).max())


def _read_grasp_files(
    grasp_dir: Path, rep: Report
) -> tuple[dict[str, tuple[Path, np.ndarray, np.ndarray, float]], dict[Path, Any]]:
    """Rules 1 and 3 over every grasp file: ({object.file: (path, transforms, success, scale)},
    {path: the gripper hash it records})."""
    files: dict[str, tuple[Path, np.ndarray, np.ndarray, float]] = {}
    hashes: dict[Path, Any] = {}  # grasp file -> the gripper hash it records
    for path in sorted(grasp_dir.glob("*.json")):
        if path.name == MAP:
            continue
        try:
            doc, transforms, success = read_grasp_file(path)
        except InputError as exc:
            rep.errors.append(str(exc))
            continue
        key = doc["object"]["file"]
        if key in files:
            rep.errors.append(
                f"{path}: object.file '{key}' is also in {files[key][0].name}; one would overwrite the other in the map"
            )
            continue
        files[key] = (path, transforms, success, float(doc["object"]["scale"]))
        block = doc.get("gripper")
        hashes[path] = block.get("dexgen_sha256") if isinstance(block, dict) else None
    return files, hashes


def _check_map(grasp_dir: Path, files: dict[str, Any], rep: Report) -> dict[str, str]:
    """``map_uuid_to_path.json``: present, a mapping, and naming grasp files that exist with that key."""
    map_path = grasp_dir / MAP
    mapping: dict[str, str] = {}
    if not map_path.is_file():
        rep.errors.append(f"{map_path}: missing; write it so a stale copy is never reused")
    else:
        try:
            raw = load_json(map_path)
            if not isinstance(raw, dict):
                raise InputError(f"{map_path}: expected a JSON object {{object.file: grasp file name}}")
            mapping = raw
        except InputError as exc:
            rep.errors.append(str(exc))
        for key, name in mapping.items():
            if key not in files or files[key][0].name != name:
                rep.errors.append(
                    f"{map_path}: stale entry '{key}' -> '{name}' (no such grasp file with that object.file); regenerate the map"
                )
    unmapped = sorted(k for k in files if k not in mapping)
    if unmapped and mapping:
        rep.warnings.append(
            f"{grasp_dir}: {len(unmapped)} grasp file(s) not in {MAP} (left out of the dataset): {first_n(unmapped, 5)}"
        )
    return mapping


def _check_splits(
    split_dir: Path, grasp_dir: Path, mapping: dict[str, str], files: dict[str, Any], rep: Report
) -> list[str]:
    """The split files: present, train not empty, no repeats, every key a mapped grasp file; returns the
    keys GraspGen will load, in split order."""
    keys: list[str] = []
    for name in FILES:
        path = split_dir / name
        if not path.is_file():
            rep.errors.append(f"{path}: split file not found")
            continue
        listed = parse_split(path.read_text())
        if name == "train.txt" and not listed:
            rep.errors.append(f"{path}: empty; GraspGen needs at least one training object")
        for key in sorted({k for k in listed if listed.count(k) > 1}):
            rep.errors.append(f"{path}: '{key}' is listed more than once")
        for key in listed:
            if key not in mapping or key not in files:
                rep.errors.append(
                    f"{path}: '{key}' has no grasp file with that object.file in {grasp_dir} (GraspGen drops it: GRASPS_FILE_NOT_FOUND)"
                )
            elif key not in keys:
                keys.append(key)
    return keys


def validate_dataset(
    dataset: str | Path,
    gripper: str,
    *,
    object_root: str | Path | None = None,
    config_dir: str | Path | None = None,
    min_positives: int = _PARAMS.min_positives,
    require_collision_mesh: bool = True,
    visibility_distance: float = _PARAMS.visibility_distance,
    surface_samples: int = _PARAMS.surface_samples,
) -> Report:
    """Check ``dataset`` (with ``grasp_data/``, ``splits/``) for ``gripper``; see the module docstring."""
    dataset = Path(dataset)
    object_root = Path(object_root) if object_root is not None else dataset / "objects"
    config_dir = Path(config_dir) if config_dir is not None else dataset / "config" / "grippers"
    grasp_dir, split_dir = dataset / "grasp_data" / gripper, dataset / "splits" / gripper
    rep = Report()
    if not grasp_dir.is_dir():
        rep.errors.append(f"{grasp_dir}: grasp folder not found")
        return rep
    for tar in sorted(grasp_dir.glob("*.tar")):
        rep.errors.append(f"{tar}: a *.tar makes GraspGen read the whole folder as a WebDataset")
    files, hashes = _read_grasp_files(grasp_dir, rep)
    depth = check_gripper_files(config_dir, gripper, rep, require_mesh=require_collision_mesh)
    check_gripper_hashes(hashes, config_dir / f"{gripper}.yaml", rep)
    mapping = _check_map(grasp_dir, files, rep)
    keys = _check_splits(split_dir, grasp_dir, mapping, files, rep)
    extents = []
    for key in keys:
        path, transforms, success, scale = files[key]
        ext = _check_object(
            key,
            path,
            transforms,
            success,
            scale,
            object_root=object_root,
            depth=depth,
            min_positives=min_positives,
            visibility=visibility_distance,
            samples=surface_samples,
            rep=rep,
        )
        rep.objects[key] = {"positives": int(success.sum()), "negatives": int((~success).sum())}
        if ext is not None and ext > 0:
            extents.append(ext)
    rep.kappa = float(1.0 / np.mean(extents)) if extents else None
    return rep


def check_dataset(dataset: str | Path, gripper: str, **kwargs: Any) -> Report:
    """:func:`validate_dataset`, raising InputError listing every error."""
    rep = validate_dataset(dataset, gripper, **kwargs)
    if rep.errors:
        shown = first_n(rep.errors, 20, sep="\n  ")
        raise InputError(f"{dataset}: GraspGen dataset check failed ({len(rep.errors)} error(s)):\n  {shown}")
    return rep
