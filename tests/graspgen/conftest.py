"""Fixtures of the GraspGen tests (helpers live in helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graspgen.helpers import GRIPPER, KEYS, make_result

from dexgen.graspgen.export import export_results
from dexgen.grippers.loader import load_gripper
from dexgen.params.graspgen import GraspgenConfig


@pytest.fixture
def gripper():
    return load_gripper(GRIPPER)


@pytest.fixture
def dataset(tmp_path, gripper) -> Path:
    out = tmp_path / "ds"
    results = [make_result(tmp_path, k) for k in KEYS]
    export_results(results, dataset=out, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False)
    return out
