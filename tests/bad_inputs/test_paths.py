"""No path escapes: every name that becomes a path is checked, and symlinks stay in the dataset.

Each test is one defect a hostile or careless input showed on main, named after what it protects.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml

from dexgen.cli.main import main
from dexgen.errors import InputError
from dexgen.graspgen.inference_config import write_inference_config
from dexgen.grippers.loader import load_gripper, shipped_path
from dexgen.names import inside, safe_name, safe_relpath
from dexgen.objects.build import content_config, resolve_jobs
from dexgen.objects.loading import read_mesh
from dexgen.objects.scales import read_scales
from dexgen.params.objects import ObjectsConfig
from dexgen.records.objects import read_index

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples/meshes"
GRASPGEN_CONFIG = REPO / "tests/graspgen/fixtures/graspgen_config.yaml"


def _graspgen_run(folder: Path, model: str, gripper: str = "robotiq_2f_85") -> Path:
    """A GraspGen log folder: ``config.yaml`` for ``model`` (diffusion / discriminator) and a ``last.pth``."""
    import torch

    config = yaml.safe_load(GRASPGEN_CONFIG.read_text())
    config["train"]["model_name"] = model
    for section in ("data", "diffusion", "discriminator"):
        config[section]["gripper_name"] = gripper
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    torch.save({"epoch": 1, "model": {"w": torch.zeros(2)}, "optimizer": {}}, folder / "last.pth")
    return folder


def _files(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_inference_config_never_writes_outside_out(tmp_path):
    gen = _graspgen_run(tmp_path / "runs" / "gen", "diffusion", gripper="../../escaped")
    dis = _graspgen_run(tmp_path / "runs" / "dis", "discriminator", gripper="../../escaped")
    before = _files(tmp_path)
    with pytest.raises(
        InputError, match=r"config\.yaml: data\.gripper_name '\.\./\.\./escaped' holds a path"
    ):
        write_inference_config(gen, dis, tmp_path / "deep" / "out")
    assert _files(tmp_path) == before and not (tmp_path / "deep").exists()


def test_inference_config_with_swapped_runs_says_swap(tmp_path):
    gen = _graspgen_run(tmp_path / "gen", "diffusion")
    dis = _graspgen_run(tmp_path / "dis", "discriminator")
    with pytest.raises(
        InputError, match=r"dis/config\.yaml: train\.model_name is 'discriminator'.*swap --gen and --dis"
    ):
        write_inference_config(dis, gen, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def _gripper_file(tmp_path: Path, name: str) -> Path:
    data = yaml.safe_load(shipped_path("robotiq_2f_85").read_text()) | {"name": name}
    path = tmp_path / "gripper.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_guess_refuses_a_gripper_named_like_a_path(tmp_path, capsys):
    path = _gripper_file(tmp_path, "../../../escaped")
    (tmp_path / "objects").mkdir()
    argv = [
        "guess",
        "--objects",
        str(tmp_path / "objects"),
        "--out",
        str(tmp_path / "out"),
        "--gripper",
        str(path),
    ]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert f"{path}: gripper name '../../../escaped' holds a path separator" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("name", ["", "..", ".hidden", "a/b", "a\\b", "nul\x00", "x" * 300])
def test_gripper_name_must_be_a_file_name(tmp_path, name):
    with pytest.raises(InputError, match=r"gripper\.yaml: gripper name .* it becomes a file name"):
        load_gripper(_gripper_file(tmp_path, name))


@pytest.mark.parametrize("value", ["", ".", "..", "../x", "a/b", "a\\b", ".x", "x\x00y", "x" * 201, 3])
def test_safe_name_refuses_what_is_not_one_file_name(value):
    with pytest.raises(InputError, match=r"^src: thing "):
        safe_name(value, what="thing", source="src")


@pytest.mark.parametrize(
    "value", ["/etc/x.obj", "a/../../x.obj", "..", "a//b.obj", "./a.obj", "a\\b.obj", ""]
)
def test_safe_relpath_refuses_paths_that_leave_their_folder(value):
    with pytest.raises(InputError, match=r"^src: key "):
        safe_relpath(value, what="key", source="src")


def test_safe_names_pass_unchanged():
    assert safe_name("robotiq_2f_85", what="n", source="s") == "robotiq_2f_85"
    assert safe_name(".mug-1a2b3c4d.ply", what="n", source="s", leading_dot=True) == ".mug-1a2b3c4d.ply"
    assert safe_relpath("tools/.cache/hammer.obj", what="k", source="s") == "tools/.cache/hammer.obj"


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    root = tmp_path / "meshes"
    shutil.copytree(EXAMPLES, root)
    return root


def test_mesh_symlink_leaving_the_dataset_is_refused(tmp_path, dataset):
    outside = tmp_path / "elsewhere" / "secret.stl"
    outside.parent.mkdir()
    shutil.copyfile(dataset / "bottle.stl", outside)
    (dataset / "linked.stl").symlink_to(outside)
    scales = dataset / "scales.json"
    scales.write_text(json.dumps({"linked.stl": 1.0}))
    with pytest.raises(
        InputError, match=r"'linked\.stl' resolves to .*secret\.stl, outside the object dataset"
    ):
        read_scales(scales, dataset)
    assert read_scales(scales, dataset, follow_symlinks=True) == {"linked.stl": 1.0}


def test_mesh_symlink_inside_the_dataset_is_read(dataset):
    (dataset / "alias.stl").symlink_to(dataset / "bottle.stl")
    scales = dataset / "scales.json"
    scales.write_text(json.dumps({"alias.stl": 1.0}))
    assert read_scales(scales, dataset) == {"alias.stl": 1.0}
    assert inside(dataset, dataset / "alias.stl") and not inside(dataset / "tools", dataset / "bottle.stl")


def test_objects_stage_refuses_symlinks_by_default(tmp_path, dataset):
    (tmp_path / "out.stl").write_bytes((dataset / "bottle.stl").read_bytes())
    (dataset / "out.stl").symlink_to(tmp_path / "out.stl")
    scales = dataset / "scales.json"
    scales.write_text(json.dumps({"out.stl": 1.0}))
    cfg = ObjectsConfig(source="directory", object_dataset=dataset, object_scales_json=scales)
    with pytest.raises(InputError, match="objects.follow_symlinks: true"):
        resolve_jobs(cfg, seed=0, cache_dir=tmp_path / "cache")
    assert "follow_symlinks" not in content_config(cfg)  # a refusal switch: never in the set's bytes


def test_a_folder_given_as_a_mesh_is_called_a_folder(dataset):
    (dataset / "folder.obj").mkdir()
    scales = dataset / "scales.json"
    scales.write_text(json.dumps({"folder.obj": 1.0}))
    with pytest.raises(InputError, match=r"'folder\.obj' is a folder under .*, not a mesh file"):
        read_scales(scales, dataset)
    with pytest.raises(InputError, match=r"folder\.obj: is a folder, not a mesh file"):
        read_mesh(dataset / "folder.obj")


def _index(tmp_path: Path, **record) -> Path:
    base = {
        "key": "box_000",
        "shard": "00",
        "mesh": "box_000-12345678.ply",
        "scale": 1.0,
        "source": "builtin",
        "source_sha256": "0" * 64,
        "mesh_sha256": "0" * 64,
        "watertight": True,
        "volume": 1e-4,
        "extents": [0.05, 0.05, 0.05],
        "faces": 12,
        "repairs": {},
    }
    path = tmp_path / "index.json"
    path.write_text(json.dumps({"format_version": 1, "objects": [base | record]}))
    return path


@pytest.mark.parametrize(
    ("record", "message"),
    [
        (
            {"mesh": "../../../escaped.ply"},
            r"mesh of 'box_000' '\.\./\.\./\.\./escaped\.ply' holds a path separator",
        ),
        ({"mesh": ".."}, r"mesh of 'box_000' '\.\.' starts with '\.'"),
        ({"key": "../../escaped.obj"}, r"object key '\.\./\.\./escaped\.obj' is not a relative path"),
        ({"key": "/abs/mug.obj"}, r"object key '/abs/mug\.obj' is not a relative path"),
    ],
)
def test_object_index_names_cannot_leave_the_output_folders(tmp_path, record, message):
    path = _index(tmp_path, **record)
    with pytest.raises(InputError, match=rf"^{path}: {message}"):
        read_index(path)
    assert read_index(_index(tmp_path))[0].key == "box_000"


def test_objects_cli_follows_symlinks_only_when_asked(tmp_path, dataset, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bottle.stl").write_bytes((dataset / "bottle.stl").read_bytes())
    (dataset / "linked.stl").symlink_to(tmp_path / "bottle.stl")
    (dataset / "scales.json").write_text(json.dumps({"linked.stl": 1.0}))
    argv = ["objects", "--object_dataset", str(dataset), "--object_scales_json", str(dataset / "scales.json")]
    argv += ["--out", "objs", "--cache", "cache", "--report", "report.json"]
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "'linked.stl' resolves to" in err and not Path("objs").exists()
    assert main([*argv, "--follow_symlinks"]) == 0
    assert json.loads(Path("report.json").read_text())["count"] == 1
