"""What every command and stage script shares: exit codes, logging, the params tree, printing."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from dexgen.params.tree import DEFAULT_PATH, Params, load_params

log = logging.getLogger(__name__)

EXIT_OK = 0  # done
EXIT_ERROR = 1  # a dexgen error: bad input or config, or a failed check (the message says which)
EXIT_USAGE = 2  # argparse's own code for a bad command line
DEBUG_ENV = "DEXGEN_DEBUG"  # set to 1: an error also prints its traceback (stage scripts, and the CLI)


def debug_wanted(flag: bool = False) -> bool:
    """Whether an error shows its traceback: ``--debug`` or ``DEXGEN_DEBUG=1`` (dvc runs stages with no flags)."""
    return flag or os.environ.get(DEBUG_ENV, "") not in ("", "0")


def report_error(name: str, exc: BaseException, *, debug: bool = False) -> int:
    """Print a dexgen error as one line on stderr (its traceback first under ``debug``); the exit code."""
    if debug:
        traceback.print_exception(exc, file=sys.stderr)
    # a parser's message (YAML, JSON) may span lines with a caret under the column: keep it on one line
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())
    print(f"{name}: error: {text}", file=sys.stderr)
    return EXIT_ERROR


def setup_logging(*, verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO, format="%(levelname)s %(name)s: %(message)s"
    )


def add_params_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--params",
        "--config",
        dest="params",
        default=None,
        help=f"params file for defaults (default: {DEFAULT_PATH} when present, else the built-in "
        "defaults, which equal the committed params.yaml)",
    )


def params_of(args: argparse.Namespace) -> Params:
    """The params tree of ``--params``; without the flag, ``params.yaml`` here or the defaults."""
    if args.params is not None:
        return load_params(args.params)
    if DEFAULT_PATH.is_file():
        return load_params(DEFAULT_PATH)
    log.info("no %s here: using the built-in defaults", DEFAULT_PATH)
    return Params()


def print_json(value: Any) -> None:
    print(json.dumps(value, indent=2, sort_keys=True, default=str))


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (a batch size or count of 0 would fail deep inside, or loop forever)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def existing_dir(text: str) -> Path:
    """argparse type: a folder that exists (a usage error, exit 2, names the path and what it is)."""
    path = Path(text)
    if path.is_dir():
        return path
    if path.exists():
        raise argparse.ArgumentTypeError(f"{text}: is a file, expected a folder")
    raise argparse.ArgumentTypeError(f"{text}: folder not found")
