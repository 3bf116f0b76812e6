"""Provenance records carried by every output file: what made it, from what, with which seed.

The code version is the package version, not a git commit, so that re-running the same inputs
with unchanged code reproduces byte-identical files.
"""

from __future__ import annotations

from typing import Any

from dexgen import __version__
from dexgen.hashing import stable_hash


def provenance(*, stage: str, seed: int, params: Any, **inputs: str) -> dict[str, Any]:
    """A provenance dict: stage, seed, params hash, code version and named input hashes."""
    return {
        "stage": stage,
        "seed": int(seed),
        "params_hash": stable_hash(params),
        "code_version": __version__,
        **{name: value for name, value in sorted(inputs.items())},
    }
