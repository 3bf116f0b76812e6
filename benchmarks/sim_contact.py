"""What the squeeze at the gripper's own force costs MuJoCo: trials/s of the contact settings against the old ones.

Issue 28 kept 235 N pads on the surface with a stiffer finger contact (``finger_solimp`` dmax 0.999, was 0.99)
and, at the graspdatagen preset's 4 ms step, two MuJoCo substeps (``substeps`` null; MuJoCo clamps finger_solref's
4 ms time constant to 2 dt). This times both presets on the procedural kinds of ``benchmarks/sim.py`` (box and
real 2F-85, their default guesses, one thread), the settings of today against ``--before`` in the same run,
interleaved so drift in the machine's speed hits both, and prints trials/s, their ratio and the labels that
moved. Writes metrics/bench/sim_contact.json. Never fails on time.

    python benchmarks/sim_contact.py
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from sim import KINDS, prepare

from dexgen import atomic
from dexgen.grippers.description import load_model
from dexgen.params.sim import SimConfig, protocol_preset, sim_variant
from dexgen.records.trials import REASONS
from dexgen.sim.registry import make_backend

BEFORE = "{finger_solimp: [0.95, 0.99, 0.001], substeps: 1}"


def timed(cfg: SimConfig, gripper, obj, poses, openings, repeat: int) -> tuple[float, np.ndarray]:
    """Seconds for ``repeat`` runs of the trials after a warm-up, and the reasons of the last."""
    with make_backend(cfg) as backend:
        backend.run(obj, gripper, poses[:4], openings[:4])
        start = time.perf_counter()
        for _ in range(repeat):
            trials = backend.run(obj, gripper, poses, openings)
        return time.perf_counter() - start, trials.reason


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kinds", nargs="+", default=list(KINDS))
    parser.add_argument("--presets", nargs="+", default=["dexgen", "graspdatagen"])
    parser.add_argument("--hands", nargs="+", default=["robotiq_2f_85", "robotiq_2f_85_real"])
    parser.add_argument("--before", default=BEFORE, help="sim keys (YAML) of the settings to compare against")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--out", default="metrics/bench/sim_contact.json")
    args = parser.parse_args()
    before_keys = yaml.safe_load(args.before)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for preset in args.presets:
            now = SimConfig(protocol=protocol_preset(preset), threads=1)
            before = sim_variant(now, before_keys, where="--before")
            seconds = {"now": 0.0, "before": 0.0}
            trials, moved, crossed = 0, 0, {"now": 0, "before": 0}
            for hand in args.hands:
                for kind in args.kinds:
                    box, obj, poses, openings, *_ = prepare(kind, now, Path(tmp))
                    gripper = box if hand == "robotiq_2f_85" else load_model(hand)
                    reasons = {}
                    for name, cfg in (("before", before), ("now", now)):
                        s, reasons[name] = timed(cfg, gripper, obj, poses, openings, args.repeat)
                        seconds[name] += s
                        crossed[name] += int((reasons[name] == REASONS.index("crossed")).sum())
                    trials += args.repeat * len(poses)
                    moved += int((reasons["now"] != reasons["before"]).sum())
            row = {
                "preset": preset,
                "substeps": {"before": before.mujoco_substeps, "now": now.mujoco_substeps},
                "trials": trials,
                "trials_per_s_before": round(trials / seconds["before"], 1),
                "trials_per_s_now": round(trials / seconds["now"], 1),
                "now_vs_before": round(seconds["before"] / seconds["now"], 2),
                "reasons_moved": moved,
                "crossed": crossed,
            }
            rows.append(row)
            print(json.dumps(row))
    result = {"before": before_keys, "kinds": args.kinds, "hands": args.hands, "threads": 1, "presets": rows}
    atomic.write_json(args.out, result)


if __name__ == "__main__":
    main()
