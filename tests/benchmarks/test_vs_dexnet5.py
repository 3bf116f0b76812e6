"""benchmarks/vs_dexnet5.py on a tiny stand-in for Dex-Net 5.0 (``fake_dexnet5/``, same module paths,
class names and signatures): every figure is written and positive, our stride-1 heatmap equals our
sliding window, and a bad ``--dexnet5-src`` exits 2 naming the path. Never checks a time."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[2]
FAKE = Path(__file__).resolve().parent / "fake_dexnet5"


def _script():
    spec = importlib.util.spec_from_file_location("vs_dexnet5", ROOT / "benchmarks" / "vs_dexnet5.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve string annotations through it
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # every benchmark of the script, quick sizes: ~15 s
def test_quick_run_writes_every_figure(tmp_path, capsys):
    out = tmp_path / "bench" / "vs_dexnet5.json"
    assert _script().main(["--dexnet5-src", str(FAKE), "--quick", "--out", str(out)]) == 0
    result = json.loads(out.read_text())
    rows = [*result["inference"], result["training"]]
    assert [r["batch"] for r in result["inference"]] == [1, 4]
    for row in rows:
        assert row["ours_samples_per_s"] > 0 and row["theirs_samples_per_s"] > 0 and row["speedup"] > 0
    heat = result["heatmap"]
    for key in ("ours_positions_per_s", "theirs_positions_per_s", "speedup", "ours_images_per_s"):
        assert heat[key] > 0, key
    assert heat["ours_positions"] == (48 - 32 + 1) ** 2 and heat["theirs_positions"] == 16**2
    error = result["sliding_window_error"]
    assert 0 <= error["ours_max_abs"] <= 1e-5
    assert 0 <= error["theirs_max_abs"] < 1
    assert result["params"]["ours"] > 0 and result["params"]["theirs"] > 0
    loader = result["loader"]
    assert loader["points"] == 600 and loader["theirs_workers"] == 2
    for key in ("samples_per_s", "peak_pss_mb", "peak_anon_mb"):
        assert loader[f"ours_{key}"] > 0 and loader[f"theirs_{key}"] > 0, key
    assert loader["speedup"] > 0 and loader["memory_ratio"] > 0
    assert result["dexnet5_module"] == str(FAKE / "dexnet" / "grasp_model.py")
    roof = result["roofline"]
    assert roof["peak_gflops"] == max(roof["gemm_gflops"], roof["conv1_2_gflops"]) > 0
    convs = 26**2 * 49 * 64 + 22**2 * 25 * 64 * 64 + 9**2 * 9 * 64 * 64 + 7**2 * 9 * 64 * 64  # valid padding
    dense = 576 * 1024 + 1024 * 1024 + 1 * 16 + 16 * 1024 + 1024 * 2  # fc3, fc4 (image, pose), pc1, fc5
    assert roof["ours_mflop_per_sample"] == pytest.approx(2 * (convs + dense) / 1e6)
    assert 2 < roof["ours_train_mflop_per_sample"] / roof["ours_mflop_per_sample"] < 3.5  # + the backward
    for row in rows:
        assert row["ceiling_speedup"] > 0 and row["ours_gflops"] > 0 and row["theirs_gflops"] > 0
    assert "speed-up" in capsys.readouterr().out


def test_their_sliding_window_without_fakefcgqcnn_matches_theirs():
    script = _script()
    dexnet5 = script.import_dexnet5(FAKE)
    torch.manual_seed(0)
    base, x = dexnet5.DexNetBase().eval(), torch.randn(2, 1, 36, 35)

    class NoFake:  # the module without fakeFCGQCNN: the crops are cut by the script
        DexNetBase = dexnet5.DexNetBase

    with torch.no_grad():
        expected = dexnet5.fakeFCGQCNN(base)(x)
        assert torch.allclose(script.their_sliding_window(NoFake, base, x), expected, atol=1e-6)


def test_bad_source_exits_2_naming_the_path(tmp_path, capsys):
    script = _script()
    missing = tmp_path / "no-such-checkout"
    assert script.main(["--dexnet5-src", str(missing), "--out", str(tmp_path / "o.json")]) == 2
    assert str(missing) in capsys.readouterr().err
    empty = tmp_path / "empty"
    empty.mkdir()
    assert script.main(["--dexnet5-src", str(empty), "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert str(empty) in err and "dexnet/grasp_model.py" in err
    models_only = tmp_path / "models-only"
    (models_only / "dexnet").mkdir(parents=True)
    (models_only / "dexnet" / "grasp_model.py").write_text((FAKE / "dexnet" / "grasp_model.py").read_text())
    assert script.main(["--dexnet5-src", str(models_only), "--out", str(tmp_path / "o.json")]) == 2
    err = capsys.readouterr().err
    assert str(models_only) in err and "has no dexnet/torch_dataset.py (" in err
    assert not (tmp_path / "o.json").exists()
