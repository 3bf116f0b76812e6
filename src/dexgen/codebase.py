"""Which of our source files a piece of work runs, and one hash of their content: the code version that
provenance records.

A package version never changes between commits, so a per-object file stamped with it would be reused
after the code that made it changed: DVC re-runs the stage, the stage finds files whose provenance
"matches", and stale results survive under a fresh lock. Hashing the sources instead makes a changed
algorithm redo its files, while an edit elsewhere in the package leaves them alone.

A module's sources are its own file and every ``dexgen`` module it imports, at any depth (an import
inside a function counts: it runs when the function does), plus the modules a registry names as
``"dexgen.module:Name"`` strings (:mod:`dexgen.sim.registry`). A package's ``__init__.py`` counts for
every module imported from it, as Python runs it first.
"""

from __future__ import annotations

import ast
import hashlib
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding the dexgen package
_REGISTRY_STRING = re.compile(r"^(dexgen(?:\.\w+)+):\w+$")


def module_file(name: str) -> Path | None:
    """The source file of module ``name`` (``dexgen.x.y``), or None when it is not one of ours."""
    base = ROOT.joinpath(*name.split("."))
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


def closure(path: Path, name: str = "__main__") -> set[Path]:
    """Every ``dexgen`` source file the file at ``path`` (module ``name``) may run, itself included."""
    files = {path.resolve()}
    todo = list(direct_imports(path.resolve(), name))
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        for parent in _with_parents(module):
            if parent in seen:
                continue
            seen.add(parent)
            source = module_file(parent)
            if source is not None:
                files.add(source.resolve())
                todo.extend(direct_imports(source, parent))
    return files


@cache
def code_hash(module: str) -> str:
    """sha256 of the sources ``module`` runs (names relative to the package root, and contents)."""
    path = module_file(module)
    if path is None:
        raise ValueError(f"{module} is not a dexgen module")
    digest = hashlib.sha256()
    for source in sorted(closure(path, module)):
        digest.update(source.relative_to(ROOT).as_posix().encode() + b"\0")
        digest.update(source.read_bytes() + b"\0")
    return digest.hexdigest()
