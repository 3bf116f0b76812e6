"""Shard assignment: a stable hash of the object key picks the shard.

Shards are the unit of incremental re-runs and of distribution across workers. The key alone
decides the shard (not the scale or the mesh), so editing an object changes only its own shard,
and adding objects never moves existing ones.
"""

from __future__ import annotations

import hashlib


def shard_of(key: str, shard_ids: tuple[str, ...]) -> str:
    """The shard id of ``key`` among ``shard_ids``; a pure function of the key and the id list."""
    if not shard_ids:
        raise ValueError("at least one shard id is needed")
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    return shard_ids[int.from_bytes(digest[:8], "big") % len(shard_ids)]
