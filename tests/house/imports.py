"""Static import closures of the project's scripts, for the house tests: the library's own
(:mod:`dexgen.codebase`, which also names the code version provenance records)."""

from __future__ import annotations

from pathlib import Path

from dexgen.codebase import closure as _closure
from dexgen.codebase import direct_imports, module_file

REPO = Path(__file__).resolve().parents[2]
SRC = REPO / "src"

__all__ = ["REPO", "SRC", "closure", "direct_imports", "module_file"]


def closure(script: Path) -> set[Path]:
    """Every project source file the script at ``script`` may run: itself and its ``dexgen`` closure."""
    return _closure(script)
