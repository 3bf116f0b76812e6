"""``analyze-grasp-data``: counts and success rates of grasp files, and quota criteria that can fail.

Reads GraspGen JSON (success = ``object_in_gripper`` true, strictly booleans) and Isaac-grasp YAML
(success = ``confidence > 0``, a missing confidence counts as 1.0 as in GraspDataGen's sim input).
Unlike GraspDataGen's tool (graspdatagen.md §8) it skips ``map_uuid_to_path.json`` and reports a
failure when criteria are not met, so scripts can stop on it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml

from dexgen.errors import InputError
from dexgen.graspgen.grasp_file import read_grasp_file

SKIPPED = ("map_uuid_to_path.json", "uuid_index.json")
PATTERNS = ("*.json", "*.yaml", "*.yml")


def _yaml_confidences(path: Path) -> np.ndarray:
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise InputError(f"{path}: not valid YAML ({exc})") from None
    grasps = data.get("grasps") if isinstance(data, dict) else None
    if not isinstance(grasps, dict):
        raise InputError(f"{path}: no 'grasps' mapping (not an isaac_grasp file)")
    conf = []
    for name, g in grasps.items():
        value = g.get("confidence", 1.0) if isinstance(g, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise InputError(f"{path}: grasps.{name}.confidence is {value!r}, not a number")
        conf.append(float(value))
    return np.array(conf)


def analyze_file(path: str | Path) -> dict[str, Any]:
    """Counts of one file: total, success, failed, success_rate (and confidence stats for YAML)."""
    path = Path(path)
    out: dict[str, Any] = {"file": str(path)}
    if path.suffix == ".json":
        _, _, success = read_grasp_file(path)
        out["format"] = "graspgen_json"
    else:
        conf = _yaml_confidences(path)
        success = conf > 0
        out["format"] = "isaac_grasp_yaml"
        out["confidence"] = {
            "mean": float(conf.mean()) if len(conf) else None,
            "high": int((conf >= 0.8).sum()),
            "medium": int(((conf >= 0.3) & (conf < 0.8)).sum()),
            "low": int((conf < 0.3).sum()),
        }
    n, ok = len(success), int(success.sum())
    out.update(total=n, success=ok, failed=n - ok, success_rate=ok / n if n else None)
    return out


def grasp_files(path: str | Path) -> list[Path]:
    """``path`` itself, or the grasp files directly in the folder (not recursive, maps and dotfiles skipped)."""
    path = Path(path)
    if path.is_file():
        return [path]
    if not path.is_dir():
        raise InputError(f"{path}: no such file or folder")
    found = {p for pattern in PATTERNS for p in path.glob(pattern)}
    return sorted(p for p in found if p.name not in SKIPPED and not p.name.startswith("."))


def analyze(
    path: str | Path, *, min_success: int = 0, min_failed: int = 0, min_total: int = 0
) -> dict[str, Any]:
    """Per-file results, the aggregate, and the files short of a criterion (``ok`` is False if any)."""
    files, failing = [], []
    for p in grasp_files(path):
        try:
            r = analyze_file(p)
        except InputError as exc:
            files.append({"file": str(p), "error": str(exc)})
            failing.append({"file": str(p), "reasons": [str(exc)]})
            continue
        files.append(r)
        reasons = [
            f"{name} {r[key]} < {limit}"
            for name, key, limit in (
                ("success", "success", min_success),
                ("failed", "failed", min_failed),
                ("total", "total", min_total),
            )
            if r[key] < limit
        ]
        if reasons:
            failing.append({"file": str(p), "reasons": reasons})
    good = [f for f in files if "error" not in f]
    rates = np.array([f["success_rate"] for f in good if f["success_rate"] is not None])
    aggregate = {
        "files": len(files),
        "invalid_files": len(files) - len(good),
        "total": sum(f["total"] for f in good),
        "success": sum(f["success"] for f in good),
        "failed": sum(f["failed"] for f in good),
        "success_rate_mean": float(rates.mean()) if len(rates) else None,
        "success_rate_std": float(rates.std()) if len(rates) else None,
        "success_rate_min": float(rates.min()) if len(rates) else None,
        "success_rate_max": float(rates.max()) if len(rates) else None,
    }
    tot = aggregate["total"]
    aggregate["success_rate"] = aggregate["success"] / tot if tot else None
    criteria = {"min_success": min_success, "min_failed": min_failed, "min_total": min_total}
    return {
        "files": files,
        "aggregate": aggregate,
        "criteria": criteria,
        "failing": failing,
        "ok": not failing and bool(files),
    }
