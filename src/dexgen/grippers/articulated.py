"""A robot description's articulation (URDF, MJCF, USD) made into a :class:`GripperModel`.

What a description does not state is found from its kinematics, as GraspDataGen does: the closing
axis x is the fingers' separation direction at the open limit, the approach z runs from the root link
to the fingers' midpoint at the closed limit (made orthogonal to x), y completes a right-handed
frame, and the origin is the root link's (unless a frame correction is given). The pads are the faces
of the two finger links that look at each other; the opening is the gap between them along x; the
stroke ends at the driven joint's closed limit or where the pads first touch, whichever comes first.
Every refusal is an :class:`InputError` naming the description file and the link or joint at fault.
"""

from __future__ import annotations

import numpy as np

from dexgen.errors import InputError
from dexgen.grippers.articulation import Articulation
from dexgen.grippers.model import DEFAULT_OPENINGS, MIN_OPENINGS, GripperModel
from dexgen.grippers.pads import PadPatch, find_patch, pad_gap

SCAN = 64  # drive samples searched for the pads' first touch before bisection
CLOSES_BY = 1e-4  # metres: pads that get no closer than this over the stroke never close
TOUCH_TOL = 1e-9  # drive progress: bisection stops here (far below a micrometre of pad travel)


def model_from_articulation(
    art: Articulation,
    *,
    name: str | None = None,
    kind: str = "description",
    openings: int = DEFAULT_OPENINGS,
    fingers: tuple[str, str] | None = None,
    bite: float | None = None,
    closing_force: float | None = None,
    frame: np.ndarray | None = None,
    open_value: float | None = None,
    closed_value: float | None = None,
) -> GripperModel:
    """The model of ``art``: its bodies tabulated at ``openings`` pad gaps, fully open first.

    fingers : the two pad links (default the importer's guess). bite : metres back from the fingertip
    to the contact point (default half the pad length). frame : (4, 4) the base frame in the root
    link frame (default found from the kinematics). open_value / closed_value : the driven joint's
    values at the ends of the stroke (default its limits, the wider-apart pads being open).
    """
    if openings < MIN_OPENINGS:
        raise InputError(f"{art.source}: openings must be at least {MIN_OPENINGS}, got {openings}")
    pair = _fingers(art, fingers)
    bodies = tuple(art.meshes)
    root_poses = _posed(art, bodies)
    q_open, q_closed = _ends(art, pair, bodies, root_poses, open_value, closed_value)
    base = _frame(art, pair, bodies, root_poses, q_open, q_closed) if frame is None else np.asarray(frame)
    to_base = np.linalg.inv(base)

    def at(q: float) -> np.ndarray:
        return to_base @ root_poses(q)

    if frame is not None and np.diff(_centres(art, pair, bodies, at(q_open))[:, 0])[0] < 0:
        pair = (pair[1], pair[0])  # a given frame decides which finger is on -x
    pads = _pads(art, pair, bodies, at(q_open))
    index = (bodies.index(pair[0]), bodies.index(pair[1]))

    def gap(q: float) -> float:
        poses = at(q)
        return pad_gap(pads, (poses[index[0]], poses[index[1]]))

    length = pads[0].size[0]
    if bite is not None and not 0.0 <= bite <= length:
        raise InputError(f"{art.source}: bite {bite:g} m is off the pad of {pair[0]!r} ({length:.4g} m long)")
    q_end = _stroke_end(art, pair, gap, q_open, q_closed)
    drive = q_open + np.linspace(0.0, 1.0, openings) * (q_end - q_open)
    poses = np.array([at(q) for q in drive])
    table = np.array([gap(q) for q in drive])
    table[-1] = max(table[-1], 0.0)  # bisection lands a rounding error either side of touching
    if not np.all(np.diff(table) < 0):
        raise InputError(
            f"{art.source}: joint {art.driven_joint!r}: the pads of {pair[0]!r} and {pair[1]!r} do not "
            f"close steadily over {q_open:g}..{q_end:g} (openings {np.round(table, 5).tolist()}); set open/closed"
        )
    fields = dict(
        name=name or art.source.stem,
        kind=kind,
        source=str(art.source),
        sha256=art.sha256,
        bodies=bodies,
        meshes=tuple(art.meshes[b] for b in bodies),
        openings=table,
        poses=poses,
        drive=drive,
        driven_joint=art.driven_joint,
        pads=pads,
        bite=length / 2 if bite is None else float(bite),
        closing_force=art.closing_force if closing_force is None else float(closing_force),
        exact=lambda s: at(q_open + s * (q_end - q_open)),
        parents=_parents(art, bodies),
    )
    try:
        return GripperModel(**fields)
    except ValueError as exc:  # the table's own checks: the message already starts with the source
        raise InputError(str(exc)) from None


def _fingers(art: Articulation, given: tuple[str, str] | None) -> tuple[str, str]:
    pair = given if given is not None else art.fingers
    if pair is None:
        raise InputError(
            f"{art.source}: no finger links found; name the two pad links (fingers: [a, b]) in a gripper "
            f"YAML; links with collision geometry: {sorted(art.meshes)}"
        )
    if len(pair) != 2 or pair[0] == pair[1]:
        raise InputError(f"{art.source}: fingers must be two different links, got {list(pair)}")
    for link in pair:
        if link not in art.meshes:
            raise InputError(
                f"{art.source}: finger link {link!r} has no collision geometry or does not exist; "
                f"links with collision geometry: {sorted(art.meshes)}"
            )
    return tuple(pair)


def _posed(art: Articulation, bodies: tuple[str, ...]):
    """q -> (n, 4, 4) every body in the root link frame, in ``bodies`` order."""

    def poses(q: float) -> np.ndarray:
        links = art.link_poses(float(q))
        return np.array([np.asarray(links[b], dtype=np.float64) for b in bodies])

    return poses


def _centres(art: Articulation, pair, bodies, poses: np.ndarray) -> np.ndarray:
    """(2, 3) the finger meshes' bounding-box centres in the root frame."""
    out = []
    for link in pair:
        pose = poses[bodies.index(link)]
        out.append(pose[:3, :3] @ art.meshes[link].bounds.mean(axis=0) + pose[:3, 3])
    return np.array(out)


def _ends(art, pair, bodies, root_poses, open_value, closed_value) -> tuple[float, float]:
    """(q_open, q_closed): given values, else the limits ordered by finger separation."""
    lo, hi = art.limits
    if open_value is not None and closed_value is not None:
        return float(open_value), float(closed_value)
    if open_value is not None or closed_value is not None:
        given = open_value if open_value is not None else closed_value
        other = hi if abs(given - lo) < abs(given - hi) else lo
        return (float(given), other) if open_value is not None else (other, float(given))
    spread = [np.linalg.norm(np.diff(_centres(art, pair, bodies, root_poses(q)), axis=0)) for q in (lo, hi)]
    return (lo, hi) if spread[0] >= spread[1] else (hi, lo)


def _frame(art, pair, bodies, root_poses, q_open: float, q_closed: float) -> np.ndarray:
    """(4, 4) the base frame in the root link frame, found from the fingers as GraspDataGen does."""
    c_open = _centres(art, pair, bodies, root_poses(q_open))
    x = c_open[1] - c_open[0]
    if np.linalg.norm(x) < 1e-9:
        raise InputError(f"{art.source}: finger links {pair[0]!r} and {pair[1]!r} coincide at the open limit")
    x /= np.linalg.norm(x)
    z = _centres(art, pair, bodies, root_poses(q_closed)).mean(axis=0)
    z = z - (z @ x) * x
    if np.linalg.norm(z) < 1e-6:
        raise InputError(
            f"{art.source}: cannot find the approach axis: the midpoint of {pair[0]!r} and {pair[1]!r} at "
            f"joint {art.driven_joint!r} = {q_closed:g} lies on the closing axis through root link "
            f"{art.root!r}; give a frame correction"
        )
    z /= np.linalg.norm(z)
    frame = np.eye(4)
    frame[:3, :3] = np.column_stack([x, np.cross(z, x), z])
    return frame


def _pads(art, pair, bodies, poses: np.ndarray) -> tuple[PadPatch, PadPatch]:
    """The inner faces of the two fingers at the open pose, in their bodies' frames."""
    out = []
    for link, towards in zip(pair, (np.array([1.0, 0, 0]), np.array([-1.0, 0, 0]))):
        patch = find_patch(link, art.meshes[link], poses[bodies.index(link)], towards, np.array([0, 0, 1.0]))
        if patch is None:
            raise InputError(
                f"{art.source}: finger link {link!r} has no face looking at the other finger along the "
                "closing axis; check the fingers or give a frame correction"
            )
        out.append(patch)
    return tuple(out)


def _stroke_end(art, pair, gap, q_open: float, q_closed: float) -> float:
    """The drive value where the stroke ends: the closed limit, or where the pads first touch."""
    g_open, g_closed = gap(q_open), gap(q_closed)
    if g_open <= 0:
        raise InputError(
            f"{art.source}: the pads of {pair[0]!r} and {pair[1]!r} touch or cross at the open end "
            f"(joint {art.driven_joint!r} = {q_open:g}, gap {g_open:.6g} m)"
        )
    qs = q_open + np.linspace(0.0, 1.0, SCAN + 1) * (q_closed - q_open)
    gaps = np.array([gap(q) for q in qs[1:-1]] + [g_closed])
    if g_open - gaps.min() < CLOSES_BY:
        raise InputError(
            f"{art.source}: fingers never close: the pads of {pair[0]!r} and {pair[1]!r} get no closer "
            f"than {g_open:.6g} m as joint {art.driven_joint!r} goes {q_open:g} -> {q_closed:g}"
        )
    touch = np.flatnonzero(gaps <= 0)
    if touch.size == 0:
        return q_closed
    a, b = qs[touch[0]], qs[touch[0] + 1]  # gap(a) > 0 >= gap(b)
    while abs(b - a) > TOUCH_TOL * abs(q_closed - q_open):
        mid = (a + b) / 2
        a, b = (mid, b) if gap(mid) > 0 else (a, mid)
    return float(b)


def _parents(art: Articulation, bodies: tuple[str, ...]) -> tuple[int, ...] | None:
    """Per body the index of its nearest ancestor that is a body (-1: none, the base frame)."""
    if art.parents is None:
        return None
    out = []
    for body in bodies:
        link, seen = art.parents.get(body), {body}
        while link is not None and link not in bodies and link not in seen:
            seen.add(link)
            link = art.parents.get(link)
        out.append(-1 if link is None or link in seen else bodies.index(link))
    return tuple(out)
