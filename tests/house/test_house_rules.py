"""Rules of the house that keep the code readable and the layering one-way.

- no function longer than ~100 lines;
- package ``__init__`` files import nothing from outside their own package (so importing one module
  never drags unrelated code into a stage's closure);
- the params tree and the on-disk formats stay light: no torch, MuJoCo, fcl or embree behind them;
- the packages form no import cycle;
- the params tree's defaults are the committed params.yaml, so a command run without a params file
  behaves as the pipeline does.
"""

from __future__ import annotations

import ast
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from house.imports import REPO, SRC, direct_imports

from dexgen.config import to_mapping
from dexgen.grippers.loader import load_gripper
from dexgen.params.tree import Params, load_params

MAX_FUNCTION_LINES = 80
CODE = [
    p for folder in ("src", "stages", "benchmarks", "scripts") for p in sorted((REPO / folder).rglob("*.py"))
]


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


@pytest.mark.parametrize("path", CODE, ids=[str(p.relative_to(REPO)) for p in CODE])
def test_no_function_is_longer_than_a_screenful_or_two(path):
    tree = ast.parse(path.read_text())
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines, line {node.lineno})"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{path.relative_to(REPO)}: split {long}"


def _imported(path: Path) -> set[str]:
    """Top-level module names a file imports."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


def test_argparse_lives_in_the_cli():
    """Flags and their defaults in one package (defaults from params and layout); the docs generator
    reads the parser to write the command reference."""
    allowed = (SRC / "dexgen" / "cli", SRC / "dexgen" / "docs")
    stray = [
        str(path.relative_to(REPO))
        for path in sorted((SRC / "dexgen").rglob("*.py"))
        if not any(path.is_relative_to(folder) for folder in allowed) and "argparse" in _imported(path)
    ]
    assert not stray, f"{stray} parse command lines: move that to dexgen.cli"


INITS = sorted(SRC.rglob("__init__.py"))


@pytest.mark.parametrize("init", INITS, ids=[str(p.relative_to(REPO)) for p in INITS])
def test_package_inits_import_only_their_own_package(init):
    package = _module_name(init)
    outside = sorted(m for m in direct_imports(init, package) if not m.startswith(f"{package}."))
    assert not outside, (
        f"{init.relative_to(REPO)} imports {outside}: a package __init__ drags them into every importer"
    )


@pytest.mark.parametrize(
    ("modules", "forbidden"),
    [
        (["dexgen.params"], ["torch", "mujoco", "fcl", "embreex", "trimesh", "numpy"]),
        (
            [
                "dexgen.records.objects",
                "dexgen.records.guesses",
                "dexgen.records.trials",
                "dexgen.records.grippers",
            ],
            ["torch", "mujoco", "fcl", "embreex"],
        ),
    ],
)
def test_light_packages_stay_light(modules, forbidden):
    code = f"import sys; import {', '.join(modules)}; print(sorted(m for m in {forbidden!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert loaded.strip() == "[]", f"importing {modules} loads {loaded.strip()}"


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 2 or (SRC / "dexgen" / parts[-1]).is_dir() else module


def test_packages_form_no_import_cycle():
    graph: dict[str, set[str]] = {}
    for path in SRC.rglob("*.py"):
        name = _module_name(path)
        src = _package_of(name)
        for target in direct_imports(path, name):
            dst = _package_of(target)
            if dst != src and dst != "dexgen":
                graph.setdefault(src, set()).add(dst)
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                raise AssertionError(f"import cycle: {' -> '.join([*trail, node, nxt])}")
            if nxt not in state:
                visit(nxt, [*trail, node])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [])


# Keys whose committed value names a file the repo ships, where the default names the same thing
# another way (a gripper by name; the example dataset, unused by the builtin source).
EQUIVALENT = {
    "guess.gripper": "gripper",
    "dexnet.synth.parallel_jaw.gripper": "gripper",
    "dexnet.synth.suction.gripper": "gripper",
    "objects.object_dataset": "unused",
    "objects.object_scales_json": "unused",
}


def _flatten(value, prefix=""):
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(item, f"{prefix}.{key}" if prefix else key)
    else:
        yield prefix, value


def test_defaults_are_the_committed_params():
    committed = dict(_flatten(to_mapping(load_params(REPO / "params.yaml"))))
    defaults = dict(_flatten(to_mapping(Params())))
    assert committed.keys() == defaults.keys()
    for key, value in committed.items():
        if EQUIVALENT.get(key) == "gripper":
            assert load_gripper(REPO / value).sha256 == load_gripper(defaults[key]).sha256, key
        elif EQUIVALENT.get(key) != "unused":
            assert value == defaults[key], (
                f"params.yaml {key}: {value!r}, but the default is {defaults[key]!r}"
            )
    assert load_params(REPO / "params.yaml").objects.source == "builtin"
    assert dataclasses.replace(Params()) == Params()
