"""Which of our source files a piece of work runs, and one hash of their content: the code version that
provenance records.

A package version never changes between commits, so a per-object file stamped with it would be reused
after the code that made it changed: DVC re-runs the stage, the stage finds files whose provenance
"matches", and stale results survive under a fresh lock. Hashing the sources instead makes a changed
algorithm redo its files, while an edit elsewhere in the package leaves them alone.

A module's sources are its own file and every ``dexgen`` module it imports, at any depth (an import
inside a function counts: it runs when the function does), plus the modules a registry names as
``"dexgen.module:Name"`` strings (:mod:`dexgen.sim.registry`) and the modules it starts in another
interpreter as ``-m dexgen.module`` (an argv list ``[python, "-m", "dexgen.module"]`` or one command
string: the Isaac Lab worker runs only that way). A package's ``__init__.py`` counts for every module
imported from it, as Python runs it first. Package data counts too: a file a module opens by a fixed
name, ``importlib.resources.files("dexgen.package") / "name.ext"`` (the viewer's page template), since an
edit there changes what the code makes as surely as one in a ``.py``. Shipped gripper YAMLs are looked
up by a name from params, not a fixed one: they are inputs, and every output records the hash of the
one it used (:mod:`dexgen.records.grippers`), so an edit to an unused one re-runs nothing.
"""

from __future__ import annotations

import ast
import hashlib
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the folder holding the dexgen package
_REGISTRY_STRING = re.compile(r"^(dexgen(?:\.\w+)+):\w+$")
_MODULE_NAME = re.compile(r"^dexgen(?:\.\w+)+$")
_FILE_NAME = re.compile(r"^[\w-]+(?:\.[\w-]+)*\.[A-Za-z]\w*$")  # "template.html"
_RUN_MODULE = re.compile(r"(?:^|\s)-m\s+(dexgen(?:\.\w+)+)")  # `python -m dexgen.x` in one string


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
    if isinstance(node, (ast.List, ast.Tuple)):
        return _run_module_argv(node.elts)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        match = _REGISTRY_STRING.match(node.value) or _RUN_MODULE.search(node.value)
        return [match.group(1)] if match else []
    return []


def _run_module_argv(items: list[ast.expr]) -> list[str]:
    """The ``dexgen`` modules an argv list literal starts: the constant after each ``"-m"``."""
    words = [i.value if isinstance(i, ast.Constant) and isinstance(i.value, str) else None for i in items]
    return [b for a, b in zip(words, words[1:]) if a == "-m" and b is not None and _MODULE_NAME.match(b)]


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the docstring nodes of ``tree``: prose mentioning ``python -m dexgen.x`` runs nothing."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _named_data(tree: ast.AST) -> set[tuple[str, str]]:
    """(package, file name) of the data files a module opens by a fixed name through
    :mod:`importlib.resources`: ``files("dexgen.x") / "name.ext"``."""
    packages, names = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func, package = node.func, node.args[0].value
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if called == "files" and isinstance(package, str) and _MODULE_NAME.match(package):
                packages.add(package)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _FILE_NAME.match(node.value):
            names.add(node.value)
    return {(p, n) for p in packages for n in names}


@cache
def data_files(path: Path) -> frozenset[Path]:
    """The package data files the module at ``path`` reads by name (see :func:`_named_data`)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for package, name in _named_data(tree):
        file = ROOT.joinpath(*package.split("."), name)
        if file.suffix != ".py" and file.is_file():
            found.add(file.resolve())
    return frozenset(found)


@cache
def direct_imports(path: Path, name: str) -> frozenset[str]:
    """The ``dexgen`` modules the file at ``path`` (module ``name``) imports or starts with ``-m``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    docstrings = _docstrings(tree)
    for node in ast.walk(tree):
        if id(node) in docstrings:
            continue
        for candidate in _candidates(node, name, path.name == "__init__.py"):
            if candidate.startswith("dexgen") and module_file(candidate) is not None:
                found.add(candidate)
    return frozenset(found)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def closure(path: Path, name: str = "__main__") -> set[Path]:
    """Every ``dexgen`` source file the file at ``path`` (module ``name``) may run, itself included, and
    the package data files they read."""
    files = {path.resolve()} | data_files(path.resolve())
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
                files.update(data_files(source))
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
