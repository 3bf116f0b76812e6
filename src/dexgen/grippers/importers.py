"""Robot-description importers by file suffix: adding a format is one module and one line here.

Each loader is ``load(path, **overrides) -> Articulation``. The URDF importer registers ``.urdf`` in
the same way (the two registries merge into one).
"""

from __future__ import annotations

from collections.abc import Callable

from dexgen.grippers import mjcf, usd
from dexgen.grippers.articulation import Articulation

IMPORTERS: dict[str, Callable[..., Articulation]] = {
    ".xml": mjcf.load,
    ".mjcf": mjcf.load,
    ".usd": usd.load,
    ".usda": usd.load,
    ".usdc": usd.load,
}
