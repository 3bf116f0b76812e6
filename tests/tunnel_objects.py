"""The objects of the tunnelling tests (MuJoCo's and PhysX's): what a 235 N squeeze must not pass through."""

from __future__ import annotations

import numpy as np
import trimesh

from dexgen.params.sim import DecompositionConfig, SimConfig
from dexgen.sim.decomposition import Decomposition, decompose
from dexgen.sim.objects import make_sim_object

FORCE = 235.0  # N, the 2F-85's own (its YAML and its datasheet maximum)
BELOW_TOP = 0.012  # m of the object's top above the TCP (the real 2F-85's knuckles swing in higher up)
FINAL_TOLERANCE = 0.001  # m: the final opening is within this of the width at the grasp
# m: the opening never falls further below the width during the trial. The pads meet the object at up to
# ~0.1 m/s and MuJoCo's contact yields over its time constant (finger_solref's 4 ms, at least 2 dt) before it
# pushes back: up to 2.2 mm at 4 ms dt, transiently. A pad through a 5 mm wall needs at least 5 mm.
TRANSIENT_TOLERANCE = 0.003


def _parts(boxes) -> list:
    return [(np.asarray(b.vertices, float), np.asarray(b.faces, np.int32)) for b in boxes]


def box(extents, centre=(0.0, 0.0, 0.0)) -> trimesh.Trimesh:
    return trimesh.creation.box(extents, trimesh.transformations.translation_matrix(centre))


def _tube() -> list:
    """A square tube 60 mm across, 60 mm tall, with 5 mm walls, as its four exact convex walls."""
    return _parts(
        [box((0.005, 0.06, 0.06), (s * 0.0275, 0, 0)) for s in (-1, 1)]
        + [box((0.05, 0.005, 0.06), (0, s * 0.0275, 0)) for s in (-1, 1)]
    )


# name: (parts or None (one hull), mesh extents, width at the grasp, TCP x (across the pads))
OBJECTS = {
    "box_30mm": (None, (0.03, 0.05, 0.06), 0.03, 0.0),
    "plate_12mm": (None, (0.012, 0.08, 0.08), 0.012, 0.0),
    "tube_5mm_wall": (_tube(), (0.06, 0.06, 0.06), 0.005, 0.0275),  # pinching one wall
    # a light handle (24 g at 500 kg/m^3, as examples/meshes' 22 g hammer): PhysX at 16 position iterations let
    # the box 2F-85's 235 N pads through the hammer's handle in 8 of 8 grasps (64 hold it)
    "rod_16mm_light": (None, (0.016, 0.1, 0.03), 0.016, 0.0),
}


def tunnel_object(name: str, cfg: SimConfig):
    parts, extents, width, x = OBJECTS[name]
    if parts is None:
        mesh = box(extents)
        dec = decompose(mesh, DecompositionConfig(method="hull"))
    else:
        mesh = trimesh.util.concatenate([trimesh.Trimesh(v, f) for v, f in parts])
        dec = Decomposition(parts, "coacd")
    obj = make_sim_object(
        name,
        mesh,
        dec,
        density=cfg.density,
        friction=cfg.friction,
        torsional_friction=cfg.torsional_friction,
        mass=cfg.protocol.object_mass,
    )
    return obj, width, np.array([x, 0.0, extents[2] / 2 - BELOW_TOP])
