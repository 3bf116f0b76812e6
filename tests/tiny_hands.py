"""Tiny two-finger URDFs the importers never saw, written with box meshes into a test's folder.

``slide``: fingers on prismatic joints (the left one mimics ``finger_joint``), pads 90 mm apart open,
10 mm apart at the joint limit, closing force 70 N (a prismatic effort). ``curl``: fingers hinged at
the palm that swing inward about y (the right one mimics with multiplier -1); their tips touch at
about 0.31 rad, before the 0.6 rad limit. Options break one thing at a time for the refusal tests.
"""

from __future__ import annotations

from pathlib import Path

import trimesh

SLIDE_OPEN = 0.09  # metres between the slide hand's pads at q = 0
SLIDE_CLOSED = 0.01  # ... at the joint's upper limit 0.04 (each finger moves 40 mm)
SLIDE_FORCE = 70.0  # newtons, the prismatic joint's effort


def _joint(name: str, kind: str, child: str, xyz: str, axis: str, limit: str, mimic: str) -> str:
    return (
        f'<joint name="{name}" type="{kind}"><parent link="palm"/><child link="{child}"/>'
        f'<origin xyz="{xyz}"/><axis xyz="{axis}"/>{limit}{mimic}</joint>'
    )


def _link(name: str, mesh: str, z: float) -> str:
    return (
        f'<link name="{name}"><collision><origin xyz="0 0 {z}"/><geometry>'
        f'<mesh filename="meshes/{mesh}"/></geometry></collision></link>'
    )


def write_hand(
    folder: Path,
    *,
    kind: str = "slide",
    mimic: float | None = None,
    limits: bool = True,
    fingers_z: float | None = None,
    missing_mesh: bool = False,
    one_finger: bool = False,
) -> Path:
    """Write ``folder/<kind>.urdf`` and its meshes; returns the URDF path.

    mimic : the following finger's multiplier (default the one that closes the hand).
    limits : False drops the driven joint's <limit>. fingers_z : the finger joints' height (default
    0.1 slide, 0.05 curl; 0 puts the fingers level with the palm's origin). missing_mesh : the right
    finger's mesh file is not written. one_finger : the left finger is fixed (nothing follows).
    """
    meshes = folder / "meshes"
    meshes.mkdir(parents=True, exist_ok=True)
    trimesh.creation.box(extents=(0.12, 0.04, 0.04)).export(meshes / "palm.stl")
    finger = (0.01, 0.02, 0.05) if kind == "slide" else (0.01, 0.02, 0.08)
    trimesh.creation.box(extents=finger).export(meshes / "left.stl")
    if not missing_mesh:
        trimesh.creation.box(extents=finger).export(meshes / "right.stl")
    if kind == "slide":
        z = 0.1 if fingers_z is None else fingers_z
        jtype, axes, x, upper, centre = "prismatic", ("-1 0 0", "1 0 0"), 0.05, 0.04, 0.0
        follow = 1.0 if mimic is None else mimic
    else:
        z = 0.05 if fingers_z is None else fingers_z
        jtype, axes, x, upper, centre = "revolute", ("0 1 0", "0 1 0"), 0.03, 0.6, 0.04
        follow = -1.0 if mimic is None else mimic
    limit = f'<limit lower="0" upper="{upper}" effort="{SLIDE_FORCE}" velocity="0.1"/>'
    left = (
        f'<joint name="left_joint" type="fixed"><parent link="palm"/><child link="left_finger"/>'
        f'<origin xyz="{-x} 0 {z}"/></joint>'
        if one_finger
        else _joint(
            "left_joint", jtype, "left_finger", f"{-x} 0 {z}", axes[1], limit,
            f'<mimic joint="finger_joint" multiplier="{follow}"/>',
        )
    )  # fmt: skip
    right = _joint("finger_joint", jtype, "right_finger", f"{x} 0 {z}", axes[0], limit if limits else "", "")
    if kind == "curl":  # the driven finger is the left one: it swings +x about +y
        right = _joint(
            "right_joint", jtype, "right_finger", f"{x} 0 {z}", axes[0], limit,
            f'<mimic joint="finger_joint" multiplier="{follow}"/>',
        )  # fmt: skip
        left = _joint(
            "finger_joint", jtype, "left_finger", f"{-x} 0 {z}", axes[1], limit if limits else "", ""
        )
    text = (
        f'<?xml version="1.0"?><robot name="tiny_{kind}">'
        f"{_link('palm', 'palm.stl', 0.02)}{_link('left_finger', 'left.stl', centre)}"
        f"{_link('right_finger', 'right.stl', centre)}{right}{left}</robot>"
    )
    path = folder / f"{kind}.urdf"
    path.write_text(text)
    return path
