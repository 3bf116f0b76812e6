"""Fail fast and clearly (issue 30, deliverable 5): a bad value or input stops the run before any work,
in one line that names the key or file and the reason, with a non-zero exit code and no traceback."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from dexgen.errors import ConfigError
from dexgen.params.sim import BACKEND_NAMES
from dexgen.params.tree import load_params
from dexgen.sim.registry import backend_names

REPO = Path(__file__).resolve().parents[2]


def _stage(name: str):
    """The ``main`` of ``stages/<name>.py`` (stage scripts are not a package)."""
    spec = importlib.util.spec_from_file_location(f"stage_{name}", REPO / "stages" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.main


def _params_with(tmp_path: Path, old: str, new: str) -> Path:
    """The committed params.yaml with the one line ``old`` replaced by ``new``."""
    text = (REPO / "params.yaml").read_text()
    assert re.search(f"^{re.escape(old)}", text, re.M), old
    path = tmp_path / "params.yaml"
    path.write_text(re.sub(f"^{re.escape(old)}", new, text, count=1, flags=re.M))
    return path


def _one_line_error(captured: str) -> str:
    lines = [line for line in captured.splitlines() if line.strip()]
    assert len(lines) == 1, captured
    assert "Traceback" not in captured
    return lines[0]


def test_bogus_sim_backend_stops_the_objects_stage_before_any_output(tmp_path, capsys):
    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    out = tmp_path / "objects"
    argv = ["--params", str(params), "--out", str(out), "--cache", str(tmp_path / "cache")]
    argv += ["--report", str(tmp_path / "report.json"), "--preview", str(tmp_path / "preview.png")]
    assert _stage("objects")(argv) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "sim.backend" in line and "'bogus'" in line and "['isaaclab', 'mujoco']" in line
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


def test_bogus_sim_backend_stops_the_cli_at_load(tmp_path, capsys):
    from dexgen.cli.main import main

    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    assert main(["objects", "--params", str(params), "--out", str(tmp_path / "objects")]) == 1
    line = _one_line_error(capsys.readouterr().err)
    assert "sim.backend" in line and str(params) in line
    assert not (tmp_path / "objects").exists()


def test_bad_sim_compare_engine_fails_at_load_naming_its_key(tmp_path):
    params = _params_with(tmp_path, "  b: {backend: isaaclab", "  b: {backend: physx")
    with pytest.raises(ConfigError, match=r"sim_compare\.b\.backend: 'physx' is not one of"):
        load_params(params)


def test_bad_device_fails_at_load(tmp_path):
    params = _params_with(tmp_path, "device: auto", "device: gpu")
    with pytest.raises(ConfigError, match=r"device: 'gpu' is not a device"):
        load_params(params)


def test_backend_names_in_params_match_the_registry():
    assert sorted(BACKEND_NAMES) == backend_names()


def test_debug_flag_shows_the_traceback_the_default_hides(tmp_path, capsys, monkeypatch):
    from dexgen.cli.main import main

    monkeypatch.delenv("DEXGEN_DEBUG", raising=False)
    params = _params_with(tmp_path, "  backend: mujoco", "  backend: bogus")
    assert main(["--debug", "objects", "--params", str(params)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and err.strip().splitlines()[-1].startswith("dexgen objects: error:")
    monkeypatch.setenv("DEXGEN_DEBUG", "1")
    argv = ["--params", str(params), "--out", "o", "--cache", "c", "--report", "r", "--preview", "p"]
    assert _stage("objects")(argv) == 1
    assert "Traceback" in capsys.readouterr().err
