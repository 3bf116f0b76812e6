"""Augmentation: noise on raw metres before normalisation; flips and 180-degree rotations."""

import numpy as np
import pytest
import torch

from dexgen.dexnet.stats import NormStats
from dexgen.learn.augment import add_noise, prepare_batch, symmetrize, upsampler
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


@pytest.mark.parametrize("scales_pose", [True, False])
def test_gamma_factor_scales_the_gripper_depth_with_the_image(scales_pose):
    """A depth-scale error moves the gripper with the surface: depth / gripper depth is kept, angles stay."""
    depth, pose = torch.full((300, 1, 4, 4), 0.7), torch.tensor([[0.65, 0.3]]).repeat(300, 1)
    cfg = AugmentConfig(gp_sigma=0.0, symmetrize=False, gamma_scales_pose=scales_pose)
    stats = NormStats(im_mean=0.0, im_std=1.0, pose_mean=(0.0, 0.0), pose_std=(1.0, 1.0))
    out, out_pose = prepare_batch(depth, pose, stats, augment=cfg, rng=rng_for(0, "gp"), depth_columns=(0,))
    assert float(out[:, 0, 0, 0].std()) > 0.01  # the image was scaled
    ratio = out[:, 0, 0, 0] / out_pose[:, 0]
    if scales_pose:
        assert torch.allclose(ratio, torch.full((300,), 0.7 / 0.65))
    else:
        assert torch.equal(out_pose[:, 0], pose[:, 0])
    assert torch.equal(out_pose[:, 1], pose[:, 1])


@pytest.mark.parametrize("grid, size", [(8, (32, 32)), (5, (32, 20)), (4, (7, 9))])
def test_upsampling_matrix_is_torch_bicubic(grid, size):
    """The batched matrix product gives F.interpolate's bicubic upsampling, image by image."""
    coarse = torch.randn(6, 1, grid, grid)
    expected = torch.nn.functional.interpolate(coarse, size=size, mode="bicubic", align_corners=False)
    got = (coarse.reshape(6, -1) @ upsampler(grid, *size)).view(6, 1, *size)
    assert torch.allclose(got, expected, atol=1e-6)


def test_gamma_noise_is_multiplicative_with_unit_mean():
    depth = torch.full((4000, 1, 2, 2), 0.7)
    out, scale = add_noise(depth, AugmentConfig(gp_sigma=0.0), rng_for(0, "g"))
    assert torch.allclose(out[:, 0, 0, 0], 0.7 * torch.from_numpy(scale))
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
