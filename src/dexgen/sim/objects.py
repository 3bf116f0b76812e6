"""What a physics backend needs to know about one object: its convex parts, mass and friction.

Mass comes from the mesh volume times the density (GraspDataGen fixes 1 kg whatever the size,
``graspdatagen.md`` §11, and so does the ``graspdatagen`` protocol preset); inertia and centre of mass
come from the same mesh (its hull when it is not watertight), so they agree with the mass. Friction is set from params, not from the mesh.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import trimesh

from dexgen.params.sim import SimConfig
from dexgen.sim.decomposition import Decomposition, cached_decomposition


@dataclasses.dataclass
class SimObject:
    """One object ready for simulation (object frame, metres, kilograms).

    parts : list of ((v, 3) float64, (f, 3) int32) convex parts, object frame
    mass : kg; com : (3,) float64 centre of mass, object frame; inertia : (3, 3) float64 about the com, kg m^2
    """

    key: str
    mesh: trimesh.Trimesh
    parts: list[tuple[np.ndarray, np.ndarray]]
    decomposition: str  # decomposition.METHODS entry
    mass: float
    com: np.ndarray
    inertia: np.ndarray
    friction: float
    torsional_friction: float
    mesh_sha256: str = ""
    decomposition_note: str = ""  # why a fallback was taken, if one was (Decomposition.note)


def mass_properties(mesh: trimesh.Trimesh, density: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(mass kg, com (3,) metres, inertia (3, 3) about the com, kg m^2) of a solid of ``density`` kg/m^3."""
    solid = mesh if mesh.is_watertight and mesh.volume > 0 else mesh.convex_hull
    volume = float(abs(solid.volume))
    if not volume > 0:
        raise ValueError(f"mesh has no volume (extents {np.round(mesh.extents, 4).tolist()} m)")
    com = np.asarray(solid.center_mass, dtype=np.float64)
    inertia = np.asarray(solid.moment_inertia, dtype=np.float64) * density / solid.density
    return volume * density, com, inertia


def make_sim_object(
    key: str,
    mesh: trimesh.Trimesh,
    decomposition: Decomposition,
    *,
    density: float,
    friction: float,
    torsional_friction: float,
    mesh_sha256: str = "",
    mass: float | None = None,
) -> SimObject:
    """A :class:`SimObject` with mass from ``mesh`` volume x ``density`` (kg/m^3), or ``mass`` kg when given
    (the inertia scaled to match: the same mass distribution, another density)."""
    solid_mass, com, inertia = mass_properties(mesh, density)
    if mass is not None:
        inertia = inertia * (mass / solid_mass)
    else:
        mass = solid_mass
    return SimObject(
        key=key,
        mesh=mesh,
        parts=decomposition.parts,
        decomposition=decomposition.method,
        mass=mass,
        com=com,
        inertia=inertia,
        friction=friction,
        torsional_friction=torsional_friction,
        mesh_sha256=mesh_sha256,
        decomposition_note=decomposition.note,
    )


def object_for_record(
    key: str, mesh: trimesh.Trimesh, mesh_sha256: str, cfg: SimConfig, *, cache_dir
) -> SimObject:
    """The :class:`SimObject` of an object-set mesh under ``cfg``: its cached convex decomposition
    (keyed on ``mesh_sha256``), mass from ``cfg.density`` (or the protocol's fixed mass) and friction from
    ``cfg``."""
    dec = cached_decomposition(mesh, mesh_sha256, cfg.decomposition, cache_dir=cache_dir)
    return make_sim_object(
        key,
        mesh,
        dec,
        density=cfg.density,
        friction=cfg.friction,
        torsional_friction=cfg.torsional_friction,
        mesh_sha256=mesh_sha256,
        mass=cfg.protocol.object_mass,
    )
