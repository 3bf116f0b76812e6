"""Augmentation: noise on raw metres before normalisation; flips and 180-degree rotations."""

import numpy as np
import pytest
import torch

from dexgen.dexnet.stats import NormStats
from dexgen.learn.augment import add_noise, prepare_batch, symmetrize
from dexgen.params.learn import AugmentConfig
from dexgen.seeding import rng_for

STATS = NormStats(im_mean=0.7, im_std=0.03, pose_mean=(0.65,), pose_std=(0.05,))


def test_noise_is_added_in_metres_before_normalisation():
    depth = torch.full((400, 1, 32, 32), 0.7)
    pose = torch.full((400, 1), 0.65)
    cfg = AugmentConfig(gamma_shape=0.0, gp_prob=1.0, gp_sigma=0.005, gp_grid=32, symmetrize=False)
    clean, _ = prepare_batch(depth, pose, STATS)
    noisy, _ = prepare_batch(depth, pose, STATS, augment=cfg, rng=rng_for(0, "aug"))
    # noise of 5 mm in metres is 5 mm / im_std in normalised units (Dex-Net 5.0 added 0.005 after
    # normalisation, i.e. 0.15 mm in metres)
    noise_m = (noisy - clean) * STATS.im_std  # a 32x32 grid is not resampled
    assert float(noise_m.std()) == pytest.approx(0.005, rel=0.02)


def test_gamma_noise_is_multiplicative_with_unit_mean():
    depth = torch.full((4000, 1, 2, 2), 0.7)
    out = add_noise(depth, AugmentConfig(gp_sigma=0.0), rng_for(0, "g"))
    ratio = (out[:, 0, 0, 0] / 0.7).double()
    assert float(ratio.mean()) == pytest.approx(1.0, abs=2e-3)
    assert float(ratio.std()) == pytest.approx(1 / np.sqrt(1000), rel=0.1)
    assert torch.allclose(out[:, 0, 0, 0], out[:, 0, 1, 1])  # one factor per image


def test_symmetrize_gives_dihedral_variants_and_negates_suction_angle():
    base = torch.arange(16.0).reshape(1, 1, 4, 4).repeat(64, 1, 1, 1)
    pose = torch.tensor([[0.6, 0.3]]).repeat(64, 1)
    out, out_pose = symmetrize(base, pose, rng_for(0, "sym"), negate=(1,))
    b = base[0, 0]
    variants = {
        "id": (b, 1),
        "lr": (b.flip(-1), 1),
        "ud": (b.flip(-2), -1),
        "rot": (b.flip(-1, -2), -1),
    }
    seen = set()
    for img, p in zip(out[:, 0], out_pose):
        name = next(n for n, (v, _) in variants.items() if torch.equal(img, v))
        seen.add(name)
        assert float(p[1]) == pytest.approx(0.3 * variants[name][1])
        assert float(p[0]) == pytest.approx(0.6)
    assert seen == set(variants)


def test_augmentation_is_seeded():
    depth = torch.rand(8, 1, 32, 32) * 0.1 + 0.65
    pose = torch.rand(8, 1)
    a = prepare_batch(depth, pose, STATS, augment=AugmentConfig(), rng=rng_for(1, "a"))
    b = prepare_batch(depth, pose, STATS, augment=AugmentConfig(), rng=rng_for(1, "a"))
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    with pytest.raises(ValueError, match="seeded"):
        prepare_batch(depth, pose, STATS, augment=AugmentConfig())
