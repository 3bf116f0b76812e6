"""What the Dex-Net 2.0 (parallel jaw) and 3.0 (suction) tensors hold, per task.

Both releases share the container (``tensors/<field>_<NNNNN>.npz``, one array ``arr_0``, 1,000 rows
a file) and differ in the label field, the pose columns the network reads and the object-label
field name (``object_labels`` in 2.0, ``obj_labels`` in 3.0). See ``reference/dexnet.md`` §1-2.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from dexgen.errors import ConfigError

ROWS_PER_FILE = 1000
IMAGE_FIELD = "depth_ims_tf_table"
POSE_FIELD = "hand_poses"
IMAGE_SIZE = 32
POSE_COLUMNS = 7
GRIPPER_DEPTH_COLUMN = 2  # hand_poses column of the gripper depth (metres) in both releases


@dataclasses.dataclass(frozen=True)
class FieldSpec:
    """One field: numpy dtype and the per-row shape (``()`` for scalars)."""

    dtype: str
    shape: tuple[int, ...]

    def config_entry(self) -> dict:
        """autolab_core ``TensorDataset`` config entry: dtype plus height / width / channels."""
        entry: dict = {"dtype": self.dtype}
        for key, size in zip(("height", "width", "channels"), self.shape):
            entry[key] = int(size)
        return entry


@dataclasses.dataclass(frozen=True)
class TaskSpec:
    """The fields of one Dex-Net release and how a learner reads them.

    ``pose_columns`` are the ``hand_poses`` columns fed to the network (2.0: gripper depth, col 2 —
    Dex-Net 5.0 read col 3, the angle, by mistake; 3.0: depth and approach angle, cols 2:4).
    ``flip_negates`` are indices *into the selected pose vector* negated by a 180-degree rotation or
    an up-down flip (the 3.0 approach angle); :attr:`depth_columns` index the gripper depth among
    them (metres from the camera, scaled with the image by augmentation). ``pose_meaning`` says what
    those columns hold (for messages); ``angle_range`` is the range of ``hand_poses`` column 3
    (radians) in the published data.
    """

    name: str
    metric_field: str
    threshold: float
    pose_columns: tuple[int, ...]
    flip_negates: tuple[int, ...]
    object_label_field: str
    fields: dict[str, FieldSpec]
    pose_meaning: str
    angle_range: tuple[float, float]

    @property
    def pose_dim(self) -> int:
        return len(self.pose_columns)

    @property
    def depth_columns(self) -> tuple[int, ...]:
        return depth_columns(self.pose_columns)


def depth_columns(pose_columns: tuple[int, ...]) -> tuple[int, ...]:
    """Indices into the selected pose vector of the gripper depth (``hand_poses`` column 2)."""
    return tuple(i for i, column in enumerate(pose_columns) if column == GRIPPER_DEPTH_COLUMN)


_LABEL = FieldSpec("uint32", ())
_COMMON = {
    IMAGE_FIELD: FieldSpec("float32", (IMAGE_SIZE, IMAGE_SIZE, 1)),
    POSE_FIELD: FieldSpec("float32", (POSE_COLUMNS,)),
}

TASKS: dict[str, TaskSpec] = {
    "parallel_jaw": TaskSpec(
        name="parallel_jaw",
        metric_field="robust_ferrari_canny",
        threshold=0.002,
        pose_columns=(2,),
        flip_negates=(),
        object_label_field="object_labels",
        fields={
            **_COMMON,
            "robust_ferrari_canny": FieldSpec("float32", ()),
            "ferrari_canny": FieldSpec("float32", ()),
            "force_closure": FieldSpec("float32", ()),
            "object_labels": _LABEL,
            "pose_labels": _LABEL,
            "image_labels": _LABEL,
        },
        pose_meaning="gripper depth (m)",
        angle_range=(0.0, 2 * np.pi),  # the grasp axis angle in the image
    ),
    "suction": TaskSpec(
        name="suction",
        metric_field="robust_suction_wrench_resistance",
        threshold=0.2,
        pose_columns=(2, 3),
        flip_negates=(1,),
        object_label_field="obj_labels",
        fields={
            **_COMMON,
            "robust_suction_wrench_resistance": FieldSpec("float32", ()),
            "obj_labels": _LABEL,
            "pose_labels": _LABEL,
            "image_labels": _LABEL,
        },
        pose_meaning="gripper depth (m) and approach angle (rad)",
        angle_range=(0.0, np.pi / 4),  # the approach axis's angle from the optical axis
    ),
}


def task_spec(name: str) -> TaskSpec:
    """The :class:`TaskSpec` called ``name``; an unknown name lists the valid ones."""
    try:
        return TASKS[name]
    except KeyError:
        raise ConfigError(f"unknown task {name!r}; valid tasks are {sorted(TASKS)}") from None


def check_dtype(name: str, spec: FieldSpec, array: np.ndarray) -> np.ndarray:
    """``array`` cast to the spec dtype if lossless in kind, else a ValueError naming ``name``."""
    if array.shape[1:] != spec.shape:
        raise ValueError(f"field {name}: rows have shape {array.shape[1:]}, expected {spec.shape}")
    want = np.dtype(spec.dtype)
    if array.dtype.kind != want.kind and not (want.kind == "u" and array.dtype.kind == "i"):
        raise ValueError(f"field {name}: dtype {array.dtype} cannot be stored as {want}")
    return np.ascontiguousarray(array, dtype=want)
