"""dvc on plain throw-away repos, no pipeline run: the project's remote verifies downloads, the review
Markdown of two commits, ``dvc exp run -S`` leaving every other param value as it reads, and the DAG."""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from dvc_harness import REPO, dvc, git


def test_project_default_remote_verifies_downloads():
    """A corrupted remote object must fail the pull (test_sharing.py shows it does only then): ``verify = true``."""
    from configobj import ConfigObj

    config = ConfigObj(str(REPO / ".dvc/config"))
    default = config["core"]["remote"]
    section = config[f'remote "{default}"']
    assert section.get("verify", "false").lower() == "true", (
        f".dvc/config: remote '{default}' must set verify = true, or dvc pull checks out corrupted "
        f"objects from the remote without a word (dvc remote modify {default} verify true)"
    )


def test_review_markdown_two_commits(tmp_path, monkeypatch):
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    repo = tmp_path / "repo"
    (repo / "metrics/prc").mkdir(parents=True)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "test@dexgen.invalid")
    git(repo, "config", "user.name", "dexgen tests")
    dvc(repo, "init", "-q")
    (repo / "dvc.yaml").write_text(
        "metrics:\n  - metrics/eval.json\nplots:\n  - metrics/pic.png\n"
        "  - PR:\n      x: recall\n      y:\n        metrics/prc/test.json: precision\n"
    )
    png = _tiny_pngs()
    for count, ap, rev in ((6, 0.5, 0), (8, 0.625, 1)):
        (repo / "params.yaml").write_text(yaml.safe_dump({"objects": {"count": count}}))
        (repo / "metrics/eval.json").write_text(json.dumps({"ap": ap}))
        curve = [{"precision": 1.0 - 0.1 * i - 0.05 * rev, "recall": 0.2 * i} for i in range(5)]
        (repo / "metrics/prc/test.json").write_text(json.dumps({"precision_recall": curve}))
        (repo / "metrics/pic.png").write_bytes(png[rev])
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", f"count {count}")

    out = tmp_path / "review"
    env = {**os.environ, "PATH": str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"]}
    subprocess.run(
        [sys.executable, str(REPO / "scripts/review.py"), "--base", "HEAD~1", "--out", str(out)],
        cwd=repo,
        check=True,
        env=env,
        capture_output=True,
    )
    text = (out / "review.md").read_text()
    param_row = next(line for line in text.splitlines() if "objects.count" in line)
    assert [c.strip() for c in param_row.strip("|").split("|")] == ["params.yaml", "objects.count", "6", "8"]
    metric_row = next(line for line in text.splitlines() if "| ap " in line)
    assert [c.strip() for c in metric_row.strip("|").split("|")] == [
        "metrics/eval.json",
        "ap",
        "0.5",
        "0.625",
        "0.125",
    ]
    assert "![HEAD~1](plots/HEAD_1__metrics_pic.png)" in text
    assert "![workspace](plots/workspace__metrics_pic.png)" in text
    assert (out / "plots/HEAD_1__metrics_pic.png").read_bytes() == png[0]
    assert "![PR](plots/PR.png)" in text
    assert (out / "plots/PR.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _tiny_pngs() -> list[bytes]:
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    images = []
    for slope in (1, -1):
        fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
        ax.plot([0, 1], [0, slope])
        buf = io.BytesIO()
        fig.savefig(buf, format="png")
        plt.close(fig)
        images.append(buf.getvalue())
    return images


def test_exp_run_set_keeps_every_other_param_value(tmp_path, monkeypatch):
    """``dvc exp run -S`` rewrites params.yaml with ruamel (YAML 1.2, quotes dropped): the stages
    must read every other value back unchanged (``preprocess_mode: "off"`` must not become False)."""
    from dexgen.params.tree import load_params

    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    repo = tmp_path / "repo"
    repo.mkdir()
    shutil.copy2(REPO / "params.yaml", repo / "params.yaml")
    (repo / "dvc.yaml").write_text(
        "stages:\n  s:\n    cmd: python -c \"open('o.txt', 'w').write('x')\"\n"
        "    params:\n      - seed\n    outs:\n      - o.txt\n"
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "config", "user.email", "test@dexgen.invalid")
    git(repo, "config", "user.name", "dexgen tests")
    dvc(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "params")
    before = load_params(repo / "params.yaml")
    dvc(repo, "exp", "run", "-S", "seed=7")
    after = load_params(repo / "params.yaml")
    assert after.seed == 7
    after = dataclasses.replace(after, seed=before.seed)
    changed = [
        f.name for f in dataclasses.fields(before) if getattr(before, f.name) != getattr(after, f.name)
    ]
    assert not changed, f"dvc exp run -S changed how params.yaml reads in sections {changed}"


def test_dag_lists_the_stages():
    pipeline = yaml.safe_load((REPO / "dvc.yaml").read_text())
    assert "objects" in pipeline["stages"]
    config = (REPO / ".dvc/config").read_text()
    assert "analytics = false" in config
