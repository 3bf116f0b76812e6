"""Train/valid splits over objects: ``splits/<gripper>/{train,valid}.txt``, one object key per line.

GraspDataGen shuffles without a seed (graspdatagen.md §7). Here each object's rank is
``derive_seed(seed, "graspgen-split", key)`` and the lowest ranks go to valid, so the split depends
only on the seed and the key set, and adding an object moves at most one other object. Split files a
person wrote are kept while they cover the current objects (and refused if they name unknown ones);
a sidecar records the hashes of the files we wrote, so ours are simply rewritten.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from dexgen.atomic import write_json, write_text
from dexgen.errors import InputError
from dexgen.hashing import sha256_bytes
from dexgen.listing import first_n
from dexgen.seeding import derive_seed

log = logging.getLogger(__name__)

FILES = ("train.txt", "valid.txt")
SIDECAR = ".dexgen-splits.json"  # hashes of the split files dexgen wrote


def parse_split(text: str) -> list[str]:
    """Keys of a split file as GraspGen reads them: whitespace stripped, empty lines skipped (§5)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_split(path: str | Path) -> list[str]:
    path = Path(path)
    try:
        return parse_split(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: split file not found") from None


def make_splits(keys: list[str], *, seed: int, valid_fraction: float) -> tuple[list[str], list[str]]:
    """(train, valid) keys, each sorted. Valid gets ``max(1, int(n * fraction))`` keys when n >= 2 and
    fraction > 0; a single object goes to both files (GraspGen accepts an object in both)."""
    keys = sorted(set(keys))
    if len(keys) == 1:
        return keys, (list(keys) if valid_fraction > 0 else [])
    n_valid = max(1, int(len(keys) * valid_fraction)) if valid_fraction > 0 and keys else 0
    ranked = sorted(keys, key=lambda k: (derive_seed(seed, "graspgen-split", k), k))
    valid = set(ranked[:n_valid])
    return [k for k in keys if k not in valid], sorted(valid)


def _text(keys: list[str]) -> str:
    return "".join(f"{k}\n" for k in keys)


def _ours(split_dir: Path) -> bool:
    try:
        recorded = json.loads((split_dir / SIDECAR).read_text())
    except (OSError, json.JSONDecodeError):
        return False
    return all(recorded.get(name) == sha256_bytes((split_dir / name).read_bytes()) for name in FILES)


def write_splits(
    split_dir: str | Path, keys: list[str], *, seed: int, valid_fraction: float
) -> tuple[list[str], list[str], str]:
    """Write (or keep) the split files for ``keys``; returns (train, valid, "written" | "kept" | "unchanged").

    User-written files (not recorded in the sidecar) are kept when every current key appears in
    them; they are replaced, with a warning, when some key is missing; naming a key that is not in
    ``keys`` is an InputError naming the file.
    """
    split_dir = Path(split_dir)
    paths = [split_dir / name for name in FILES]
    current = set(keys)
    if all(p.is_file() for p in paths) and not _ours(split_dir):
        train, valid = (read_split(p) for p in paths)
        for path, listed in zip(paths, (train, valid)):
            dupes = sorted({k for k in listed if listed.count(k) > 1})
            if dupes:
                raise InputError(f"{path}: lists {first_n(dupes, 5)} more than once")
            unknown = sorted(set(listed) - current)
            if unknown:
                raise InputError(
                    f"{path}: names {len(unknown)} object(s) with no grasp file in this dataset: "
                    f"{first_n(unknown, 5)}; known objects are e.g. "
                    f"{sorted(current)[:5]}. Fix or delete the split files."
                )
        missing = sorted(current - set(train) - set(valid))
        if not missing:
            return train, valid, "kept"
        log.warning(
            "%s: user split files miss %d current object(s) (%s); writing new seeded splits",
            split_dir,
            len(missing),
            first_n(missing, 5),
        )
    elif any(p.is_file() for p in paths) and not all(p.is_file() for p in paths):
        log.warning("%s: only one of %s exists; writing new seeded splits", split_dir, list(FILES))
    train, valid = make_splits(keys, seed=seed, valid_fraction=valid_fraction)
    texts = {name: _text(ks) for name, ks in zip(FILES, (train, valid))}
    if all(p.is_file() and p.read_text() == texts[p.name] for p in paths) and _ours(split_dir):
        return train, valid, "unchanged"
    for path in paths:
        write_text(path, texts[path.name])
    write_json(split_dir / SIDECAR, {name: sha256_bytes(t.encode()) for name, t in texts.items()})
    return train, valid, "written"
