"""Robot-description importers by file suffix: adding a format is one module and one line here.

Each loader is ``load(path, *, driven_joint=None, fingers=None, closing_force=None) -> Articulation``;
:func:`dexgen.grippers.description.load_model` passes ``driven_joint`` only (fingers, bite, force and
frame are applied to the model).
"""

from __future__ import annotations

from collections.abc import Callable

from dexgen.grippers import mjcf, urdf, usd
from dexgen.grippers.articulation import Articulation

Importer = Callable[..., Articulation]

IMPORTERS: dict[str, Importer] = {
    ".urdf": urdf.load,
    ".xml": mjcf.load,
    ".mjcf": mjcf.load,
    ".usd": usd.load,
    ".usda": usd.load,
    ".usdc": usd.load,
}
