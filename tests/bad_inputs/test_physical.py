"""Physically sane or refused: sizes, depths, normalisation constants and checkpoints.

Each test is one defect a careless input showed on main (accepted with rc 0, or refused with a
message that blamed something else), named after what it protects.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
import torch
import trimesh
import yaml

from dexgen.cli.main import main
from dexgen.errors import ConfigError, InputError
from dexgen.graspgen.inference_config import check_checkpoint
from dexgen.grippers.loader import gripper_names, load_gripper, shipped_path
from dexgen.inference.predict import DepthRange, load_depth_image
from dexgen.learn.checkpoint import build_model, load_checkpoint, model_from_checkpoint, save_checkpoint
from dexgen.models.registry import model_config
from dexgen.objects.loading import repair_mesh
from dexgen.params.guess import GripperBounds, GuessConfig
from dexgen.params.objects import MeshBounds
from dexgen.params.tree import params_from_mapping

# --- grippers -------------------------------------------------------------------------------------


def _scaled_gripper(tmp_path: Path, factor: float) -> Path:
    """The shipped 2F-85 with every length times ``factor`` (100: an 8.5 m stroke)."""
    data = yaml.safe_load(shipped_path("robotiq_2f_85").read_text())
    for key in ("max_opening", "min_opening", "fingertip_depth", "tcp_depth"):
        data[key] *= factor
    data["palm"]["size"] = [v * factor for v in data["palm"]["size"]]
    data["finger"] = {k: v * factor for k, v in data["finger"].items()}
    path = tmp_path / "huge.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_gripper_of_implausible_size_is_refused(tmp_path):
    path = _scaled_gripper(tmp_path, 100.0)
    with pytest.raises(
        InputError,
        match=rf"^{path}: max_opening 8\.5 m is outside the plausible \[0\.001, 1\] m \(guess\.gripper_bounds\.max_length\)",
    ):
        load_gripper(path)


def test_gripper_bounds_are_configurable(tmp_path):
    path = _scaled_gripper(tmp_path, 100.0)
    assert load_gripper(path, bounds=GripperBounds(max_length=20.0)).max_opening == pytest.approx(8.5)
    with pytest.raises(
        InputError, match=r"finger\.thickness 0\.0009 m .* \(guess\.gripper_bounds\.min_length\)"
    ):
        load_gripper(_scaled_gripper(tmp_path, 0.1))


def test_guess_refuses_an_implausible_gripper_with_the_params_bounds(tmp_path):
    from dexgen.guess.shard import parallel_jaw_gripper

    path = str(_scaled_gripper(tmp_path, 100.0))
    with pytest.raises(InputError, match=r"max_opening 8\.5 m is outside the plausible"):
        parallel_jaw_gripper(GuessConfig(gripper=path))
    wide = params_from_mapping(
        {"guess": {"gripper": path, "gripper_bounds": {"max_length": 20.0}}}, where="p.yaml"
    )
    assert parallel_jaw_gripper(wide.guess).max_opening == pytest.approx(8.5)
    assert wide.guess.output_hash() == GuessConfig(gripper=path).output_hash()  # bounds never change outputs
    with pytest.raises(
        ConfigError, match=r"^p\.yaml: guess\.gripper_bounds.*need 0 < min_length < max_length"
    ):
        params_from_mapping({"guess": {"gripper_bounds": {"min_length": 2.0}}}, where="p.yaml")


def test_gripper_force_outside_bounds_is_refused(tmp_path):
    data = yaml.safe_load(shipped_path("robotiq_2f_85").read_text()) | {"closing_force": 2.35e6}
    path = tmp_path / "strong.yaml"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(InputError, match=r"closing_force 2\.35e\+06 N is outside the plausible"):
        load_gripper(path)


@pytest.mark.parametrize("name", gripper_names())
def test_shipped_grippers_are_within_the_default_bounds(name):
    assert load_gripper(name).name == name


# --- depth images ---------------------------------------------------------------------------------


def _npy(tmp_path: Path, array: np.ndarray, name: str = "depth.npy") -> Path:
    path = tmp_path / name
    np.save(path, array)
    return path


def test_depth_image_with_negative_metres_is_refused(tmp_path):
    depth = np.full((32, 32), 0.6, np.float32)
    depth[3, 4] = -0.2
    path = _npy(tmp_path, depth)
    with pytest.raises(
        InputError,
        match=rf"^{path}: depth values span \[-0\.2, 0\.6\] m, outside the plausible \[0\.05, 10\] m",
    ):
        load_depth_image(path)


def test_depth_image_in_millimetres_is_refused(tmp_path):
    path = _npy(tmp_path, np.full((32, 32), 600.0, np.float32))
    with pytest.raises(InputError, match=r"span \[600, 600\] m, outside the plausible"):
        load_depth_image(path)


def test_integer_depth_image_is_refused(tmp_path):
    path = _npy(tmp_path, np.full((32, 32), 600, np.uint16))
    with pytest.raises(InputError, match=rf"^{path}: depth image dtype uint16 is not float metres"):
        load_depth_image(path)


def test_depth_range_is_configurable(tmp_path):
    path = _npy(tmp_path, np.full((32, 32), 12.0, np.float64))
    image = load_depth_image(path, depth_range=DepthRange(min_m=0.0, max_m=20.0))
    assert image.dtype == np.float32 and float(image[0, 0]) == 12.0
    with pytest.raises(ConfigError, match="depth range must satisfy 0 <= min < max"):
        DepthRange(min_m=1.0, max_m=0.5)


def test_png_given_as_depth_image_says_not_npy(tmp_path):
    from PIL import Image

    path = tmp_path / "depth.png"
    Image.fromarray(np.zeros((32, 32), np.uint8)).save(path)
    with pytest.raises(InputError, match=rf"^{path}: not a \.npy depth image") as info:
        load_depth_image(path)
    assert "pickle" not in str(info.value)


def test_predict_cli_refuses_an_implausible_depth_image_in_one_line(tmp_path, capsys):
    path = _npy(tmp_path, np.full((32, 32), -1.0, np.float32))
    assert main(["predict", str(tmp_path / "model.pt"), "--image", str(path)]) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and f"{path}: depth values span" in err


def test_predict_cli_depth_range_widens_the_check(tmp_path, capsys):
    path = _npy(tmp_path, np.full((32, 32), 12.0, np.float32))
    argv = ["predict", str(tmp_path / "none.pt"), "--image", str(path)]
    assert main(argv) == 1 and "depth values span [12, 12] m" in capsys.readouterr().err
    assert main([*argv, "--depth-range", "0", "20"]) == 1  # the image passes; the checkpoint is missing
    assert "none.pt: checkpoint not found" in capsys.readouterr().err


# --- checkpoints ----------------------------------------------------------------------------------


def _checkpoint(tmp_path: Path, **stats) -> Path:
    """A real (untrained) DexNetGQCNN checkpoint with normalisation stats ``stats`` over good ones."""
    args = model_config("DexNetGQCNN", {}, where="test", pose_dim=1)
    model = build_model("DexNetGQCNN", args, seed=0, key="parallel_jaw")
    good = {"im_mean": 0.6, "im_std": 0.02, "pose_mean": [0.6], "pose_std": [0.02]}
    path = tmp_path / "model.pt"
    save_checkpoint(
        path,
        model_name="DexNetGQCNN",
        model_args=args,
        state_dict=model.state_dict(),
        stats=good | stats,
        task="parallel_jaw",
        seed=0,
    )
    return path


@pytest.mark.parametrize(
    ("stats", "message"),
    [
        ({"im_std": 0.0}, r"stats\.im_std must be positive, got \[0\.0\]"),
        ({"pose_std": [0.0]}, r"stats\.pose_std must be positive"),
        ({"im_mean": float("nan")}, r"stats\.im_mean is not finite"),
        ({"pose_std": [float("inf")]}, r"stats\.pose_std is not finite"),
        ({"pose_mean": [0.6, 0.1]}, r"stats\.pose_mean and stats\.pose_std differ in length"),
    ],
)
def test_checkpoint_with_unusable_normalisation_is_refused(tmp_path, stats, message):
    path = _checkpoint(tmp_path, **stats)
    with pytest.raises(InputError, match=rf"^{path}: {message}"):
        model_from_checkpoint(load_checkpoint(path), path=path)


def test_checkpoint_with_zero_im_std_never_prints_nan(tmp_path, capsys):
    path = _checkpoint(tmp_path, im_std=0.0)
    image = _npy(tmp_path, np.full((32, 32), 0.6, np.float32))
    assert main(["predict", str(path), "--image", str(image), "--device", "cpu"]) == 1
    captured = capsys.readouterr()
    assert "NaN" not in captured.out and f"{path}: stats.im_std must be positive" in captured.err
    good = _checkpoint(tmp_path)
    assert main(["predict", str(good), "--image", str(image), "--device", "cpu"]) == 0


def test_checkpoint_whose_weights_are_not_tensors_is_refused(tmp_path):
    path = tmp_path / "model.pt"
    buffer = io.BytesIO()
    torch.save({"format": 1, "model_name": "DexNetGQCNN", "state_dict": {"w": [1, 2]}}, buffer)
    path.write_bytes(buffer.getvalue())
    with pytest.raises(
        InputError, match=rf"^{path}: not a dexgen checkpoint \(state_dict is not a mapping of tensors\)"
    ):
        load_checkpoint(path)


def test_random_bytes_last_pth_is_not_a_graspgen_checkpoint(tmp_path):
    path = tmp_path / "last.pth"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    with pytest.raises(InputError, match=rf"^{path}: not a PyTorch checkpoint"):
        check_checkpoint(path)


def test_graspgen_checkpoint_needs_a_model_state_dict(tmp_path):
    path = tmp_path / "last.pth"
    torch.save({"epoch": 3, "weights": {"w": torch.zeros(1)}}, path)
    with pytest.raises(InputError, match=rf"^{path}: not a GraspGen checkpoint \(no 'model' state dict"):
        check_checkpoint(path)
    torch.save({"epoch": 3, "model": {"w": torch.zeros(1)}, "optimizer": {}}, path)
    check_checkpoint(path)


def test_inference_config_cli_refuses_a_random_bytes_checkpoint(tmp_path, capsys):
    config = yaml.safe_load(
        Path(__file__).parents[1].joinpath("graspgen/fixtures/graspgen_config.yaml").read_text()
    )
    for role, model in (("gen", "diffusion"), ("dis", "discriminator")):
        folder = tmp_path / role
        folder.mkdir()
        config["train"]["model_name"] = model
        (folder / "config.yaml").write_text(yaml.safe_dump(config))
        (folder / "last.pth").write_bytes(b"\x00garbage" * 100)
    argv = ["graspgen-inference-config", "--gen", str(tmp_path / "gen"), "--dis", str(tmp_path / "dis")]
    assert main(argv + ["--out", str(tmp_path / "out")]) == 1
    assert f"{tmp_path / 'gen' / 'last.pth'}: not a PyTorch checkpoint" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


# --- mesh scale -----------------------------------------------------------------------------------


def test_huge_scale_is_blamed_on_the_scale_not_on_faces():
    box = trimesh.creation.box(extents=(0.05, 0.05, 0.05))
    with pytest.raises(
        InputError,
        match=r"^mug\.obj: scaled size 5e\+306 m is outside \[0\.005, 0\.5\] m \(objects\.bounds\); check the scale \(got 1e\+308\)",
    ):
        repair_mesh(box, scale=1e308, bounds=MeshBounds(), name="mug.obj")
    with pytest.raises(InputError, match=r"scaled size 5e\+04 m is outside"):
        repair_mesh(box, scale=1e6, bounds=MeshBounds(), name="mug.obj")
    mesh, _ = repair_mesh(box, scale=2.0, bounds=MeshBounds(), name="mug.obj")
    assert mesh.extents.max() == pytest.approx(0.1)
