"""A tiny stand-in for Dex-Net 5.0's ``dexnet/grasp_model.py`` (Apgoldberg1/Dex-Net-5.0), for tests.

Same module path, class names, state-dict keys, constructors and call signatures as the real file,
so ``benchmarks/vs_dexnet5.py`` runs on it unchanged; only the widths are tiny. Like the real
checkout, ``dexnet/`` has no ``__init__.py`` (a namespace package). Written for these tests; nothing
of Dex-Net 5.0 is copied.

- ``DexNetBase()(x (B, 1, 32, 32))`` -> sigmoid scores (B, 1): SAME-padded convs, one 2x2 pool, LRN,
  fc -> fc2 -> fc3; no pose input.
- ``BaseFCGQCNN()(x (B, 1, H, W))`` -> (B, 1, h, w) at stride 2, fc layers as conv5/conv6/conv7.
- ``HighResFCGQCNN()`` -> stride 1: the pool runs on four 1-pixel-shifted copies, interleaved.
- ``fakeFCGQCNN(gqcnn_model)(x)`` -> a heatmap shaped like ``x``, crop (i, j) scored at (i + 16, j + 16).
"""

import torch
from torch import nn

WIDTH = 4  # conv channels (64 in the real file)
HIDDEN = 8  # fc width (1024 in the real file)
CROP = 32


class DexNetBase(nn.Module):
    def __init__(self):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, WIDTH, 7, padding="same")
        self.conv2 = nn.Conv2d(WIDTH, WIDTH, 5, padding="same")
        self.maxpool = nn.MaxPool2d(2, 2)
        self.conv3 = nn.Conv2d(WIDTH, WIDTH, 3, padding="same")
        self.conv4 = nn.Conv2d(WIDTH, WIDTH, 3, padding="same")
        self.lrn = nn.LocalResponseNorm(size=2, alpha=2.0e-05, beta=0.75, k=1.0)
        self.fc = nn.Linear(WIDTH * 16 * 16, HIDDEN)
        self.fc2 = nn.Linear(HIDDEN, HIDDEN)
        self.fc3 = nn.Linear(HIDDEN, 1)
        self.sigmoid = nn.Sigmoid()

    def front(self, x):
        return self.lrn(self.relu(self.conv2(self.relu(self.conv1(x)))))

    def back(self, x):
        return self.lrn(self.relu(self.conv4(self.relu(self.conv3(self.maxpool(x))))))

    def forward(self, x):
        x = self.back(self.front(x)).flatten(1)
        return self.sigmoid(self.fc3(self.relu(self.fc2(self.relu(self.fc(x))))))


class BaseFCGQCNN(DexNetBase):
    def __init__(self):
        super().__init__()
        del self.fc, self.fc2, self.fc3
        self.conv5 = nn.Conv2d(WIDTH, HIDDEN, 16)
        self.conv6 = nn.Conv2d(HIDDEN, HIDDEN, 1)
        self.conv7 = nn.Conv2d(HIDDEN, 1, 1)

    def head(self, x):
        return self.sigmoid(self.conv7(self.relu(self.conv6(self.relu(self.conv5(x))))))

    def forward(self, x):
        return self.head(self.back(self.front(x)))


class HighResFCGQCNN(BaseFCGQCNN):
    def forward(self, x):
        x = self.front(x)
        h, w = x.shape[2] - 1, x.shape[3] - 1
        maps = {
            (dy, dx): self.head(self.back(x[:, :, dy : dy + h, dx : dx + w]))
            for dy in (0, 1)
            for dx in (0, 1)
        }
        b, c, mh, mw = maps[0, 0].shape
        out = torch.empty(b, c, 2 * mh, 2 * mw, dtype=x.dtype)
        for (dy, dx), part in maps.items():
            out[:, :, dy::2, dx::2] = part
        return out


class fakeFCGQCNN(nn.Module):
    def __init__(self, gqcnn_model):
        super().__init__()
        self.gqcnn = gqcnn_model

    def forward(self, x):
        heatmap = torch.zeros_like(x)
        half = CROP // 2
        for i in range(x.shape[2] - CROP + 1):
            for j in range(x.shape[3] - CROP + 1):
                score = self.gqcnn(x[:, :, i : i + CROP, j : j + CROP])
                heatmap[:, :, i + half, j + half] = score.reshape(x.shape[0], 1)
        return heatmap
