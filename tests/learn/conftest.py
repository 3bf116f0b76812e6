"""Fixtures: a tiny parallel-jaw dataset in the exact layout, and a small, fast training setup."""

import pytest

from dexgen.dexnet.testing import write_tiny_dataset
from dexgen.learn.setup import TrainSetup
from dexgen.params.learn import OptimConfig, TaskConfig
from dexgen.params.models import GQCNNConfig


@pytest.fixture(scope="session")
def tiny_pj(tmp_path_factory):
    root = tmp_path_factory.mktemp("learn") / "pj"
    write_tiny_dataset(root, "parallel_jaw", 1500, seed=11)
    return root


def small_setup(epochs=2, **optim):
    return TrainSetup(
        task="parallel_jaw",
        model_name="DexNetGQCNN",
        model_args=GQCNNConfig(filters=8, fc3_size=32, fc4_size=32),
        optim=OptimConfig(epochs=epochs, batch_size=64, eval_batch_size=512, **optim),
        task_cfg=TaskConfig(threshold=0.002),
        seed=5,
        device="cpu",
    )
