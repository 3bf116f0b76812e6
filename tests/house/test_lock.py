"""The committed dvc.lock is true to the code: every source and params dep hashes as the lock records.

A fresh clone that pulls every output must find the pipeline up to date (``dvc status`` clean). Data
deps (other stages' outputs, absent in a fresh clone) are not this test's business; code, the params
file, the stage commands and the files the repo ships are.
"""

from __future__ import annotations

import os

from house.imports import REPO


def _is_source(path: str) -> bool:
    return not path.startswith(("data/", "models/", "metrics/", "results/"))


def test_the_committed_lock_records_the_current_code_and_params():
    from dvc.repo import Repo

    cwd = os.getcwd()
    os.chdir(REPO)
    try:
        with Repo(str(REPO)) as repo:
            status = repo.status()
    finally:
        os.chdir(cwd)
    stale = []
    for stage, changes in status.items():
        for change in changes:
            if isinstance(change, str):  # "changed command", "always changed"
                stale.append(f"{stage}: {change}")
                continue
            for path, what in change.get("changed deps", {}).items():
                if isinstance(what, dict):  # params: {key: "modified" | "new" | "deleted"}
                    stale += [f"{stage}: {path}:{key} {state}" for key, state in what.items()]
                elif _is_source(path):
                    stale.append(f"{stage}: {path} {what}")
    assert not stale, (
        "dvc.lock does not record the current code, params or commands; re-run the pipeline "
        "(`make repro`) and commit dvc.lock with the metrics it wrote:\n  " + "\n  ".join(stale)
    )
