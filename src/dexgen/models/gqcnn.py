"""DexNetGQCNN: the Dex-Net 2.0 / 3.0 grasp-quality CNN, with the gripper-depth input.

Architecture (gqcnn ``network_tf.py``, ``reference/dexnet.md`` §5): conv 7x7x64, conv 5x5x64 + LRN +
2x2 pool, conv 3x3x64, conv 3x3x64 + LRN [+ 2x2 pool], fc3 1024; the pose stream pc1 (16, 128 for
Dex-Net 3.0); merge fc4 = relu(W_im fc3 + W_pose pc1 + b); fc5 -> 2 logits, p(success) =
softmax[:, 1]. With ``padding: same`` and two pools this is the current gqcnn 2.0 config (5,442,914
parameters); ``padding: valid`` (the default) makes the network convertible into an FC-GQ-CNN that
equals the sliding window exactly. ``use_pose: false`` drops the pose stream (Dex-Net 5.0's
image-only variant). Dex-Net 5.0 fed the angle column instead of depth; the pose columns are chosen
by the task (:mod:`dexgen.dexnet.fields`), not here.

TF's ``local_response_normalization(depth_radius=2, alpha=2e-5, beta=0.75, bias=1)`` equals
``nn.LocalResponseNorm(5, alpha=1e-4, beta=0.75, k=1)`` (PyTorch divides alpha by the window size);
:func:`local_response_norm` computes the same with one GEMM over channels-last pixels instead of
``avg_pool3d`` and ``pow`` (LRN took 34-40 % of Dex-Net 5.0's inference time). The one-channel first
conv runs as one GEMM over its patches (:func:`conv_one_channel`), where oneDNN is slow.
"""

from __future__ import annotations

import functools
import math

import torch
import torch.nn.functional as F
from torch import nn

from dexgen.params.models import CONVS, GQCNNConfig, conv_layers, feature_size

LRN_RADIUS, LRN_ALPHA, LRN_BIAS = 2, 2e-5, 1.0  # TF's depth_radius, alpha, bias; beta is 0.75
# Samples per pass when scoring without gradients: a 32-sample pass keeps the 64-channel activations in
# cache, 2x the samples/s of one 512-sample pass on 2 cores (benchmarks/vs_dexnet5.py).
INFERENCE_CHUNK = 32


@functools.cache
def _lrn_window(
    channels: int, radius: int, alpha: float, dtype: torch.dtype, device: torch.device
) -> torch.Tensor:
    """(C, C) matrix: ``alpha`` where channels are within ``radius`` of each other, else 0.

    Made outside inference mode: a cached inference tensor could not be saved for a later backward.
    """
    with torch.inference_mode(False):
        c = torch.arange(channels, device=device)
        return ((c[:, None] - c[None, :]).abs() <= radius).to(dtype) * alpha


def local_response_norm(
    x: torch.Tensor, radius: int = LRN_RADIUS, alpha: float = LRN_ALPHA, bias: float = LRN_BIAS
) -> torch.Tensor:
    """TF's ``local_response_normalization`` with beta 0.75 over channels of ``x`` (B, C, H, W).

    ``x / (bias + alpha * sum_{|c' - c| <= radius} x[c']**2) ** 0.75``; channels beyond the edges count 0.
    The window sum is one GEMM of the channels-last squares with a banded matrix: 1.5-2.5x faster on CPU
    than shifted adds over channel slices, which are strided in the channels-last layout.
    """
    window = _lrn_window(x.shape[1], radius, alpha, x.dtype, x.device)
    d = torch.matmul((x * x).movedim(1, -1), window).add_(bias)  # (B, H, W, C)
    return x * (d * d.sqrt()).rsqrt().movedim(-1, 1)  # d ** -0.75


def conv_one_channel(x: torch.Tensor, conv: nn.Conv2d) -> torch.Tensor:
    """``conv(x)`` for a one-channel, stride-1 ``conv`` as one GEMM over its k x k patches.

    oneDNN runs a one-channel 7x7 layer at a fifth of its rate on the next layer; this is ~3x faster on
    the 32-crop inference chunks and as fast at batch 256. The output is channels-last, as the next
    conv wants it.
    """
    (kh, kw), (ph, pw) = conv.kernel_size, conv.padding
    if ph or pw:
        x = F.pad(x, (pw, pw, ph, ph))
    patches = x[:, 0].unfold(1, kh, 1).unfold(2, kw, 1)  # (B, h, w, kh, kw), a view
    b, h, w = patches.shape[:3]
    out = torch.addmm(
        conv.bias, patches.reshape(b * h * w, kh * kw), conv.weight.reshape(len(conv.weight), -1).t()
    )
    return out.view(b, h, w, -1).movedim(-1, 1)


def _conv(x: torch.Tensor, conv: nn.Conv2d, dilation: int = 1) -> torch.Tensor:
    if conv.in_channels == 1 and dilation == 1 and conv.stride == (1, 1) and conv.bias is not None:
        return conv_one_channel(x, conv)
    return F.conv2d(x, conv.weight, conv.bias, padding=conv.padding, dilation=dilation)


def _trunc_normal_(tensor: torch.Tensor, std: float) -> None:
    nn.init.trunc_normal_(tensor, std=std, a=-2 * std, b=2 * std)


class ConvStack(nn.Module):
    """The shared conv trunk: (B, 1, H, W) normalised depth -> (B, filters, h, w)."""

    def __init__(self, cfg: GQCNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        in_ch = 1
        for name, k, _, _ in conv_layers(cfg):
            pad = k // 2 if cfg.padding == "same" else 0
            setattr(self, name, nn.Conv2d(in_ch, cfg.filters, k, padding=pad))
            in_ch = cfg.filters
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.contiguous(memory_format=torch.channels_last)  # oneDNN's native layout: no reorders
        for name, _, pool, lrn in conv_layers(self.cfg):
            x = _conv(x, getattr(self, name)).relu_()  # in place: no fresh buffer to fault in
            if lrn and self.cfg.lrn:
                x = local_response_norm(x)
            if pool:
                x = F.max_pool2d(x, 2, 2, ceil_mode=self.cfg.padding == "same")
        return x

    def dense(self, x: torch.Tensor, stride: int) -> tuple[torch.Tensor, int]:
        """The trunk evaluated at every ``stride``-th crop position at once (à trous): the first pools
        keep their stride until the product reaches ``stride``; each later pool runs at stride 1 and
        dilates everything after it by 2, so each output position sees exactly the pixels its crop
        would. Returns the feature map and the dilation the layer after the trunk needs.
        """
        if self.cfg.padding != "valid":
            raise ValueError("dense evaluation at any stride needs padding: valid (SAME pads every crop)")
        if stride < 1 or self.cfg.stride % stride:
            raise ValueError(f"stride {stride} must divide the network's pool stride {self.cfg.stride}")
        dilation, strided = 1, stride
        for name, _, pool, lrn in conv_layers(self.cfg):
            x = _conv(x, getattr(self, name), dilation).relu_()
            if lrn and self.cfg.lrn:
                x = local_response_norm(x)
            if pool and strided > 1:
                x, strided = F.max_pool2d(x, 2, 2), strided // 2
            elif pool:
                x, dilation = F.max_pool2d(x, 2, 1, dilation=dilation), dilation * 2
        return x, dilation


class DexNetGQCNN(nn.Module):
    """Grasp-quality CNN. ``forward(depth (B, 1, 32, 32), pose (B, P))`` -> logits (B, 2).

    Inputs are normalised (:class:`dexgen.dexnet.stats.NormStats`); ``softmax(logits)[:, 1]`` is the
    predicted probability of success.
    """

    def __init__(self, cfg: GQCNNConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.trunk = ConvStack(cfg)
        fd = feature_size(cfg)
        self.fc3 = nn.Linear(cfg.filters * fd * fd, cfg.fc3_size)
        self.fc4_im = nn.Linear(cfg.fc3_size, cfg.fc4_size)
        if cfg.use_pose:
            self.pc1 = nn.Linear(cfg.pose_dim, cfg.pose_fc_size)
            self.fc4_pose = nn.Linear(cfg.pose_fc_size, cfg.fc4_size, bias=False)
        self.fc5 = nn.Linear(cfg.fc4_size, 2)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """gqcnn's init: weights and biases ~ truncated normal(std sqrt(2 / fan_in)), final bias 0."""
        layers = [getattr(self.trunk, n) for n, *_ in CONVS] + [self.fc3, self.fc5]
        if self.cfg.use_pose:
            layers.append(self.pc1)
        for layer in layers:
            fan_in = layer.weight[0].numel()
            _trunc_normal_(layer.weight, math.sqrt(2 / fan_in))
            _trunc_normal_(layer.bias, math.sqrt(2 / fan_in))
        merge_fan = self.cfg.fc3_size + (self.cfg.pose_fc_size if self.cfg.use_pose else 0)
        _trunc_normal_(self.fc4_im.weight, math.sqrt(2 / merge_fan))
        _trunc_normal_(self.fc4_im.bias, math.sqrt(2 / merge_fan))
        if self.cfg.use_pose:
            _trunc_normal_(self.fc4_pose.weight, math.sqrt(2 / merge_fan))
        nn.init.zeros_(self.fc5.bias)

    def merge(self, im: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        """fc4 pre-activation from fc3 features (B, fc3) and pose (B, P)."""
        out = self.fc4_im(im)
        if self.cfg.use_pose:
            out = out + self.fc4_pose(F.relu(self.pc1(pose)))
        return out

    def forward(self, depth: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        n = len(depth)
        if n > INFERENCE_CHUNK and not torch.is_grad_enabled():
            return torch.cat(
                [
                    self._forward(depth[i : i + INFERENCE_CHUNK], pose[i : i + INFERENCE_CHUNK])
                    for i in range(0, n, INFERENCE_CHUNK)
                ]
            )
        return self._forward(depth, pose)

    def _forward(self, depth: torch.Tensor, pose: torch.Tensor) -> torch.Tensor:
        x = self.trunk(depth).flatten(1)  # (B, C*fd*fd), C-major like nn.Linear's kernel reshape
        x = F.relu(self.fc3(x))
        x = F.relu(self.merge(x, pose))
        return self.fc5(x)  # (B, 2)
