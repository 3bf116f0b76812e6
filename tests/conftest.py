"""Fixtures shared by every test folder, and torch on one thread: on the 2 cores `make test` is sized for,
more threads only fight each other (and the stages' own worker processes)."""

import torch
from dvc_harness import pipeline_repo  # noqa: F401  (a fixture, used by name)
from http_server import file_server  # noqa: F401  (a fixture, used by name)
from isaaclab_env import isaaclab_python  # noqa: F401  (a fixture, used by name)

torch.set_num_threads(1)
