"""The two test tiers stay what the README says: ``make test`` is the fast tier (slow, pipeline and Isaac
Lab tests deselected), ``make test-all`` the full suite CI runs. A test that reproduces the pipeline or
needs the Isaac Lab environment must carry the marker that keeps it out of the fast tier."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from house.imports import REPO

TESTS = sorted(p for p in (REPO / "tests").rglob("*.py") if p.name.startswith("test_"))
FAST_DESELECTS = {"slow", "pipeline", "isaaclab"}


def _marks(node: ast.expr) -> set[str]:
    """Marker names in ``pytest.mark.x``, ``pytest.mark.x(...)`` or a list of them."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return set().union(*(_marks(n) for n in node.elts))
    if isinstance(node, ast.Call):
        node = node.func
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    ):
        return {node.attr}
    return set()


def _module_marks(tree: ast.Module) -> set[str]:
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytestmark" for t in node.targets):
            return _marks(node.value)
    return set()


def _functions(tree: ast.Module) -> list[ast.FunctionDef]:
    return [n for n in tree.body if isinstance(n, ast.FunctionDef)]


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _recipe(makefile: str, target: str) -> list[str]:
    """The recipe lines (tab-indented) of ``target`` in the Makefile's text."""
    lines = makefile.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"{target}:"))
    recipe = []
    for line in lines[start + 1 :]:
        if not line.startswith("\t"):
            break
        recipe.append(line.strip())
    return recipe


def _expand(line: str, makefile: str) -> str:
    """``$(NAME)`` replaced by the Makefile's ``NAME :=`` value (one level: enough for our Makefile)."""

    def value(match: re.Match) -> str:
        found = re.search(rf"^{match.group(1)}\s*:?=\s*(.*)$", makefile, re.M)
        return found.group(1).strip() if found else match.group(0)

    return re.sub(r"\$\((\w+)\)", value, line)


def test_ci_runs_the_full_suite():
    lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert "make test-all" in lines, ".ci/run must run the full suite: make test-all"
    assert "make test" not in lines, ".ci/run runs the fast tier only: use make test-all"


def test_make_test_deselects_the_slow_tiers_and_test_all_runs_everything():
    makefile = (REPO / "Makefile").read_text()
    fast = [_expand(line, makefile) for line in _recipe(makefile, "test") if "pytest" in line]
    assert len(fast) == 1, f"make test must run pytest once: {fast}"
    expression = re.search(r'-m\s+"([^"]+)"', fast[0])
    assert expression, f"make test must select with -m: {fast[0]}"
    deselected = set(re.findall(r"not (\w+)", expression.group(1)))
    assert deselected == FAST_DESELECTS and " or " not in expression.group(1), expression.group(1)
    full = [line for line in _recipe(makefile, "test-all") if "pytest" in line]
    selects = full[0].split("pytest", 1)[-1] if full else ""
    assert len(full) == 1 and " -m " not in selects and " -k " not in selects, full


def test_the_readme_names_both_tiers():
    readme = (REPO / "README.md").read_text()
    assert re.search(r"\bmake test\b(?!-)", readme) and "make test-all" in readme


@pytest.mark.parametrize("path", TESTS, ids=[str(p.relative_to(REPO)) for p in TESTS])
def test_tests_that_need_a_slow_resource_are_marked(path):
    """``reproduce`` (tests/dvc_harness.py) runs dvc repro: the module is marked ``pipeline``. A test taking
    the ``isaaclab_python`` fixture is marked ``isaaclab`` (module-wide when a fixture takes it). A test
    that drives the headless browser (``CHROMIUM``) is marked ``slow``."""
    tree = _parse(path)
    module = _module_marks(tree)
    harness = any(
        isinstance(n, ast.ImportFrom)
        and n.module == "dvc_harness"
        and any(a.name == "reproduce" for a in n.names)
        for n in ast.walk(tree)
    )
    if harness:
        assert "pipeline" in module, (
            f"{path.name} reproduces the pipeline: add pytestmark = [pytest.mark.pipeline]"
        )
    for fn in _functions(tree):
        marks = module.union(*(_marks(d) for d in fn.decorator_list))
        args = {a.arg for a in fn.args.args}
        if "isaaclab_python" in args:
            where = marks if fn.name.startswith("test_") else module
            assert "isaaclab" in where, (
                f"{path.name}::{fn.name} needs the Isaac Lab environment: mark it isaaclab"
            )
        if fn.name.startswith("test_") and any(getattr(n, "id", None) == "CHROMIUM" for n in ast.walk(fn)):
            assert "slow" in marks, f"{path.name}::{fn.name} drives a headless browser: mark it slow"
