"""The ``dexgen`` command: the same library entry points as the DVC stages, driven by flags.

Each command group is one module (:mod:`.objects`, :mod:`.guess`, :mod:`.sim`, :mod:`.graspgen`,
:mod:`.learn`) with a ``register(subparsers)`` that adds its commands; each command reads the params
tree (``--params``, see :func:`dexgen.cli.common.params_of`) for its defaults, lets flags override
fields of it, and imports its library code only when it runs, so ``dexgen --help`` stays fast.
"""

from __future__ import annotations

import argparse
import sys

from dexgen import __version__
from dexgen.cli import graspgen, gripper, guess, learn, objects, sim
from dexgen.cli.common import EXIT_OK, debug_wanted, report_error, setup_logging
from dexgen.errors import DexgenError

GROUPS = (objects, guess, sim, graspgen, learn, gripper)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dexgen",
        description="Grasp data from meshes and grasp-quality networks. The DVC pipeline (dvc repro) runs "
        "the same code; these commands run single steps by hand. Exit codes: 0 done, 1 an error (the "
        "message names the file and the problem) or a failed check, 2 a bad command line.",
    )
    parser.add_argument("--version", action="version", version=f"dexgen {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of an error (or DEXGEN_DEBUG=1)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in GROUPS:
        group.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(verbose=args.verbose)
    if not getattr(args, "run", None):
        parser.print_help()
        return EXIT_OK
    try:
        return args.run(args)
    except DexgenError as exc:
        return report_error(f"dexgen {args.command}", exc, debug=debug_wanted(args.debug))


if __name__ == "__main__":
    sys.exit(main())
