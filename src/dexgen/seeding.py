"""Every random draw derives from the params seed plus a stable key, so re-runs are identical.

Keys are strings (stage name, object key, shard id...), hashed with SHA-256 rather than Python's
``hash`` which is salted per process.
"""

from __future__ import annotations

import hashlib

import numpy as np


def derive_seed(seed: int, *keys: object) -> int:
    """A 63-bit seed from ``seed`` and ``keys``; identical across runs, machines and processes."""
    text = "\x1f".join([str(int(seed)), *(str(k) for k in keys)])
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little") >> 1


def rng_for(seed: int, *keys: object) -> np.random.Generator:
    """A numpy Generator seeded from ``seed`` and ``keys`` (see :func:`derive_seed`)."""
    return np.random.default_rng(derive_seed(seed, *keys))
