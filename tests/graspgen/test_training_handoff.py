"""The GraspGen handoff: training scripts written from the data, and the merged inference config."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from graspgen.helpers import GRIPPER, KEYS, make_result

from dexgen.errors import InputError
from dexgen.graspgen.export import export_results
from dexgen.graspgen.inference_config import write_inference_config
from dexgen.graspgen.training_scripts import DatasetFacts, script_values
from dexgen.graspgen.validate import check_dataset
from dexgen.grippers.loader import load_gripper
from dexgen.params.graspgen import GraspgenConfig

FIXTURES = Path(__file__).parent / "fixtures"
# Every variable GraspGen's runs/train_graspgen_robotiq_2f_140_{gen,dis}.sh export (graspgen-format.md §11).
COMMON = {
    "NGPU", "NWORKER", "NEPOCH", "BATCH", "PRINT_FREQ", "PLOT_FREQ", "SAVE_FREQ", "DATASET_NAME", "DATASET_VERSION",
    "NUM_GRASPS_PER_OBJ", "BACKBONE", "NUM_POINTS", "NAME", "PROBABILITY_SAMPLE_PARTIAL_POINTCLOUD",
    "NUM_REDUNDANT_DATAPOINTS", "GRIPPER_NAME", "OBJECT_DATASET_DIR", "GRASP_DIR", "CODE_DIR", "RESULTS_DIR",
    "GRASP_DATASET_DIR", "SPLIT_DATASET_DIR", "METHOD", "ROTATION_REPR", "NOISE_SCALE", "PYOPENGL_PLATFORM",
    "LOG_DIR", "CACHE_DIR", "CHECKPOINT", "CONSOLE_LOG",
}  # fmt: skip
GRASPGEN_VARS = {"gen": COMMON | {"TIMESTEPS"}, "dis": COMMON | {"POSE_REPR", "TOPK_RATIO", "RATIO"}}


def _exports(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2).strip('"') for m in re.finditer(r"^export (\w+)=(.*)$", text, re.M)}


def _overrides(text: str) -> dict[str, str]:
    """The Hydra overrides of the ``python train_graspgen.py`` command (line continuations joined)."""
    command = text.replace("\\\n", " ").split("python train_graspgen.py", 1)[1].split("|", 1)[0]
    return dict(word.split("=", 1) for word in shlex.split(command))


def _has_key(config: dict, dotted: str) -> bool:
    node = config
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(params=[GRIPPER, "my_gripper"])
def handoff(request, tmp_path) -> tuple[Path, str]:
    """A dataset written for a shipped gripper, and for one from a YAML that is not shipped (a 110 mm
    stroke, longer and wider fingers)."""
    if request.param == GRIPPER:
        gripper = load_gripper(GRIPPER)
    else:
        text = (REPO / "src/dexgen/grippers/robotiq_2f_85.yaml").read_text()
        for old, new in (("name: robotiq_2f_85", "name: my_gripper"), ("max_opening: 0.085", "max_opening: 0.11"),
                         ("length: 0.054", "length: 0.06"), ("width: 0.022", "width: 0.03")):  # fmt: skip
            text = text.replace(old, new)
        (tmp_path / "my_gripper.yaml").write_text(text)
        gripper = load_gripper(tmp_path / "my_gripper.yaml")
    results = [make_result(tmp_path, k) for k in KEYS]
    dataset = tmp_path / "ds"
    export_results(results, dataset=dataset, gripper=gripper, cfg=GraspgenConfig(), seed=3, progress=False)
    return dataset, gripper.name


@pytest.mark.parametrize("role", ["gen", "dis"])
def test_scripts_follow_graspgen_and_carry_the_datas_values(handoff, role):
    dataset, name = handoff
    script = dataset / "runs" / f"train_graspgen_{name}_{role}.sh"
    text = script.read_text()
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
    exports = _exports(text)
    assert set(exports) == GRASPGEN_VARS[role]
    assert exports["GRIPPER_NAME"] == name
    assert exports["GRASP_DATASET_DIR"] == "$GRASP_DIR/grasp_data/$GRIPPER_NAME"  # the dataset layout
    assert exports["SPLIT_DATASET_DIR"] == "$GRASP_DIR/splits/$GRIPPER_NAME"
    assert exports["GRASP_DIR"] == "/grasp_dataset" and exports["OBJECT_DATASET_DIR"] == "/object_dataset"
    assert (dataset / "grasp_data" / name).is_dir() and (dataset / "splits" / name / "train.txt").is_file()
    kappa = check_dataset(dataset, name).kappa  # GraspGen's loader rules pass for this gripper too
    assert float(exports["NOISE_SCALE"]) == pytest.approx(kappa, abs=1e-5)
    assert 5000 % int(exports["SAVE_FREQ"]) == 0
    assert 1 <= int(exports["NUM_GRASPS_PER_OBJ"]) <= 20  # our test objects hold 20 grasps, 8 positives
    graspgen_config = yaml.safe_load((FIXTURES / "graspgen_config.yaml").read_text())
    overrides = _overrides(text)
    missing = [key for key in overrides if not _has_key(graspgen_config, key)]
    assert not missing, f"overrides GraspGen's config does not have: {missing}"
    if role == "dis":
        ratio = [float(r) for r in exports["RATIO"].strip("[]").split(",")]
        assert len(ratio) == 7 and sum(ratio) == pytest.approx(1.0)
        assert ratio == [0.25, 0.25, 0.0, 0.0, 0.0, 0.25, 0.25]  # true negatives present
        assert overrides["data.discriminator_ratio"] == "$RATIO"
    assert "# GraspGen" in text.splitlines()[1] and "NOISE_SCALE: kappa" in text


def test_values_follow_the_data():
    facts = DatasetFacts("g", kappa=3.4242, train_objects=40, positives=(64, 40, 12), grasps=(80, 56, 28))
    v = script_values(facts)
    assert v.noise_scale == 3.4242 and v.gen_grasps == 40 and v.dis_grasps == 56 and v.save_freq == 2500
    assert script_values(DatasetFacts("g", 3.0, 8515, (2000,), (3000,))).save_freq == 10  # GraspGen's set
    assert script_values(DatasetFacts("g", 3.0, 8515, (2000,), (3000,))).gen_grasps == 500  # GraspGen's cap
    no_negatives = script_values(DatasetFacts("g", 3.0, 40, (10, 12), (10, 12))).ratio
    assert len(no_negatives) == 7 and sum(no_negatives) == pytest.approx(1.0) and no_negatives[1] == 0.0
    with pytest.raises(ValueError, match="no positive grasps"):
        script_values(DatasetFacts("g", 0.0, 0, (), ()))


def test_docs_say_what_num_grasps_per_obj_is():
    """The median (the header's reason), not a bound every object meets: (64, 40, 12) gives 40 > 12."""
    page = " ".join((Path(__file__).parents[2] / "docs" / "stages" / "graspgen.md").read_text().split())
    said = page[page.index("`NUM_GRASPS_PER_OBJ`") :][:120]
    assert "median" in said, said
    reasons = script_values(DatasetFacts("g", 3.0, 40, (64, 40, 12), (80, 56, 28))).reasons
    assert any(r.startswith("NUM_GRASPS_PER_OBJ: the median") for r in reasons)


def test_scripts_go_into_a_graspgen_checkout_and_are_kept_there_unless_overwritten(tmp_path, gripper):
    source = tmp_path / "GraspGen"
    (source / "runs").mkdir(parents=True)
    mine = source / "runs" / f"train_graspgen_{GRIPPER}_gen.sh"
    mine.write_text("# my own edits\n")
    results = [make_result(tmp_path, k) for k in KEYS]
    kw = {
        "gripper": gripper,
        "cfg": GraspgenConfig(),
        "seed": 3,
        "progress": False,
        "graspgen_source": source,
    }
    metrics = export_results(results, dataset=tmp_path / "ds", overwrite_gripper_config=False, **kw)
    assert metrics["training_scripts"]["state"] == {"dataset": "ours", "graspgen_source": "kept"}
    assert mine.read_text() == "# my own edits\n"
    assert (source / "config" / "grippers" / f"{GRIPPER}.py").is_file()
    metrics = export_results(results, dataset=tmp_path / "ds", overwrite_gripper_config=True, **kw)
    assert metrics["training_scripts"]["state"]["graspgen_source"] == "ours"
    assert mine.read_text() == (tmp_path / "ds" / "runs" / mine.name).read_text()


def _run(folder: Path, model: str, section: str, gripper: str = GRIPPER) -> Path:
    config = yaml.safe_load((FIXTURES / "graspgen_config.yaml").read_text())
    config["train"]["model_name"] = model
    for name in ("data", section):
        config[name]["gripper_name"] = gripper
    if section == "diffusion":
        config["diffusion"]["kappa"] = 3.42
    folder.mkdir(parents=True)
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    write_graspgen_checkpoint(folder / "last.pth", model)
    return folder


def write_graspgen_checkpoint(path: Path, model: str) -> None:
    """A small ``last.pth`` of GraspGen's shape (``{"epoch", "model", "optimizer"}``)."""
    import torch

    weights = {"head.weight": torch.full((2, 3), float(len(model)))}
    torch.save({"epoch": 1, "model": weights, "optimizer": {"state": {}, "param_groups": []}}, path)


def test_inference_config_merges_the_two_runs(tmp_path):
    gen = _run(tmp_path / "logs" / "g_gen_test", "diffusion", "diffusion")
    dis = _run(tmp_path / "logs" / "g_dis_test", "discriminator", "discriminator")
    path = write_inference_config(gen, dis, tmp_path / "models")
    assert path.name == f"graspgen_{GRIPPER}.yml"
    config = yaml.safe_load(path.read_text())
    assert config["train"]["model_name"] == "discriminator"  # the discriminator's config is the base
    assert config["diffusion"]["kappa"] == 3.42  # the generator's diffusion section
    assert (
        config["eval"]["checkpoint"] == "gen.pth"
        and config["eval"]["model_name"] == "diffusion-discriminator"
    )
    assert config["discriminator"]["checkpoint"] == "dis.pth"
    names = {
        config["data"]["gripper_name"],
        config["diffusion"]["gripper_name"],
        config["discriminator"]["gripper_name"],
    }
    assert names == {GRIPPER}  # what GraspGen's load_grasp_cfg asserts
    assert (tmp_path / "models" / "gen.pth").read_bytes() == (gen / "last.pth").read_bytes()
    assert (tmp_path / "models" / "dis.pth").read_bytes() == (dis / "last.pth").read_bytes()


def test_inference_config_refuses_other_grippers_and_missing_files(tmp_path):
    gen = _run(tmp_path / "gen", "diffusion", "diffusion")
    other = _run(tmp_path / "dis", "discriminator", "discriminator", gripper="franka_panda")
    with pytest.raises(InputError, match=r"different grippers.*'robotiq_2f_85'.*'franka_panda'"):
        write_inference_config(gen, other, tmp_path / "models")
    assert not (tmp_path / "models").exists()
    (gen / "last.pth").unlink()
    with pytest.raises(
        InputError,
        match=rf"^{re.escape(str(gen / 'last.pth'))}: the generator run's last checkpoint is missing",
    ):
        write_inference_config(gen, other, tmp_path / "models")
    shutil.rmtree(other)
    with pytest.raises(InputError, match="config.yaml is missing"):
        write_inference_config(_run(tmp_path / "g2", "diffusion", "diffusion"), other, tmp_path / "m")


def test_the_cli_writes_the_inference_config(tmp_path, capsys):
    from dexgen.cli.main import main

    gen = _run(tmp_path / "gen", "diffusion", "diffusion")
    dis = _run(tmp_path / "dis", "discriminator", "discriminator")
    assert (
        main(
            ["graspgen-inference-config", "--gen", str(gen), "--dis", str(dis), "--out", str(tmp_path / "m")]
        )
        == 0
    )
    assert capsys.readouterr().out.strip() == str(tmp_path / "m" / f"graspgen_{GRIPPER}.yml")
    assert (
        main(
            [
                "graspgen-inference-config",
                "--gen",
                str(gen),
                "--dis",
                str(tmp_path),
                "--out",
                str(tmp_path / "m"),
            ]
        )
        == 1
    )
