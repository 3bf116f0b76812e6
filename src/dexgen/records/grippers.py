"""The gripper block every output file carries: name, content hash, source name and how to rebuild it.

A box gripper's block holds its YAML text: a later step rebuilds the gripper from the block, never by
looking its name up again, so a gripper given as a file anywhere (``guess.gripper:
/data/my_gripper.yaml``) works through every stage. A real hand's block names its description
instead (``description``: a shipped name or an absolute path, and the opening table's ``openings``;
its meshes are megabytes, too much to copy into every file), and the rebuilt model must hash to the
recorded ``sha256``. Either way a file edited between two stages is caught by its hash instead of
silently mixing descriptions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dexgen.errors import InputError
from dexgen.grippers.loader import parse_gripper
from dexgen.grippers.spec import Gripper

if TYPE_CHECKING:  # a real hand's model needs trimesh (and with it fcl, embree): records stay light
    from dexgen.grippers.hand import Hand
    from dexgen.grippers.model import GripperModel

FIELDS = ("name", "sha256", "source", "yaml")
MODEL_FIELDS = ("name", "sha256", "source", "format", "description", "openings")


def gripper_record(gripper: Gripper | GripperModel) -> dict[str, Any]:
    """The block written into outputs made with ``gripper`` (a loaded gripper: it must carry its text,
    or for a real hand, what it was loaded from)."""
    if gripper.hand_model is not None:  # a real hand: what to load its model from
        return model_record(gripper.hand_model)
    if not gripper.document or not gripper.sha256:
        raise ValueError(f"{gripper.name}: not a loaded gripper (no file text or hash to record)")
    return {
        "name": gripper.name,
        "sha256": gripper.sha256,
        "source": gripper.source,
        "yaml": gripper.document,
    }


def model_record(model: GripperModel) -> dict[str, Any]:
    """The block of a real hand: what to load again, and the hash the result must have."""
    if not model.description or not model.sha256:
        raise ValueError(f"{model.name}: not a loaded model (no description or hash to record)")
    return {
        "name": model.name,
        "sha256": model.sha256,
        "source": model.source,
        "format": model.kind,
        "description": model.description,
        "openings": len(model.openings),
    }


def _model_from_record(record: dict[str, Any], *, where: str) -> GripperModel:
    from dexgen.grippers.description import load_model

    if any(k not in record for k in MODEL_FIELDS):
        raise InputError(f"{where}: the real-hand gripper block lacks one of {list(MODEL_FIELDS)}")
    try:
        model = load_model(record["description"], openings=int(record["openings"]))
    except InputError as exc:
        raise InputError(f"{where}: cannot rebuild gripper {record['name']}: {exc}") from None
    if model.sha256 != record["sha256"]:
        raise InputError(
            f"{where}: gripper {record['name']} ({record['description']}) now hashes to "
            f"{model.sha256[:12]}, but the file was made with {record['sha256'][:12]}: the description "
            "changed since; re-run the stage that wrote the file"
        )
    return model


def gripper_from_record(record: Any, *, where: str) -> Gripper | GripperModel:
    """Rebuild the gripper a file was made with from its block; ``where`` names the file in errors."""
    if isinstance(record, dict) and "description" in record and "yaml" not in record:
        return _model_from_record(record, where=where)
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


def parallel_jaw_from_record(record: Any, *, where: str) -> Hand:
    """:func:`gripper_from_record` for steps that need two fingers (simulation, GraspGen export): a box
    :class:`ParallelJawGripper` or a real hand's :class:`GripperModel`."""
    gripper = gripper_from_record(record, where=where)
    if not gripper.two_finger:
        raise InputError(f"{where}: gripper {gripper.name} is {gripper.kind}; this step needs a parallel jaw")
    return gripper
