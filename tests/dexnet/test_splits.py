"""Image-, object- and pose-wise splits: sizes, disjointness, saved index files."""

import numpy as np
import pytest

from dexgen.dexnet.splits import make_split, read_split, write_split
from dexgen.errors import InputError
from dexgen.seeding import rng_for


def test_image_wise_partitions_all_indices():
    split = make_split("image_wise", 1000, train_fraction=0.8, rng=rng_for(0, "t"))
    assert len(split.train) == 800 and len(split.val) == 200
    np.testing.assert_array_equal(np.sort(np.concatenate([split.train, split.val])), np.arange(1000))


@pytest.mark.parametrize("kind", ["object_wise", "pose_wise"])
def test_grouped_splits_are_disjoint(kind):
    labels = np.random.default_rng(0).integers(0, 20, 1000)
    split = make_split(kind, 1000, train_fraction=0.8, rng=rng_for(0, kind), labels=labels)
    assert not set(labels[split.train]) & set(labels[split.val])
    assert len(set(labels[split.train])) == 16
    assert len(split.train) + len(split.val) == 1000


def test_split_is_seeded():
    a = make_split("image_wise", 100, train_fraction=0.8, rng=rng_for(1, "s"))
    b = make_split("image_wise", 100, train_fraction=0.8, rng=rng_for(1, "s"))
    c = make_split("image_wise", 100, train_fraction=0.8, rng=rng_for(2, "s"))
    assert np.array_equal(a.train, b.train) and not np.array_equal(a.train, c.train)


def test_saved_and_read_back(tmp_path):
    split = make_split("object_wise", 50, train_fraction=0.5, rng=rng_for(0), labels=np.arange(50) % 5)
    write_split(tmp_path / "object_wise", split)
    with np.load(tmp_path / "object_wise" / "val_indices.npz") as npz:
        assert npz.files == ["arr_0"]
    back = read_split(tmp_path / "object_wise", num_datapoints=50)
    assert np.array_equal(back.train, split.train) and np.array_equal(back.val, split.val)
    with pytest.raises(InputError, match="outside"):
        read_split(tmp_path / "object_wise", num_datapoints=10)


def test_bad_splits_refused():
    with pytest.raises(InputError, match="at least 2 distinct"):
        make_split("object_wise", 5, train_fraction=0.8, rng=rng_for(0), labels=np.zeros(5))
    with pytest.raises(ValueError, match="unknown split kind"):
        make_split("random", 5, train_fraction=0.8, rng=rng_for(0))
