"""Fixtures of the GraspGen tests (helpers live in helpers.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graspgen.helpers import GRIPPER, KEYS, make_result

from dexgen.graspgen.config import GraspgenConfig
from dexgen.graspgen.export import export_dataset
from dexgen.grippers import load_gripper


@pytest.fixture
def gripper():
    return load_gripper(GRIPPER)


@pytest.fixture
def dataset(tmp_path, gripper) -> Path:
    out = tmp_path / "ds"
    results = [make_result(tmp_path, k) for k in KEYS]
    export_dataset(results, dataset=out, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False)
    return out
