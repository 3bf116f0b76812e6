"""Which two links are the fingers, when a description does not say: one rule for every format.

Robot descriptions rarely mark fingers. The rule (the URDF importer's): two links named ``*pad*``
with collision geometry; else the two links with geometry that the driven joint moves (directly, via
mimic joints or equality constraints) and below which no other link carries geometry, i.e. the
fingertips. Anything else (none, or more than two) is left to the user to name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

MOVED = 1e-9  # m (and rotation entries): a link whose pose changes more than this over the stroke moves


def guess_fingers(
    meshes: Mapping[str, object],
    parents: Mapping[str, str | None],
    link_poses: Callable[[float], Mapping[str, np.ndarray]],
    limits: tuple[float, float],
) -> tuple[str, str] | None:
    """The two finger links of a gripper, or None when the rule does not single out two.

    ``parents`` maps each link to its parent link (None at the root); ``link_poses`` and ``limits``
    are the articulation's, used to see which links the driven joint moves.
    """
    pads = sorted(link for link in meshes if "pad" in link.lower())
    if len(pads) == 2:
        return pads[0], pads[1]
    open_, closed = link_poses(limits[0]), link_poses(limits[1])
    moved = {
        link for link in meshes if np.abs(np.asarray(open_[link]) - np.asarray(closed[link])).max() > MOVED
    }
    carries_below: set[str] = set()  # links with geometry somewhere under them
    for link in meshes:
        parent = parents.get(link)
        while parent is not None and parent not in carries_below:
            carries_below.add(parent)
            parent = parents.get(parent)
    tips = sorted(link for link in moved if link not in carries_below)
    return (tips[0], tips[1]) if len(tips) == 2 else None
