"""``dexgen gripper``: the shipped grippers, and a check of any gripper description with pictures.

``list`` names every shipped gripper, its kind and where it comes from. ``check`` loads a gripper as
the pipeline would (a shipped name, a box or pointer YAML, a ``.urdf``), prints what dexgen makes of
it (stroke, TCP depth, closing force, bodies and faces) and writes ``<name>.png`` (side views at
open, half and closed) and ``<name>.html`` (the same in 3-D) into ``--out``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from dexgen import layout
from dexgen.cli.common import EXIT_OK, positive_int

PAGE_MARK = "Written by dexgen"  # the viewer template's comment: an HTML file holding it is ours


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("gripper", help="list the shipped grippers, check a gripper description")
    verbs = p.add_subparsers(dest="verb", metavar="VERB")
    ls = verbs.add_parser("list", help="shipped grippers, their kind and source")
    ls.set_defaults(run=run_list)
    check = verbs.add_parser(
        "check", help="validate a gripper (name, YAML or .urdf), print its figures, draw it"
    )
    check.add_argument("gripper", help="a shipped name, a gripper YAML or a robot description file")
    check.add_argument(
        "--out",
        default=str(layout.GRIPPER_CHECK),
        help="folder for <name>.png and <name>.html (default: %(default)s)",
    )
    check.add_argument("--openings", type=positive_int, default=None, help="rows of the opening table")
    check.set_defaults(run=run_check)
    p.set_defaults(run=lambda args: p.print_help() or EXIT_OK)  # no verb: say which there are


def run_list(args: argparse.Namespace) -> int:
    from dexgen.grippers.description import shipped

    rows = shipped()
    width = max(len(r[0]) for r in rows)
    for name, kind, source in rows:
        print(f"{name:<{width}}  {kind:<12}  {source}")
    return EXIT_OK


def _owned(folder: Path):
    """Our pictures: an HTML page carrying the viewer's mark, a PNG beside such a page."""

    def owned(path: Path) -> bool:
        if path.suffix == ".html" and path.is_file():
            try:
                return PAGE_MARK in path.read_text(errors="replace")[:2000]
            except OSError:
                return False
        return path.suffix == ".png" and path.is_file() and owned(path.with_suffix(".html"))

    return owned


def run_check(args: argparse.Namespace) -> int:
    from dexgen.atomic import check_out_dir
    from dexgen.grippers.description import load_model
    from dexgen.grippers.pictures import render_png
    from dexgen.viewer.gripper_page import write_gripper_page

    out = Path(args.out)
    check_out_dir(out, _owned(out), inputs={"gripper": args.gripper if Path(args.gripper).exists() else None})
    model = load_model(args.gripper, openings=args.openings)
    faces = model.faces()
    force = "not given" if model.closing_force is None else f"{model.closing_force:g} N"
    print(f"{model.name} ({model.kind}) from {model.source}, sha256 {model.sha256[:16]}")
    print(
        f"stroke {model.stroke * 1000:.1f} mm (closes to {model.min_opening * 1000:.1f} mm), "
        f"TCP depth {model.tcp_depth() * 1000:.1f} mm, bite {model.bite * 1000:.1f} mm, "
        f"closing force {force}"
    )
    print(
        f"driven joint {model.driven_joint}, {len(model.openings)} openings, pads on {[p.body for p in model.pads]}"
    )
    print(
        f"{len(faces)} bodies, {sum(faces.values())} faces: "
        + ", ".join(f"{b} {n}" for b, n in faces.items())
    )
    html = write_gripper_page(out / f"{model.name}.html", model)  # the page first: it vouches for the PNG
    png = render_png(out / f"{model.name}.png", model)
    print(f"wrote {png} and {html}")
    return EXIT_OK
