"""Normalisation statistics: train rows only, plain population std (not Dex-Net 5.0's 8x too small)."""

import numpy as np
import pytest
import torch

from dexgen.dexnet.fields import TASKS
from dexgen.dexnet.packed import PackedDataset, pack
from dexgen.dexnet.stats import NormStats, compute_stats
from dexgen.dexnet.tensors import write_dataset
from dexgen.dexnet.testing import tiny_arrays


@pytest.fixture(scope="module")
def shifted(tmp_path_factory):
    """Rows 0-599 are the tiny set, rows 600-799 are 10 cm further away (the 'validation' rows)."""
    tmp = tmp_path_factory.mktemp("stats")
    arrays = tiny_arrays("suction", 800, seed=2)
    arrays["depth_ims_tf_table"][600:] += 0.1
    write_dataset(tmp / "ds", arrays, TASKS["suction"].fields, rows_per_file=300)
    spec = TASKS["suction"]
    return PackedDataset(pack(tmp / "ds", tmp / "c", spec), pose_columns=(2, 3), threshold=0.2), arrays


def test_stats_use_the_train_rows_only(shifted):
    data, arrays = shifted
    train = np.arange(600)
    stats = compute_stats(data, train)
    depth = arrays["depth_ims_tf_table"][train].astype(np.float64)
    assert stats.im_mean == pytest.approx(depth.mean(), rel=1e-12)
    assert stats.im_std == pytest.approx(depth.std(), rel=1e-9)
    poses = arrays["hand_poses"][train][:, 2:4].astype(np.float64)
    np.testing.assert_allclose(stats.pose_mean, poses.mean(0), rtol=1e-12)
    np.testing.assert_allclose(stats.pose_std, poses.std(0), rtol=1e-9)
    everything = compute_stats(data, np.arange(800))
    assert everything.im_mean > stats.im_mean + 0.02  # the shifted rows would leak in


def test_chunks_merge_to_the_whole_split_moments(shifted, monkeypatch):
    """Memory stays at one small chunk; merging chunk moments gives the same stats as one pass."""
    data, _ = shifted
    rows = np.arange(0, 800, 3)
    whole = compute_stats(data, rows)
    monkeypatch.setattr("dexgen.dexnet.stats._CHUNK", 7)
    chunked = compute_stats(data, rows)
    assert chunked.im_mean == pytest.approx(whole.im_mean, rel=1e-12)
    assert chunked.im_std == pytest.approx(whole.im_std, rel=1e-9)
    np.testing.assert_allclose(chunked.pose_std, whole.pose_std, rtol=1e-9)


def test_std_is_not_eight_times_too_small(shifted):
    data, _ = shifted
    stats = compute_stats(data, np.arange(600))
    normalised, _ = stats.normalize(torch.from_numpy(np.array(data.depth[:600])), torch.zeros(600, 2))
    assert float(normalised.double().std(unbiased=False)) == pytest.approx(1.0, abs=1e-5)


def test_constant_columns_are_left_unscaled():
    from dexgen.dexnet.stats import _Moments

    m = _Moments(2)
    m.add(np.stack([np.full(10, 3.0), np.arange(10.0)], axis=1))
    assert m.std()[0] == 1.0 and m.std()[1] == pytest.approx(np.arange(10.0).std())


def test_round_trip_dict():
    stats = NormStats(0.7, 0.03, (0.6, 0.3), (0.06, 0.2))
    assert NormStats.from_dict(stats.to_dict()) == stats
