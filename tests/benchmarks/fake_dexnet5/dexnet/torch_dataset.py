"""A tiny stand-in for Dex-Net 5.0's ``dexnet/torch_dataset.py``, for tests (nothing of it is copied).

Same class name, constructor and item shape as the real file: ``Dex2Dataset(path)`` reads every
``tensors/depth_ims_tf_table_*.npz`` and ``robust_ferrari_canny_*.npz`` (key ``arr_0``) into RAM as
float16 and yields ``(depth (1, 32, 32) float32, metric)`` per index, normalised and flipped at random.
"""

import glob
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import Dataset


class Dex2Dataset(Dataset):
    KEYS = {"imgs": "depth_ims_tf_table", "grasp_metric": "robust_ferrari_canny"}
    normalizers = (0.7, 0.004)

    def __init__(self, dataset_path: Path):
        assert (dataset_path / "tensors").exists(), "Dataset path does not contain tensors/ folder."
        self.dataset_path = dataset_path
        self.depth_im_data = self._get_data(self.KEYS["imgs"])
        self.grasp_metric_data = self._get_data(self.KEYS["grasp_metric"]).float() * 100
        assert self.depth_im_data.shape[1:] == (32, 32, 1), "Depth image shape mismatch."

    def _get_data(self, key: str) -> torch.Tensor:
        parts = []
        for path in sorted(glob.glob(f"{self.dataset_path}/tensors/{key}_*.npz")):
            with np.load(path) as x:
                parts.append(x["arr_0"].astype(np.float16))
        return torch.from_numpy(np.concatenate(parts))

    def __len__(self):
        return self.depth_im_data.shape[0]

    def __getitem__(self, idx: int):
        img = self.depth_im_data[idx].permute(2, 0, 1).float()
        img = (img - self.normalizers[0]) / self.normalizers[1]
        if np.random.rand() < 0.5:
            img = img.flip(-1)
        return img, self.grasp_metric_data[idx]
