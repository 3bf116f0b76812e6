"""Provenance records carried by every output file: what made it, from what, with which seed.

The code version is the package version plus a hash of the sources that did the work
(:func:`dexgen.codebase.code_hash`), not a git commit: re-running the same inputs with unchanged code
reproduces byte-identical files, and a file made by other code is never mistaken for a current one.
"""

from __future__ import annotations

from typing import Any

from dexgen import __version__
from dexgen.codebase import code_hash
from dexgen.hashing import stable_hash


def provenance(
    *, stage: str, seed: int, params: Any, code: str | tuple[str, ...], **inputs: str
) -> dict[str, Any]:
    """A provenance dict: stage, seed, params hash, code version, the hash of the sources of module(s)
    ``code`` (the work that makes the file) and named input hashes."""
    modules = (code,) if isinstance(code, str) else code
    return {
        "stage": stage,
        "seed": int(seed),
        "params_hash": stable_hash(params),
        "code_version": __version__,
        "code_sha256": stable_hash([code_hash(m) for m in modules]),
        **{name: value for name, value in sorted(inputs.items())},
    }
