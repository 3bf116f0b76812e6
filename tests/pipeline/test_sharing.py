"""Sharing results: a fresh clone + ``dvc pull`` has everything and nothing left to run.

One tiny pipeline is reproduced, committed and pushed once for the module (``shared``); each test
clones it. Remotes: the harness's local remote and an S3 bucket on a moto server started here on
127.0.0.1. Bad cases: an unreachable remote, a corrupted object in the remote cache. Then what to
push so another clone skips the work, experiments (``dvc exp run -S``) and the review Markdown.
"""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from dvc_harness import (
    REPO,
    dvc,
    git,
    pipeline_repo_module,  # noqa: F401  (module-scoped fixture, used by name)
    reproduce,
    status,
)

pytestmark = [pytest.mark.pipeline, pytest.mark.slow]

BUCKET = "dexgen-test"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def cached_outs(repo: Path) -> list[str]:
    """Outputs DVC caches (and pushes): the ones a pull must bring, not the git-tracked metrics."""
    from dvc.repo import Repo

    with Repo(str(repo)) as r:
        return sorted(o.def_path for o in r.index.outs if o.use_cache)


def lock_outs(repo: Path) -> dict[str, str]:
    """Every output recorded in ``dvc.lock``: path -> md5 (``.dir`` for directories)."""
    lock = yaml.safe_load((repo / "dvc.lock").read_text())
    return {o["path"]: o.get("md5", "") for s in lock["stages"].values() for o in s.get("outs", [])}


def tree_bytes(root: Path) -> dict[str, bytes]:
    """The files under ``root`` (or ``root`` itself) by relative path, with their contents."""
    if root.is_file():
        return {".": root.read_bytes()}
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def clone(shared: Path, name: str) -> Path:
    dest = shared.parent / name
    git(shared.parent, "clone", "-q", str(shared), str(dest))
    return dest


def use_s3(repo: Path, endpoint: str, name: str = "s3") -> None:
    """Point remote ``name`` of ``repo`` at the test bucket; credentials in config.local, as documented."""
    dvc(repo, "remote", "add", "--local", "-f", name, f"s3://{BUCKET}/store")
    dvc(repo, "remote", "modify", "--local", name, "endpointurl", endpoint)
    dvc(repo, "remote", "modify", "--local", name, "access_key_id", "testing")
    dvc(repo, "remote", "modify", "--local", name, "secret_access_key", "testing")


@pytest.fixture(scope="module")
def shared(request: pytest.FixtureRequest) -> Path:
    """The pipeline reproduced on tiny params, dvc.lock committed and outputs pushed to ``test``."""
    repo = request.getfixturevalue("pipeline_repo_module")()
    ran = reproduce(repo)
    assert "objects" in ran
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "repro")
    dvc(repo, "push")
    return repo


@pytest.fixture(scope="module")
def s3_endpoint(shared: Path) -> Iterator[str]:
    """A moto S3 server on a free loopback port with the bucket made and ``shared`` pushed to it."""
    port = free_port()
    moto = Path(sys.executable).with_name("moto_server")
    server = subprocess.Popen(
        [str(moto), "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    endpoint = f"http://127.0.0.1:{port}"
    with pytest.MonkeyPatch.context() as mp:
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
            mp.setenv(key, "testing")
        mp.setenv("AWS_DEFAULT_REGION", "us-east-1")
        for var in (
            "AWS_PROFILE",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "HTTP_PROXY",
            "HTTPS_PROXY",
        ):
            mp.delenv(var, raising=False)
        mp.setenv("NO_PROXY", "127.0.0.1")
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    if server.poll() is not None or time.monotonic() > deadline:
                        raise RuntimeError(f"moto_server did not start on port {port}") from None
                    time.sleep(0.1)
            import boto3

            boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").create_bucket(Bucket=BUCKET)
            use_s3(shared, endpoint)
            dvc(shared, "push", "-r", "s3")
            yield endpoint
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()


# -- 1. a fresh clone + dvc pull has everything and nothing to run -------------------------------


@pytest.mark.parametrize("remote", ["local", "s3"])
def test_fresh_clone_pull_restores_everything_and_runs_nothing(shared, remote, request):
    repo = clone(shared, f"clone-{remote}")
    pull = ["pull"]
    if remote == "s3":
        use_s3(repo, request.getfixturevalue("s3_endpoint"))
        pull += ["-r", "s3"]
    outs = lock_outs(shared)
    pulled = cached_outs(shared)
    assert pulled and not any((repo / path).exists() for path in pulled), "clone has data before the pull"
    dvc(repo, *pull)

    for path in outs:  # every output of every stage, cached ones pulled and metrics from git
        assert (repo / path).exists(), f"{path} missing after dvc pull from {remote}"
        got, want = tree_bytes(repo / path), tree_bytes(shared / path)
        differ = sorted(k for k in set(got) | set(want) if got.get(k) != want.get(k))
        assert not differ, f"{path} differs after pull from {remote}: {differ[:10]}"
    metrics = json.loads(dvc(repo, "metrics", "show", "--json").stdout)
    assert metrics == json.loads(
        dvc(shared, "metrics", "show", "--json").stdout.replace(str(shared), str(repo))
    )

    lock_before = (repo / "dvc.lock").read_bytes()
    assert status(repo) == {}
    assert json.loads(dvc(repo, "status", "--json").stdout or "{}") == {}
    cloud = dvc(repo, "status", "--cloud", *pull[1:]).stdout
    assert "in sync" in cloud, cloud
    assert reproduce(repo) == []  # no stage ran: the lock's records match the pulled outputs
    assert (repo / "dvc.lock").read_bytes() == lock_before
    assert not git(repo, "status", "--porcelain").strip()


def test_predict_uses_weights_as_dvc_pull_brings_them(shared):
    repo = clone(shared, "clone-predict")
    dvc(repo, "pull", "train@parallel_jaw", "dexnet_synth")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "dexgen.cli",
            "predict",
            "models/parallel_jaw/model.pt",
            "data/dexnet/synth/parallel_jaw",
            "--rows",
            "val",
            "--out",
            "scores.npy",
        ],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert json.loads(out)["task"] == "parallel_jaw"
    assert (repo / "scores.npy").is_file()


def test_pull_by_stage_gets_only_that_stage(shared):
    repo = clone(shared, "clone-one-stage")
    dvc(repo, "pull", "objects")
    assert (repo / "data/objects").is_dir()
    assert not any((repo / p).exists() for p in cached_outs(shared) if p != "data/objects")


# -- 2. bad cases: unreachable remote, corrupted object --------------------------------------------


def test_pull_from_a_closed_s3_port_fails_naming_the_endpoint(shared, monkeypatch):
    repo = clone(shared, "clone-s3-down")
    endpoint = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")  # botocore retries a refused connection for ~10 s
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(key, "testing")
    use_s3(repo, endpoint)
    proc = dvc(repo, "pull", "-r", "s3", check=False)
    assert proc.returncode != 0
    assert "failed to connect to s3" in proc.stderr and endpoint in proc.stderr, proc.stderr
    assert "failed to pull data from the cloud" in proc.stderr
    assert not (repo / "data/objects").exists()


def test_pull_from_a_missing_local_remote_fails_listing_what_is_missing(shared):
    repo = clone(shared, "clone-no-remote")
    missing = shared.parent / "no-such-remote"
    dvc(repo, "remote", "add", "--local", "-f", "test", str(missing))
    proc = dvc(repo, "pull", check=False)
    assert proc.returncode != 0
    assert "do not exist neither locally nor on remote" in proc.stderr, proc.stderr
    assert "failed to pull data from the cloud" in proc.stderr and "data/objects" in proc.stderr
    assert not (repo / "data/objects").exists()


def corrupt_one_object(remote: Path) -> tuple[str, Path]:
    """Flip bytes in the largest file object of a local remote; its md5 and path."""
    objects = [p for p in (remote / "files/md5").rglob("*") if p.is_file() and not p.name.endswith(".dir")]
    victim = max(objects, key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    for i in (len(data) // 2, len(data) // 2 + 1):
        data[i] ^= 0xFF
    victim.chmod(0o644)  # DVC stores remote objects read-only
    victim.write_bytes(bytes(data))
    return victim.parent.name + victim.name, victim


def test_corrupted_remote_object_is_reported_with_verify_and_silent_without(shared):
    bad_remote = shared.parent / "remote-corrupt"
    shutil.copytree(shared.parent / "remote", bad_remote)
    md5, _ = corrupt_one_object(bad_remote)
    repo = clone(shared, "clone-corrupt")
    dvc(repo, "remote", "add", "--local", "-f", "test", str(bad_remote))
    victims = [p for p in (shared / "data").rglob("*") if p.is_file() and _md5(p) == md5]
    assert victims, "the corrupted object belongs to no pulled file"
    victim = victims[0].relative_to(shared)

    # Without verify DVC trusts the remote: the bad bytes land in the workspace and status is clean.
    proc = dvc(repo, "pull", check=False)
    assert proc.returncode == 0, proc.stderr
    assert (repo / victim).read_bytes() != (shared / victim).read_bytes()
    assert status(repo) == {}

    # With verify (the project's default remote sets it) the pull fails and names the output.
    shutil.rmtree(repo / ".dvc/cache")
    shutil.rmtree(repo / "data")
    dvc(repo, "remote", "modify", "--local", "test", "verify", "true")
    proc = dvc(repo, "pull", check=False)
    assert proc.returncode != 0
    assert "failed to pull data from the cloud" in proc.stderr, proc.stderr
    out = next(p for p in lock_outs(shared) if victim.as_posix().startswith(p))
    assert out in proc.stderr, proc.stderr
    assert not (repo / victim).exists(), "corrupted bytes were checked out"
    verbose = dvc(repo, "fetch", "-v", check=False)
    assert (
        f"corrupted cache file '{repo / '.dvc/cache/files/md5' / md5[:2] / md5[2:]}'"
        in verbose.stdout + verbose.stderr
    )


def _md5(path: Path) -> str:
    import hashlib

    return hashlib.md5(path.read_bytes()).hexdigest()


# -- 3. what to push so another clone skips the work -----------------------------------------------


def test_run_cache_alone_does_not_share_work(shared):
    # No stage here records a run-cache entry: persist outputs (guess, simulate, graspgen) and
    # cache: false outputs (objects, sim_report, graspgen) both turn it off (dvc/stage/__init__.py
    # Stage.run, dvc/stage/cache.py _can_hash). So `dvc push --run-cache` uploads no runs.
    dvc(shared, "push", "--run-cache")
    runs = shared / ".dvc/cache/runs"
    assert not runs.exists() or not any(p.is_file() for p in runs.rglob("*"))

    repo = clone(shared, "clone-no-lock")
    (repo / "dvc.lock").unlink()  # as if the lock had not been committed
    dvc(repo, "pull", "--run-cache", check=False)
    proc = dvc(repo, "repro", "objects")
    assert "Running stage 'objects'" in proc.stdout, proc.stdout  # recomputed, not restored

    repo = clone(shared, "clone-with-lock")  # the lock committed + dvc push: nothing to run
    dvc(repo, "pull", "objects")
    proc = dvc(repo, "repro", "objects")
    assert "Running stage" not in proc.stdout, proc.stdout


# -- 4. experiments and review ---------------------------------------------------------------------


def pulled_clone(shared: Path, name: str) -> Path:
    repo = clone(shared, name)
    dvc(repo, "pull")
    return repo


@pytest.fixture(scope="module")
def experiment(shared) -> Path:
    """A clone where ``dvc exp run -S objects.count=4`` ran (the workspace holds its results)."""
    repo = pulled_clone(shared, "clone-exp")
    count = yaml.safe_load((repo / "params.yaml").read_text())["objects"]["count"]
    assert count != 4
    dvc(repo, "exp", "run", "-n", "fewer-objects", "-S", "objects.count=4")
    return repo


def test_exp_run_set_param_shows_in_exp_show_and_diffs(experiment):
    repo = experiment
    rows = json.loads(dvc(repo, "exp", "show", "--json").stdout)
    names = [e.get("name") for row in rows for e in (row.get("experiments") or [])]
    assert "fewer-objects" in names, names

    params = json.loads(dvc(repo, "params", "diff", "main", "--json").stdout)
    assert params["params.yaml"]["objects.count"]["new"] == 4
    metrics = json.loads(dvc(repo, "metrics", "diff", "main", "--json").stdout)
    assert metrics["metrics/objects.json"]["count"]["new"] == 4
    assert "metrics/objects.json" in dvc(repo, "metrics", "diff", "main", "--md").stdout
    plots = json.loads(dvc(repo, "plots", "diff", "main", "--json", "-o", str(repo / "dvc_plots")).stdout)
    revisions = {rev for e in plots["data"]["metrics/objects.png"] for rev in e["revisions"]}
    assert revisions == {"main", "workspace"}
    assert status(repo) == {}


def test_review_markdown_on_the_pipeline(experiment, tmp_path):
    out = tmp_path / "review"
    proc = subprocess.run(
        [sys.executable, str(REPO / "scripts/review.py"), "--base", "main", "--out", str(out)],
        cwd=experiment,
        capture_output=True,
        text=True,
        check=True,
    )
    text = (out / "review.md").read_text()
    assert "| params.yaml | objects.count" in text.replace("  ", " ").replace("  ", " "), text
    assert "metrics/objects.json" in text and "count" in text
    assert "![main](plots/main__metrics_objects.png)" in text
    assert (out / "plots/workspace__metrics_objects.png").is_file(), proc.stderr


@pytest.mark.skipif(
    "model" not in yaml.safe_load((REPO / "params.yaml").read_text()),
    reason="params.yaml has no `model` section yet: activates when the train/evaluate stages land",
)
def test_exp_run_efficientnet_retrains_and_diffs(shared):
    repo = pulled_clone(shared, "clone-efficientnet")
    # As in the workspace that trained: git-ignored scratch (resume checkpoints, packed data) remains.
    if (shared / ".dexgen").is_dir():
        shutil.copytree(shared / ".dexgen", repo / ".dexgen")
    dvc(repo, "exp", "run", "-n", "efficientnet", "-S", "model.name=EfficientNet")
    params = json.loads(dvc(repo, "params", "diff", "main", "--json").stdout)
    assert params["params.yaml"]["model.name"]["new"] == "EfficientNet"
    metrics = json.loads(dvc(repo, "metrics", "diff", "main", "--json").stdout)
    assert metrics, "retraining with another architecture changed no metric"
    rows = json.loads(dvc(repo, "exp", "show", "--json").stdout)
    assert "efficientnet" in [e.get("name") for row in rows for e in (row.get("experiments") or [])]
    assert json.loads(dvc(repo, "plots", "diff", "main", "--json", "-o", str(repo / "dvc_plots")).stdout)[
        "data"
    ]
