"""Pipeline test harness: a throw-away copy of the repo in which the DVC pipeline runs for real.

The ``pipeline_repo`` fixture is re-exported by ``tests/conftest.py``; the helpers are imported
directly (``tests`` is on pytest's pythonpath).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import chdir
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# What a pipeline run needs: tracked sources, never data/, metrics/ outputs or the venv.
# .gitignore keeps scratch (data/cache, .dexgen) out of the commits tests make after a repro.
PIPELINE_FILES = [
    "dvc.yaml",
    "params.yaml",
    "pyproject.toml",
    ".dvcignore",
    ".gitignore",
    "stages",
    "src",
    "examples",
]

# Tiny params that keep every stage of the default pipeline to seconds. Later stages add theirs.
TINY_PARAMS: dict[str, Any] = {
    "objects": {"count": 6, "workers": 1, "preview_max": 6},
    "guess": {
        "num_collision_free_grasps": 8,
        "num_colliding_grasps": 4,
        "num_random_poses": 4,
        "max_attempts": 4000,
        "max_pictures": 1,
        "workers": 1,
    },
    "sim": {"threads": 1, "max_pictures": 1, "decomposition": {"method": "hull"}},
    "graspgen": {"max_excluded_fraction": 0.9},
    "dexnet": {
        "synth": {
            "poses_per_object": 1,
            "parallel_jaw": {"grasps_per_pose": 8, "num_perturbations": 2, "camera": {"images_per_pose": 1}},
            "suction": {"points_per_pose": 12, "num_perturbations": 2, "camera": {"images_per_pose": 1}},
            "examples": 8,
        }
    },
    "device": "cpu",
    "models": {
        "DexNetGQCNN": {"arch": {"filters": 8, "fc3_size": 32, "fc4_size": 32}, "train": {"epochs": 1}},
        "EfficientNet": {"arch": {"input_size": 32}, "train": {"epochs": 1}},
    },
    "tasks": {"parallel_jaw": {"num_examples": 2}, "suction": {"num_examples": 2}},
}


def deep_update(base: dict, overrides: dict) -> dict:
    """``base`` with ``overrides`` merged in recursively (dicts merge, everything else replaces)."""
    out = dict(base)
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_update(out[key], value)
        else:
            out[key] = value
    return out


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, text=True).stdout


def dvc(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run the dvc CLI of this interpreter's environment in ``repo``."""
    return subprocess.run(
        [sys.executable, "-m", "dvc", *args], cwd=repo, check=check, capture_output=True, text=True
    )


def make_pipeline_repo(
    root: Path, params: dict | None = None, extra_stages: dict | None = None, name: str = "repo"
) -> Path:
    """A git + DVC repo copied from this one into ``root/name``, with tiny params and the local
    remote ``test`` at ``root/remote`` (the default), committed on ``main``. Returns its path."""
    repo = root / name
    repo.mkdir()
    for item in PIPELINE_FILES:
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, repo / item, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(src, repo / item)
    all_params = yaml.safe_load((REPO / "params.yaml").read_text())
    all_params = deep_update(deep_update(all_params, TINY_PARAMS), params or {})
    (repo / "params.yaml").write_text(yaml.safe_dump(all_params, sort_keys=False))
    if extra_stages:
        pipeline = yaml.safe_load((repo / "dvc.yaml").read_text())
        pipeline["stages"].update(extra_stages)
        (repo / "dvc.yaml").write_text(yaml.safe_dump(pipeline, sort_keys=False))
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "test@dexgen.invalid")
    git(repo, "config", "user.name", "dexgen tests")
    dvc(repo, "init", "-q")
    dvc(repo, "config", "core.analytics", "false")
    dvc(repo, "remote", "add", "-d", "test", str(root / "remote"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "pipeline under test")
    return repo


def pipeline_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Environment for running stages: this venv's ``python``/``dvc`` first on PATH, analytics off."""
    venv_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", venv_bin + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.delenv("DVCLIVE_TEST", raising=False)


def _enter(repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(repo)
    monkeypatch.setenv("PYTHONPATH", str(repo / "src"))
    return repo


@pytest.fixture
def pipeline_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Factory: a git + DVC repo copied from this one, with tiny params and a temp local remote.

    ``make(params=None, extra_stages=None)`` returns the repo path and chdirs into it; stage
    commands run this interpreter (``python`` on PATH) with the copy's ``src`` on PYTHONPATH.
    """
    pipeline_env(monkeypatch)

    def make_and_enter(*args: Any, **kwargs: Any) -> Path:
        return _enter(make_pipeline_repo(tmp_path, *args, **kwargs), monkeypatch)

    return make_and_enter


@pytest.fixture(scope="module")
def pipeline_repo_module(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Path]]:
    """``pipeline_repo`` for a whole test module: build (and reproduce) one repo, share it.

    Each call makes its repo in a fresh temp root (its own ``remote``); the environment and the
    working directory are restored when the module's tests are done.
    """
    with pytest.MonkeyPatch.context() as monkeypatch:
        pipeline_env(monkeypatch)

        def make_and_enter(*args: Any, **kwargs: Any) -> Path:
            root = tmp_path_factory.mktemp("pipeline")
            return _enter(make_pipeline_repo(root, *args, **kwargs), monkeypatch)

        yield make_and_enter


def reproduce(repo: Path, *targets: str) -> list[str]:
    """Run ``dvc repro`` through DVC's Python API; the addresses of the stages that ran."""
    from dvc.repo import Repo

    # DVC resolves the default target (dvc.yaml) against the working directory.
    with chdir(repo), Repo(str(repo)) as r:
        stages = r.reproduce(list(targets)) if targets else r.reproduce()
    return sorted(s.addressing for s in stages)


def status(repo: Path) -> dict:
    from dvc.repo import Repo

    with chdir(repo), Repo(str(repo)) as r:
        return r.status()
