"""Write the generated pages of the documentation site (params and command references, the
``dvc.yaml`` table on each stage page) from the code: ``python scripts/gen_docs.py``.
``--check`` writes nothing and exits 1 naming the pages that are out of date (the tests run it)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from dexgen.atomic import write_text
from dexgen.docs.generate import generated_pages, stale_pages

REPO = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only report stale pages (exit 1 if any)")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_pages(REPO)
        for rel in stale:
            print(f"{rel}: out of date; run `python scripts/gen_docs.py`", file=sys.stderr)
        return 1 if stale else 0
    for rel, text in generated_pages(REPO).items():
        path = REPO / rel
        if not path.is_file() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_text(path, text)
            print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
