"""Fixtures: tiny datasets in the exact Dex-Net layout (written by dexgen.dexnet.testing)."""

import pytest

from dexgen.dexnet.testing import write_tiny_dataset


@pytest.fixture(scope="module")
def pj_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("pj") / "dexnet_2"
    arrays = write_tiny_dataset(root, "parallel_jaw", 2300, seed=7)
    return root, arrays


@pytest.fixture(scope="module")
def suction_root(tmp_path_factory):
    root = tmp_path_factory.mktemp("suction") / "dexnet_3"
    arrays = write_tiny_dataset(root, "suction", 1200, seed=8)
    return root, arrays
