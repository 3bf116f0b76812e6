"""Isaac Lab tests: ``isaaclab_python`` skips (naming the folder) when the environment is not built."""

from __future__ import annotations

import pytest

from dexgen.errors import ConfigError
from dexgen.sim.isaaclab.environment import locate


@pytest.fixture(scope="session")
def isaaclab_python() -> str:
    """The built Isaac Lab interpreter, or a skip saying how to build it."""
    try:
        return locate().python
    except ConfigError as exc:
        pytest.skip(f"Isaac Lab environment unavailable: {exc}")
