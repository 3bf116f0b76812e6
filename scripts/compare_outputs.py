"""Compare two pipeline output trees file by file: what a refactor changed, and whether it is content.

    python scripts/compare_outputs.py OLD_REPO NEW_REPO data/objects data/guesses data/sim \\
        --rename data/guesses/robotiq_2f_85=data/guesses --rename data/sim/robotiq_2f_85=data/sim

Each file is one of: ``same bytes``; ``same content`` (every array equal, NaN included, and every JSON
value equal once the keys that record where a file came from are set aside: provenance, hashes of
input files, format versions, the gripper block); or ``different``, with the arrays or keys that
differ. ``--rename`` maps an old relative folder to its new place. Exits 0 when nothing is
``different`` or missing, 1 otherwise.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

# Keys that record how and from what a file was made rather than what it holds.
PROVENANCE_KEYS = {
    "provenance",
    "format_version",
    "gripper",
    "gripper_sha256",
    "params_hash",
    "source_sha256",
    "checkpoint_sha256",
    "dexgen_sha256",
    "code_sha256",
    "code_version",
}


def _strip(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip(v) for k, v in value.items() if k not in PROVENANCE_KEYS}
    if isinstance(value, list):
        return [_strip(v) for v in value]
    return value


def _diff_keys(a: Any, b: Any, path: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b)):
            out += _diff_keys(a.get(key), b.get(key), f"{path}.{key}" if path else key)
        return out
    return [] if a == b else [path or "<value>"]


def _npz_members(data: bytes) -> dict[str, Any]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        out: dict[str, Any] = {}
        for name in zf.namelist():
            raw = zf.read(name)
            if name.endswith(".npy"):
                out[name] = np.load(io.BytesIO(raw), allow_pickle=False)
            elif name.endswith(".json"):
                out[name] = json.loads(raw)
            else:
                out[name] = raw
        return out


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            isinstance(a, np.ndarray)
            and isinstance(b, np.ndarray)
            and a.shape == b.shape
            and a.dtype == b.dtype
            and bool(np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))
        )
    return _strip(a) == _strip(b)


def compare_file(old: Path, new: Path) -> tuple[str, list[str]]:
    """("same bytes" | "same content" | "different", what differs) of two files."""
    a, b = old.read_bytes(), new.read_bytes()
    if a == b:
        return "same bytes", []
    if old.suffix == ".npz":
        ma, mb = _npz_members(a), _npz_members(b)
        differ = [
            n for n in sorted(set(ma) | set(mb)) if n not in ma or n not in mb or not _same(ma[n], mb[n])
        ]
        json_members = [n for n in ma if n.endswith(".json") and n in mb]
        if not differ:
            return "same content", json_members and [
                f"{n}: {k}" for n in json_members for k in _diff_keys(ma[n], mb[n])
            ]
        return "different", differ
    if old.suffix == ".json":
        ja, jb = json.loads(a), json.loads(b)
        if _strip(ja) == _strip(jb):
            return "same content", _diff_keys(ja, jb)
        return "different", _diff_keys(_strip(ja), _strip(jb))
    return "different", ["bytes"]


def compare_trees(old_root: Path, new_root: Path, folder: str, renames: dict[str, str]) -> dict[str, Any]:
    """Counts per verdict for every file under ``folder`` (its old path) and the differing files."""
    new_folder = folder
    for old_prefix, new_prefix in renames.items():
        if folder == old_prefix or folder.startswith(old_prefix + "/"):
            new_folder = new_prefix + folder[len(old_prefix) :]
    counts = {"same bytes": 0, "same content": 0, "different": 0, "missing": 0, "new": 0}
    notes: dict[str, list[str]] = {}
    old_files = {p.relative_to(old_root / folder) for p in (old_root / folder).rglob("*") if p.is_file()}
    new_files = {
        p.relative_to(new_root / new_folder) for p in (new_root / new_folder).rglob("*") if p.is_file()
    }
    for rel in sorted(old_files | new_files):
        if rel not in new_files:
            counts["missing"] += 1
            notes[str(rel)] = ["only in the old tree"]
            continue
        if rel not in old_files:
            counts["new"] += 1
            notes[str(rel)] = ["only in the new tree"]
            continue
        verdict, what = compare_file(old_root / folder / rel, new_root / new_folder / rel)
        counts[verdict] += 1
        if verdict == "different":
            notes[str(rel)] = what
        elif what:
            key = "; ".join(sorted(set(what)))
            notes.setdefault(f"<same content, differing in: {key}>", []).append(str(rel))
    return {"folder": folder, "new_folder": new_folder, "counts": counts, "notes": notes}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("old", type=Path)
    parser.add_argument("new", type=Path)
    parser.add_argument("folders", nargs="+", help="folders relative to the old repo root")
    parser.add_argument("--rename", action="append", default=[], metavar="OLD=NEW")
    parser.add_argument("--details", action="store_true", help="list every file whose content differs")
    args = parser.parse_args(argv)
    renames = dict(r.split("=", 1) for r in args.rename)
    bad = False
    for folder in args.folders:
        report = compare_trees(args.old, args.new, folder, renames)
        counts = report["counts"]
        print(f"{folder} -> {report['new_folder']}: " + ", ".join(f"{v} {k}" for k, v in counts.items() if v))
        for name, what in report["notes"].items():
            if name.startswith("<same content"):
                print(f"  {len(what)} files {name[1:-1]}")
            elif args.details or len(report["notes"]) <= 20:
                print(f"  {name}: {', '.join(what[:8])}")
        bad |= bool(counts["different"] or counts["missing"] or counts["new"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
