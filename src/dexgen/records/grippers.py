"""The gripper block every output file carries: name, content hash, source name and the YAML text.

A later step rebuilds the gripper from this block, never by looking its name up again, so a gripper
given as a file anywhere (``guess.gripper: /data/my_gripper.yaml``) works through every stage, and
a file edited between two stages is caught by its hash instead of silently mixing descriptions.
"""

from __future__ import annotations

from typing import Any

from dexgen.errors import InputError
from dexgen.grippers.loader import parse_gripper
from dexgen.grippers.spec import Gripper, ParallelJawGripper

FIELDS = ("name", "sha256", "source", "yaml")


def gripper_record(gripper: Gripper) -> dict[str, str]:
    """The block written into outputs made with ``gripper`` (a loaded gripper: it must carry its text)."""
    if not gripper.document or not gripper.sha256:
        raise ValueError(f"{gripper.name}: not a loaded gripper (no file text or hash to record)")
    return {
        "name": gripper.name,
        "sha256": gripper.sha256,
        "source": gripper.source,
        "yaml": gripper.document,
    }


def gripper_from_record(record: Any, *, where: str) -> Gripper:
    """Rebuild the gripper a file was made with from its block; ``where`` names the file in errors."""
    if not isinstance(record, dict) or any(k not in record for k in FIELDS):
        raise InputError(
            f"{where}: no gripper block (name, sha256, source, yaml); the file was made by an older "
            "dexgen: re-run the stage that wrote it"
        )
    gripper = parse_gripper(
        record["yaml"].encode("utf-8"), where=f"{where}: gripper {record['name']}", source=record["source"]
    )
    if gripper.sha256 != record["sha256"]:
        raise InputError(
            f"{where}: the embedded {record['name']} description hashes to {gripper.sha256[:12]}, but the "
            f"file records {record['sha256'][:12]}; the file is corrupt: re-run the stage that wrote it"
        )
    return gripper


def same_gripper(a: dict[str, Any], b: dict[str, Any], *, where_a: str, where_b: str) -> None:
    """Refuse two blocks that describe different grippers, naming both files and both hashes; a block
    without a hash proves nothing, so two of them are not the same gripper either."""
    for block, where in ((a, where_a), (b, where_b)):
        if not isinstance(block, dict) or not block.get("sha256"):
            raise InputError(
                f"{where}: records no gripper hash, so it cannot be matched with "
                f"{where_b if where == where_a else where_a}; re-run the stage that wrote it"
            )
    if a.get("sha256") != b.get("sha256"):
        raise InputError(
            f"gripper mismatch: {where_a} was made with {a.get('name')} (sha256 {str(a.get('sha256'))[:12]}) "
            f"but {where_b} with {b.get('name')} (sha256 {str(b.get('sha256'))[:12]}); re-run the stage "
            "that made the older one"
        )


def parallel_jaw_from_record(record: Any, *, where: str) -> ParallelJawGripper:
    """:func:`gripper_from_record` for steps that need two fingers (simulation, GraspGen export)."""
    gripper = gripper_from_record(record, where=where)
    if not isinstance(gripper, ParallelJawGripper):
        raise InputError(f"{where}: gripper {gripper.name} is {gripper.kind}; this step needs a parallel jaw")
    return gripper
