"""Every generated part of the site in one place: which file it is and what it must hold, for
``scripts/gen_docs.py`` (which writes them) and the test that the committed pages are current."""

from __future__ import annotations

from pathlib import Path

import yaml

from dexgen.docs.cli_ref import cli_reference
from dexgen.docs.params_ref import params_reference, section_paths
from dexgen.docs.stages_ref import fill_blocks

PARAMS_PAGE = Path("docs/reference/params.md")
CLI_PAGE = Path("docs/reference/cli.md")
STAGE_PAGES = Path("docs/stages")


def dvc_stages(repo: Path) -> dict:
    """The ``stages`` mapping of ``repo/dvc.yaml``, as written (templates unresolved)."""
    path = repo / "dvc.yaml"
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ValueError(f"{path}: cannot read the pipeline: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("stages"), dict):
        raise ValueError(f"{path}: no `stages:` mapping")
    return data["stages"]


def generated_pages(repo: Path) -> dict[Path, str]:
    """{path relative to ``repo``: the text it must hold} for every generated page or page part."""
    pages = {PARAMS_PAGE: params_reference(), CLI_PAGE: cli_reference()}
    stages, sections = dvc_stages(repo), section_paths()
    for page in sorted((repo / STAGE_PAGES).glob("*.md")):
        rel = page.relative_to(repo)
        pages[rel] = fill_blocks(page.read_text(), stages, sections, where=str(rel))
    return pages


def stale_pages(repo: Path) -> list[Path]:
    """The generated pages whose committed text differs from a fresh build."""
    return [
        rel
        for rel, text in generated_pages(repo).items()
        if not (repo / rel).is_file() or (repo / rel).read_text() != text
    ]
