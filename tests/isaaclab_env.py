"""The ``isaaclab_python`` fixture of the Isaac Lab tests: a skip naming the folder when the environment is not
built, a failure instead where ``DEXGEN_REQUIRE_ISAACLAB=1`` (CI builds it first: a missing build must not pass)."""

from __future__ import annotations

import os

import pytest

from dexgen.errors import ConfigError
from dexgen.sim.isaaclab.environment import locate

REQUIRE_ISAACLAB = os.environ.get("DEXGEN_REQUIRE_ISAACLAB") == "1"


def unavailable() -> str | None:
    """Why the Isaac Lab tests cannot run here, or None when the environment is built and working."""
    try:
        locate()
    except ConfigError as exc:
        return str(exc)
    return None


@pytest.fixture(scope="session")
def isaaclab_python() -> str:
    """The built Isaac Lab interpreter, or a skip (a failure under DEXGEN_REQUIRE_ISAACLAB=1) saying how to build it."""
    try:
        return locate().python
    except ConfigError as exc:
        if REQUIRE_ISAACLAB:
            pytest.fail(f"DEXGEN_REQUIRE_ISAACLAB=1 but the Isaac Lab environment is unavailable: {exc}")
        pytest.skip(f"Isaac Lab environment unavailable: {exc}")
