"""Pipeline test harness: a throw-away copy of the repo in which the DVC pipeline runs for real.

The ``pipeline_repo`` fixture is re-exported by ``tests/conftest.py``; the helpers are imported
directly (``tests`` is on pytest's pythonpath).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
# What a pipeline run needs: tracked sources, never data/, metrics/ outputs or the venv.
PIPELINE_FILES = ["dvc.yaml", "params.yaml", "pyproject.toml", ".dvcignore", "stages", "src", "examples"]

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


@pytest.fixture
def pipeline_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Factory: a git + DVC repo copied from this one, with tiny params and a temp local remote.

    ``make(params=None, extra_stages=None)`` returns the repo path and chdirs into it; stage
    commands run this interpreter (``python`` on PATH) with the copy's ``src`` on PYTHONPATH.
    """

    def make(params: dict | None = None, extra_stages: dict | None = None, name: str = "repo") -> Path:
        repo = tmp_path / name
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
        dvc(repo, "remote", "add", "-d", "test", str(tmp_path / "remote"))
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "pipeline under test")
        return repo

    venv_bin = str(Path(sys.executable).parent)
    monkeypatch.setenv("PATH", venv_bin + os.pathsep + os.environ.get("PATH", ""))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    monkeypatch.delenv("DVCLIVE_TEST", raising=False)

    def make_and_enter(*args: Any, **kwargs: Any) -> Path:
        repo = make(*args, **kwargs)
        monkeypatch.chdir(repo)
        monkeypatch.setenv("PYTHONPATH", str(repo / "src"))
        return repo

    return make_and_enter


def reproduce(repo: Path, *targets: str) -> list[str]:
    """Run ``dvc repro`` through DVC's Python API; the addresses of the stages that ran."""
    from dvc.repo import Repo

    with Repo(str(repo)) as r:
        stages = r.reproduce(*targets) if targets else r.reproduce()
    return sorted(s.addressing for s in stages)


def status(repo: Path) -> dict:
    from dvc.repo import Repo

    with Repo(str(repo)) as r:
        return r.status()
