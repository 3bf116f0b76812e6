"""Models: shapes over the registry, gqcnn's parameter count, TF-equivalent LRN, FC = sliding window."""

import dataclasses

import numpy as np
import pytest
import torch

from dexgen.errors import ConfigError, InputError
from dexgen.models.fcgqcnn import DexNetFCGQCNN, fakeFCGQCNN, gqcnn_to_fcgqcnn
from dexgen.models.gqcnn import DexNetGQCNN, conv_one_channel, local_response_norm
from dexgen.models.registry import MODELS, get_model, is_heatmap, model_config
from dexgen.params.models import EfficientNetConfig, GQCNNConfig

SMALL = {"filters": 8, "fc3_size": 32, "fc4_size": 32}


def small_config(name, **kw):
    if MODELS[name][1] is EfficientNetConfig:
        return EfficientNetConfig(input_size=32, **kw)
    return GQCNNConfig(**SMALL, **kw)


@pytest.mark.parametrize("name", sorted(MODELS))
@pytest.mark.parametrize("pose_dim", [1, 2])
def test_forward_shape(name, pose_dim):
    torch.manual_seed(0)
    model = get_model(name, small_config(name, pose_dim=pose_dim)).eval()
    side = 64 if is_heatmap(name) else 32
    with torch.no_grad():
        out = model(torch.randn(3, 1, side, side), torch.randn(3, pose_dim))
    assert out.shape == ((3, 2, 9, 9) if is_heatmap(name) else (3, 2))
    assert torch.isfinite(out).all()


@pytest.mark.parametrize("name", ["DexNetGQCNN", "EfficientNet"])
def test_pose_input_reaches_the_output(name):
    torch.manual_seed(0)
    model = get_model(name, small_config(name)).eval()
    depth = torch.randn(2, 1, 32, 32)
    with torch.no_grad():
        a, b = model(depth, torch.zeros(2, 1)), model(depth, torch.full((2, 1), 3.0))
    assert not torch.allclose(a, b)
    image_only = get_model(name, small_config(name, use_pose=False)).eval()
    with torch.no_grad():
        assert torch.equal(image_only(depth, torch.zeros(2, 1)), image_only(depth, torch.ones(2, 1)))


def test_gqcnn_parameter_count_matches_gqcnn_config():
    model = DexNetGQCNN(GQCNNConfig(padding="same"))  # gqcnn's current Dex-Net 2.0 config
    assert sum(p.numel() for p in model.parameters()) == 5_442_914


def test_lrn_equals_tensorflow_formula():
    x = torch.rand(2, 9, 3, 3, dtype=torch.float64) * 40
    sq = x.numpy() ** 2
    padded = np.pad(sq, ((0, 0), (2, 2), (0, 0), (0, 0)))
    window = sum(padded[:, i : i + 9] for i in range(5))
    expected = x.numpy() / (1.0 + 2e-5 * window) ** 0.75  # tf.nn.local_response_normalization(r=2)
    np.testing.assert_allclose(local_response_norm(x).numpy(), expected, rtol=1e-12)
    torch_lrn = torch.nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1.0)
    np.testing.assert_allclose(torch_lrn(x).numpy(), expected, rtol=1e-10)


def test_lrn_layout_does_not_change_the_result():
    x = torch.rand(3, 64, 7, 5) * 30
    last = local_response_norm(x.contiguous(memory_format=torch.channels_last))
    torch.testing.assert_close(last, local_response_norm(x.contiguous()), rtol=1e-6, atol=0)
    assert last.is_contiguous(memory_format=torch.channels_last)


@pytest.mark.parametrize("padding", [0, 3])
def test_one_channel_conv_equals_conv2d(padding):
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(1, 16, 7, padding=padding).double()
    x = torch.randn(4, 1, 19, 23, dtype=torch.float64)
    out = conv_one_channel(x, conv)
    torch.testing.assert_close(out, conv(x), rtol=1e-12, atol=1e-12)
    assert out.is_contiguous(memory_format=torch.channels_last)  # what the next conv reads without a reorder


def test_gqcnn_trains_after_an_inference_mode_pass():
    """The LRN window is cached; made under inference mode it could not be saved for a backward."""
    model = DexNetGQCNN(GQCNNConfig(**SMALL))
    with torch.inference_mode():
        model(torch.randn(2, 1, 32, 32), torch.randn(2, 1))
    model(torch.randn(2, 1, 32, 32), torch.randn(2, 1)).sum().backward()
    assert model.trunk.conv1_1.weight.grad is not None and model.trunk.conv1_1.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("use_pose", [True, False])
@pytest.mark.parametrize("pool2", [True, False])
def test_fc_equals_sliding_window(use_pose, pool2):
    cfg = GQCNNConfig(**SMALL, pose_dim=2, use_pose=use_pose, pool2=pool2)
    torch.manual_seed(1)
    gq = DexNetGQCNN(cfg).double().eval()
    fc = DexNetFCGQCNN(cfg).double().eval()
    fake = fakeFCGQCNN(cfg).double().eval()
    fc.load_state_dict(gqcnn_to_fcgqcnn(gq.state_dict(), cfg))
    fake.load_state_dict(gq.state_dict())
    depth = torch.randn(2, 1, 70, 57, dtype=torch.float64)
    pose = torch.randn(2, 2, dtype=torch.float64)
    with torch.no_grad():
        a, b = fc(depth, pose), fake(depth, pose)
        # cell (i, j) is the GQ-CNN on the crop at (i * stride, j * stride), checked independently
        i, j, s = 3, 2, cfg.stride
        crop = gq(depth[:, :, i * s : i * s + 32, j * s : j * s + 32], pose)
    assert a.shape == b.shape == (2, 2, (70 - 32) // s + 1, (57 - 32) // s + 1)
    assert (a - b).abs().max().item() < 1e-10
    assert (a[:, :, i, j] - crop).abs().max().item() < 1e-10


@pytest.mark.parametrize(("pool2", "stride"), [(True, 1), (True, 2), (True, 4), (False, 1), (False, 2)])
@pytest.mark.parametrize("size", [(70, 57), (33, 41)])
def test_dense_heatmap_at_any_stride_equals_the_sliding_window(pool2, stride, size):
    """Every cell at stride 1, 2 or 4, on odd image sizes, is the GQ-CNN on that cell's own crop."""
    cfg = GQCNNConfig(**SMALL, pose_dim=2, pool2=pool2)
    torch.manual_seed(3)
    gq = DexNetGQCNN(cfg).double().eval()
    fc, fake = DexNetFCGQCNN(cfg).double().eval(), fakeFCGQCNN(cfg).double().eval()
    fc.load_state_dict(gqcnn_to_fcgqcnn(gq.state_dict(), cfg))
    fake.load_state_dict(gq.state_dict())
    depth = torch.randn(2, 1, *size, dtype=torch.float64)
    pose = torch.randn(2, 2, dtype=torch.float64)
    with torch.no_grad():
        a, b = fc(depth, pose, stride), fake(depth, pose, stride)
        i, j = (size[0] - 32) // stride, 1  # the last row: crops that end at the image's edge
        crop = gq(depth[:, :, i * stride : i * stride + 32, j * stride : j * stride + 32], pose)
    assert a.shape == b.shape == (2, 2, (size[0] - 32) // stride + 1, (size[1] - 32) // stride + 1)
    assert (a - b).abs().max().item() < 1e-10
    assert (a[:, :, i, j] - crop).abs().max().item() < 1e-10


def test_dense_heatmap_refuses_what_it_cannot_do_exactly():
    fc = DexNetFCGQCNN(GQCNNConfig(**SMALL)).eval()
    with pytest.raises(ValueError, match="must divide"):
        fc(torch.randn(1, 1, 40, 40), torch.randn(1, 1), 3)
    same = DexNetFCGQCNN(GQCNNConfig(**SMALL, padding="same")).eval()
    with pytest.raises(ValueError, match="padding: valid"):
        same(torch.randn(1, 1, 40, 40), torch.randn(1, 1), 1)


def test_fc_equals_sliding_window_in_float32_on_128px():
    cfg = GQCNNConfig()
    torch.manual_seed(2)
    gq = DexNetGQCNN(cfg).eval()
    fc, fake = DexNetFCGQCNN(cfg).eval(), fakeFCGQCNN(cfg).eval()
    fc.load_state_dict(gqcnn_to_fcgqcnn(gq.state_dict(), cfg))
    fake.load_state_dict(gq.state_dict())
    depth, pose = torch.randn(1, 1, 128, 128), torch.randn(1, 1)
    with torch.no_grad():
        pa, pb = torch.softmax(fc(depth, pose), 1), torch.softmax(fake(depth, pose), 1)
    assert pa.shape == (1, 2, 25, 25)
    assert (pa - pb).abs().max().item() <= 1e-5


def test_conversion_refuses_mismatched_weights():
    cfg = GQCNNConfig(**SMALL)
    state = DexNetGQCNN(cfg).state_dict()
    missing = {k: v for k, v in state.items() if k != "fc3.weight"}
    with pytest.raises(InputError, match="lack key 'fc3.weight'"):
        gqcnn_to_fcgqcnn(missing, cfg)
    with pytest.raises(InputError, match="unexpected key 'extra.bias'"):
        gqcnn_to_fcgqcnn({**state, "extra.bias": torch.zeros(1)}, cfg)
    wrong = dict(state, **{"fc5.weight": torch.zeros(2, 7)})
    with pytest.raises(InputError, match=r"'fc5.weight' has shape \(2, 7\), expected \(2, 32\)"):
        gqcnn_to_fcgqcnn(wrong, cfg)
    other = DexNetGQCNN(dataclasses.replace(cfg, filters=4)).state_dict()
    with pytest.raises(InputError, match="trunk.conv1_1.weight"):
        gqcnn_to_fcgqcnn(other, cfg)


def test_unknown_model_name_lists_valid_ones():
    with pytest.raises(ConfigError, match=r"unknown model name 'ResNet'.*DexNetGQCNN.*EfficientNet"):
        get_model("ResNet", GQCNNConfig())
    with pytest.raises(ConfigError, match="takes a EfficientNetConfig"):
        get_model("EfficientNet", GQCNNConfig())
    with pytest.raises(ConfigError, match="unknown key"):
        model_config("DexNetGQCNN", {"filterz": 3}, where="params.yaml:models.DexNetGQCNN.arch")
    with pytest.raises(ConfigError, match="padding"):
        model_config("DexNetGQCNN", {"padding": "reflect"}, where="p")
