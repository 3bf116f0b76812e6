"""Shard assignment is a pure, stable function of the key."""

from __future__ import annotations

from collections import Counter

from dexgen.objects.shards import shard_of

SHARDS = ("00", "01", "02", "03")


def test_assignment_is_pinned():
    # Pinned values: a change here moves every object to another shard and re-runs everything.
    assert [shard_of(k, SHARDS) for k in ("box_000", "mug_008", "tools/hammer.obj")] == ["00", "03", "01"]


def test_assignment_spreads_keys_evenly():
    counts = Counter(shard_of(f"object_{i:05d}", SHARDS) for i in range(4000))
    assert set(counts) == set(SHARDS)
    assert max(counts.values()) - min(counts.values()) < 200


def test_adding_a_shard_id_keeps_the_function_pure():
    assert shard_of("x", ("a",)) == "a"
    assert shard_of("box_000", SHARDS) == shard_of("box_000", SHARDS)
