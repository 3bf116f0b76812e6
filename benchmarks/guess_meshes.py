"""Guess coverage on a folder of real meshes: which objects fall short of the collision-free quota, and
whether they could be held at all (narrowest width against the stroke). Each mesh is centred and
scaled so its largest side is ``--size`` metres. Prints a row per mesh and the totals; writes
metrics/bench/guess_meshes.json; never asserts.

    PYTHONPATH=src python benchmarks/guess_meshes.py path/to/meshes [--size 0.1] [--samplers finger_pad=1]

For a free set of everyday meshes: ``pip download pybullet==3.2.7 --no-deps --no-binary :all:`` and
unpack ``examples/pybullet/gym/pybullet_data`` from the sdist (duck, bunny, mug, lego, gears, ...).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import trimesh

from dexgen.atomic import write_json
from dexgen.cli.guess import parse_mix
from dexgen.grippers.loader import load_gripper
from dexgen.guess.coverage import approach_fraction
from dexgen.guess.guesses import guess_object
from dexgen.objects.width import min_width
from dexgen.params.guess import GuessConfig
from dexgen.seeding import rng_for

OUT = Path("metrics/bench/guess_meshes.json")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("folder", type=Path)
    parser.add_argument("--size", type=float, default=0.1, help="largest side after scaling, m")
    parser.add_argument("--gripper", default="robotiq_2f_85")
    parser.add_argument("--samplers", help="NAME=FRACTION,... (default: the params default mix)")
    args = parser.parse_args()
    gripper = load_gripper(args.gripper)
    cfg = GuessConfig()
    if args.samplers:
        cfg = dataclasses.replace(cfg, samplers=parse_mix(args.samplers))
    stroke = gripper.max_opening - 2 * cfg.clearance
    rows = []
    for path in sorted(
        p for p in args.folder.rglob("*") if p.suffix.lower() in (".obj", ".stl", ".ply", ".glb")
    ):
        mesh = trimesh.load(path, force="mesh")
        if len(mesh.faces) < 4:
            continue
        mesh.apply_translation(-mesh.bounding_box.centroid)
        mesh.apply_scale(args.size / mesh.extents.max())
        name = path.relative_to(args.folder).as_posix()
        res = guess_object(mesh, gripper, cfg, rng_for(0, "bench-meshes", name))
        free = res.labels == 0
        row = {
            "mesh": name,
            "min_width_mm": round(1000 * min_width(mesh), 1),
            "collision_free": res.stats["found"]["collision_free"],
            "colliding": res.stats["found"]["colliding"],
            "approach_fraction": round(approach_fraction(res.poses[free]), 3),
        }
        rows.append(row)
        print(
            f"{name:45s} narrowest {row['min_width_mm']:6.1f} mm  free {row['collision_free']:3d}  "
            f"colliding {row['colliding']:3d}  approach {row['approach_fraction']:.2f}",
            flush=True,
        )
    quota = cfg.num_collision_free_grasps
    fit = [r for r in rows if r["min_width_mm"] < 1000 * stroke]
    totals = {
        "meshes": len(rows),
        "short_of_collision_free_quota": [r["mesh"] for r in rows if r["collision_free"] < quota],
        "narrow_enough": len(fit),
        "narrow_enough_but_short": [r["mesh"] for r in fit if r["collision_free"] < quota],
        "samplers": cfg.samplers,
    }
    print(json.dumps(totals, indent=1))
    write_json(OUT, {**totals, "per_mesh": rows})


if __name__ == "__main__":
    main()
