"""Write the Markdown a reviewer pastes into a pull request: metrics diff, params diff and plots.

    python scripts/review.py --base main                 # -> review/review.md + review/plots/*.png
    make review BASE=main

The tables are DVC's own (``dvc metrics diff BASE --md``, ``dvc params diff BASE --md``). Plots are
made offline: ``dvc plots show`` writes HTML that loads Vega from a CDN, so image plots (the PNGs
under metrics/) are copied for both revisions when they changed, and data plots (PR curves, ...) are
drawn with matplotlib from ``dvc plots diff --json --split``. Image links are relative to the
Markdown file; attach the folder's PNGs to the PR comment (or upload them from CI).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

log = logging.getLogger("review")

# Fields DVC adds to each plotted point to say where it came from (dvc/render/converter/vega.py).
SOURCE_FIELDS = ("rev", "filename", "field")


def dvc(*args: str, cwd: Path) -> str:
    """stdout of ``dvc ARGS`` in ``cwd``; a failure raises with DVC's own message."""
    proc = subprocess.run([sys.executable, "-m", "dvc", *args], cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"dvc {' '.join(args)} failed in {cwd}:\n{proc.stderr.strip()}")
    return proc.stdout


def slug(name: str) -> str:
    """A file name for a plot or revision id: ``metrics/objects.png`` -> ``metrics_objects_png``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def image_section(name: str, entries: list[dict], base: str, out: Path) -> str:
    """Markdown for one image plot: both revisions side by side (base first) when they differ."""
    found = [(e["revisions"][0], Path(e["url"])) for e in entries if Path(e["url"]).is_file()]
    by_rev = dict(sorted(found, key=lambda item: item[0] != base))
    if len({digest(p) for p in by_rev.values()}) == 1 and len(by_rev) > 1:
        return f"#### `{name}`\n\nunchanged\n"
    cells = []
    for rev, path in by_rev.items():
        target = out / "plots" / f"{slug(rev)}__{slug(str(Path(name).with_suffix('')))}{path.suffix}"
        shutil.copyfile(path, target)
        cells.append((rev, target.relative_to(out).as_posix()))
    head = "| " + " | ".join(rev for rev, _ in cells) + " |"
    rule = "|" + "---|" * len(cells)
    row = "| " + " | ".join(f"![{rev}]({link})" for rev, link in cells) + " |"
    return f"#### `{name}`\n\n{head}\n{rule}\n{row}\n"


def axis_fields(entry: dict, points: list[dict]) -> tuple[str, str]:
    """The x and y field names of a Vega-Lite plot from DVC (y may be DVC's inferred column)."""
    anchors = entry.get("anchor_definitions", {})
    x = anchors.get("<DVC_METRIC_X_LABEL>") or entry["content"]["encoding"]["x"]["field"]
    y = anchors.get("<DVC_METRIC_Y_LABEL>", "")
    if points and y not in points[0]:
        y = "dvc_inferred_y_value"  # several y fields in one plot share this column
    return x, y


def vega_section(name: str, entry: dict, out: Path) -> str:
    """Markdown for one data plot: every revision and source file as a line, drawn with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    points = entry.get("anchor_definitions", {}).get("<DVC_METRIC_DATA>", [])
    if not points:
        return f"#### `{name}`\n\nno data\n"
    x, y = axis_fields(entry, points)
    lines: dict[str, list[tuple[float, float]]] = {}
    for point in points:
        label = " ".join(str(point[k]) for k in SOURCE_FIELDS if k in point)
        lines.setdefault(label, []).append((float(point[x]), float(point[y])))
    fig, ax = plt.subplots(figsize=(5, 4), dpi=100)
    for label, xy in lines.items():
        ax.plot(*zip(*xy, strict=True), label=label, marker="." if len(xy) < 30 else None)
    ax.set_xlabel(x)
    ax.set_ylabel(entry["anchor_definitions"].get("<DVC_METRIC_Y_LABEL>", y))
    ax.set_title(name)
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    target = out / "plots" / f"{slug(name)}.png"
    fig.savefig(target, bbox_inches="tight")
    plt.close(fig)
    return f"#### `{name}`\n\n![{name}]({target.relative_to(out).as_posix()})\n"


def plots_markdown(repo: Path, base: str, out: Path) -> str:
    """The plots section: image plots copied per revision, data plots rendered to PNG."""
    with tempfile.TemporaryDirectory(prefix="dexgen-review-") as tmp:
        raw = dvc("plots", "diff", base, "--json", "--split", "-o", tmp, cwd=repo)
        plots = json.loads(raw or "{}").get("data", {})
        if not plots:
            return "No plots.\n"
        sections = []
        for name, entries in plots.items():
            images = [e for e in entries if e.get("type") == "image"]
            if images:
                sections.append(image_section(name, images, base, out))
            for entry in (e for e in entries if e.get("type") == "vega"):
                sections.append(vega_section(name, entry, out))
    return "\n".join(sections)


def review_markdown(repo: Path, base: str, out: Path) -> str:
    """The whole review comment comparing ``base`` with the workspace of ``repo``."""
    (out / "plots").mkdir(parents=True, exist_ok=True)
    metrics = dvc("metrics", "diff", base, "--md", cwd=repo).strip() or "No metric changed."
    params = dvc("params", "diff", base, "--md", cwd=repo).strip() or "No param changed."
    return (
        f"## DVC review: `{base}` → workspace\n\n"
        f"### Metrics\n\n{metrics}\n\n"
        f"### Params\n\n{params}\n\n"
        f"### Plots\n\n{plots_markdown(repo, base, out)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare the workspace with")
    parser.add_argument("--out", type=Path, default=Path("review"), help="folder for review.md and PNGs")
    parser.add_argument("--repo", type=Path, default=Path("."), help="the DVC repo (default: here)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    repo = args.repo.resolve()
    out = args.out if args.out.is_absolute() else repo / args.out
    if (out / "plots").exists():
        shutil.rmtree(out / "plots")  # stale images from an earlier review would be linked by nobody
    text = review_markdown(repo, args.base, out)
    (out / "review.md").write_text(text, encoding="utf-8")
    log.info("wrote %s (paste it into the pull request; attach %s/*.png)", out / "review.md", out / "plots")
    return 0


if __name__ == "__main__":
    sys.exit(main())
