"""Shared meshes and grippers for the suction tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TWO_CUPS = """name: two_cups_30mm
kind: suction
cup_radius: 0.015
cup_height: 0.03
tube_radius: 0.006
depth: 0.069
suction_force: 250.0
friction: 0.5
cups:
  - [[1.0, 0.0, 0.0, -0.02], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
  - [[1.0, 0.0, 0.0, 0.02], [0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
"""


@pytest.fixture
def two_cups_yaml(tmp_path) -> Path:
    path = tmp_path / "two_cups_30mm.yaml"
    path.write_text(TWO_CUPS)
    return path
