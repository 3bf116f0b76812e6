"""The validation report ``metrics/sim.json``, built from every shard's ``summary.json``.

It answers four questions: how often are the antipodal guesses held (per object and overall); does
the trial discriminate -- a **negative control** compares antipodal guesses with uniformly random
collision-free poses on the same objects, and the two rates must differ clearly (their 95 % Wilson
intervals must not overlap); how many guesses start inside the object's *simulation* geometry
(the convex parts, which the guess stage's exact-mesh check does not see); and how many held trials
**moved** in the hand past the ``sim_report`` limits (:mod:`dexgen.sim.motion`; the ``contact`` rule
holds an object that slid or turned far during the tugs).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from dexgen.atomic import write_json
from dexgen.errors import InputError
from dexgen.params.sim_report import SimReportConfig
from dexgen.rates import rate as _rate
from dexgen.sim.motion import motion_summary

log = logging.getLogger(__name__)

ANTIPODAL, RANDOM = "collision_free", "random"


def build_report(summaries: list[dict[str, Any]], *, motion: dict[str, Any] | None = None) -> dict[str, Any]:
    """The report dict from shard summaries (see :func:`dexgen.sim.shard.summarise`) and, where given, the
    motion of the held trials (:func:`dexgen.sim.motion.motion_summary`: its totals, and a row per object)."""
    per_object, totals, failures = [], {}, {}
    pen = {"trials": 0, "start_in_penetration": 0, "start_beyond_tolerance": 0}
    paired = {ANTIPODAL: [0, 0], RANDOM: [0, 0]}  # objects that have both kinds of trial
    fallbacks, methods = [], {}
    for summary in summaries:
        fallbacks += summary.get("hull_fallbacks", [])
        for method, count in summary.get("decomposition_methods", {}).items():
            methods[method] = methods.get(method, 0) + count
        for obj in summary["objects"]:
            stats = obj["stats"]
            row = {
                "object": obj["object"],
                "shard": summary["shard"],
                "decomposition": obj["decomposition"]["method"],
            }
            for label, s in stats.items():
                row[label] = _rate(s["held"], s["trials"])
                t = totals.setdefault(label, [0, 0])
                t[0] += s["held"]
                t[1] += s["trials"]
                for key, count in s["failures"].items():
                    f = failures.setdefault(label, {})
                    f[key] = f.get(key, 0) + count
            if ANTIPODAL in stats:
                for key in pen:
                    pen[key] += stats[ANTIPODAL][key]
            if ANTIPODAL in stats and RANDOM in stats:
                for label in paired:
                    paired[label][0] += stats[label]["held"]
                    paired[label][1] += stats[label]["trials"]
            if motion is not None:
                row["motion"] = motion["objects"].get(obj["object"], {})
            per_object.append(row)
    a, r = _rate(*paired[ANTIPODAL]), _rate(*paired[RANDOM])
    separated = a["ci95"] is not None and r["ci95"] is not None and a["ci95"][0] > r["ci95"][1]
    overall = _rate(*totals.get(ANTIPODAL, [0, 0]))
    return {
        "gripper": summaries[0].get("gripper") if summaries else None,
        "engine": summaries[0].get("engine") if summaries else None,
        # N per finger the trials squeezed with (sim.closing_force or the gripper's own), every value met
        "closing_force_n": sorted({f for s in summaries for f in s.get("closing_force_n", [])}),
        "shards": [s["shard"] for s in summaries],
        "num_objects": len(per_object),
        "success_rate": overall["rate"],
        "overall": {label: _rate(*t) for label, t in sorted(totals.items())},
        "negative_control": {
            "objects": sum(1 for o in per_object if ANTIPODAL in o and RANDOM in o),
            "antipodal": a,
            "random": r,
            "difference": round(a["rate"] - r["rate"], 6)
            if a["rate"] is not None and r["rate"] is not None
            else None,
            "separated": separated,  # the 95 % intervals do not overlap
        },
        "start_penetration": {
            "label": ANTIPODAL,
            "trials": pen["trials"],
            "fraction": round(pen["start_in_penetration"] / pen["trials"], 6) if pen["trials"] else None,
            "fraction_beyond_tolerance": round(pen["start_beyond_tolerance"] / pen["trials"], 6)
            if pen["trials"]
            else None,
        },
        "failures": {label: dict(sorted(f.items())) for label, f in sorted(failures.items())},
        **({"motion": {k: motion[k] for k in ("limits", "overall")}} if motion is not None else {}),
        "decomposition_methods": dict(sorted(methods.items())),
        "hull_fallbacks": sorted(fallbacks),
        "objects": sorted(per_object, key=lambda o: o["object"]),
    }


def read_shards(sim_dir: str | Path) -> list[tuple[Path, dict[str, Any]]]:
    """(folder, summary) of every ``shard-*/summary.json`` under ``sim_dir``, in shard order."""
    paths = sorted(Path(sim_dir).glob("shard-*/summary.json"))
    if not paths:
        raise InputError(f"{sim_dir}: no shard-*/summary.json; run the simulate stage first")
    out = []
    for path in paths:
        try:
            out.append((path.parent, json.loads(path.read_text())))
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: not valid JSON ({exc})") from None
    return out


def write_report(
    sim_dir: str | Path, out_path: str | Path, *, config: SimReportConfig | None = None
) -> dict[str, Any]:
    """Build the report from ``sim_dir`` (its summaries and results files) and write it to ``out_path``;
    returns it. ``config`` (default: the committed limits) sets when a held trial counts as moved."""
    config = config if config is not None else SimReportConfig()
    shards = read_shards(sim_dir)
    report = build_report([s for _, s in shards], motion=motion_summary(shards, config))
    write_json(out_path, report)
    nc = report["negative_control"]
    log.info(
        "%s: %d objects, antipodal held %s, random held %s, separated: %s",
        out_path,
        report["num_objects"],
        nc["antipodal"]["rate"],
        nc["random"]["rate"],
        nc["separated"],
    )
    for label, m in report["motion"]["overall"].items():
        if m["moved"]:
            log.info(
                "%s: %d of %d held trials moved past %s m or %s degrees in the hand",
                label,
                m["moved"],
                m["held"],
                config.moved_translation,
                config.moved_rotation,
            )
    if not nc["separated"]:
        log.warning("the negative control does not separate: the trial may not discriminate grasps")
    return report
