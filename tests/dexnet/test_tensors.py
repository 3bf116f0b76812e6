"""The tensors container: exact layout, round trip, deterministic bytes, bad inputs refused."""

import json
import shutil

import numpy as np
import pytest

from dexgen.dexnet.fields import TASKS
from dexgen.dexnet.tensors import TensorsIndex, npz_bytes, present_fields, write_dataset
from dexgen.dexnet.testing import tiny_arrays
from dexgen.errors import InputError
from dexgen.hashing import sha256_file


@pytest.mark.parametrize("task", sorted(TASKS))
def test_layout_matches_the_reference(tmp_path, task):
    spec = TASKS[task]
    arrays = tiny_arrays(task, 2300, seed=1)
    write_dataset(tmp_path, arrays, spec.fields)
    names = sorted(p.name for p in (tmp_path / "tensors").iterdir())
    assert names == sorted(f"{f}_{i:05d}.npz" for f in spec.fields for i in range(3))
    for field, fs in spec.fields.items():
        for i, rows in enumerate([1000, 1000, 300]):
            with np.load(tmp_path / "tensors" / f"{field}_{i:05d}.npz") as npz:
                assert npz.files == ["arr_0"]
                assert npz["arr_0"].shape == (rows, *fs.shape)
                assert npz["arr_0"].dtype == np.dtype(fs.dtype)
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["datapoints_per_file"] == 1000
    assert config["fields"]["depth_ims_tf_table"] == {
        "dtype": "float32",
        "height": 32,
        "width": 32,
        "channels": 1,
    }
    assert spec.object_label_field in present_fields(tmp_path)


def test_round_trip(pj_root):
    root, arrays = pj_root
    index = TensorsIndex(root, list(arrays))
    assert index.num_datapoints == 2300 and index.rows == [1000, 1000, 300]
    for field, array in arrays.items():
        np.testing.assert_array_equal(index.read_field(field), array)


def test_bytes_are_deterministic(tmp_path):
    arrays = tiny_arrays("suction", 50, seed=3)
    for name in ("a", "b"):
        write_dataset(tmp_path / name, arrays, TASKS["suction"].fields, rows_per_file=20)
    files = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(files) > 10
    for rel in files:
        assert sha256_file(tmp_path / "a" / rel) == sha256_file(tmp_path / "b" / rel), rel
    assert npz_bytes(np.arange(5)) == npz_bytes(np.arange(5))


def test_missing_field_file_is_refused(pj_root, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pj_root[0], root)
    (root / "tensors" / "hand_poses_00001.npz").unlink()
    with pytest.raises(InputError, match="hand_poses_00001.npz: missing"):
        TensorsIndex(root, ["depth_ims_tf_table", "hand_poses"])
    with pytest.raises(InputError, match="no files for field"):
        TensorsIndex(root, ["depth_ims_tf_table", "not_a_field"])


def test_row_count_mismatch_is_refused(pj_root, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(pj_root[0], root)
    short = np.zeros((999, 7), np.float32)
    (root / "tensors" / "hand_poses_00000.npz").write_bytes(npz_bytes(short))
    with pytest.raises(InputError, match="hand_poses_00000.npz: 999 rows"):
        TensorsIndex(root, ["depth_ims_tf_table", "hand_poses"])


def test_missing_tensors_folder(tmp_path):
    with pytest.raises(InputError, match="no tensors folder"):
        TensorsIndex(tmp_path, ["hand_poses"])


def test_writer_refuses_bad_rows(tmp_path):
    arrays = tiny_arrays("parallel_jaw", 10, seed=1)
    arrays["hand_poses"] = arrays["hand_poses"][:9]
    with pytest.raises(ValueError, match="different row counts"):
        write_dataset(tmp_path, arrays, TASKS["parallel_jaw"].fields)
