"""How far held objects moved in the hand: the report's count of held trials past the ``sim_report`` limits.

Each results file records per trial the peak drift of the object in the hand frame after the close
(:mod:`dexgen.records.trials`, format 3). The shard summaries carry only counts, so this reads the three
arrays it needs from every object's file that a summary lists (``<shard folder>/<mesh stem>.npz``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dexgen.errors import InputError
from dexgen.params.sim_report import SimReportConfig
from dexgen.records.trials import read_results

NAMES = ("labels", "success", "peak_translation_drift", "peak_rotation_drift")
COUNTS = ("held", "moved", "past_translation", "past_rotation")


def object_motion(path: Path, key: str, limits: SimReportConfig) -> dict[str, dict[str, Any]]:
    """Per guess label of one results file: held trials, how many moved past either limit (and past each),
    and the largest peaks among the held, metres and degrees (None without a held trial)."""
    if not path.is_file():
        raise InputError(
            f"{path}: results file of {key} missing, though its shard summary lists it; "
            "re-run the simulate stage"
        )
    arrays, meta = read_results(path, record=None, names=NAMES)
    if meta.get("object") != key:
        raise InputError(f"{path}: made for object {meta.get('object')!r}, its shard summary says {key!r}")
    held = arrays["success"].astype(bool)
    out = {}
    for code, label in enumerate(meta.get("guess_labels", [])):
        m = held & (arrays["labels"] == code)
        if not (arrays["labels"] == code).any():
            continue
        t, r = arrays["peak_translation_drift"][m], arrays["peak_rotation_drift"][m]
        past_t, past_r = t > limits.moved_translation, r > limits.moved_rotation
        out[label] = {
            "held": int(m.sum()),
            "moved": int((past_t | past_r).sum()),
            "past_translation": int(past_t.sum()),
            "past_rotation": int(past_r.sum()),
            "max_peak_translation": round(float(t.max()), 6) if len(t) else None,
            "max_peak_rotation": round(float(r.max()), 4) if len(r) else None,
        }
    return out


def motion_summary(shards: list[tuple[Path, dict[str, Any]]], limits: SimReportConfig) -> dict[str, Any]:
    """The report's ``motion`` block from ``(shard folder, its summary)`` pairs: the limits, per guess label
    over every object (with the moved fraction of the held), and per object key."""
    objects, totals = {}, {}
    for folder, summary in shards:
        for obj in summary["objects"]:
            key = obj["object"]
            objects[key] = object_motion(Path(folder) / f"{Path(obj['mesh']).stem}.npz", key, limits)
            for label, counts in objects[key].items():
                total = totals.setdefault(label, dict.fromkeys(COUNTS, 0))
                for name in COUNTS:
                    total[name] += counts[name]
    for total in totals.values():
        total["moved_fraction"] = round(total["moved"] / total["held"], 6) if total["held"] else None
    return {
        "limits": {"translation_m": limits.moved_translation, "rotation_deg": limits.moved_rotation},
        "overall": dict(sorted(totals.items())),
        "objects": dict(sorted(objects.items())),
    }
