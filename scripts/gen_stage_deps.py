"""Write each ``dvc.yaml`` stage's code deps from its script's import closure: ``python scripts/gen_stage_deps.py``.

Two kinds of stage, two kinds of deps, never kept by hand:

- **Per-object stages** (``REUSED_BY_PROVENANCE``) depend on the whole ``src/dexgen`` package. Each object's
  file records the hash of the code that made it (:mod:`dexgen.provenance`) and outputs persist or are
  cached, so an edit elsewhere re-runs the stage as a no-op: every object file is reused, the stage's
  outputs come out byte-identical and nothing downstream re-runs. An edit to code the objects ran redoes
  them, which exact deps would do too.
- **Learning stages** have no per-object reuse (a re-run retrains), so they depend on exactly the files
  their closure holds (following ``-m`` strings and package data read by name;
  :func:`dexgen.codebase.closure`), written as one folder wherever the closure holds all of it.

Data deps (everything not under ``src/`` or ``stages/``) are kept as written, after the code deps.
``--check`` writes nothing and exits 1 naming the stages whose deps differ (the tests run it).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from dexgen.atomic import write_text
from dexgen.codebase import closure

REPO = Path(__file__).resolve().parents[1]
SRC = REPO / "src" / "dexgen"
DVC_YAML = REPO / "dvc.yaml"
_STAGE = re.compile(r"^  (\w+):\s*$")
_DEP = re.compile(r"^      - (\S+)(?:\s+#.*)?\s*$")  # a note after a code dep goes with it
_COMMENT = re.compile(r"^      #")
REUSED_BY_PROVENANCE = frozenset(
    {"objects", "guess", "simulate", "sim_compare", "graspgen", "dexnet_synth", "sim_report", "guess_report",
     "fetch_dexnet"}
)  # fmt: skip


def _collapsed(files: set[Path], folder: Path) -> list[Path]:
    """``files`` under ``folder`` as deps: the folder itself where the closure holds every source file in
    it (exact, one line), else its subfolders and files, recursively."""
    sources = {p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    if sources and sources <= files:
        return [folder]
    deps = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and any(f.is_relative_to(child) for f in files):
            deps += _collapsed(files, child)
        elif child in files:
            deps.append(child)
    return deps


def code_deps(stage: str, script: Path) -> list[str]:
    """The script, then ``src/dexgen`` (per-object stages) or every ``dexgen`` file its closure holds, a
    folder wherever it holds the whole folder."""
    if stage in REUSED_BY_PROVENANCE:
        return [script.relative_to(REPO).as_posix(), SRC.relative_to(REPO).as_posix()]
    files = {p for p in closure(script) if p.is_relative_to(SRC)}
    deps = _collapsed(files, SRC)
    return [script.relative_to(REPO).as_posix()] + [p.relative_to(REPO).as_posix() for p in deps]


def _script(cmd: str, stage: str) -> Path:
    words = cmd.split()
    if words[:1] != ["python"] or not words[1].startswith("stages/"):
        raise SystemExit(f"dvc.yaml: stage {stage}: cmd must run `python stages/<stage>.py ...`")
    return REPO / words[1]


def regenerate(text: str) -> tuple[str, list[str]]:
    """``dvc.yaml`` text with every stage's code deps rewritten, and the stages that changed."""
    stages = yaml.safe_load(text)["stages"]
    out, changed, stage, in_deps, deps = [], [], None, False, []

    def flush() -> None:
        nonlocal deps
        if not deps:
            return
        data = [d for d in deps if not (d.startswith("src/") or d.startswith("stages/"))]
        new = code_deps(stage, _script(stages[stage]["cmd"], stage)) + data
        if new != deps:
            changed.append(stage)
        out.extend(f"      - {d}" for d in new)
        deps = []

    for line in text.splitlines():
        if in_deps and (match := _DEP.match(line)):
            deps.append(match.group(1))
            continue
        if in_deps and _COMMENT.match(line):  # a hand-written note inside generated deps: dropped
            continue
        if in_deps:
            flush()
            in_deps = False
        if match := _STAGE.match(line):
            stage = match.group(1)
        in_deps = line == "    deps:"
        out.append(line)
    flush()
    return "\n".join(out) + "\n", changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="only report stale stages (exit 1 if any)")
    args = parser.parse_args(argv)
    text = DVC_YAML.read_text()
    new, changed = regenerate(text)
    if args.check:
        for stage in changed:
            print(
                f"dvc.yaml: {stage}: code deps out of date; run `python scripts/gen_stage_deps.py`",
                file=sys.stderr,
            )
        return 1 if changed else 0
    if new != text:
        write_text(DVC_YAML, new)
        print(f"wrote dvc.yaml ({len(changed)} stages: {', '.join(changed)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
