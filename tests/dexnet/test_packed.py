"""The packed memmap loader returns exactly the npz contents; bad data is refused at packing."""

import shutil

import numpy as np
import pytest
import torch

from dexgen.dexnet.dataset import DexNetDataset, iterate_batches
from dexgen.dexnet.fields import TASKS
from dexgen.dexnet.packed import PackedDataset, pack
from dexgen.dexnet.tensors import npz_bytes
from dexgen.errors import InputError
from dexgen.seeding import rng_for


@pytest.fixture(scope="module")
def packed(pj_root, tmp_path_factory):
    root, arrays = pj_root
    spec = TASKS["parallel_jaw"]
    directory = pack(root, tmp_path_factory.mktemp("cache"), spec)
    return PackedDataset(directory, pose_columns=spec.pose_columns, threshold=spec.threshold), arrays


def test_loader_equals_npz_contents(packed):
    data, arrays = packed
    assert isinstance(data.depth, np.memmap)
    idx = np.array([0, 999, 1000, 2299, 5])
    batch = data.gather(idx)
    np.testing.assert_array_equal(batch["depth"], arrays["depth_ims_tf_table"][idx, :, :, 0])
    np.testing.assert_array_equal(
        batch["pose"], arrays["hand_poses"][idx][:, [2]]
    )  # gripper depth, not angle
    np.testing.assert_array_equal(batch["label"], arrays["robust_ferrari_canny"][idx] > 0.002)
    np.testing.assert_array_equal(data.group_labels("object_wise"), arrays["object_labels"])


def test_suction_reads_depth_and_approach_angle(suction_root, tmp_path):
    root, arrays = suction_root
    spec = TASKS["suction"]
    data = PackedDataset(pack(root, tmp_path, spec), pose_columns=spec.pose_columns, threshold=0.2)
    np.testing.assert_array_equal(data.gather(np.arange(3))["pose"], arrays["hand_poses"][:3, 2:4])
    np.testing.assert_array_equal(data.group_labels("object_wise"), arrays["obj_labels"])


def test_pack_is_reused_and_redone_on_change(pj_root, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pj_root[0], root)
    first = pack(root, tmp_path / "c", TASKS["parallel_jaw"])
    mtime = (first / "depth.npy").stat().st_mtime_ns
    assert pack(root, tmp_path / "c", TASKS["parallel_jaw"]) == first
    assert (first / "depth.npy").stat().st_mtime_ns == mtime
    arrays = pj_root[1]
    (root / "tensors" / "robust_ferrari_canny_00002.npz").write_bytes(
        npz_bytes(arrays["robust_ferrari_canny"][2000:] * 0)
    )
    assert pack(root, tmp_path / "c", TASKS["parallel_jaw"]) != first


def test_nan_depths_are_refused(pj_root, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pj_root[0], root)
    depth = pj_root[1]["depth_ims_tf_table"][1000:2000].copy()
    depth[17, 3, 4, 0] = np.nan
    (root / "tensors" / "depth_ims_tf_table_00001.npz").write_bytes(npz_bytes(depth))
    with pytest.raises(InputError, match=r"depth_ims_tf_table_00001.npz: 1 row\(s\) with NaN .* row 17"):
        pack(root, tmp_path / "c", TASKS["parallel_jaw"])


def test_batches_cover_the_split_once(packed):
    data, _ = packed
    idx = np.arange(0, 2300, 3)
    seen = [b["index"] for b in iterate_batches(data, idx, 64, rng=rng_for(0, "x"))]
    assert sorted(np.concatenate(seen).tolist()) == idx.tolist()
    first = next(iterate_batches(data, idx, 64, rng=rng_for(0, "x")))
    assert first["depth"].shape == (64, 1, 32, 32) and first["depth"].dtype == torch.float32


def test_torch_dataset(packed):
    data, arrays = packed
    ds = DexNetDataset(data, np.arange(10, 20))
    assert len(ds) == 10
    item = ds[3]
    np.testing.assert_array_equal(item["depth"][0].numpy(), arrays["depth_ims_tf_table"][13, :, :, 0])
    loader = torch.utils.data.DataLoader(ds, batch_size=4, collate_fn=lambda b: b)
    batches = list(loader)
    assert [len(b["label"]) for b in batches] == [4, 4, 2]
    assert batches[1]["index"].tolist() == [14, 15, 16, 17]
