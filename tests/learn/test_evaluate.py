"""Evaluation metrics against independent computations; the evaluate and convert stages end to end."""

import json

import numpy as np
import pytest
import yaml
from sklearn.metrics import accuracy_score, average_precision_score, f1_score, roc_auc_score

from dexgen.errors import ConfigError
from dexgen.learn.evaluate import classification_metrics, example_indices
from dexgen.learn.setup import train_setup
from dexgen.params.tree import params_from_mapping

LABELS = np.array([1, 0, 1, 1, 0, 0, 1, 0, 0, 0])
SCORES = np.array([0.9, 0.8, 0.7, 0.45, 0.4, 0.3, 0.35, 0.2, 0.1, 0.6])


def test_metrics_on_known_inputs():
    m = classification_metrics(LABELS, SCORES)
    # at 0.5: predicted positive = {0.9, 0.8, 0.7, 0.6} -> TP 2, FP 2, FN 2, TN 4
    assert m["accuracy_at_0.5"] == pytest.approx(0.6)
    assert m["precision_at_0.5"] == pytest.approx(0.5) and m["recall_at_0.5"] == pytest.approx(0.5)
    assert m["positive_rate"] == pytest.approx(0.4)
    assert m["normalized_error_at_0.5"] == pytest.approx(0.4 / 0.4)
    assert m["average_precision"] == pytest.approx(average_precision_score(LABELS, SCORES))
    assert m["roc_auc"] == pytest.approx(roc_auc_score(LABELS, SCORES))
    # best F1 by brute force over every candidate threshold (predict score >= t)
    best = max(SCORES, key=lambda t: (f1_score(LABELS, (t <= SCORES).astype(int)), t))
    assert m["best_f1_threshold"] == pytest.approx(best)
    assert m["best_f1"] == pytest.approx(f1_score(LABELS, (best <= SCORES).astype(int)))
    assert m["accuracy_at_best_f1"] == pytest.approx(accuracy_score(LABELS, (best <= SCORES).astype(int)))


def test_single_class_gives_undefined_ranking_metrics():
    m = classification_metrics(np.zeros(4), np.array([0.1, 0.2, 0.7, 0.3]))
    assert m["accuracy_at_0.5"] == 0.75 and np.isnan(m["roc_auc"])
    with pytest.raises(ValueError, match="must be equal"):
        classification_metrics(np.zeros(3), np.zeros(4))


def test_examples_are_the_most_confident_of_each_category():
    ex = example_indices(LABELS, SCORES, 2)
    assert ex["true_positive"].tolist() == [0, 2]
    assert ex["false_positive"].tolist() == [1, 9]
    assert ex["false_negative"].tolist() == [6, 3]
    assert ex["true_negative"].tolist() == [8, 7]


PARAMS = {
    "seed": 4,
    "device": "cpu",
    "model": {"name": "DexNetGQCNN"},
    "models": {
        "DexNetGQCNN": {"arch": {"filters": 8, "fc3_size": 32, "fc4_size": 32}, "train": {"epochs": 2}},
        "EfficientNet": {
            "arch": {"input_size": 32},
            "train": {"optimizer": "adam", "lr": 0.001, "epochs": 1},
        },
    },
    "tasks": {"parallel_jaw": {"threshold": 0.002}, "suction": {"threshold": 0.2}},
}


def _setup(params: dict, task: str):
    tree = params_from_mapping(params, where="params.yaml")
    return train_setup(
        task,
        seed=tree.seed,
        device=tree.device,
        model_name=tree.model.name,
        models=tree.models,
        tasks=tree.tasks,
    )


def test_params_errors_name_the_key():
    bad = json.loads(json.dumps(PARAMS))
    bad["model"]["name"] = "ResNet"
    with pytest.raises(
        ConfigError, match=r"^params.yaml: model.name: 'ResNet' is not one of \['DexNetGQCNN', "
    ):
        _setup(bad, "parallel_jaw")
    bad["model"]["name"] = "DexNetFCGQCNN"  # a model, but one that comes from conversion, not training
    with pytest.raises(ConfigError, match="model.name: 'DexNetFCGQCNN' is not one of"):
        _setup(bad, "parallel_jaw")
    bad = json.loads(json.dumps(PARAMS))
    bad["models"]["DexNetGQCNN"]["train"]["optimizer"] = "lbfgs"
    with pytest.raises(ConfigError, match=r"models.DexNetGQCNN.train.optimizer: 'lbfgs' is not one of"):
        _setup(bad, "parallel_jaw")
    bad = json.loads(json.dumps(PARAMS))
    bad["tasks"]["grasping"] = {"threshold": 0.5}
    with pytest.raises(ConfigError, match=r"tasks are \['parallel_jaw', 'suction'\]"):
        _setup(bad, "parallel_jaw")
    setup = _setup(PARAMS, "suction")
    assert setup.model_args.pose_dim == 2 and setup.task_cfg.threshold == 0.2


def run_stage(module, argv):
    import importlib.util
    import pathlib

    path = pathlib.Path(__file__).parents[2] / "stages" / f"{module}.py"
    spec = importlib.util.spec_from_file_location(f"stage_{module}", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.main(argv)


@pytest.mark.parametrize("name", ["DexNetGQCNN", pytest.param("EfficientNet", marks=pytest.mark.slow)])
def test_stages_end_to_end(tiny_pj, tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    params = json.loads(json.dumps(PARAMS))
    params["model"]["name"] = name
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    task = ["--task", "parallel_jaw"]
    train = ["--dataset", str(tiny_pj), "--model-dir", "models/pj", "--live-dir", "metrics/pj/train"]
    assert run_stage("train", [*train, *task]) == 0
    evaluate = ["--model-dir", "models/pj", "--dataset", str(tiny_pj), "--metrics", "metrics/pj/eval.json"]
    evaluate += ["--live-dir", "metrics/pj/eval", "--pictures", "results/pj"]
    assert run_stage("evaluate", [*evaluate, *task]) == 0
    convert = ["--model-dir", "models/pj", "--out", "models/pj-fc", "--metrics", "metrics/pj/convert.json"]
    assert run_stage("convert", [*convert, *task]) == 0
    ev = json.loads((tmp_path / "metrics/pj/eval.json").read_text())
    assert 0 <= ev["average_precision"] <= 1 and ev["model"] == name
    # the margin over the regression, with its interval over the 10 objects of the validation rows
    margin = ev["average_precision"] - ev["baseline_logreg_average_precision"]
    assert ev["ap_margin_over_logreg"] == pytest.approx(margin) and ev["num_val_objects"] == 10
    lo, hi = ev["ap_margin_over_logreg_ci95"]
    assert -1 <= lo <= hi <= 1
    for png in (
        "precision_recall",
        "roc",
        "true_positive",
        "false_positive",
        "true_negative",
        "false_negative",
    ):
        assert (tmp_path / "results/pj" / f"{png}.png").is_file()
    assert (tmp_path / "metrics/pj/eval/plots/sklearn/precision_recall.json").is_file()
    conv = json.loads((tmp_path / "metrics/pj/convert.json").read_text())
    if name == "DexNetGQCNN":
        assert conv["exact"] and conv["max_abs_diff_probability"] <= 1e-5
        assert set(conv["max_abs_diff_probability_by_stride"]) == {"1", "2", "4"}
        assert max(conv["max_abs_diff_probability_by_stride"].values()) <= 1e-5
        assert (tmp_path / "models/pj-fc/model.pt").is_file()
    else:
        assert conv["converted"] is False
    # evaluating with model.name switched refuses the other architecture's checkpoint
    params["model"]["name"] = "EfficientNet" if name == "DexNetGQCNN" else "DexNetGQCNN"
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    other = ["--model-dir", "models/pj", "--dataset", str(tiny_pj), "--metrics", "e.json", "--live-dir", "e"]
    assert run_stage("evaluate", [*other, "--pictures", "r", *task]) == 1
