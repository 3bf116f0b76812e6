"""Fixtures shared by every test folder."""

from dvc_harness import pipeline_repo  # noqa: F401  (a fixture, used by name)
from http_server import file_server  # noqa: F401  (a fixture, used by name)
from isaaclab_env import isaaclab_python  # noqa: F401  (a fixture, used by name)
