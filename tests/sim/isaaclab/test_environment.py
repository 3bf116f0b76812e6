"""Locating the Isaac Lab environment: keyed by the lock's bytes, clear errors naming the interpreter."""

from __future__ import annotations

import sys

import pytest

from dexgen.errors import ConfigError
from dexgen.params.isaaclab import IsaacLabConfig
from dexgen.params.sim import SimConfig
from dexgen.sim.isaaclab import environment as env
from dexgen.sim.registry import make_backend


def test_env_folder_is_keyed_by_the_lock_bytes(tmp_path, monkeypatch):
    monkeypatch.setenv("DEXGEN_ENV_HOME", str(tmp_path))
    lock = b"isaaclab==3.0.0\n"
    a = env.env_dir(lock)
    assert a.parent == tmp_path and a.name == f"isaaclab-{env.lock_hash(lock)}"
    assert len(a.name) == len("isaaclab-") + 16
    assert env.env_dir(b"isaaclab==3.0.0\n") == a  # same bytes, same folder
    assert env.env_dir(b"isaaclab==3.0.1\n") != a  # a changed lock builds beside it


def test_lock_pins_isaaclab_and_the_shipped_lock_is_exact():
    assert env.pinned_version() == "3.0.0"
    lines = [ln for ln in env.LOCK.read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines and all("==" in ln for ln in lines), "every package pinned to an exact version"


def test_unbuilt_environment_names_its_folder_and_how_to_build(tmp_path, monkeypatch):
    monkeypatch.setenv("DEXGEN_ENV_HOME", str(tmp_path))
    with pytest.raises(
        ConfigError, match=rf"{tmp_path}/isaaclab-[0-9a-f]{{16}} is not built.*make isaaclab-env"
    ):
        env.locate()


def test_missing_interpreter_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "python"
    with pytest.raises(ConfigError, match=rf"interpreter {missing} does not exist"):
        env.check_interpreter(str(missing))
    with pytest.raises(ConfigError, match=rf"{tmp_path} is not an executable file"):
        env.check_interpreter(str(tmp_path))


def test_wrong_python_version_is_named():
    with pytest.raises(ConfigError, match=rf"{sys.executable} is Python 3\.11; Isaac Lab 3\.0 needs 3\.12"):
        env.check_interpreter(sys.executable)


def test_python_312_without_isaaclab_is_named():
    try:
        base = env.find_python312()
    except ConfigError:
        pytest.skip("no Python 3.12 on this machine")
    with pytest.raises(ConfigError, match=rf"{base} cannot import isaaclab"):
        env.check_interpreter(base)


def test_backend_with_a_bad_interpreter_fails_naming_it(tmp_path):
    bad = tmp_path / "python3.12"
    cfg = SimConfig(backend="isaaclab", isaaclab=IsaacLabConfig(python=str(bad)))
    # nothing starts until the first run, which names the interpreter
    with make_backend(cfg) as backend, pytest.raises(ConfigError, match=rf"interpreter {bad} does not exist"):
        backend._worker()


def test_config_validation():
    with pytest.raises(ValueError, match="physics must be 'physx' or 'newton'"):
        IsaacLabConfig(physics="bullet")
    with pytest.raises(ValueError, match="num_envs must be an integer >= 1"):
        IsaacLabConfig(num_envs=0)
    with pytest.raises(ValueError, match="rest_offset .* must be below contact_offset"):
        IsaacLabConfig(rest_offset=0.01, contact_offset=0.002)


@pytest.mark.slow  # builds a real Python 3.12 venv before the failing import check
def test_build_is_idempotent_and_a_failed_build_leaves_nothing(tmp_path):
    lock = tmp_path / "requirements.lock"
    lock.write_text("# nothing: the import check after the install fails\n")
    home = tmp_path / "envs"
    folder = env.env_dir(lock.read_bytes(), home)
    try:
        base = env.find_python312()
    except ConfigError:
        pytest.skip("no Python 3.12 on this machine")
    with pytest.raises(ConfigError, match=rf"building the Isaac Lab environment {folder} failed"):
        env.build(lock=lock, home=home, python312=base)
    assert not folder.exists() and list(home.iterdir()) == []  # no half-built folder, no temporary
    # a finished folder (stamp written last, before the rename) is reused without running anything
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").touch()
    (folder / env.STAMP).write_text(env.lock_hash(lock.read_bytes()))
    assert env.build(lock=lock, home=home, python312="/nonexistent/python3.12") == folder / "bin" / "python"
