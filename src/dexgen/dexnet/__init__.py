"""Dex-Net 2.0 / 3.0 tensors datasets: format, splits, fast packed loader, statistics, augmentation."""
