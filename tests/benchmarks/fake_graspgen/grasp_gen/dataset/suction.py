"""A tiny stand-in for NVlabs/GraspGen's ``grasp_gen/dataset/suction.py`` (same import of meshcat helpers,
class name and method signatures) for the benchmark's test: a grasp seals when the lip centre's ray
meets the object within 2 mm; the wrench score is the share of disturbances pointing away from the cup."""

import numpy as np
import yaml
from grasp_gen.utils.meshcat_utils import create_visualizer  # noqa: F401  (as the real file imports it)


class SuctionCupArray:
    def __init__(self, poses):
        self.poses = np.array(poses)

    @classmethod
    def from_file(cls, fname, key=None):
        with open(fname) as f:
            data = yaml.safe_load(f)
        return cls(poses=data["poses"])

    def is_sealed(self, obj_mesh, grasp_transform):
        loc, _, _ = obj_mesh.ray.intersects_location(
            [grasp_transform[:3, 3]], [-grasp_transform[:3, 2]], multiple_hits=False
        )
        gap = np.linalg.norm(loc[0] - grasp_transform[:3, 3]) if len(loc) else np.inf
        return [bool(gap <= 0.002)] * len(self.poses)

    def evaluate_grasps(
        self,
        obj_mesh,
        points_on_surface,
        approach_vectors,
        grasp_transforms,
        num_disturbances=10,
        qp_solver="clarabel",
        tqdm_disable=True,
    ):
        sealed = np.array([self.is_sealed(obj_mesh, tf) for tf in grasp_transforms]).all(axis=1)
        d = np.random.normal(size=(num_disturbances, 3))
        d = d / np.linalg.norm(d, axis=1).reshape(-1, 1)
        success = np.array(
            [(d @ tf[:3, 2] > 0).mean() if s else 0.0 for tf, s in zip(grasp_transforms, sealed)]
        )
        return (
            points_on_surface,
            approach_vectors,
            grasp_transforms,
            sealed,
            success,
            np.zeros(len(sealed), bool),
        )
