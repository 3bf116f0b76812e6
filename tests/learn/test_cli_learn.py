"""The learning CLI: ``train --config``, ``predict`` on a dataset, a crop and a depth image (GQ-CNN,
FC-GQ-CNN heatmap, sliding window), ``analyze``; and the errors each refuses clearly with."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch
import yaml

from dexgen import layout
from dexgen.cli.main import build_parser, main
from dexgen.errors import ConfigError, InputError
from dexgen.inference.angles import canvas_shape, predict_angles, turn
from dexgen.inference.predict import fc_cell_logits, load_depth_image, predict, predict_image
from dexgen.learn.checkpoint import load_checkpoint, model_from_checkpoint
from dexgen.learn.stages import convert_task
from dexgen.params.tree import Params, load_params

PARAMS = {
    "seed": 5,
    "device": "cpu",
    "model": {"name": "DexNetGQCNN"},
    "models": {
        "DexNetGQCNN": {
            "arch": {"filters": 8, "fc3_size": 32, "fc4_size": 32},
            "train": {"epochs": 2, "batch_size": 64, "eval_batch_size": 512},
        }
    },
    "tasks": {"parallel_jaw": {"threshold": 0.002, "augment": {"enabled": False}}},
}


@pytest.fixture(scope="module")
def work(tiny_pj, tmp_path_factory):
    """A GQ-CNN trained through ``dexgen train --config`` and its FC conversion; cwd-relative caches
    land in this folder."""
    root = tmp_path_factory.mktemp("cli_learn")
    (root / "exp.yaml").write_text(yaml.safe_dump(PARAMS))
    cwd = os.getcwd()
    os.chdir(root)
    try:
        argv = ["train", "--config", "exp.yaml", "--task", "parallel_jaw", "--dataset", str(tiny_pj)]
        assert main(argv + ["--out", "models/pj", "--live", "live"]) == 0
    finally:
        os.chdir(cwd)
    report = convert_task(root / "models/pj", root / "models/pj-fc", root / "convert.json", seed=0)
    assert report["exact"]
    return root


@pytest.fixture(scope="module")
def crops(tiny_pj):
    depth = np.load(tiny_pj / "tensors/depth_ims_tf_table_00000.npz")["arr_0"]
    poses = np.load(tiny_pj / "tensors/hand_poses_00000.npz")["arr_0"]
    return depth, poses


@pytest.fixture
def in_work(work, monkeypatch):
    monkeypatch.chdir(work)
    return work


def _image(depth: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Crops tiled into a (32 rows, 32 cols) depth image."""
    tiles = [[depth[r * cols + c, :, :, 0] for c in range(cols)] for r in range(rows)]
    return np.block(tiles).astype(np.float32)


def _out(capsys) -> dict:
    return json.loads(capsys.readouterr().out)


def test_train_config_is_an_alias_of_params(work):
    args = build_parser().parse_args(["train", "--config", "x.yaml", "--task", "suction"])
    assert args.params == "x.yaml"
    record = load_checkpoint(work / "models/pj/model.pt")
    assert record["model_args"]["filters"] == 8 and record["seed"] == 5


def test_default_dataset_follows_dexnet_source(tmp_path):
    params = tmp_path / "p.yaml"
    params.write_text("dexnet: {source: download}\n")
    assert layout.dexnet_dataset(load_params(params).dexnet, "suction") == Path(
        "data/dexnet/download/suction"
    )
    assert layout.dexnet_dataset(Params().dexnet, "suction") == Path("data/dexnet/synth/suction")


def test_dataset_mode_still_scores_rows(in_work, tiny_pj, capsys):
    assert main(["predict", "models/pj/model.pt", str(tiny_pj), "--out", "s.npy", "--device", "cpu"]) == 0
    assert _out(capsys)["rows"] == 1500
    assert np.load(in_work / "s.npy").shape == (1500,)


def test_predict_and_analyze_take_device_and_batch_size_from_params(in_work, tiny_pj, monkeypatch):
    """No flag: the params' ``device`` and the checkpoint model's ``eval_batch_size`` (512 in exp.yaml),
    as the evaluate stage runs; a flag still wins."""
    import dexgen.inference.analyze as analyze_module
    import dexgen.inference.predict as predict_module

    seen = []
    monkeypatch.setattr(predict_module, "predict", lambda *a, **kw: seen.append(kw) or _Scored())
    monkeypatch.setattr(analyze_module, "analyze", lambda *a, **kw: seen.append(kw) or {})
    assert main(["predict", "models/pj/model.pt", str(tiny_pj), "--params", "exp.yaml"]) == 0
    assert (
        main(["predict", "models/pj-fc/model.pt", str(tiny_pj), "--params", "exp.yaml", "--batch-size", "3"])
        == 0
    )
    (in_work / "gpu.yaml").write_text(yaml.safe_dump({**PARAMS, "device": "cuda:1"}))
    argv = ["analyze", "--model_path", "models/pj", "--model_name", "DexNetGQCNN", "--params", "gpu.yaml"]
    assert main(argv) == 0
    assert [(kw["device"], kw["batch_size"]) for kw in seen] == [("cpu", 512), ("cpu", 3), ("cuda:1", 512)]


class _Scored:
    scores = np.zeros(1, dtype=np.float32)
    metrics: dict = {}


def test_crop_score_equals_the_dataset_row(in_work, tiny_pj, crops, capsys):
    depth, poses = crops
    every = predict("models/pj/model.pt", tiny_pj, cache_dir=layout.PACKED, device="cpu")
    for row in (0, 7):
        np.save("crop.npy", depth[row])  # (32, 32, 1), the dataset layout
        argv = ["predict", "models/pj/model.pt", "--image", "crop.npy", "--pose", str(float(poses[row, 2]))]
        assert main(argv + ["--out", "one.npy", "--device", "cpu"]) == 0
        out = _out(capsys)
        assert out["p_success"] == pytest.approx(float(every.scores[row]), abs=1e-5)
        assert np.load("one.npy").shape == (1,)
    np.save("crop2d.npy", depth[3, :, :, 0])  # (32, 32) works too; default pose: depth at the centre
    assert main(["predict", "models/pj/model.pt", "--image", "crop2d.npy", "--device", "cpu"]) == 0
    assert _out(capsys)["pose"] == [pytest.approx(float(depth[3, 16, 16, 0]))]


def test_fc_heatmap_cells_equal_per_crop_scores(in_work, crops, capsys):
    depth, _ = crops
    image = _image(depth, 2, 3)  # 64 x 96
    np.save("big.npy", image)
    argv = ["predict", "models/pj-fc/model.pt", "--image", "big.npy", "--out", "heat.npy"]
    assert main(argv + ["--heatmap", "heat.png", "--device", "cpu"]) == 0
    out = _out(capsys)
    heat = np.load("heat.npy")
    assert heat.shape == (9, 17) == tuple(out["heatmap_shape"])
    assert (in_work / "heat.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    best = out["best"]
    assert heat[best["row"], best["col"]] == pytest.approx(best["p_success"]) == pytest.approx(heat.max())
    assert (best["x"], best["y"]) == (best["col"] * 4 + 16, best["row"] * 4 + 16)
    # independent answer: the GQ-CNN on each crop with that crop's centre depth as its pose
    for r, c in ((0, 0), (3, 5), (8, 16), (4, 11)):
        crop = image[4 * r : 4 * r + 32, 4 * c : 4 * c + 32]
        one = predict_image("models/pj/model.pt", crop, device="cpu")
        assert one.poses[0, 0, 0] == crop[16, 16]
        assert heat[r, c] == pytest.approx(float(one.scores[0, 0]), abs=1e-5)


def test_stride_1_heatmap_scores_every_pixel_like_its_own_crop(in_work, crops, capsys):
    image = _image(crops[0], 2, 2)[:, :45]  # 64 x 45: odd width
    np.save("big1.npy", image)
    argv = ["predict", "models/pj-fc/model.pt", "--image", "big1.npy", "--stride", "1", "--out", "h1.npy"]
    assert main(argv + ["--device", "cpu"]) == 0
    out = _out(capsys)
    heat = np.load("h1.npy")
    assert heat.shape == (33, 14) == tuple(out["heatmap_shape"]) and out["stride"] == 1
    assert (out["best"]["x"], out["best"]["y"]) == (out["best"]["col"] + 16, out["best"]["row"] + 16)
    for r, c in ((0, 0), (17, 5), (32, 13), (9, 2)):
        crop = image[r : r + 32, c : c + 32]
        assert heat[r, c] == pytest.approx(
            float(predict_image("models/pj/model.pt", crop, device="cpu").scores[0, 0]), abs=1e-5
        )
    slow = predict_image("models/pj/model.pt", image, sliding_window=True, stride=2, device="cpu")
    np.testing.assert_allclose(slow.scores, heat[::2, ::2], atol=1e-5)
    with pytest.raises(ConfigError, match="exact heatmaps at \\[1, 2, 4\\]"):
        predict_image("models/pj-fc/model.pt", image, stride=3, device="cpu")


def test_angle_bins_score_the_turned_image_and_map_the_best_grasp_back(in_work, crops, capsys):
    image = _image(crops[0], 2, 2)[:, :45]  # 64 x 45
    np.save("ang.npy", image)
    argv = ["predict", "models/pj-fc/model.pt", "--image", "ang.npy", "--angles", "4", "--stride", "2"]
    assert main(argv + ["--out", "ang_scores.npy", "--heatmap", "ang.png", "--device", "cpu"]) == 0
    out = _out(capsys)
    scores = np.load("ang_scores.npy")
    canvas = canvas_shape(image.shape)
    assert out["canvas"] == list(canvas) and out["angles"] == pytest.approx(
        [0, np.pi / 4, np.pi / 2, 3 * np.pi / 4]
    )
    assert (
        scores.shape
        == (4, (canvas[0] - 32) // 2 + 1, (canvas[1] - 32) // 2 + 1)
        == tuple(out["heatmap_shape"])
    )
    assert np.isnan(scores).any() and np.isfinite(scores).any()  # corners of the canvas are off the image
    best = out["best"]
    assert best["p_success"] == pytest.approx(np.nanmax(scores))
    assert 0 <= best["x"] <= 44 and 0 <= best["y"] <= 63
    assert (in_work / "ang.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # one bin is the unturned image: where the crops lie inside it, the plain heatmap (stride 1: the
    # canvas offset may be odd)
    plain = predict_image("models/pj-fc/model.pt", image, stride=1, device="cpu").scores
    zero = predict_angles("models/pj-fc/model.pt", image, 1, stride=1, device="cpu").scores[0]
    oy, ox = (canvas[0] - 64) // 2, (canvas[1] - 45) // 2
    np.testing.assert_allclose(zero[oy : oy + plain.shape[0], ox : ox + plain.shape[1]], plain, atol=1e-5)
    # any bin equals the sliding window on the same turned image
    turned = turn(image, np.pi / 4, canvas)
    slow = predict_image("models/pj/model.pt", turned, sliding_window=True, stride=2, device="cpu").scores
    finite = np.isfinite(scores[1])
    np.testing.assert_allclose(scores[1][finite], slow[finite], atol=1e-5)


def test_sliding_window_equals_fc_and_a_fixed_pose_equals_the_fc_forward(in_work, crops):
    image = _image(crops[0], 2, 2)
    fc = predict_image("models/pj-fc/model.pt", image, device="cpu")
    slow = predict_image("models/pj/model.pt", image, sliding_window=True, device="cpu")
    np.testing.assert_allclose(slow.scores, fc.scores, atol=1e-5)
    fixed = predict_image("models/pj-fc/model.pt", image, pose=[0.65], device="cpu")
    model, stats = model_from_checkpoint(load_checkpoint("models/pj-fc/model.pt"))
    d, p = stats.normalize(torch.from_numpy(image)[None, None], torch.tensor([[0.65]]))
    with torch.no_grad():
        direct = torch.softmax(model(d, p), 1)[0, 1].numpy()
        cells = fc_cell_logits(model, d, p.expand(fixed.scores.size, 1), fixed.scores.shape)
    np.testing.assert_allclose(fixed.scores, direct, atol=1e-6)
    assert cells.shape == (fixed.scores.size, 2)


def test_fc_checkpoint_scores_dataset_rows_like_the_gqcnn(in_work, tiny_pj):
    gq = predict("models/pj/model.pt", tiny_pj, cache_dir=layout.PACKED, device="cpu")
    fc = predict("models/pj-fc/model.pt", tiny_pj, cache_dir=layout.PACKED, device="cpu")
    np.testing.assert_allclose(fc.scores, gq.scores, atol=1e-5)
    with pytest.raises(InputError, match="no split saved beside the checkpoint"):
        predict("models/pj-fc/model.pt", tiny_pj, cache_dir=layout.PACKED, rows="val", device="cpu")


def test_gqcnn_on_a_large_image_says_convert_first(in_work, crops, capsys):
    np.save("big2.npy", _image(crops[0], 2, 2))
    assert main(["predict", "models/pj/model.pt", "--image", "big2.npy", "--device", "cpu"]) == 1
    err = capsys.readouterr().err
    assert "dexgen convert-weights --task parallel_jaw" in err and "--sliding-window" in err


@pytest.mark.parametrize(
    "array, match",
    [
        (np.full((32, 32), np.nan, np.float32), "1024 NaN or infinite depth pixels"),
        (np.zeros((32, 32, 3), np.float32), r"shape \(H, W\) or \(H, W, 1\)"),
        (np.zeros(32, np.float32), r"shape \(H, W\) or \(H, W, 1\)"),
        (np.array([["a"] * 32] * 32), "dtype <U1 is not float metres"),
    ],
)
def test_bad_depth_images_are_refused(tmp_path, array, match):
    path = tmp_path / "bad.npy"
    np.save(path, array)
    with pytest.raises(InputError, match=rf"bad\.npy: .*{match}"):
        load_depth_image(path)


def test_bad_inputs_are_refused(in_work, crops):
    crop = crops[0][0, :, :, 0]
    with pytest.raises(ConfigError, match=r"--pose takes 1 value\(s\) .*gripper depth \(m\).*got 2"):
        predict_image("models/pj/model.pt", crop, pose=[0.6, 0.1], device="cpu")
    with pytest.raises(ConfigError, match="finite"):
        predict_image("models/pj/model.pt", crop, pose=[float("nan")], device="cpu")
    with pytest.raises(InputError, match="smaller than"):
        predict_image("models/pj-fc/model.pt", crop[:20], device="cpu")
    with pytest.raises(InputError, match="depth image not found"):
        load_depth_image(in_work / "absent.npy")


@pytest.mark.parametrize(
    "argv, match",
    [
        (["predict", "m.pt"], "either a DATASET folder or --image"),
        (["predict", "m.pt", "data", "--image", "x.npy"], "either a DATASET folder or --image"),
        (["predict", "m.pt", "data", "--pose", "0.7"], "--pose applies to --image only"),
        (["predict", "m.pt", "data", "--sliding-window"], "--sliding-window applies to --image only"),
        (["predict", "m.pt", "data", "--stride", "1"], "--stride applies to --image only"),
        (["predict", "m.pt", "data", "--angles", "4"], "--angles applies to --image only"),
        (["predict", "m.pt", "--image", "x.npy", "--angles", "0"], "--angles takes a positive number"),
    ],
)
def test_predict_usage_errors(argv, match, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and match in capsys.readouterr().err


def test_analyze_writes_curves_metrics_timings_and_stats(in_work, tiny_pj, capsys):
    argv = ["analyze", "--model_path", "models/pj", "--model_name", "DexNetGQCNN", "--dataset", str(tiny_pj)]
    assert main(argv + ["--out", "analysis", "--repeats", "1", "--device", "cpu"]) == 0
    report = _out(capsys)
    for name in ("precision_recall.png", "roc.png", "score_histogram.png", "metrics.json", "analysis.json"):
        assert (in_work / "analysis" / name).is_file(), name
    record = load_checkpoint("models/pj/model.pt")
    for key in ("im_mean", "im_std", "pose_mean", "pose_std"):
        assert np.allclose(report["normalization"][key], record["stats"][key]), key
    assert 0.6 < report["normalization"]["im_mean"] < 0.75 and report["normalization"]["im_std"] > 0.01
    assert [t["batch_size"] for t in report["timings"]["inference"]] == [1, 64, 512]
    metrics = json.loads((in_work / "analysis/metrics.json").read_text())
    val = predict("models/pj/model.pt", tiny_pj, cache_dir=layout.PACKED, rows="val", device="cpu")
    assert metrics["num_datapoints"] == len(val.indices) < 1500
    assert metrics["roc_auc"] == pytest.approx(val.metrics["roc_auc"])


@pytest.mark.parametrize(
    "name, match",
    [
        ("EfficientNet", "holds a DexNetGQCNN, not the --model_name EfficientNet"),
        ("GQCNN", "'GQCNN' is not a model; valid names are"),
    ],
)
def test_analyze_refuses_a_mismatching_model_name(in_work, tiny_pj, name, match, capsys):
    argv = ["analyze", "--model_path", "models/pj", "--model_name", name, "--dataset", str(tiny_pj)]
    assert main(argv) == 1
    assert match in capsys.readouterr().err


def test_suction_needs_an_explicit_pose_of_two_values():
    from dexgen.inference.predict import _cell_poses

    depth = np.full((40, 40), 0.7, np.float32)
    kw = {"task": "suction", "pose_dim": 2, "shape": (3, 3), "c": 32, "stride": 4}
    with pytest.raises(ConfigError, match="suction checkpoint needs --pose with 2 values: gripper depth"):
        _cell_poses(depth, None, **kw)
    poses = _cell_poses(depth, [0.69, 0.3], **kw)
    assert poses.shape == (3, 3, 2) and np.allclose(poses[2, 1], [0.69, 0.3])
