"""Does GraspGen's own dataset code read every object of a dataset we wrote? Run its loader and see.

    python scripts/graspgen_reads.py --graspgen-src DIR --dataset DS --gripper NAME --object-root ROOT

DIR is a source tree of NVlabs/GraspGen with ``grasp_gen/dataset/dataset_utils.py`` and ``exceptions.py``.
Its ``load_object_grasp_datapoint_objaverse`` (through its ``GraspJsonDatasetReader`` on
``DS/grasp_data/NAME``) loads each object of ``DS/splits/NAME/{train,valid}.txt`` twice, as the generator and
as the discriminator datasets do; the modules it imports for other purposes (h5py and imageio for
on-policy data, webdataset readers, meshcat drawing, the gripper registry, its logger) are stubs, since
none of them is on this path. Prints and writes (``--out``) each object's GraspGen error code; exit 1 when
any object is rejected. Needs numpy, scipy, torch, trimesh and tqdm (dexgen's environment has them).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import sys
import types
from pathlib import Path


def _stub(name: str, **attrs) -> None:
    module = types.ModuleType(name)
    for key, value in attrs.items():
        setattr(module, key, value)
    sys.modules[name] = module


def load_dataset_utils(src: Path):
    """GraspGen's ``grasp_gen.dataset.dataset_utils`` from ``src``, its off-path imports stubbed."""
    noop = lambda *a, **k: None  # noqa: E731
    for name in ("grasp_gen", "grasp_gen.utils", "grasp_gen.dataset"):
        _stub(name)
    _stub("h5py")
    _stub("imageio")
    _stub("grasp_gen.utils.logging_config", get_logger=logging.getLogger)
    _stub(
        "grasp_gen.dataset.eval_utils",
        is_empty=noop,
        load_h5_handle_empty_case=noop,
        write_info=noop,
        write_to_h5=noop,
    )
    _stub("grasp_gen.dataset.webdataset_utils", GraspWebDatasetReader=type("GraspWebDatasetReader", (), {}))
    _stub(
        "grasp_gen.utils.meshcat_utils",
        create_visualizer=noop,
        get_normals_from_mesh=noop,
        visualize_grasp=noop,
        visualize_mesh=noop,
        visualize_pointcloud=noop,
    )
    _stub("grasp_gen.robot", GripperInfo=type("GripperInfo", (), {}))
    for mod in ("exceptions", "dataset_utils"):
        spec = importlib.util.spec_from_file_location(
            f"grasp_gen.dataset.{mod}", src / "grasp_gen" / "dataset" / f"{mod}.py"
        )
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
    return sys.modules["grasp_gen.dataset.dataset_utils"]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--graspgen-src", type=Path, required=True)
    p.add_argument("--dataset", type=Path, required=True)
    p.add_argument("--gripper", required=True)
    p.add_argument("--object-root", type=Path, required=True)
    p.add_argument("--out", type=Path)
    args = p.parse_args(argv)
    utils = load_dataset_utils(args.graspgen_src.resolve())
    reader = utils.GraspJsonDatasetReader(str(args.dataset / "grasp_data" / args.gripper))
    keys = []
    for split in ("train", "valid"):
        keys += [
            k.strip()
            for k in (args.dataset / "splits" / args.gripper / f"{split}.txt").read_text().splitlines()
            if k.strip()
        ]
    result = {}
    for key in dict.fromkeys(keys):
        for role, dis in (("generator", False), ("discriminator", True)):
            code, data = utils.load_object_grasp_datapoint_objaverse(
                key,
                object_root_dir=str(args.object_root),
                grasp_dataset_reader=reader,
                load_discriminator_dataset=dis,
            )
            ok = code == utils.DataLoaderError.SUCCESS
            result[f"{key} ({role})"] = {
                "code": str(code),
                "positives": int(len(data.positive_grasps)) if ok else 0,
                "negatives": int(len(data.negative_grasps)) if ok and data.negative_grasps is not None else 0,
                "contacts": int(len(data.contacts)) if ok and data.contacts is not None else 0,
            }
            print(f"{key:30} {role:13} {result[f'{key} ({role})']}")
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))
    return 0 if all(r["code"].endswith("SUCCESS") for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
