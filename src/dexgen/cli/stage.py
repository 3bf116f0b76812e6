"""The shared shape of a stage script: paths from argv, the params tree, one library call, one exit code.

A stage script declares its paths (each a required ``--name PATH`` flag, spelled once in dvc.yaml's
``cmd``) and a ``run(args, params)`` that calls one library entry point with the sections it declares
in dvc.yaml's ``params``; :func:`run_stage` does the rest the same way for every stage: argv, logging,
``--params`` (required to exist: a stage reads the pipeline's file), ``--no-progress``, and the exit
code convention of :mod:`dexgen.cli`. A dexgen error is one line on stderr naming the stage, the file or
key and the problem (``DEXGEN_DEBUG=1`` or ``--debug`` adds the traceback); any other exception is a bug
and keeps its traceback.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Mapping
from typing import Any

from dexgen.cli.common import EXIT_OK, debug_wanted, report_error, setup_logging
from dexgen.errors import DexgenError
from dexgen.params.tasks import TASK_NAMES
from dexgen.params.tree import Params, load_params

Run = Callable[[argparse.Namespace, Params], Any]


def stage_parser(doc: str, paths: Mapping[str, str]) -> argparse.ArgumentParser:
    """The parser of a stage script: ``--<path>`` for each of ``paths`` (name -> help), plus the shared flags."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    for name, help_text in paths.items():
        parser.add_argument(
            f"--{name.replace('_', '-')}", dest=name, required=True, metavar="PATH", help=help_text
        )
    parser.add_argument(
        "--params", default="params.yaml", help="the pipeline's params file (default: %(default)s)"
    )
    parser.add_argument("--no-progress", action="store_true", help="hide progress bars")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (or DEXGEN_DEBUG=1)"
    )
    return parser


def task_option(parser: argparse.ArgumentParser) -> None:
    """``--task``: the per-task stages' matrix item (``train@<task>`` and friends)."""
    parser.add_argument("--task", required=True, choices=sorted(TASK_NAMES))


def run_stage(
    doc: str,
    paths: Mapping[str, str],
    run: Run,
    *,
    argv: list[str] | None = None,
    options: Callable[[argparse.ArgumentParser], None] | None = None,
) -> int:
    """Parse argv, load the params tree and call ``run(args, params)``; returns the exit code."""
    parser = stage_parser(doc, paths)
    if options is not None:
        options(parser)
    args = parser.parse_args(argv)
    args.progress = not args.no_progress
    setup_logging()
    name = doc.split("``")[1] if "``" in doc else parser.prog
    try:
        run(args, load_params(args.params))
    except DexgenError as exc:
        return report_error(name, exc, debug=debug_wanted(args.debug))
    return EXIT_OK
