"""The code version provenance records: a hash of exactly the sources a piece of work runs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dexgen import codebase


@pytest.fixture
def src_copy(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "src"
    shutil.copytree(codebase.ROOT / "dexgen", root / "dexgen", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(codebase, "ROOT", root)
    _clear()
    yield root
    _clear()


def _clear() -> None:
    for cached in (codebase.code_hash, codebase.direct_imports, codebase.data_files):
        cached.cache_clear()


def _edit(path: Path) -> None:
    path.write_text(path.read_text() + "\n# an edit\n")
    codebase.code_hash.cache_clear()


def test_an_edit_in_the_closure_changes_the_hash_and_one_outside_does_not(src_copy):
    guess = codebase.code_hash("dexgen.guess.shard")
    sim = codebase.code_hash("dexgen.sim.shard")
    _edit(src_copy / "dexgen/learn/train.py")  # not run by guessing or simulation
    assert codebase.code_hash("dexgen.guess.shard") == guess
    _edit(src_copy / "dexgen/guess/pads.py")  # run by guessing only
    assert codebase.code_hash("dexgen.guess.shard") != guess
    assert codebase.code_hash("dexgen.sim.shard") == sim
    _edit(src_copy / "dexgen/sim/mujoco_backend.py")  # reached through the registry's name string only
    assert codebase.code_hash("dexgen.sim.shard") != sim


def test_the_closure_counts_imports_inside_functions_and_package_inits():
    files = {
        p.relative_to(codebase.ROOT).as_posix()
        for p in codebase.closure(codebase.module_file("dexgen.objects.build"), "dexgen.objects.build")
    }
    assert "dexgen/fetch/download.py" in files  # imported inside a function (url sources)
    assert "dexgen/objects/__init__.py" in files and "dexgen/__init__.py" in files
    assert not any(f.startswith("dexgen/learn/") for f in files)


def test_unknown_modules_are_refused():
    with pytest.raises(ValueError, match="not a dexgen module"):
        codebase.code_hash("dexgen.nowhere")


def test_dash_m_is_followed_in_argv_lists_and_command_strings_but_not_in_docstrings(src_copy):
    module = src_copy / "dexgen/probe.py"
    module.write_text(
        '"""Run as ``python -m dexgen.learn.train``."""\n'
        'ARGV = ["python", "-m", "dexgen.sim.isaaclab.worker"]\n'
        'COMMAND = "python -m dexgen.guess.pads --help"\n'
    )
    found = codebase.direct_imports(module, "dexgen.probe")
    assert found == {"dexgen.sim.isaaclab.worker", "dexgen.guess.pads"}
