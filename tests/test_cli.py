"""The ``dexgen`` console command: help, and the same code path as the stages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from dexgen.cli.main import main

REPO = Path(__file__).resolve().parents[1]


def test_help_lists_commands(capsys):
    assert main([]) == 0
    assert "objects" in capsys.readouterr().out


def test_console_script_help_runs():
    out = subprocess.run(
        [sys.executable, "-m", "dexgen.cli", "--help"], check=True, capture_output=True, text=True
    ).stdout
    assert "usage: dexgen" in out


def test_objects_from_a_directory(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no params.yaml here: the built-in defaults (= the committed params)
    code = main(
        [
            "objects",
            "--object_dataset",
            str(REPO / "examples/meshes"),
            "--object_scales_json",
            str(REPO / "examples/meshes/object_scales.json"),
            "--out",
            str(tmp_path / "objects"),
            "--report",
            str(tmp_path / "objects.json"),
            "--cache",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 0
    assert json.loads(capsys.readouterr().out)["count"] == 3
    assert (tmp_path / "objects/index.json").is_file()


def test_a_params_file_that_is_named_must_exist(tmp_path, capsys):
    code = main(["objects", "--params", str(tmp_path / "absent.yaml"), "--out", str(tmp_path / "o")])
    assert code == 1
    assert f"{tmp_path / 'absent.yaml'}: params file not found" in capsys.readouterr().err


def test_bad_input_exits_1_with_the_file_named(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    scales = tmp_path / "scales.json"
    scales.write_text('{"../escape.obj": 1.0}')
    (tmp_path / "meshes").mkdir()  # apart from the output: an output inside an input is refused
    code = main(
        [
            "objects",
            "--object_dataset",
            str(tmp_path / "meshes"),
            "--object_scales_json",
            str(scales),
            "--out",
            str(tmp_path / "objects"),
            "--report",
            str(tmp_path / "r.json"),
            "--cache",
            str(tmp_path / "cache"),
        ]
    )
    assert code == 1
    err = capsys.readouterr().err
    assert str(scales) in err and "escapes the object dataset" in err
    assert not (tmp_path / "objects").exists()
