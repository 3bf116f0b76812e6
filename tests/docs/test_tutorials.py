"""The tutorials cannot rot: every titled command block of docs/tutorials/*.md runs, in order, in a fresh
copy of the repo with the tiny params of docs/tutorials/tiny/params.yaml, the output the page shows must
appear, and the files the page names must exist (see tutorial_blocks for the markers).

The unit tests below prove the runner catches what it is for: a renamed flag, a changed line of output."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from docs.graspgen_standins import write_runs_for
from docs.tutorial_blocks import (
    AFTER_TRAINING,
    FAILS,
    ISAACLAB,
    OUTPUT,
    RUN,
    Block,
    blocks,
    check_output,
    produces,
    run_block,
)
from dvc_harness import REPO, make_pipeline_repo
from isaaclab_env import REQUIRE_ISAACLAB, unavailable

TUTORIALS = REPO / "docs" / "tutorials"
TINY = TUTORIALS / "tiny" / "params.yaml"
# The troubleshooting page is run the same way: its messages are printed by the commands above them.
PAGES = [
    *sorted(p for p in TUTORIALS.glob("*.md") if p.name != "index.md"),
    REPO / "docs" / "troubleshooting.md",
]


def _can_unshare() -> bool:
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return False
    return subprocess.run(["unshare", "--net", "true"], capture_output=True).returncode == 0


def _repo(tmp_path: Path) -> Path:
    """A fresh git + DVC copy of the repo with the tiny params merged in; the Isaac Lab lock beside it."""
    repo = make_pipeline_repo(tmp_path, params=yaml.safe_load(TINY.read_text()))
    shutil.copytree(REPO / "envs", repo / "envs")  # the Isaac Lab backend finds its environment by this lock
    return repo


def run_page(page: Path, repo: Path, *, isaaclab: bool) -> list[str]:
    """Run the page's blocks in ``repo``; what was skipped (Isaac Lab blocks without the environment)."""
    where = str(page.relative_to(REPO))
    text = page.read_text()
    skipped, output, ran_last = [], "", False
    for block in blocks(text, where=where):
        if block.kind == OUTPUT:
            if ran_last:
                check_output(block, output, where=where)
            continue
        if block.kind == ISAACLAB and not isaaclab:
            skipped.append(f"{where}:{block.line}")
            ran_last = False
            continue
        if block.kind == AFTER_TRAINING:
            write_runs_for(block.code, repo)
        output, ran_last = run_block(block, repo, where=where), True
    always, with_isaaclab = produces(text)
    missing = [p for p in always + (with_isaaclab if isaaclab else []) if not (repo / p).exists()]
    assert not missing, f"{where}: the page says its commands make {missing}, which do not exist"
    return skipped


@pytest.mark.slow
@pytest.mark.parametrize("page", PAGES, ids=[p.stem for p in PAGES])
def test_tutorial_runs_as_written(page, tmp_path):
    if page.stem == "cluster" and not _can_unshare():
        pytest.skip("needs `unshare --net` (root or user namespaces) for a loopback-only cluster")
    why = unavailable()
    if why and REQUIRE_ISAACLAB and ISAACLAB in page.read_text():
        pytest.fail(f"DEXGEN_REQUIRE_ISAACLAB=1 but the Isaac Lab environment is unavailable: {why}")
    skipped = run_page(page, _repo(tmp_path), isaaclab=why is None)
    if skipped:
        pytest.skip(f"ran every block but the Isaac Lab ones ({', '.join(skipped)}): {why}")


def test_every_tutorial_page_runs_something():
    assert [p.stem for p in PAGES] == ["cluster", "dexnet", "graspgen", "isaaclab", "troubleshooting"]
    for page in PAGES:
        found = blocks(page.read_text(), where=page.name)
        assert any(b.kind in (RUN, FAILS) for b in found), f"{page.name}: no block titled {RUN!r}"
        assert produces(page.read_text())[0], f"{page.name}: no `<!-- tutorial-test: produces ... -->` list"


def test_a_renamed_flag_fails_the_block(tmp_path):
    good = Block(RUN, "dexgen gripper check robotiq_2f_85 --out check\n", 1)
    run_block(good, tmp_path, where="page.md")
    assert (tmp_path / "check" / "robotiq_2f_85.png").is_file()
    renamed = Block(RUN, "dexgen gripper check robotiq_2f_85 --output-dir check\n", 7)
    with pytest.raises(AssertionError, match=r"page\.md:7: the block exited 2(.|\n)*unrecognized arguments"):
        run_block(renamed, tmp_path, where="page.md")


def test_a_changed_line_of_output_fails():
    shown = Block(OUTPUT, "stroke 85.0 mm\nwrote check/robotiq_2f_85.png\n", 12)
    check_output(
        shown,
        "INFO x\nstroke 85.0 mm (closes to 0.0 mm)\nwrote check/robotiq_2f_85.png and ...\n",
        where="p.md",
    )
    with pytest.raises(AssertionError, match=r"p\.md:12: the page shows 'stroke 85\.0 mm'"):
        check_output(
            shown, "stroke 86.0 mm (closes to 0.0 mm)\nwrote check/robotiq_2f_85.png\n", where="p.md"
        )
    with pytest.raises(AssertionError, match="in this order"):  # both lines, but in the other order
        check_output(shown, "wrote check/robotiq_2f_85.png\nstroke 85.0 mm\n", where="p.md")


def test_the_parser_refuses_an_unknown_title_and_a_stray_output():
    with pytest.raises(ValueError, match=r"p\.md:3: block title 'runn'"):
        blocks('text\n\n```bash title="runn"\nls\n```\n', where="p.md")
    with pytest.raises(ValueError, match="must follow a run block"):
        blocks('```text title="output"\nx\n```\n', where="p.md")
    assert blocks('```bash\nnot run\n```\n```bash title="run"\nls\n```\n', where="p.md") == [
        Block(RUN, "ls\n", 4)
    ]


@pytest.mark.slow  # imports torch twice: ~10 s
def test_the_graspgen_standins_feed_the_inference_config(tmp_path):
    code = "dexgen graspgen-inference-config --gen logs/g_gen_test --dis logs/g_dis_test --out models/g\n"
    write_runs_for(code, tmp_path)
    run_block(Block(AFTER_TRAINING, code, 1), tmp_path, where="p.md")
    assert sorted(p.name for p in (tmp_path / "models" / "g").iterdir()) == [
        "dis.pth",
        "gen.pth",
        "graspgen_g.yml",
    ]


def test_a_failing_block_must_fail_with_dexgen_s_error_code(tmp_path):
    fails = Block(FAILS, "dexgen guess --params nope.yaml --objects x --out y\n", 3)
    assert "nope.yaml: params file not found" in run_block(fails, tmp_path, where="p.md")
    passes = Block(FAILS, "true\n", 5)
    with pytest.raises(AssertionError, match=r"p\.md:5: the block exited 0, not 1"):
        run_block(passes, tmp_path, where="p.md")
