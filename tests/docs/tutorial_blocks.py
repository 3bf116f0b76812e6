"""Test helper: the command blocks of a tutorial page, run in order in a copy of the repo.

A page marks what the tests run with the title of a fenced block (MkDocs Material shows it above the
block, so a reader sees what was run):

- ``title="run"``: executed with ``bash -euo pipefail`` in the repo copy, failing the test on a non-zero exit;
- ``title="run (needs the Isaac Lab environment)"``: the same, where the Isaac Lab environment is built;
- ``title="run (after GraspGen training)"``: the same, after stand-in GraspGen training runs are written;
- ``title="run (fails)"``: must exit 1, dexgen's code for an error (troubleshooting shows real messages);
- ``title="output"``: lines that must appear, in this order, in what the run block before it printed.

and lists the files its blocks make in an HTML comment, ``<!-- tutorial-test: produces a, b -->`` (and
``<!-- tutorial-test with Isaac Lab: produces ... -->`` for those the Isaac Lab blocks make).
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
import sys
from pathlib import Path

RUN = "run"
ISAACLAB = "run (needs the Isaac Lab environment)"
AFTER_TRAINING = "run (after GraspGen training)"
FAILS = "run (fails)"
OUTPUT = "output"
KINDS = (RUN, ISAACLAB, AFTER_TRAINING, FAILS, OUTPUT)
EXIT_ERROR = 1  # dexgen.cli.common.EXIT_ERROR: bad input or config, the message names the file
_FENCE = re.compile(r"^```(?P<info>[^\n]*)\n(?P<code>.*?)^```[ \t]*$", re.M | re.S)
_TITLE = re.compile(r'title="(?P<title>[^"]*)"')
_PRODUCES = re.compile(r"<!-- tutorial-test(?P<isaac> with Isaac Lab)?: produces (?P<paths>.*?)-->", re.S)


@dataclasses.dataclass(frozen=True)
class Block:
    kind: str  # one of KINDS
    code: str
    line: int  # 1-based line of the opening fence on the page


def blocks(text: str, *, where: str) -> list[Block]:
    """The titled blocks of a page in order; an unknown ``run``/``output`` title is an error naming ``where``."""
    out = []
    for match in _FENCE.finditer(text):
        title = _TITLE.search(match["info"])
        if not title:
            continue
        line = text.count("\n", 0, match.start()) + 1
        if title["title"] not in KINDS:
            raise ValueError(f"{where}:{line}: block title {title['title']!r} is none of {list(KINDS)}")
        out.append(Block(title["title"], match["code"], line))
    if out and out[0].kind == OUTPUT:
        raise ValueError(f"{where}:{out[0].line}: an output block must follow a run block")
    return out


def produces(text: str) -> tuple[list[str], list[str]]:
    """(files every run makes, files the Isaac Lab blocks make) as the page's comments list them."""
    always: list[str] = []
    isaac: list[str] = []
    for match in _PRODUCES.finditer(text):
        paths = [p.strip() for p in match["paths"].replace("\n", " ").split(",") if p.strip()]
        (isaac if match["isaac"] else always).extend(paths)
    return always, isaac


SOURCES = Path(__file__).resolve().parents[2] / "src"  # this checkout's, not the venv's editable install


def environment(repo: Path) -> dict[str, str]:
    """This venv's tools first on PATH, the copy's sources (else this checkout's) on PYTHONPATH, no analytics."""
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(repo / "src" if (repo / "src").is_dir() else SOURCES)
    env["DVC_NO_ANALYTICS"] = "1"
    env.pop("DVCLIVE_TEST", None)
    return env


def run_block(block: Block, repo: Path, *, where: str, timeout: float = 900) -> str:
    """Run one block in ``repo``; its stdout and stderr together. An exit other than the block's kind
    expects (0, or 1 for ``run (fails)``) fails, showing both."""
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", block.code],
        cwd=repo,
        env=environment(repo),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    output = done.stdout + done.stderr
    expected = EXIT_ERROR if block.kind == FAILS else 0
    if done.returncode != expected:
        raise AssertionError(
            f"{where}:{block.line}: the block exited {done.returncode}, not {expected}:\n{block.code}\n--- its output ---\n"
            f"{output[-4000:]}"
        )
    return output


def check_output(block: Block, output: str, *, where: str) -> None:
    """Every non-empty line of an output block appears, in order, within the lines of ``output``."""
    lines = output.splitlines()
    at = 0
    for want in (w.strip() for w in block.code.splitlines()):
        if not want:
            continue
        while at < len(lines) and want not in lines[at]:
            at += 1
        if at == len(lines):
            raise AssertionError(
                f"{where}:{block.line}: the page shows {want!r}, which the command did not print (in this "
                f"order). It printed:\n{output[-4000:]}"
            )
        at += 1
