"""MuJoCo against Isaac Lab PhysX over hands, presets, object sets and MuJoCo settings: one table.

``dexgen sim-compare`` answers one question (one pair of engines, one guess folder). Issue 28 asks a
matrix of them: at the gripper's own force, for the box and the real 2F-85, under both protocol
presets, on the builtin objects and on ``examples/meshes``, and for ``impratio`` 1 against 10. Each cell
is a ``dexgen sim-compare`` run with its own out folder under ``--work`` (so an interrupted matrix
resumes cell by cell and object by object); the objects and each hand's guesses are made once per set,
as the pipeline makes them (``dexgen objects``, ``dexgen guess``, the params' seed).

Writes ``metrics/engine_matrix.json`` (every cell's headline and per-kind figures) and prints a Markdown
table. A measurement, not a test; needs the Isaac Lab environment (``make isaaclab-env``).

    python scripts/engine_matrix.py --work /tmp/matrix                   # the whole matrix
    python scripts/engine_matrix.py --work /tmp/matrix --only box-graspdatagen-builtin-10,real-dexgen-builtin-10

``--only`` runs the cells it names and replaces them in ``--out``, keeping the other cells there. A cell
already run under ``--work`` is read back, not run again: delete its ``cells/<name>.json`` after changing
what it measures.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from dexgen import atomic  # noqa: E402

HANDS = {"box": "robotiq_2f_85", "real": "robotiq_2f_85_real"}
PRESETS = ("dexgen", "graspdatagen")
SETS = ("builtin", "examples")
IMPRATIOS = (1.0, 10.0)
EXAMPLES_TRIALS = 540  # 3 meshes: >= 1,000 trials a cell (half near misses; the 64-guess quota caps the rest)


def dexgen(*args: str) -> None:
    subprocess.run([sys.executable, "-m", "dexgen.cli.main", *args], cwd=ROOT, check=True)


def objects(which: str, params: str, work: Path) -> Path:
    out = work / which / "objects"
    if not (out / ".done").exists():
        extra = (
            [
                "--source",
                "directory",
                "--object_dataset",
                "examples/meshes",
                "--object_scales_json",
                "examples/meshes/object_scales.json",
            ]
            if which == "examples"
            else ["--source", "builtin"]
        )
        dexgen(
            "objects",
            "--params",
            params,
            "--out",
            str(out),
            "--report",
            str(work / which / "objects.json"),
            *extra,
        )
        (out / ".done").write_text("")
    return out


def guesses(which: str, hand: str, params: str, work: Path, objects_dir: Path) -> Path:
    out = work / which / f"guesses_{hand}"
    for shard in sorted(p for p in objects_dir.iterdir() if p.is_dir()):
        done = out / shard.name / ".done"
        if not done.exists():
            dexgen(
                "guess",
                "--params",
                params,
                "--objects",
                str(shard),
                "--out",
                str(out / shard.name),
                "--gripper",
                HANDS[hand],
            )
            done.write_text("")
    return out


def cell(hand: str, preset: str, which: str, impratio: float, params: str, work: Path) -> dict:
    name = f"{hand}-{preset}-{which}-{impratio:g}"
    metrics = work / "cells" / f"{name}.json"
    if not metrics.exists():
        objects_dir = objects(which, params, work)
        guess_dir = guesses(which, hand, params, work, objects_dir)
        a = {"protocol": {"preset": preset}, "impratio": impratio}
        b = {"backend": "isaaclab", "isaaclab": {"physics": "physx"}, "protocol": {"preset": preset}}
        args = ["--a", yaml.safe_dump(a, default_flow_style=True).strip()]
        args += ["--b", yaml.safe_dump(b, default_flow_style=True).strip()]
        if which == "examples":
            args += ["--trials-per-object", str(EXAMPLES_TRIALS)]
        dexgen(
            "sim-compare", "--params", params, "--objects", str(objects_dir), "--guesses", str(guess_dir),
            "--cache", str(ROOT / "data/cache"), "--out", str(work / "cells" / name), "--metrics", str(metrics),
            "--pictures", str(work / "cells" / f"{name}_pictures"), "--max-objects", "0", *args,
        )  # fmt: skip
    result = json.loads(metrics.read_text())
    keep = ("trials", "agreement", "kappa", "success_rate_a", "success_rate_b", "confusion")
    return {
        "hand": hand,
        "preset": preset,
        "set": which,
        "impratio": impratio,
        "engines": result["engines"],
        **{k: result[k] for k in keep if k in result},
        "by_kind": result["by_kind"],
    }


def table(cells: list[dict]) -> str:
    lines = [
        "| hand | preset | objects | MuJoCo impratio | trials | held MuJoCo | held PhysX | agreement | kappa |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in cells:
        lines.append(
            f"| {c['hand']} | {c['preset']} | {c['set']} | {c['impratio']:g} | {c['trials']:,} | "
            f"{100 * c['success_rate_a']:.1f} % | {100 * c['success_rate_b']:.1f} % | "
            f"{100 * c['agreement']:.1f} % | {c['kappa']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--work", required=True, help="folder for objects, guesses and each cell's runs")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"))
    parser.add_argument("--hands", default=",".join(HANDS))
    parser.add_argument("--presets", default=",".join(PRESETS))
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--impratios", default=",".join(f"{x:g}" for x in IMPRATIOS))
    parser.add_argument(
        "--only", default=None, help="cells, comma-separated, e.g. real-graspdatagen-examples-10"
    )
    parser.add_argument("--out", default=str(ROOT / "metrics/engine_matrix.json"))
    args = parser.parse_args()
    work = Path(args.work).resolve()
    grid = itertools.product(
        args.hands.split(","),
        args.presets.split(","),
        args.sets.split(","),
        [float(x) for x in args.impratios.split(",")],
    )
    only = set(args.only.split(",")) if args.only else None
    cells = []
    for hand, preset, which, impratio in grid:
        if only is None or f"{hand}-{preset}-{which}-{impratio:g}" in only:
            cells.append(cell(hand, preset, which, impratio, args.params, work))
    out = Path(args.out)
    if only is not None and out.exists():  # the other cells as they were
        key = lambda c: (c["hand"], c["preset"], c["set"], c["impratio"])  # noqa: E731
        new = {key(c): c for c in cells}
        old = json.loads(out.read_text())["cells"]
        cells = [new.pop(key(c), c) for c in old] + list(new.values())
    atomic.write_text(out, json.dumps({"cells": cells}, indent=1) + "\n")
    print(table(cells))


if __name__ == "__main__":
    main()
