"""Static import closures of the project's scripts, for the house tests.

A module's imports are every ``import`` / ``from ... import`` in it, at any depth (an import inside a
function runs when that function does), plus the ``"dexgen.module:Name"`` strings a registry imports
by name (:mod:`dexgen.sim.registry`). Only ``dexgen`` modules are followed; a package's
``__init__.py`` counts for every module imported from it, as Python runs it first.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"
_REGISTRY_STRING = re.compile(r"^(dexgen(?:\.\w+)+):\w+$")


def module_file(name: str) -> Path | None:
    """The source file of module ``name`` (``dexgen.x.y``), or None when it is not ours."""
    base = SRC.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _candidates(node: ast.AST, current: str, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [a.name for a in node.names]
    if isinstance(node, ast.ImportFrom):
        if node.level:
            parts = current.split(".")
            base = parts if is_package else parts[:-1]
            base = base[: len(base) - (node.level - 1)]
            module = ".".join(base + ([node.module] if node.module else []))
        else:
            module = node.module or ""
        return [module] + [f"{module}.{a.name}" for a in node.names]  # `from pkg import module`
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = _REGISTRY_STRING.match(node.value)
        return [match.group(1)] if match else []
    return []


@cache
def direct_imports(path: Path, name: str) -> frozenset[str]:
    """The ``dexgen`` modules the file at ``path`` (module ``name``) imports."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        for candidate in _candidates(node, name, path.name == "__init__.py"):
            if candidate.startswith("dexgen") and module_file(candidate) is not None:
                found.add(candidate)
    return frozenset(found)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def closure(script: Path) -> set[Path]:
    """Every project source file the script at ``script`` may run: itself and its ``dexgen`` closure."""
    files = {script.resolve()}
    todo = list(direct_imports(script.resolve(), "__main__"))
    seen: set[str] = set()
    while todo:
        name = todo.pop()
        for module in _with_parents(name):
            if module in seen:
                continue
            seen.add(module)
            path = module_file(module)
            if path is None:
                continue
            files.add(path.resolve())
            todo.extend(direct_imports(path, module))
    return files
