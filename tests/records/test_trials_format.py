"""The simulation results file: every Trials array round-trips, and a file of an earlier format is refused
with what to do (the peak drifts of format 3 cannot be made up for an older file)."""

from __future__ import annotations

import numpy as np
import pytest

from dexgen.errors import InputError
from dexgen.records import npz
from dexgen.records.trials import ARRAYS, FORMAT_VERSION, Trials, read_results, write_results


def _trials(n: int) -> Trials:
    rng = np.random.default_rng(0)
    poses = np.broadcast_to(np.eye(4), (n, 4, 4)).copy()
    poses[:, :3, 3] = rng.uniform(-0.05, 0.05, (n, 3))
    end_t, end_r = rng.uniform(0, 0.05, n), rng.uniform(0, 40, n)
    return Trials(
        success=rng.random(n) < 0.5,
        score=rng.random(n),
        phase=rng.integers(0, 7, n).astype(np.int8),
        reason=rng.integers(0, 7, n).astype(np.int8),
        final_poses=poses,
        translation_drift=end_t,
        rotation_drift=end_r,
        start_penetration=rng.uniform(0, 0.002, n),
        final_opening=rng.uniform(0.01, 0.08, n),
        peak_translation_drift=end_t + rng.uniform(0, 0.1, n),
        peak_rotation_drift=end_r + rng.uniform(0, 60, n),
    )


def _arrays(trials: Trials) -> dict[str, np.ndarray]:
    n = len(trials)
    return {
        "guess_index": np.arange(n, dtype=np.int64),
        "labels": np.zeros(n, np.int8),
        "poses": trials.final_poses.copy(),
        "openings": np.full(n, 0.07),
        **{name: getattr(trials, name) for name in Trials.ARRAYS},
    }


def test_every_trial_array_round_trips_with_the_peak_drifts(tmp_path):
    trials = _trials(9)
    path = tmp_path / "box.npz"
    write_results(path, _arrays(trials), {"object": "box"})
    arrays, meta = read_results(path, record=None)
    assert meta["format_version"] == FORMAT_VERSION == 3
    assert set(Trials.ARRAYS) <= set(ARRAYS)
    for name in Trials.ARRAYS:
        np.testing.assert_array_equal(arrays[name], getattr(trials, name), err_msg=name)
        assert arrays[name].dtype == getattr(trials, name).dtype, name
    some, _ = read_results(path, record=None, names=("success", "peak_rotation_drift"))
    assert sorted(some) == ["peak_rotation_drift", "success"]
    np.testing.assert_array_equal(some["peak_rotation_drift"], trials.peak_rotation_drift)
    with pytest.raises(ValueError, match=r"\['peak'\] are not simulation results arrays"):
        read_results(path, record=None, names=("peak",))


def test_empty_and_concatenated_trials_keep_every_array():
    parts = [_trials(3), Trials.empty(), _trials(2)]
    joined = Trials.concatenate(parts)
    assert len(joined) == 5
    np.testing.assert_array_equal(joined.peak_translation_drift[3:], parts[2].peak_translation_drift)
    empty = Trials.empty()
    assert (
        empty.final_poses.shape == (0, 4, 4) and empty.success.dtype == bool and empty.phase.dtype == np.int8
    )


def test_a_file_of_format_2_is_refused_saying_to_simulate_again(tmp_path):
    arrays = _arrays(_trials(2))
    old = tuple(n for n in ARRAYS if not n.startswith("peak_"))
    path = tmp_path / "old.npz"
    npz.write(path, arrays, old, {"format_version": 2, "object": "box"})
    with pytest.raises(
        InputError,
        match=r"old.npz: simulation results format 2, this code reads 3 .*re-run the simulate stage",
    ):
        read_results(path, record=None)
