"""The Python 3.12 environment the Isaac Lab worker runs in: found, checked, or built from the lock.

Isaac Lab 3.0 needs exactly Python 3.12 and ~8 GB of wheels (torch, warp, newton, ovphysx), so it lives
beside the main 3.11 environment, never in it. Its folder is keyed by the lock file's bytes,
``${DEXGEN_ENV_HOME:-~/.cache/dexgen/envs}/isaaclab-<first 16 hex of sha256(lock)>``, so every clone and
CI job with the same lock shares one build, and a changed lock builds a new one beside it. A build goes
into a temporary sibling that is renamed into place only after the install and an import check succeed
(and a stamp file is written): a killed build never leaves a folder that looks finished.
``IsaacLabConfig.python`` may instead name an existing Isaac Lab interpreter (a GraspDataGen user's).

``python -m dexgen.sim.isaaclab.environment`` (``make isaaclab-env``) builds it and prints the interpreter.
"""

from __future__ import annotations

import dataclasses
import functools
import glob
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from dexgen.errors import ConfigError

REPO = Path(__file__).resolve().parents[4]
LOCK = REPO / "envs" / "isaaclab" / "requirements.lock"
STAMP = ".dexgen-env-complete"  # written last, inside the folder, before the rename
PYTHON_VERSION = (3, 12)  # Isaac Lab 3.0 wheels are cp312 only


def env_home() -> Path:
    """Where built environments live: ``$DEXGEN_ENV_HOME`` or ``~/.cache/dexgen/envs``."""
    home = os.environ.get("DEXGEN_ENV_HOME")
    return Path(home).expanduser() if home else Path.home() / ".cache" / "dexgen" / "envs"


def lock_hash(lock_bytes: bytes) -> str:
    """First 16 hex digits of the lock's sha256: the environment's key."""
    return hashlib.sha256(lock_bytes).hexdigest()[:16]


def read_lock(lock: Path = LOCK) -> bytes:
    try:
        return lock.read_bytes()
    except OSError as exc:
        raise ConfigError(
            f"Isaac Lab lock file {lock} is unreadable ({exc.strerror}); it ships with the dexgen source tree"
        ) from exc


def env_dir(lock_bytes: bytes, home: Path | None = None) -> Path:
    """The folder of the environment built from ``lock_bytes``."""
    return (home or env_home()) / f"isaaclab-{lock_hash(lock_bytes)}"


def env_python(folder: Path) -> Path:
    return folder / "bin" / "python"


def is_built(folder: Path) -> bool:
    return (folder / STAMP).is_file() and env_python(folder).exists()


def pinned_version(lock: Path = LOCK) -> str:
    """The isaaclab version the lock pins ("unknown" without a lock): the engine version in provenance."""
    try:
        text = lock.read_text()
    except OSError:
        return "unknown"
    for line in text.splitlines():
        name, sep, version = line.partition("==")
        if sep and name.strip().lower() == "isaaclab":
            return version.split(";")[0].strip()
    return "unknown"


@dataclasses.dataclass(frozen=True)
class Interpreter:
    """A checked Isaac Lab interpreter: its path and the isaaclab version it imports."""

    python: str
    isaaclab_version: str


_PROBE = (
    "import sys, json, importlib.util, importlib.metadata as m\n"
    "ok = importlib.util.find_spec('isaaclab') is not None\n"
    "v = m.version('isaaclab') if ok else None\n"
    "print(json.dumps({'version': list(sys.version_info[:2]), 'isaaclab': v}))\n"
)


@functools.lru_cache(maxsize=8)
def check_interpreter(python: str) -> Interpreter:
    """``python`` if it is a Python 3.12 that can import isaaclab, else a ConfigError naming it and why."""
    path = Path(python).expanduser()
    if not path.exists():
        raise ConfigError(f"sim.isaaclab.python: interpreter {path} does not exist")
    if path.is_dir() or not os.access(path, os.X_OK):
        raise ConfigError(f"sim.isaaclab.python: {path} is not an executable file")
    try:
        out = subprocess.run(
            [str(path), "-c", _PROBE], capture_output=True, text=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(f"sim.isaaclab.python: {path} could not be run ({exc})") from exc
    lines = out.stdout.strip().splitlines()
    try:
        info = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = (out.stderr or out.stdout).strip()[-500:]
        raise ConfigError(
            f"sim.isaaclab.python: {path} is not a working Python interpreter: {tail}"
        ) from None
    version = tuple(info["version"])
    if version != PYTHON_VERSION:
        raise ConfigError(
            f"sim.isaaclab.python: {path} is Python {version[0]}.{version[1]}; Isaac Lab 3.0 needs "
            f"{PYTHON_VERSION[0]}.{PYTHON_VERSION[1]}"
        )
    if info["isaaclab"] is None:
        raise ConfigError(
            f"sim.isaaclab.python: {path} cannot import isaaclab; install isaaclab[ovphysx]==3.0.0 there or "
            "leave sim.isaaclab.python null and run `make isaaclab-env`"
        )
    return Interpreter(str(path), str(info["isaaclab"]))


def locate(python: str | None = None, *, lock: Path = LOCK) -> Interpreter:
    """The interpreter to run the worker with: ``python`` if given, else the built environment of ``lock``.

    Never builds (that downloads ~3 GB): an unbuilt environment is a ConfigError saying how to build it.
    """
    if python is not None:
        return check_interpreter(python)
    folder = env_dir(read_lock(lock))
    if not is_built(folder):
        raise ConfigError(
            f"the Isaac Lab environment {folder} is not built; run `make isaaclab-env` "
            "(python -m dexgen.sim.isaaclab.environment, ~3 GB download) or set sim.isaaclab.python"
        )
    return check_interpreter(str(env_python(folder)))


def find_python312() -> str:
    """A runnable Python 3.12: ``$DEXGEN_PYTHON312``, ``python3.12`` on PATH, or a pyenv 3.12 build."""
    candidates = [os.environ.get("DEXGEN_PYTHON312"), shutil.which("python3.12")]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(str(pyenv / "versions" / "3.12*" / "bin" / "python3.12")), reverse=True)
    for candidate in candidates:
        if not candidate:
            continue
        try:  # a pyenv shim exists on PATH even when the version is not selected: run it to be sure
            out = subprocess.run(
                [candidate, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out.returncode == 0 and out.stdout.strip() == "True":
            return candidate
    raise ConfigError(
        "no Python 3.12 found (tried $DEXGEN_PYTHON312, python3.12 on PATH, pyenv); Isaac Lab needs it"
    )


def build(*, lock: Path = LOCK, home: Path | None = None, python312: str | None = None) -> Path:
    """Build the environment of ``lock`` unless it exists; returns its interpreter. Idempotent and atomic."""
    lock_bytes = read_lock(lock)
    folder = env_dir(lock_bytes, home)
    if is_built(folder):
        return env_python(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    base = python312 or find_python312()
    try:
        subprocess.run([base, "-m", "venv", str(tmp)], check=True)
        pip = [str(env_python(tmp)), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "--no-deps", "-r", str(lock)], check=True)
        subprocess.run([str(env_python(tmp)), "-c", "import isaaclab, numpy, pxr, warp"], check=True)
        (tmp / STAMP).write_text(lock_hash(lock_bytes) + "\n")
        try:
            tmp.rename(folder)
        except OSError:  # another build finished first: keep theirs
            if not is_built(folder):
                raise
    except (OSError, subprocess.CalledProcessError) as exc:
        raise ConfigError(f"building the Isaac Lab environment {folder} failed: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return env_python(folder)


def main() -> int:
    print(build())
    return 0


if __name__ == "__main__":
    sys.exit(main())
