"""dvc.yaml cannot go stale: every stage depends on every source file it may run, reads only the params
it declares, and spells the paths :mod:`dexgen.layout` derives.

A missing dep is the dangerous kind of mistake: DVC then silently skips a re-run that was needed.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from house.imports import REPO, closure

from dexgen import layout
from dexgen.params.tree import load_params

# Source files a stage imports but whose edits cannot change any output. Empty: every file counts.
ALLOWED_UNDECLARED: dict[str, str] = {}


def _stages() -> list:
    from dvc.repo import Repo

    cwd = os.getcwd()
    os.chdir(REPO)  # DVC resolves dvc.yaml and params.yaml against the working directory
    try:
        with Repo(str(REPO)) as repo:
            return list(repo.index.stages)
    finally:
        os.chdir(cwd)


STAGES = _stages()
NAMES = [s.addressing for s in STAGES]


def _script(stage) -> Path:
    words = stage.cmd.split()
    if words[0] != "python" or not words[1].startswith("stages/"):
        raise AssertionError(f"{stage.addressing}: cmd must run `python stages/<stage>.py ...`: {stage.cmd}")
    return REPO / words[1]


def _file_deps(stage) -> list[Path]:
    return [Path(d.fs_path) for d in stage.deps if not hasattr(d, "params")]


def _declared_params(stage) -> set[str]:
    return {key for d in stage.deps if hasattr(d, "params") for key in d.params}


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_every_imported_source_file_is_a_dep(stage):
    deps = _file_deps(stage)
    missing = []
    for path in sorted(closure(_script(stage))):
        rel = path.relative_to(REPO).as_posix()
        if rel in ALLOWED_UNDECLARED:
            continue
        if not any(path == d or d in path.parents for d in deps):
            missing.append(rel)
    assert not missing, (
        f"{stage.addressing} imports files dvc.yaml does not list as deps, so editing them would not "
        f"re-run it; add them to the stage's deps: {missing}"
    )


def _params_reads(tree: ast.AST) -> Iterator[tuple[str | None, int]]:
    """(top-level section, line) of every use of the ``params`` argument; None for a bare use."""
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id == "params" and isinstance(node.ctx, ast.Load):
            parent = parents.get(node)
            yield (parent.attr if isinstance(parent, ast.Attribute) else None), node.lineno


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_a_stage_reads_only_the_params_it_declares(stage):
    script = _script(stage)
    tree = ast.parse(script.read_text())
    run = next((n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == "run"), None)
    assert run is not None, f"{script}: no run(args, params) function"
    declared = {key.split(".")[0] for key in _declared_params(stage)}
    for section, line in _params_reads(run):
        assert section is not None, (
            f"{script}:{line}: passes the whole params tree on; hand over the sections the stage declares"
        )
        assert section in declared, (
            f"{script}:{line}: reads params.{section}, which {stage.addressing} does not declare in dvc.yaml "
            f"(it declares {sorted(declared)}): DVC would not re-run it when {section} changes"
        )


def _expected_paths(stage) -> list[Path]:
    params = load_params(REPO / "params.yaml")
    name, _, item = stage.addressing.partition("@")
    per_stage = {
        "objects": lambda: [layout.OBJECTS, layout.CACHE, layout.OBJECTS_REPORT],
        "guess": lambda: [layout.objects_shard(item), layout.guesses_shard(item)],
        "simulate": lambda: [layout.objects_shard(item), layout.guesses_shard(item), layout.sim_shard(item)],
        "sim_report": lambda: [layout.SIM, layout.SIM_REPORT],
        "sim_compare": lambda: [
            layout.OBJECTS,
            layout.GUESSES,
            layout.CACHE,
            layout.SIM_COMPARE,
            layout.SIM_COMPARE_METRICS,
            layout.SIM_COMPARE_PICTURES,
        ],
        "guess_report": lambda: [
            layout.OBJECTS,
            layout.GUESSES,
            layout.SIM,
            layout.GUESS_REPORT,
            layout.GUESS_PICTURES,
        ],
        "graspgen": lambda: [layout.OBJECTS, layout.GUESSES, layout.SIM, layout.GRASPGEN],
        "dexnet_synth": lambda: [layout.OBJECTS, layout.DEXNET / "synth", layout.CACHE],
        "fetch_dexnet": lambda: [layout.DEXNET / "download"],
        "train": lambda: [
            layout.dexnet_dataset(params.dexnet, item),
            layout.model_dir(item),
            layout.train_live_dir(item),
        ],
        "evaluate": lambda: [
            layout.model_dir(item),
            layout.dexnet_dataset(params.dexnet, item),
            layout.eval_metrics(item),
            layout.eval_live_dir(item),
            layout.eval_pictures(item),
        ],
        "convert": lambda: [layout.model_dir(item), layout.fc_model_dir(item), layout.convert_metrics(item)],
        "benchmark": lambda: [layout.dexnet_dataset(params.dexnet, "parallel_jaw")],
    }
    assert name in per_stage, f"{name}: a new stage; say here which dexgen.layout paths its cmd spells"
    return per_stage[name]()


@pytest.mark.parametrize("stage", STAGES, ids=NAMES)
def test_commands_spell_the_layout_paths(stage):
    words = set(stage.cmd.split())
    for path in _expected_paths(stage):
        assert path.as_posix() in words, f"{stage.addressing}: cmd does not spell {path} (dexgen.layout)"
